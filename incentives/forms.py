"""Forms of credit sharing's pages (the services check everything again)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from core import policy
from core.choices import Currency
from core.forms import UserForm

from .choices import CreditSeat, ReportGrouping

SHARE_ROWS = 5
PCT = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


class CreditDefaultForm(UserForm):
    ar_pct = forms.DecimalField(label=_("AR share (%)"), **PCT)
    sr_pct = forms.DecimalField(label=_("SR share (%)"), **PCT)
    fr_pct = forms.DecimalField(label=_("FR share (%)"), **PCT)
    partner_pct = forms.DecimalField(label=_("Partner manager share (%)"), **PCT)


class CreditSplitForm(UserForm):
    """Up to five shares (seat, person, percent) and the reason; empty rows are ignored."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, opportunity=None, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.opportunity = opportunity
        choices = [("", "—"), *((p.pk, str(p)) for p in people)]
        for i in range(SHARE_ROWS):
            self.fields[f"seat_{i}"] = forms.ChoiceField(
                label=_("Seat"), choices=[("", "—"), *CreditSeat.choices], required=False
            )
            self.fields[f"user_{i}"] = forms.TypedChoiceField(
                label=_("Person"), choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"pct_{i}"] = forms.DecimalField(
                label=_("Share (%)"), required=False, **PCT
            )

    def shares(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"seat": data[f"seat_{i}"], "user": data[f"user_{i}"], "pct": str(data[f"pct_{i}"])}
            for i in range(SHARE_ROWS)
            if data.get(f"seat_{i}") and data.get(f"user_{i}") and data.get(f"pct_{i}") is not None
        ]

    def rows(self):
        return [(self[f"seat_{i}"], self[f"user_{i}"], self[f"pct_{i}"]) for i in range(SHARE_ROWS)]


class ReportForm(UserForm):
    grouping = forms.ChoiceField(
        label=_("Grouping"), choices=ReportGrouping.choices, required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), *((q, f"Q{q}") for q in range(1, 5))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12, required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        units = OrgUnit.objects.all()
        if not policy.is_admin(self.user):
            root = self.user.org_unit
            units = units.filter(path__startswith=root.path) if root else units.none()
        self.fields["org_unit"].queryset = units


def candidates(opportunity, by: User):
    """The people offered on the split form: the deal's seats, its partner's manager, and the
    colleagues `by` may put on it (the service judges again)."""
    ids = set(opportunity.team.members.values_list("user_id", flat=True))
    if opportunity.partner_id and opportunity.partner.manager_id:
        ids.add(opportunity.partner.manager_id)
    seatable = policy.seatable_people(by, opportunity.org_unit)
    return (User.objects.filter(pk__in=ids) | seatable).distinct().order_by("username")[:300]
