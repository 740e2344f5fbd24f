from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_users, people_picker, seat_pickers
from accounts.models import Contact, Customer, User
from core import policy
from core.forms import DateField, DateInput, DateTimeField, LongSelect, RecordForm, UserForm

from .choices import BidSectionStatus, QuoteDecision, QuoteState, WinLossReason
from .models import (
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    Product,
    Quote,
)


class OpportunityForm(RecordForm):
    sr = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), required=False, queryset=active_users()
    )
    fr = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), required=False, queryset=active_users()
    )

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "customer",
            "description",
            "product_line",
            "amount",
            "currency",
            "margin_pct",
            "down_payment_pct",
            "payment_terms",
            "liability_cap_pct",
            "warranty_months",
            "expected_close_date",
            "forecast_category",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "payment_terms": forms.Textarea(attrs={"rows": 2}),
            "expected_close_date": DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customers = policy.restrict(Customer.objects.all(), self.user)
        if self.instance.pk:
            # One a role lets change the deal but not see customers (a presales engineer)
            # keeps its customer, which the deal's page shows them anyway.
            customers = Customer.objects.filter(
                Q(pk__in=customers.values("pk")) | Q(pk=self.instance.customer_id)
            )
        self.fields["customer"].queryset = customers
        if self.instance.pk:  # the team is edited on its own page
            del self.fields["sr"], self.fields["fr"]
            if self.instance.quotes.filter(state=QuoteState.APPROVED).exists():
                for name in ("amount", "currency", "margin_pct"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Set by the approved quote.")
        else:  # filed under its owner's (the creator's) unit
            seat_pickers(self, user=self.user, unit=self.user.org_unit, holders={})


class ConvertLeadForm(UserForm):
    name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    sr = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), required=False, queryset=active_users()
    )
    fr = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), required=False, queryset=active_users()
    )
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        required=False,
        queryset=Customer.objects.none(),
        help_text=_(
            "Leave empty to use the lead's customer, or to create it from the company name."
        ),
    )
    allow_duplicate_customer = forms.BooleanField(
        label=_("Create the customer even though a similar one exists"), required=False
    )

    def __init__(self, *args, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = policy.restrict(Customer.objects.all(), self.user)
        unit = lead.org_unit if lead is not None else self.user.org_unit
        seat_pickers(self, user=self.user, unit=unit, holders={})


class CloseReasonForm(UserForm):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=WinLossReason.choices)
    reason = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lost_to = forms.ModelChoiceField(
        label=_("Lost to"),
        required=False,
        queryset=Competitor.objects.filter(is_active=True),
        help_text=_("Only for a lost opportunity: the competitor that won."),
    )


class DecisionChainForm(RecordForm):
    new_contact_name = forms.CharField(
        label=_("Or a new person: name"), required=False, max_length=120
    )
    new_contact_title = forms.CharField(label=_("Job title"), required=False, max_length=120)

    class Meta:
        model = DecisionChainMember
        fields = ["contact", "role", "stance", "relationship", "coach_level", "reports_to", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        opportunity = opportunity or self.instance.opportunity
        self.fields["contact"].queryset = Contact.objects.filter(customer=opportunity.customer)
        self.fields["contact"].required = False
        self.fields["reports_to"].queryset = (
            DecisionChainMember.objects.filter(opportunity=opportunity)
            .select_related("contact")
            .exclude(pk=self.instance.pk)
        )
        if self.instance.pk:
            for name in ("contact", "new_contact_name", "new_contact_title"):
                del self.fields[name]


class OpportunityCompetitorForm(RecordForm):
    class Meta:
        model = OpportunityCompetitor
        fields = [
            "competitor",
            "threat",
            "price_position",
            "is_incumbent",
            "strengths",
            "weaknesses",
            "notes",
        ]
        widgets = {
            "strengths": forms.Textarea(attrs={"rows": 2}),
            "weaknesses": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["competitor"]
        else:
            self.fields["competitor"].queryset = Competitor.objects.filter(is_active=True)


class QuoteForm(UserForm):
    valid_until = DateField(label=_("Valid until"), required=False, widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuoteLineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True)
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2)
    discount_pct = forms.DecimalField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "0"}),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=255)

    def __init__(self, *args, currency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["product"].queryset = Product.objects.filter(
                is_active=True, currency=currency
            )


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=3, can_delete=True)


class QuoteSubmitForm(UserForm):
    justification = forms.CharField(
        label=_("Why this price (needed for a discount beyond your authority)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QuoteDecisionForm(UserForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=QuoteDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BidForm(UserForm):
    tender_reference = forms.CharField(label=_("Tender reference"), required=False, max_length=100)
    deadline = DateTimeField(
        label=_("Submission deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    quote = forms.ModelChoiceField(
        label=_("Quote in the bid"),
        required=False,
        queryset=Quote.objects.none(),
        help_text=_("Only an approved quote can go into a bid."),
    )
    bid_office = forms.ModelChoiceField(
        label=_("Assembled by (bid office)"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Defaults to the AR; must be on the opportunity's team."),
    )

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quote"].queryset = Quote.objects.filter(
            opportunity=opportunity, state=QuoteState.APPROVED
        )
        people_picker(
            self.fields["bid_office"],
            User.objects.filter(pk__in=opportunity.team.members.values("user_id"), is_active=True),
        )
        if self.instance is not None:
            del self.fields["bid_office"]


class BidSectionForm(UserForm):
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=User.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=BidSectionStatus.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000)

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        people_picker(
            self.fields["owner"],
            User.objects.filter(pk__in=opportunity.team.members.values("user_id"), is_active=True),
        )


class ChecklistAddForm(UserForm):
    text = forms.CharField(label=_("Checklist item"), max_length=255)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class BoardFilterForm(forms.Form):
    owner = forms.TypedChoiceField(
        label=_("Owner (AR)"), required=False, coerce=int, empty_value=None, widget=LongSelect
    )
    stuck = forms.BooleanField(label=_("Only stuck deals"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.selectors import colleague_choices

        people = colleague_choices(user=user) if user else []
        self.fields["owner"].choices = [("", "---------"), *people]


class ForecastFilterForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), required=False, help_text=_("A month (2026-07) or a quarter (2026-Q3).")
    )
