"""Activities (follow-ups) on any registered record, with next steps and payment promises."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core import hooks, policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed
from core.money import format_money
from core.records import record_create, record_update

from ..activities import (
    filed_with,
    may_take_next_step,
    promise_cap,
    subject_customer,
    takes_promises,
)
from ..choices import ActivityKind
from ..models import (
    Activity,
    Customer,
    User,
)

# --- Activities ---------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "kind",
    "contact",
    "occurred_at",
    "summary",
    "notes",
    "outcome",
    "next_step",
    "next_step_date",
    "promised_payment_date",
    "promised_amount",
)


def _check_activity(data: dict[str, Any], customer: Customer | None) -> None:
    if data.get("next_step_date") and not (data.get("next_step") or "").strip():
        raise ValidationFailed(
            _("Say what the next step is."), fields={"next_step": [_("Required with a date.")]}
        )
    contact = data.get("contact")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise ValidationFailed(
            _("The contact must work at the customer."),
            fields={"contact": [_("Not a contact of this customer.")]},
        )
    owner = data.get("owner")
    if owner is not None and not owner.is_active:
        raise ValidationFailed(_("This user is inactive."), fields={"owner": [_("Inactive.")]})


def _check_promise(data: dict[str, Any], subject: models.Model) -> None:
    """A collection call only where money is owed (a payment milestone); a promise of payment
    only on a collection call, dated, and no more than what is still owed."""
    kind = data.get("kind")
    amount, when = data.get("promised_amount"), data.get("promised_payment_date")
    errors: dict[str, list[str]] = {}
    if kind == ActivityKind.COLLECTION_CALL and not takes_promises(subject):
        errors["kind"] = [_("Collection calls are recorded on payment milestones.")]
    elif kind != ActivityKind.COLLECTION_CALL and (amount is not None or when is not None):
        errors["kind"] = [_("Only a collection call records a promise of payment.")]
    elif amount is not None and when is None:
        errors["promised_payment_date"] = [_("Say when the customer will pay.")]
    elif amount is not None and amount <= 0:
        errors["promised_amount"] = [_("Enter an amount above zero.")]
    elif amount is not None and amount > promise_cap(subject):
        errors["promised_amount"] = [
            _("No more than what is still owed (%(amount)s).")
            % {"amount": format_money(promise_cap(subject), getattr(subject, "currency", ""))}
        ]
    if errors:
        raise ValidationFailed(_("The collection call is not valid."), fields=errors)


def _check_activity_owner(by: User, owner: User | None, subject: models.Model | None) -> None:
    if may_take_next_step(by, owner, subject):
        return
    raise ValidationFailed(
        _("The next step can go to you or to the record's owner."),
        code=policy.OUT_OF_SCOPE,
        fields={"owner": [_("Not someone you may give work to.")]},
    )


def _activity_sentence(activity: Activity) -> str:
    """How the activity reads on its record's timeline, with the promise of a collection call."""
    sentence = f"{activity.get_kind_display()}: {activity.summary}"
    if activity.promised_payment_date is None:
        return sentence
    if activity.promised_amount is None:
        promise = _("payment promised by %(date)s") % {
            "date": date_format(activity.promised_payment_date, "SHORT_DATE_FORMAT")
        }
    else:
        promise = _("%(amount)s %(currency)s promised by %(date)s") % {
            "amount": number_format(activity.promised_amount, 2, force_grouping=True),
            "currency": activity.promised_currency,
            "date": date_format(activity.promised_payment_date, "SHORT_DATE_FORMAT"),
        }
    return f"{sentence} ({promise})"


def activity_create(*, by: User, subject: models.Model, data: dict[str, Any]) -> Activity:
    """Record a customer interaction (visit, call, e-mail, meeting, demo) on `subject`: a lead,
    an opportunity, a contract or a customer. Whoever may change the subject may record one.

    The activity takes the subject's customer and org unit; its owner (who follows up the next
    step) is the recorder unless named. The subject's timeline shows it, and later stages hear
    of it (`activity.logged`: a lead's score counts recent activity).
    """
    if not policy.can(by, subject, "change"):
        raise Forbidden(_("You may not record activities on this record."))
    customer = subject_customer(subject)
    data = {k: v for k, v in data.items() if k in (*ACTIVITY_FIELDS, "owner")}
    _check_activity(data, customer)
    _check_promise(data, subject)
    _check_activity_owner(by, data.get("owner"), subject)
    org_unit = getattr(filed_with(subject), "org_unit", None) or by.org_unit
    if data.get("promised_amount") is not None:
        data["promised_currency"] = subject.currency
    if org_unit is None:
        raise ValidationFailed(
            _("Choose the org unit the lead belongs to."), fields={"org_unit": [_("Required.")]}
        )
    with transaction.atomic():
        # Filed with its subject (unit, customer): whoever may change the subject records it.
        activity = record_create(
            Activity,
            by=by,
            check_scope=False,
            data={
                **data,
                "owner": data.get("owner") or by,
                "subject_type": ContentType.objects.get_for_model(subject),
                "subject_id": subject.pk,
                "customer": customer,
                "org_unit": org_unit,
                "created_by": by,
            },
        )
        audit_record(
            target=subject,
            action="activity.logged",
            actor=by,
            comment=_activity_sentence(activity),
        )
        hooks.emit("activity.logged", activity=activity, by=by)
    return activity


def activity_update(
    *, activity: Activity, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Activity:
    """Edit an activity's notes, outcome or next step; `next_step_done` marks the step done (or
    open again). A new next-step date is flagged again when it passes."""
    if not policy.can(by, activity, "change"):
        raise Forbidden(_("You may not change this activity."))
    data = dict(data)
    done = data.pop("next_step_done", None)
    data = {k: v for k, v in data.items() if k in (*ACTIVITY_FIELDS, "owner")}
    if done is not None and done != (activity.next_step_done_at is not None):
        data["next_step_done_at"] = timezone.now() if done else None
    if "next_step_date" in data and data["next_step_date"] != activity.next_step_date:
        data["overdue_notified_at"] = None
    merged = {
        "kind": activity.kind,
        "next_step": activity.next_step,
        "next_step_date": activity.next_step_date,
        "contact": activity.contact,
        "promised_payment_date": activity.promised_payment_date,
        "promised_amount": activity.promised_amount,
        **data,
    }
    _check_activity(merged, activity.customer)
    if {"kind", "promised_payment_date", "promised_amount"} & data.keys():
        _check_promise(merged, activity.subject)
        if merged["promised_amount"] is not None:
            data["promised_currency"] = activity.subject.currency
    if data.get("owner") is not None and data["owner"].pk != activity.owner_id:
        _check_activity_owner(by, data["owner"], activity.subject)
    return record_update(
        activity, by=by, data=data, expected_version=expected_version, check_scope=False
    )
