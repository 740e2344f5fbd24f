"""What every key-account page shares: the section tabs and the org-unit filter."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.params import query_params

from ..selectors import units_for

SECTIONS = [
    ("overview", gettext_lazy("Customer matrix")),
    ("plans", gettext_lazy("Account plans")),
    ("targets", gettext_lazy("Targets and coverage")),
    ("commitments", gettext_lazy("Commitments")),
    ("renewals", gettext_lazy("Renewals")),
    ("funnel", gettext_lazy("Funnel")),
    ("pipeline", gettext_lazy("Sales pipeline")),
    ("presales", gettext_lazy("Pre-sales")),
    ("collections", gettext_lazy("Collections")),
    ("criteria", gettext_lazy("Tier criteria")),
]


class Section:
    """Mixin: the section tabs every page of this app shows."""

    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = [
            {"name": n, "label": label, "active": n == self.section} for n, label in SECTIONS
        ]
        return context


def _unit_param(request):
    unit_id = query_params(request).id("unit")
    return None if unit_id is None else units_for(request.user).filter(pk=unit_id).first()
