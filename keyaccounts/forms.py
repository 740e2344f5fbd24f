"""The pages' forms; every choice of a related record is narrowed by the access policy."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from accounts.models import Customer, User
from accounts.selectors import colleagues
from core import policy
from core.choices import Currency
from core.forms import DateField, DateInput, MoneyField, RecordForm, UserForm
from opportunities.models import Opportunity

from .choices import ActionStatus, Metric, PeriodKind, Split
from .models import AccountProfile, PlanAction, PlanningSettings, TierCriteria
from .selectors import people_for, units_for

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": 0}


class PlanningSettingsForm(RecordForm):
    class Meta:
        model = PlanningSettings
        fields = [
            "org_unit",
            "currency",
            "high_potential_amount",
            "strong_relationship_level",
            "coverage_ratio",
            "renewal_lead_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_for(self.user)


class TierCriteriaForm(RecordForm):
    class Meta:
        model = TierCriteria
        fields = [
            "name",
            "org_unit",
            "product_line",
            "currency",
            "lookback_days",
            "match",
            "strategic_min_revenue",
            "strategic_min_share_pct",
            "strategic_min_potential",
            "strategic_min_value",
            "key_min_revenue",
            "key_min_share_pct",
            "key_min_potential",
            "key_min_value",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_for(self.user)


class ProfileForm(RecordForm):
    class Meta:
        model = AccountProfile
        fields = ["relationship_stage", "relationship_level", "strategic_value", "intelligence"]
        widgets = {"intelligence": forms.Textarea(attrs={"rows": 4})}


class DriverForm(UserForm):
    name = forms.CharField(label=_("Driver"), max_length=120)
    product_line = forms.CharField(label=_("Product line"), max_length=100)
    volume = forms.DecimalField(label=_("Volume"), max_digits=18, decimal_places=2, min_value=0)
    unit = forms.CharField(label=_("Unit of volume"), max_length=40, required=False)
    amount_per_unit = forms.DecimalField(
        label=_("Purchase per unit"), max_digits=18, decimal_places=4, min_value=0
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TierOverrideForm(UserForm):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(UserForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = DateField(label=_("Period start"), widget=DateInput)
    ends_on = DateField(label=_("Period end"), widget=DateInput)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    sr = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), queryset=User.objects.none(), required=False
    )
    fr = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), queryset=User.objects.none(), required=False
    )
    strategy = forms.CharField(
        label=_("Strategy"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = policy.restrict(
            Customer.objects.all(), self.user, "change"
        )
        self.fields["sr"].queryset = self.fields["fr"].queryset = colleagues(user=self.user)


class PlanTargetForm(UserForm):
    product_line = forms.CharField(label=_("Product line"), max_length=100)
    target_amount = MoneyField(label=_("Target"), **MONEY)
    floor_amount = MoneyField(label=_("Floor target"), initial=0, **MONEY)


class PlanActionForm(RecordForm):
    class Meta:
        model = PlanAction
        fields = ["title", "product_line", "owner", "due_on", "floor_target", "floor_amount"]
        widgets = {"due_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = colleagues(user=self.user)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class TargetForm(UserForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    metric = forms.ChoiceField(label=_("Measure"), choices=Metric.choices)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None, required=False)
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty for the org unit's own target."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    amount = MoneyField(label=_("Annual target"), required=False, **MONEY)
    split = forms.ChoiceField(label=_("Decomposition"), choices=Split.choices)
    quarter_weights = forms.CharField(
        label=_("Quarter weights %"),
        required=False,
        help_text=_("Four numbers adding up to 100, e.g. 20 25 25 30."),
    )
    months = forms.CharField(
        label=_("Monthly amounts"),
        required=False,
        help_text=_("Twelve amounts separated by spaces, January first."),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_for(self.user)
        self.fields["user"].queryset = people_for(self.user)

    def _numbers(self, name: str) -> list | None:
        raw = (self.cleaned_data.get(name) or "").replace(",", " ").split()
        if not raw:
            return None
        try:
            from decimal import Decimal

            return [Decimal(x) for x in raw]
        except ArithmeticError:
            raise forms.ValidationError(_("Enter numbers only.")) from None

    def clean_quarter_weights(self):
        return self._numbers("quarter_weights")

    def clean_months(self):
        return self._numbers("months")


class AdjustForm(UserForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, months=None, **kwargs):
        super().__init__(*args, **kwargs)
        for month in range(1, 13):
            self.fields[f"m{month}"] = MoneyField(
                label=_("Month %(n)s") % {"n": month},
                initial=(months or {}).get(month),
                **MONEY,
            )

    def months(self) -> dict:
        return {m: self.cleaned_data[f"m{m}"] for m in range(1, 13)}


class CommitmentForm(UserForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    period = forms.IntegerField(label=_("Month or quarter"), min_value=1, max_value=12)
    metric = forms.ChoiceField(label=_("Measure"), choices=Metric.choices)
    amount = MoneyField(label=_("Committed amount"), **MONEY)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    opportunities = forms.ModelMultipleChoiceField(
        label=_("Opportunities"), queryset=Opportunity.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from opportunities.choices import OPEN_STAGES

        self.fields["opportunities"].queryset = Opportunity.objects.filter(
            owner=self.user, state__in=OPEN_STAGES
        )
