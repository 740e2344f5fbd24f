"""The report builder's forms: what to show (a definition) and how to keep it (name, shares,
schedule). The definition is checked by `definition.clean_definition`, which names what is
wrong; these forms only offer the catalogue's choices in the reader's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from core.choices import Currency
from core.forms import DateField, DateInput

from .catalogue import MEASURE_OPS, RECORD_TYPES, _choices_text
from .definition import CHARTS
from .models import Schedule

EMPTY = [("", "—")]


class BuilderForm(forms.Form):
    """A report definition as a form: one record type, up to two row groupings and a column
    grouping, a measure, a period, an org unit and state filter, a chart."""

    record_type = forms.ChoiceField(label=_("Record type"))
    row1 = forms.ChoiceField(label=_("Rows by"))
    row2 = forms.ChoiceField(label=_("Then by"), required=False)
    column = forms.ChoiceField(label=_("Columns by"), required=False)
    measure = forms.ChoiceField(label=_("Measure"))
    measure_field = forms.ChoiceField(label=_("Of"), required=False)
    period_field = forms.ChoiceField(label=_("Period of"), required=False)
    date_from = DateField(label=_("From"), required=False, widget=DateInput())
    date_to = DateField(label=_("To"), required=False, widget=DateInput())
    org_unit = forms.ModelChoiceField(
        label=_("Org unit"), queryset=OrgUnit.objects.order_by("path"), required=False
    )
    state = forms.MultipleChoiceField(label=_("State"), required=False)
    chart = forms.ChoiceField(label=_("Chart"))
    convert_to = forms.ChoiceField(label=_("Convert sums into"), required=False)

    def __init__(self, *args, record_type: str = "opportunities", **kwargs):
        super().__init__(*args, **kwargs)
        if record_type not in RECORD_TYPES:
            record_type = "opportunities"
        rt = RECORD_TYPES[record_type]
        text = _choices_text(rt)
        dims = [(d["key"], d["label"]) for d in text["dimensions"]]
        self.fields["record_type"].choices = [(k, r.label) for k, r in RECORD_TYPES.items()]
        self.fields["row1"].choices = dims
        self.fields["row2"].choices = EMPTY + dims
        self.fields["column"].choices = EMPTY + dims
        self.fields["measure"].choices = list(MEASURE_OPS.items())
        self.fields["measure_field"].choices = EMPTY + [
            (f["key"], f["label"]) for f in text["measure_fields"]
        ]
        self.fields["period_field"].choices = EMPTY + [
            (d["key"], d["label"]) for d in text["dates"]
        ]
        state = rt.dimensions.get("state") or rt.dimensions.get("kind")
        self.state_key = "state" if "state" in rt.dimensions else "kind"
        self.fields["state"].choices = list(rt.field_of(state.path).flatchoices) if state else []
        self.fields["state"].label = rt.label_of(state.path) if state else _("State")
        self.fields["chart"].choices = list(CHARTS.items())
        self.fields["convert_to"].choices = EMPTY + list(Currency.choices)

    def definition(self) -> dict:
        """The definition the form says (read from the raw data: the definition's own check
        names what is wrong, so a choice from another record type is a 400, not a 500)."""
        data = self.data

        def one(name):
            value = data.get(name) or ""
            return value if isinstance(value, str) else ""

        filters = {}
        if one("org_unit"):
            filters["org_unit"] = [one("org_unit")]
        states = [s for s in data.getlist("state") if s] if hasattr(data, "getlist") else []
        if states:
            filters[self.state_key] = states
        return {
            "record_type": one("record_type") or "opportunities",
            "rows": [r for r in (one("row1"), one("row2")) if r],
            "columns": [one("column")] if one("column") else [],
            "measure": one("measure") or "count",
            "measure_field": one("measure_field"),
            "filters": filters,
            "period_field": one("period_field"),
            "date_from": one("date_from") or None,
            "date_to": one("date_to") or None,
            "chart": one("chart") or "bar",
            "convert_to": one("convert_to"),
        }


def initial_of(definition: dict) -> dict:
    """A saved definition as the builder form's data."""
    rows = definition.get("rows") or []
    filters = definition.get("filters") or {}
    return {
        "record_type": definition.get("record_type", ""),
        "row1": rows[0] if rows else "",
        "row2": rows[1] if len(rows) > 1 else "",
        "column": (definition.get("columns") or [""])[0],
        "measure": definition.get("measure", "count"),
        "measure_field": definition.get("measure_field", ""),
        "period_field": definition.get("period_field", ""),
        "date_from": definition.get("date_from") or "",
        "date_to": definition.get("date_to") or "",
        "org_unit": (filters.get("org_unit") or [""])[0],
        "state": filters.get("state") or filters.get("kind") or [],
        "chart": definition.get("chart", "bar"),
        "convert_to": definition.get("convert_to", ""),
    }


class SaveForm(forms.Form):
    """How a report is kept: its name, who it is shared with, when it is e-mailed."""

    name = forms.CharField(label=_("Report name"), max_length=120)
    shared_units = forms.ModelMultipleChoiceField(
        label=_("Share with teams"),
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        help_text=_("People of the unit and the units below it read it, in their own scope."),
    )
    shared_users = forms.ModelMultipleChoiceField(
        label=_("Share with people"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.SelectMultiple(),
    )
    schedule = forms.ChoiceField(
        label=_("E-mail it to me"), choices=Schedule.choices, required=False
    )
