"""Forms of the contract pages; they only collect input, the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import people_picker, seat_pickers
from accounts.models import Customer, User
from accounts.selectors import work_owners
from core import policy
from core.forms import DateField, DateInput, MoneyField, RecordForm, UserForm

from .choices import AcceptanceRating, ContractKind, DeliveryMilestoneState, DocumentKind
from .models import ChangeRequest, Contract, Deliverable, DeliveryMilestone, DirectContractRule
from .models.direct import BASIS_CONTRACT_KIND
from .services.documents import ALLOWED_TYPES


def _active_users():
    return User.objects.filter(is_active=True).order_by("username")


class ContractForm(RecordForm):
    sr = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), required=False, queryset=_active_users()
    )
    fr = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), required=False, queryset=_active_users()
    )

    class Meta:
        model = Contract
        fields = [
            "title",
            "kind",
            "framework",
            "renewal_of",
            "direct_rule",
            "customer",
            "customer_reference",
            "amount",
            "currency",
            "tax_rate_pct",
            "planned_cost",
            "signed_on",
            "starts_on",
            "ends_on",
            "terms",
            "payment_terms",
        ]
        widgets = {
            "signed_on": DateInput,
            "starts_on": DateInput,
            "ends_on": DateInput,
            "terms": forms.Textarea(attrs={"rows": 3}),
            "payment_terms": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = policy.restrict(Customer.objects.all(), self.user)
        self.fields["customer"].required = False
        if self.instance.pk is None:  # filed under its owner's (the creator's) unit
            seat_pickers(self, user=self.user, unit=self.user.org_unit, holders={})
        self.fields["customer"].help_text = _("A call-off order takes its framework's customer.")
        self.fields["kind"].required = False
        contracts = policy.restrict(Contract.objects.all(), self.user).order_by("-id")
        self.fields["framework"].queryset = contracts.filter(kind=ContractKind.FRAMEWORK)
        self.fields["renewal_of"].queryset = contracts
        self.fields["direct_rule"].queryset = DirectContractRule.objects.filter(
            is_active=True
        ).select_related("org_unit")
        if self.instance.pk:
            del self.fields["sr"], self.fields["fr"]
            for name in ("kind", "framework", "direct_rule"):
                self.fields[name].disabled = True
            if self.instance.is_signed:
                # Signed terms change by amendment; an empty one may still be filled in.
                for name in Contract.SIGNED_TERMS:
                    value = getattr(self.instance, name, None)
                    if name in self.fields and value not in (None, ""):
                        self.fields[name].disabled = True
                        self.fields[name].help_text = _(
                            "Signed: change it through a change request."
                        )

    def clean(self):
        data = super().clean()
        framework = data.get("framework")
        rule = data.get("direct_rule")
        if not self.instance.pk:
            default = BASIS_CONTRACT_KIND[rule.kind] if rule else ContractKind.STANDARD
            data["kind"] = data.get("kind") or default
        if framework is not None and not self.instance.pk:
            data["kind"] = ContractKind.CALL_OFF
            data["customer"] = data.get("customer") or framework.customer
        if not data.get("customer") and "customer" not in self.errors:
            self.add_error("customer", _("Choose the customer."))
        return data


class ConfirmForm(UserForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliverableForm(RecordForm):
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=_active_users())

    class Meta:
        model = Deliverable
        fields = ["name", "description", "quantity", "unit", "owner", "due_on"]
        widgets = {"due_on": DateInput, "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.instance.owner if self.instance.owner_id else None
        people_picker(self.fields["owner"], work_owners(user=self.user, team=team, keep=[owner]))


class DeliveryMilestoneForm(RecordForm):
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=_active_users())

    class Meta:
        model = DeliveryMilestone
        fields = ["kind", "name", "owner", "planned_date", "note"]
        widgets = {"planned_date": DateInput, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.instance.owner if self.instance.owner_id else None
        people_picker(self.fields["owner"], work_owners(user=self.user, team=team, keep=[owner]))


class ReachForm(UserForm):
    actual_date = DateField(label=_("Actual date"), initial=timezone.localdate, widget=DateInput)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_kind = forms.ChoiceField(
        label=_("Evidence"),
        required=False,
        choices=[("", "—"), *DocumentKind.choices],
    )
    document = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("Arrival and acceptance need their certificate as evidence."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_TYPES))}),
    )

    def clean(self):
        data = super().clean()
        if data.get("document") and not data.get("document_kind"):
            self.add_error("document_kind", _("Say what the document is."))
        return data


class DocumentForm(UserForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    milestone = forms.ModelChoiceField(
        label=_("Delivery milestone"), required=False, queryset=DeliveryMilestone.objects.none()
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_TYPES))}),
    )

    def __init__(self, *args, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contract is not None:
            self.fields["milestone"].queryset = contract.delivery_milestones.all()


class ChangeRequestForm(RecordForm):
    """The customer's request and our proposal; one optional new date per planned delivery
    milestone of the contract (the re-plan)."""

    class Meta:
        model = ChangeRequest
        fields = [
            "title",
            "description",
            "requested_on",
            "customer_reference",
            "new_amount",
            "cost_impact",
            "scope",
            "new_ends_on",
        ]
        widgets = {
            "requested_on": DateInput,
            "new_ends_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
            "scope": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        contract = contract or self.instance.contract
        current = (
            {r.milestone_id: r.planned_date for r in self.instance.replans.all()}
            if self.instance.pk
            else {}
        )
        self.milestones = list(
            contract.delivery_milestones.filter(state=DeliveryMilestoneState.PLANNED)
        )
        for milestone in self.milestones:
            self.fields[f"replan_{milestone.pk}"] = DateField(
                label=_("New date: %(milestone)s (planned %(date)s)")
                % {"milestone": milestone, "date": milestone.planned_date},
                required=False,
                initial=current.get(milestone.pk),
                widget=DateInput,
            )

    def replans(self):
        return [
            (m, self.cleaned_data[f"replan_{m.pk}"])
            for m in self.milestones
            if self.cleaned_data.get(f"replan_{m.pk}")
        ]

    def proposal(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("replan_")}


class EvaluationForm(UserForm):
    actual_cost = MoneyField(
        label=_("Actual cost"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text=_("What delivering the contract really cost; the actual margin is judged on it."),
    )
    acceptance_rating = forms.ChoiceField(
        label=_("How did the customer's acceptance go?"),
        choices=AcceptanceRating.choices,
        widget=forms.RadioSelect,
    )
    lessons_learnt = forms.CharField(
        label=_("Lessons learnt"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000
    )


class ReportForm(forms.Form):
    group = forms.ChoiceField(label=_("Group by"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)
    date_from = DateField(label=_("Evaluated from"), required=False, widget=DateInput)
    date_to = DateField(label=_("Evaluated until"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        from .choices import ReportGrouping, ReportPeriod

        super().__init__(*args, **kwargs)
        self.fields["group"].choices = ReportGrouping.choices
        self.fields["period"].choices = ReportPeriod.choices
