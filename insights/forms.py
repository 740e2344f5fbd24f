from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from accounts.models import OrgUnit


class GateFlowFilterForm(forms.Form):
    """The gate-flow page's filters (read by `selectors.flow_query`, which says what is wrong)."""

    org_unit = forms.ModelChoiceField(
        label=_("Org unit"), queryset=OrgUnit.objects.order_by("path"), required=False
    )
    product_line = forms.CharField(label=_("Product line"), max_length=100, required=False)
    tier = forms.ChoiceField(
        label=_("Customer tier"), choices=[("", "—"), *Tier.choices], required=False
    )
    amount_min = forms.DecimalField(label=_("Amount from"), min_value=0, required=False)
    amount_max = forms.DecimalField(label=_("Amount below"), min_value=0, required=False)
    date_from = forms.DateField(
        label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
