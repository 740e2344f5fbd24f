from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import people_picker
from accounts.models import Customer, User
from core import policy
from core.forms import DateInput, RecordForm, UserForm

from .models import BANT, DistributionRule, Lead


class LeadForm(RecordForm):
    class Meta:
        model = Lead
        fields = [
            "title",
            "customer",
            "company_name",
            "contact_name",
            "contact_phone",
            "contact_email",
            "need",
            "product_interest",
            "region",
            "industry",
            "estimated_amount",
            "currency",
            "expected_close_date",
            "source",
            "source_detail",
            "buying_pattern",
            "budget_confirmed",
            "budget_amount",
            "authority_identified",
            "need_confirmed",
            "timeline_confirmed",
            "owner",
        ]
        widgets = {"need": forms.Textarea(attrs={"rows": 3}), "expected_close_date": DateInput}

    allow_duplicate = forms.BooleanField(
        required=False,
        label=_("Capture it even though an open lead of this company has this contact"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["allow_duplicate"]
        self.fields["customer"].queryset = policy.restrict(Customer.objects.all(), self.user)
        owners = policy.assignable_people(self.user)
        if self.instance.pk and self.instance.owner_id:
            owners = owners | User.objects.filter(pk=self.instance.owner_id)
        people_picker(self.fields["owner"], owners)


class LeadVerificationForm(RecordForm):
    """The BANT items verifying a lead still lacks, to confirm on the lead's page. `missing` is
    what the verify transition's guards say (`leads.selectors.lead_verification_missing`), so
    the form asks exactly what the transition will check; the budget's amount comes with the
    budget."""

    with_custom_fields = False  # a step on the lead's page; the values are on its form

    class Meta:
        model = Lead
        fields = [*BANT.values(), "budget_amount"]

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        wanted = set(missing)
        if "budget_confirmed" in wanted:
            wanted.add("budget_amount")
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in BANT.values()):
            raise forms.ValidationError(_("Tick what the customer has confirmed."))
        return data

    def confirmed(self) -> dict:
        """The items ticked (and the budget's amount when given): what to save."""
        data = self.cleaned_data
        saved = {name: True for name in BANT.values() if data.get(name)}
        if data.get("budget_amount") is not None:
            saved["budget_amount"] = data["budget_amount"]
        return saved


class LeadMergeForm(UserForm):
    source = forms.IntegerField(
        label=_("Lead to merge into this one (its number)"),
        min_value=1,
        help_text=_(
            "An open lead: its activities move here, its details fill the blanks of this one, "
            "and it ends as merged."
        ),
    )


class LeadAssignForm(UserForm):
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("(team pool)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people_picker(self.fields["owner"], policy.assignable_people(self.user))


class DistributionRuleForm(RecordForm):
    class Meta:
        model = DistributionRule
        fields = [
            "name",
            "org_unit",
            "priority",
            "regions",
            "industry",
            "product_keywords",
            "team",
            "assignees",
            "assign_owner",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = policy.assignable_units(self.user)
        self.fields["org_unit"].queryset = units
        self.fields["team"].queryset = units
        people_picker(self.fields["assignees"], policy.assignable_people(self.user))
        self.fields["assignees"].required = False
