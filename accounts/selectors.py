"""Reads on parties."""

from __future__ import annotations

from contextlib import suppress

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone

from core import policy
from core.approvals.choices import OPEN_APPROVAL_STATES, ApprovalKind
from core.approvals.models import ApprovalRequest
from core.choices import Role, TriangleRole
from core.validators import clean_phone

from .choices import CustomerVetting
from .models import (
    AccountChainMember,
    Activity,
    Contact,
    Customer,
    CustomerAlias,
    CustomerRegistration,
    ImportJob,
    IronTriangleMember,
    OrgUnit,
    User,
)
from .normalise import normalise_company_name, normalise_email, normalise_phone


def customer_duplicates(
    *,
    name: str = "",
    credit_code: str = "",
    phone: str = "",
    email: str = "",
    exclude_pk: int | None = None,
) -> list[Customer]:
    """Customers that are probably the same company: same normalised name or credit code, or a
    contact or company phone / e-mail in common. Deliberately not policy-scoped: reps must
    learn that an account is already registered to someone (客户报备)."""
    q = Q(pk__in=[])
    normalised = normalise_company_name(name)
    if normalised:
        q |= Q(normalised_name=normalised) | Q(aliases__normalised_alias=normalised)
    if credit_code.strip():
        q |= Q(credit_code=credit_code.strip().upper())
    if normalise_phone(phone):
        typed = {phone.strip()}
        with suppress(ValidationError):
            typed.add(clean_phone(phone))  # as stored (E.164)
        q |= Q(contacts__normalised_phone=normalise_phone(phone)) | Q(phone__in=typed)
    if normalise_email(email):
        q |= Q(contacts__normalised_email=normalise_email(email)) | Q(email__iexact=email.strip())
    found = Customer.objects.filter(q).select_related("owner").distinct()
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found[:20])


def customer_list(*, user: User, include_merged: bool = False) -> QuerySet[Customer]:
    """Customers the user may see; `include_merged` keeps the tombstones of merged duplicates
    (a record's own URL still answers, naming the survivor)."""
    manager = Customer.all_objects if include_merged else Customer.objects
    return policy.restrict(manager.select_related("owner", "org_unit"), user)


def contact_list(*, user: User, include_merged: bool = False) -> QuerySet[Contact]:
    manager = Contact.all_objects if include_merged else Contact.objects
    return policy.restrict(manager.select_related("customer"), user)


def customer_alias_list(*, user: User) -> QuerySet[CustomerAlias]:
    return policy.restrict(CustomerAlias.objects.select_related("customer"), user)


def colleagues(*, user: User) -> QuerySet[User]:
    """People a user may pick for a seat or as an owner: every active user (a directory)."""
    return User.objects.filter(is_active=True).select_related("org_unit")


def colleague_choices(*, user: User) -> list[tuple[int, str]]:
    """`colleagues` as (id, name) pairs for a long picker: a row per person, not a model."""
    rows = colleagues(user=user).values_list("pk", "first_name", "last_name", "username")
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows]


#: The roles that may hold each iron-triangle seat (further members: any role); a sales
#: manager may stand in on any seat.
SEAT_ROLES = {
    TriangleRole.AR: (Role.SALES_REP, Role.SALES_MANAGER),
    TriangleRole.SR: (Role.SOLUTION_MANAGER, Role.SALES_MANAGER),
    TriangleRole.FR: (Role.FULFILLMENT_MANAGER, Role.SALES_MANAGER),
}


def by_name(people: QuerySet[User]) -> QuerySet[User]:
    """People sorted by the name the pickers show (`User.__str__`: full name, else username)."""
    shown = Coalesce(
        NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value("")), "username"
    )
    return people.order_by(Lower(shown), "pk")


def seat_candidates(*, user: User, seat: str, unit=None, keep=()) -> QuerySet[User]:
    """Whom `user` may put in `seat` of the iron triangle of a record filed under `unit`, by
    name: active people of a role fitting the seat (`SEAT_ROLES`), within the access policy's
    scope for the write (the AR: someone `user` may assign; the other seats and members:
    colleagues of the record's office). `keep` (the seats' holders now) stay listed, so an
    unchanged team saves as it is."""
    if seat == TriangleRole.AR:
        people = policy.assignable_people(user)
    else:
        people = policy.seatable_people(user, unit)
    if roles := SEAT_ROLES.get(seat):
        people = people.filter(role__in=roles)
    kept = [person.pk for person in keep if person is not None]
    if kept:
        people = people | User.objects.filter(pk__in=kept)
    return by_name(people)


def work_owners(*, user: User, team=None, keep=()) -> QuerySet[User]:
    """Whom `user` may make the owner of a piece of work on a record run by `team` (a
    deliverable, a delivery milestone; `policy.may_give_work_to`), by name: people `user` may
    assign and the team's active members; `keep` (the owner now) stays listed."""
    people = policy.assignable_people(user)
    if team is not None:
        on_team = IronTriangleMember.objects.filter(team=team).values("user_id")
        people = people | User.objects.filter(is_active=True, pk__in=on_team)
    kept = [person.pk for person in keep if person is not None]
    if kept:
        people = people | User.objects.filter(pk__in=kept)
    return by_name(people)


def customer_resolve(*, user: User, pk: int) -> Customer | None:
    """The customer with this id as the user may see it — a merged tombstone included, so an old
    link can lead on to the customer it was merged into."""
    return policy.restrict(Customer.all_objects.all(), user).filter(pk=pk).first()


def may_assign_to(by: User, user: User) -> bool:
    """Whether `by` may make `user` the owner of a record (the access policy's rule)."""
    return policy.may_assign_to(by, user)


