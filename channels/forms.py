"""The forms of the rebate pages; the services judge what they submit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core import policy
from core.forms import UserForm
from partners.models import PartnerAgreement

from .choices import RebateBasis, RebateMeasure, RebatePeriod, SettlementMethod


class TiersField(forms.CharField):
    """Tiers one per line: "from, to, rate%" or "from, to, amount" (an empty "to" is open):
    `0, 1000000, 2%` / `1000000, , 3%`. Read into the service's rows; the service checks them."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value):
        text = super().to_python(value) or ""
        rows = []
        for line in text.replace("，", ",").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("Write each tier as “from, to, rate%” or “from, to, amount”.")
                )
            lower, upper, value = parts
            row = {"lower": lower, "upper": upper or None}
            if value.endswith("%"):
                row["rate_pct"] = value[:-1].strip()
            else:
                row["fixed_amount"] = value
            rows.append(row)
        return rows


class RebateSchemeForm(UserForm):
    agreement = forms.ModelChoiceField(
        label=_("Agreement"), queryset=PartnerAgreement.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    measure = forms.ChoiceField(label=_("Measure"), choices=RebateMeasure.choices)
    period = forms.ChoiceField(label=_("Period"), choices=RebatePeriod.choices)
    basis = forms.ChoiceField(label=_("Basis"), choices=RebateBasis.choices)
    tiers = TiersField(
        label=_("Tiers"),
        help_text=_("One per line: from, to, rate% or a fixed amount; leave the last “to” empty."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agreements = policy.restrict(
            PartnerAgreement.objects.filter(rebate__isnull=True), self.user, "change"
        ).select_related("partner")
        self.fields["agreement"].queryset = agreements


class SettleForm(forms.Form):
    method = forms.ChoiceField(label=_("Settled by way of"), choices=SettlementMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)
