"""The forms of the partner pages; the services judge what they submit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import people_picker
from accounts.models import Customer
from core import policy
from core.choices import Currency
from core.forms import DateField, DateInput, RecordForm, UserForm
from core.money import MoneyFormField
from core.uploads import ALLOWED_TYPES

from .choices import QualificationKind
from .models import Partner, PartnerAgreement


class WordsField(forms.CharField):
    """A list of names typed with commas (广东, 广西) or one per line."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        for sep in ("，", "、", "\n"):
            text = text.replace(sep, ",")
        return [w.strip() for w in text.split(",") if w.strip()]


class PartnerForm(RecordForm):
    territories = WordsField(
        label=_("Territory"),
        required=False,
        help_text=_("Provinces, separated by commas; empty for the whole country."),
    )
    product_lines = WordsField(
        label=_("Product lines"), required=False, help_text=_("Separated by commas.")
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "tier",
            "territories",
            "product_lines",
            "manager",
            "contact_name",
            "contact_phone",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = policy.assignable_people(self.user)
        if self.instance.pk and self.instance.manager_id:
            people = people | type(self.instance.manager).objects.filter(
                pk=self.instance.manager_id
            )
        people_picker(self.fields["manager"], people)
        self.fields["manager"].required = False


class AgreementForm(RecordForm):
    class Meta:
        model = PartnerAgreement
        fields = [
            "year",
            "currency",
            "target_amount",
            "discount_min_pct",
            "discount_max_pct",
            "deposit_amount",
        ]


class QualificationForm(UserForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    valid_until = DateField(label=_("Valid until"), widget=DateInput)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_TYPES))}),
    )


class MemberForm(UserForm):
    """A person of the partner who signs in to the partner portal (ADR 21)."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=128
    )


class PartnerRegistrationForm(UserForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    project = forms.CharField(label=_("Project"), max_length=200)
    product_line = forms.CharField(label=_("Product line"), max_length=100)
    estimated_amount = MoneyFormField(label=_("Estimated amount"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    contest = forms.BooleanField(
        label=_("If someone holds it, ask a sales manager to rule once approved"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = policy.restrict(
            Customer.objects.order_by("name"), self.user
        )
