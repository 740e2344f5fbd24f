from django import forms
from django.utils.translation import gettext_lazy as _

from core import policy
from core.choices import TriangleRole
from core.forms import DateInput, RecordForm, UserForm

from .choices import ActivityKind, ImportMode, RegistrationAward
from .models import AccountChainMember, Activity, Contact, Customer, User
from .selectors import SEAT_ROLES, by_name, seat_candidates


class CustomerForm(RecordForm):
    allow_duplicate = forms.BooleanField(
        required=False, label=_("Create it even though a similar customer exists")
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "credit_code",
            "industry",
            "region",
            "annual_revenue",
            "revenue_currency",
            "owner",
            "phone",
            "email",
            "website",
            "address",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owners = policy.assignable_people(self.user)
        if self.instance.pk and self.instance.owner_id:
            owners = owners | User.objects.filter(pk=self.instance.owner_id)
        people_picker(self.fields["owner"], owners)
        # Left out: the revenue's currency stays as it is (CNY for a new customer).
        self.fields["revenue_currency"].required = False
        if self.instance.pk:
            del self.fields["allow_duplicate"]

    def clean_revenue_currency(self) -> str:
        return self.cleaned_data.get("revenue_currency") or self.instance.revenue_currency


class ContactForm(RecordForm):
    allow_duplicate = forms.BooleanField(
        required=False,
        label=_("Add it even though the customer has a contact with this e-mail or phone"),
        help_text=_("Sales managers and administrators only."),
    )

    class Meta:
        model = Contact
        fields = ["name", "title", "department", "phone", "email", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        if self.instance.pk or not policy.may(user, "contacts.add_duplicate"):
            del self.fields["allow_duplicate"]


class ContactMergeForm(UserForm):
    source = forms.IntegerField(
        label=_("Contact to merge into this one (its number)"),
        min_value=1,
        help_text=_(
            "A contact of the same customer: its activities, leads and decision-chain places "
            "move here; it is kept only as a pointer to this one."
        ),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ActivityForm(RecordForm):
    """Record a visit, call, e-mail, meeting or demo (the follow-up record)."""

    next_step_done = forms.BooleanField(required=False, label=_("Next step done"))

    class Meta:
        model = Activity
        fields = [
            "kind",
            "occurred_at",
            "summary",
            "contact",
            "notes",
            "outcome",
            "next_step",
            "next_step_date",
            "promised_payment_date",
            "promised_amount",
        ]
        widgets = {
            "occurred_at": DateTimeInput,
            "next_step_date": DateInput,
            "promised_payment_date": DateInput,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, customer=None, promises=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not promises:  # collection calls and their promises: on payment milestones only
            del self.fields["promised_payment_date"], self.fields["promised_amount"]
            self.fields["kind"].choices = [
                c for c in self.fields["kind"].choices if c[0] != ActivityKind.COLLECTION_CALL
            ]
        self.fields["contact"].queryset = (
            customer.contacts.all() if customer is not None else Contact.objects.none()
        )
        if not self.instance.pk:
            del self.fields["next_step_done"]
        else:
            self.fields["next_step_done"].initial = self.instance.next_step_done_at is not None


class AccountChainForm(RecordForm):
    """Put a person of the customer on its standing decision chain (决策链)."""

    class Meta:
        model = AccountChainMember
        fields = ["contact", "role", "stance", "relationship", "coach_level", "reports_to", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["reports_to"].queryset = AccountChainMember.objects.filter(
            customer=customer
        ).select_related("contact")


class ImportUploadForm(UserForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GB18030, as Excel saves it) or XLSX; the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


class ImportCommitForm(UserForm):
    mode = forms.ChoiceField(
        label=_("Rows to import"), choices=ImportMode.choices, widget=forms.RadioSelect
    )


class AliasForm(UserForm):
    alias = forms.CharField(
        label=_("Another name of this customer"),
        max_length=200,
        help_text=_(
            "A short or former name people use, such as 广东移动: duplicate checks, imports "
            "and new leads will find this customer by it."
        ),
    )


class MergeForm(UserForm):
    source = forms.IntegerField(
        label=_("Customer to merge into this one (its number)"),
        min_value=1,
        help_text=_(
            "That customer's contacts, activities, leads and deals move here; it is kept "
            "only as a pointer to this one."
        ),
    )


def active_users():
    """Whom a seat or people picker offers: active users, by username."""
    return User.objects.filter(is_active=True).order_by("username")


def people_picker(field, people) -> None:
    """Make `field` a people picker: `people` sorted by name, and searchable by typing (the
    select carries `data-picker`, which static/js/picker.js turns into a type-ahead box;
    without JavaScript it stays a plain select)."""
    field.queryset = by_name(people)
    field.widget.attrs["data-picker"] = _("Type a name to find them")


def seat_pickers(form, *, user, unit, holders: dict) -> None:
    """Offer each seat field of `form` (ar, sr, fr, members) the people eligible for it
    (`seat_candidates`), keeping whoever holds it now."""
    for seat in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR, TriangleRole.MEMBER):
        field = form.fields.get("members" if seat == TriangleRole.MEMBER else str(seat))
        if field is not None:
            keep = holders.get(seat) or ()
            keep = keep if isinstance(keep, list | tuple) else [keep]
            people_picker(field, seat_candidates(user=user, seat=seat, unit=unit, keep=keep))


class IronTriangleForm(UserForm):
    """The seats of an opportunity's or a contract's iron triangle, and further members: each
    lists only the people eligible for it (`seat_candidates`)."""

    ar = forms.ModelChoiceField(label=_("Account responsible (AR)"), queryset=active_users())
    sr = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), required=False, queryset=active_users()
    )
    fr = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), required=False, queryset=active_users()
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Further members"), required=False, queryset=active_users()
    )

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        team = record.team if record is not None else None
        holders = {}
        if team is not None:
            holders = {seat: team.seat(seat) for seat in SEAT_ROLES}
            holders[TriangleRole.MEMBER] = [
                m.user for m in team.members.all() if m.role == TriangleRole.MEMBER
            ]
        seat_pickers(
            self,
            user=self.user,
            unit=getattr(record, "org_unit", None) or self.user.org_unit,
            holders=holders,
        )


class RegistrationForm(forms.Form):
    """Register a customer, or one project at it, for oneself (客户报备)."""

    project = forms.CharField(
        label=_("Project (leave empty for the whole customer)"), max_length=200, required=False
    )
    contest = forms.BooleanField(
        label=_("If a colleague holds it, ask a manager to rule"), required=False
    )


class RegistrationRuleForm(forms.Form):
    """A manager's ruling on a contested registration."""

    award = forms.ChoiceField(label=_("Award the protection to"), choices=RegistrationAward.choices)
    comment = forms.CharField(
        label=_("Why"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