def may_see_contact_details(by: User, user: User) -> bool:
    """Whether `by` may see how to reach `user` outside the CRM (e-mail, phone): administrators
    everyone's, sales managers those of the people of their unit's subtree, everyone their own
    (ADR 13). The directory shows everyone else's name, role, unit and title only."""
    return policy.may(by, "users.see_contact_details", user)


def assignable_units(*, user: User) -> QuerySet[OrgUnit]:
    """The org units `user` may file records under (the access policy's rule)."""
    return policy.assignable_units(user)


def activity_list(*, user: User, subject: models.Model | None = None) -> QuerySet[Activity]:
    """Activities the user may see, newest first. For one record (`subject`), every activity on
    it is visible to whoever may see that record — its follow-up record belongs to it."""
    queryset = Activity.objects.select_related(
        "owner", "customer", "contact", "subject_type", "org_unit"
    )
    if subject is None:
        return policy.restrict(queryset, user)
    if not policy.can(user, subject, "view"):
        return queryset.none()
    return queryset.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def account_chain(*, customer: Customer) -> list[AccountChainMember]:
    """The customer's standing decision chain, by role (whoever sees the customer sees it)."""
    return list(
        AccountChainMember.objects.filter(customer=customer).select_related(
            "contact", "reports_to__contact"
        )
    )


def overdue_q() -> Q:
    """Activities whose next step is past its date and not done."""
    return Q(next_step_date__lt=timezone.localdate(), next_step_done_at__isnull=True)


def _on_record(model: type[models.Model]) -> QuerySet[Activity]:
    """The activities on the outer query's record (a subquery, for annotations)."""
    return Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(model), subject_id=OuterRef("pk")
    )


def overdue_next_step(model: type[models.Model]) -> Exists:
    """Whether the record (of the outer query, a `model`) has an activity whose next step is
    overdue: one indexed probe per record (activity_open_step_by_record)."""
    return Exists(_on_record(model).filter(overdue_q()))


def with_overdue_next_step(queryset: QuerySet) -> QuerySet:
    """`queryset` with each record's `overdue_next_step` flag (for lists and detail pages)."""
    return queryset.annotate(overdue_next_step=overdue_next_step(queryset.model))


def with_latest_promise(queryset: QuerySet) -> QuerySet:
    """`queryset` with the latest promise of payment recorded on each record by a collection
    call: `promise_date`, `promise_amount` (None when nobody promised anything)."""
    latest = (
        _on_record(queryset.model)
        .filter(promised_payment_date__isnull=False)
        .order_by("-occurred_at", "-id")
    )
    return queryset.annotate(
        promise_date=Subquery(latest.values("promised_payment_date")[:1]),
        promise_amount=Subquery(latest.values("promised_amount")[:1]),
    )


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    return policy.restrict(ImportJob.objects.select_related("created_by"), user)


def role_assignment_list(*, user: User) -> QuerySet:
    """The configured role assignments `user` may see (issue 20.1): every one (administrators),
    those of their subtree's people or units (sales managers), their own (everyone)."""
    from .models import RoleAssignment

    rows = RoleAssignment.objects.select_related("user", "role", "org_unit", "created_by")
    if policy.is_admin(user):
        return rows
    mine = Q(user=user)
    if policy.manages(user) and user.org_unit_id:
        path = user.org_unit.path
        mine |= Q(user__org_unit__path__startswith=path) | Q(org_unit__path__startswith=path)
    return rows.filter(mine)


# --- Customer registrations (客户报备) ----------------------------------------------------------


def registration_list(*, user: User) -> QuerySet[CustomerRegistration]:
    """The registrations `user` may see: their own, their team's, a manager's subtree."""
    return policy.restrict(
        CustomerRegistration.objects.select_related(
            "customer", "owner", "org_unit", "competing__owner", "ruled_by"
        ),
        user,
    )


def registrations_to_rule(*, user: User) -> QuerySet[CustomerRegistration]:
    """The contested registrations waiting for `user`'s ruling (none unless they rule)."""
    if not policy.may(user, "registrations.rule"):
        return CustomerRegistration.objects.none()
    return policy.restrict(
        registration_list(user=user).filter(state="pending_ruling"), user, "change"
    )


def customer_protections(*, customer: Customer) -> list[CustomerRegistration]:
    """Who holds protection on the customer (whole or per project) until when, and who waits
    for a ruling: shown to everyone who sees the customer, as 客户报备 is company-wide."""
    return list(
        CustomerRegistration.objects.filter(
            customer=customer, state__in=["protected", "pending_ruling"]
        )
        .select_related("owner", "competing__owner")
        .order_by("state", "project_key", "pk")
    )


def customer_vetting_queue(*, user: User) -> QuerySet[Customer]:
    """The pending customers `user` vets (客户审批, ADR 19): of the units they may change,
    oldest first, each with its open approval (`approval_id`, `requested_by_id`); none for
    one who does not vet."""
    if not policy.may(user, "customers.vet"):
        return Customer.objects.none()
    open_requests = ApprovalRequest.objects.filter(
        subject_type=ContentType.objects.get_for_model(Customer),
        subject_id=OuterRef("pk"),
        kind=ApprovalKind.NEW_CUSTOMER,
        state__in=OPEN_APPROVAL_STATES,
    ).order_by("-pk")
    return policy.restrict(
        Customer.objects.filter(state=CustomerVetting.PENDING)
        .select_related("owner", "org_unit")
        .annotate(
            approval_id=Subquery(open_requests.values("pk")[:1]),
            requested_by_id=Subquery(open_requests.values("requester_id")[:1]),
        )
        .order_by("created_at", "pk"),
        user,
        "change",
    )
