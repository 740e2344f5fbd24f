from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from contracts.models import Contract
from core import policy
from core.choices import Currency
from core.forms import DateField, DateInput, MoneyField, RecordForm, UserForm

from .choices import InvoiceKind, MilestoneKind, MilestoneTrigger, PaymentMethod
from .models import PaymentMilestone

MONEY = {"max_digits": 18, "decimal_places": 2}


class AllocationMode:
    OLDEST = "oldest"
    BY_HAND = "by_hand"
    HOLD = "hold"
    CHOICES = [
        (OLDEST, _("Oldest due first")),
        (BY_HAND, _("By hand (amounts below)")),
        (HOLD, _("Hold as unapplied credit")),
    ]


def allocations_from(data, prefix: str = "alloc-") -> dict[int, Decimal]:
    """The by-hand amounts typed into the allocation table: {milestone id: amount}."""
    found = {}
    for key, value in data.items():
        if not key.startswith(prefix) or not str(value).strip():
            continue
        try:
            found[int(key.removeprefix(prefix))] = Decimal(str(value).strip().replace(",", ""))
        except (ValueError, InvalidOperation):
            raise forms.ValidationError(
                _("“%(value)s” is not an amount.") % {"value": value}
            ) from None
    return found


class ReceiptForm(UserForm):
    """Fast receipt entry: contract (or only the customer), amount, date, method, reference."""

    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        help_text=_("Only when the contract is not known yet: the money is held as credit."),
    )
    amount = MoneyField(label=_("Amount"), **MONEY, min_value=Decimal("0.01"))
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[("", _("The contract's")), *Currency.choices],
        required=False,
    )
    received_on = DateField(label=_("Received on"), widget=DateInput, initial=timezone.localdate)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)
    allocation = forms.ChoiceField(
        label=_("Allocate"),
        choices=AllocationMode.CHOICES,
        initial=AllocationMode.OLDEST,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    allow_duplicate = forms.BooleanField(
        label=_("Record even if it looks like a duplicate"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = policy.restrict(
            Contract.objects.select_related("customer").exclude(state="draft"), self.user
        )
        self.fields["customer"].queryset = policy.restrict(Customer.objects.all(), self.user)
        self.fields["amount"].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.fields["bank_reference"].widget.attrs.update(autocomplete="off")

    def clean(self):
        data = super().clean()
        data["allocation"] = data.get("allocation") or AllocationMode.OLDEST
        if not data.get("contract") and not data.get("customer"):
            self.add_error("contract", _("Choose the contract or the customer."))
        if data.get("allocation") == AllocationMode.BY_HAND:
            try:
                data["by_hand"] = allocations_from(self.data)
            except forms.ValidationError as error:
                self.add_error(None, error)
            else:
                if not data["by_hand"]:
                    self.add_error(None, _("Type the amount for at least one milestone."))
        return data


class ApplyCreditForm(UserForm):
    allocation = forms.ChoiceField(
        label=_("Allocate"),
        choices=AllocationMode.CHOICES[:2],
        initial=AllocationMode.OLDEST,
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        data["by_hand"] = None
        if data.get("allocation") == AllocationMode.BY_HAND:
            try:
                data["by_hand"] = allocations_from(self.data)
            except forms.ValidationError as error:
                self.add_error(None, error)
            else:
                if not data["by_hand"]:
                    self.add_error(None, _("Type the amount for at least one milestone."))
        return data


class MilestoneRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MilestoneKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    percentage = forms.DecimalField(
        label=_("Percentage"),
        max_digits=6,
        decimal_places=3,
        min_value=0,
        max_value=100,
        required=False,
    )
    amount = MoneyField(label=_("or amount"), **MONEY, min_value=Decimal("0.01"), required=False)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=MilestoneTrigger.choices)
    trigger_date = DateField(label=_("Trigger date"), required=False, widget=DateInput)
    credit_days = forms.IntegerField(label=_("Credit days"), min_value=0, max_value=3650, initial=0)

    def clean(self):
        data = super().clean()
        if (data.get("percentage") is None) == (data.get("amount") is None):
            raise forms.ValidationError(_("Give either a percentage or an amount."))
        if data.get("trigger") == MilestoneTrigger.ON_DATE and not data.get("trigger_date"):
            self.add_error("trigger_date", _("Required for a fixed date."))
        return data


MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=50,
    validate_max=True,
    can_delete=True,
)


class InvoiceForm(UserForm):
    amount = MoneyField(label=_("Amount"), **MONEY, min_value=Decimal("0.01"))
    issued_on = DateField(label=_("Issued on"), widget=DateInput, initial=timezone.localdate)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=InvoiceKind.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MilestoneFieldsForm(RecordForm):
    """A milestone's custom fields (its terms change through the payment plan)."""

    class Meta:
        model = PaymentMilestone
        fields: list[str] = []
