"""Partners' project registrations (项目报备): submitted by the partner's manager for the
partner, approved through the approval engine, and then protected through the customer
registrations' one service (ADR 16, ADR 20): the same protection period, renewal by activity,
hourly expiry and conflict rulings as our own reps' registrations. An approved, protected
registration becomes an opportunity with the partner on it, through the hook the
opportunities app registers (`conversion`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import RegistrationState
from accounts.models import Customer, User
from accounts.services import registration_check, registration_create
from core import hooks, policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import request_start
from core.audit import audit_record
from core.errors import ApplicationError, Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import message
from core.money import quantize
from core.notifications import notify

from .. import conversion
from ..choices import SELLING_TIERS, PartnerRegistrationState, PartnerState
from ..models import Partner, PartnerRegistration
from ..selectors import qualified

R = PartnerRegistrationState


def partner_sell_errors(
    partner: Partner, customer: Customer, product_line: str
) -> ApplicationError | None:
    """Why `partner` may not register a project at `customer` for `product_line`, or None:
    not admitted, no verified qualification in date, a tier that does not sell, a customer
    outside its territory, a product line it does not carry."""
    if partner.state != PartnerState.ADMITTED:
        text = _("%(partner)s is not admitted (准入): it is “%(state)s”.") % {
            "partner": partner,
            "state": partner.get_state_display(),
        }
        return ValidationFailed(text, code="partner_not_admitted", fields={"partner": [text]})
    if not qualified(partner):
        text = _("%(partner)s has no verified qualification in date (资质).") % {"partner": partner}
        return ValidationFailed(text, code="partner_not_qualified", fields={"partner": [text]})
    if partner.tier not in SELLING_TIERS:
        text = _("A %(tier)s does not register sales projects.") % {
            "tier": partner.get_tier_display()
        }
        return ValidationFailed(text, code="partner_tier_not_allowed", fields={"partner": [text]})
    if not partner.sells_in(customer.region):
        text = _("%(customer)s (%(region)s) is outside %(partner)s's territory: %(territory)s.") % {
            "customer": customer.name,
            "region": customer.region or "—",
            "partner": partner,
            "territory": ", ".join(partner.territories),
        }
        return ValidationFailed(text, code="partner_outside_territory", fields={"customer": [text]})
    if not partner.sells_line(product_line):
        text = _("%(partner)s does not sell the product line “%(line)s” (it sells: %(lines)s).") % {
            "partner": partner,
            "line": product_line,
            "lines": ", ".join(partner.product_lines) or "—",
        }
        return ValidationFailed(
            text, code="partner_product_line_not_allowed", fields={"product_line": [text]}
        )
    return None


def partner_registration_submit(
    *,
    by: User,
    partner: Partner,
    customer: Customer,
    project: str,
    product_line: str,
    estimated_amount: Decimal | int = 0,
    currency: str = "CNY",
    description: str = "",
    contest: bool = False,
) -> PartnerRegistration:
    """Register a project for `partner` (项目报备), to be approved through the
    `partner_registration` chain. Refused at once (400) when the partner may not sell it
    (`partner_sell_errors`) or when the customer or project is protected for someone else
    (`registration_conflict`, naming the holder and the date) unless `contest` asks for a
    ruling once approved."""
    project = " ".join((project or "").split())
    product_line = " ".join((product_line or "").split())
    partner = Partner.objects.select_related("manager").get(pk=partner.pk)  # as it stands now
    errors = {}
    if policy.is_partner_user(by):
        # A partner user registers for their own partner only; the customer they name by its
        # name (`portal.services`), as they see none of ours (ADR 21).
        if not policy.may(by, "portal.register", partner):
            raise Forbidden(_("You may not change this record."))
    else:
        if not policy.may(by, "registrations.register", customer):
            raise Forbidden(_("Your role does not register customers."))
        if not policy.can(by, partner, "change"):
            raise Forbidden(_("You may not change this record."))
        if not policy.can(by, customer, "view"):
            errors["customer"] = [_("No such record.")]
    if not project:
        errors["project"] = [_("Name the project.")]
    elif len(project) > 200:
        errors["project"] = [_("At most 200 characters.")]
    if not product_line:
        errors["product_line"] = [_("Required.")]
    if errors:
        raise ValidationFailed(_("The registration is not valid."), fields=errors)
    refused = partner_sell_errors(partner, customer, product_line)
    if refused is not None:
        raise refused
    channel = f"partner:{partner.pk}"
    registration_check(
        customer=customer, project=project, owner=partner.manager, channel=channel, contest=contest
    )
    with transaction.atomic():
        registration = PartnerRegistration.objects.create(
            partner=partner,
            customer=customer,
            project=project,
            product_line=product_line,
            currency=currency,
            estimated_amount=quantize(estimated_amount or 0),
            description=(description or "").strip(),
            contest=contest,
            submitted_by=by,
        )
        audit_record(
            target=registration,
            action="created",
            actor=by,
            changes={"project": project, "customer": customer.name, "partner": partner.name},
        )
        audit_record(
            target=partner,
            action="partner.registration_submitted",
            actor=by,
            comment=message("note.partner_registration", what=str(registration)),
        )
        request_start(
            kind=ApprovalKind.PARTNER_REGISTRATION,
            subject=registration,
            requester=by,
            org_unit=partner.org_unit,
            facts={
                "amount": str(registration.estimated_amount),
                "currency": registration.currency,
                "product_lines": [product_line],
                "customer_tier": customer.tier,
            },
            title=str(registration),
        )
    return registration


def partner_registration_ended(request, registration: PartnerRegistration, by, comment) -> None:
    """The registration's request ended (in the decision's transaction). Approved: the
    protection is claimed for the partner through the customer registrations' service,
    protected when free, else waiting for a ruling against the holder (the conflict goes to a
    ruling, recorded on both). Rejected, sent back or withdrawn: the state says so."""
    locked = (
        PartnerRegistration.objects.select_for_update(of=("self",))
        .select_related("partner", "partner__manager", "customer", "submitted_by")
        .get(pk=registration.pk)
    )
    if locked.state != R.SUBMITTED:
        if request.state == ApprovalState.WITHDRAWN and locked.state == R.RETURNED:
            transition_run(locked, "withdraw", by=by, internal=True, check_policy=False)
        return
    locked.decided_at = timezone.now()
    if request.state == ApprovalState.APPROVED:
        partner = locked.partner
        # A partner user's registration (the portal) is held by us through the partner
        # manager, our person responsible: a partner user files no customer registrations.
        holder = locked.submitted_by
        if policy.is_partner_user(holder):
            holder = partner.manager
        locked.protection = registration_create(
            by=holder,
            customer=locked.customer,
            project=locked.project,
            owner=partner.manager,
            contest=True,
            channel=locked.channel,
            channel_name=partner.name,
        )
        transition_run(
            locked,
            "approve",
            by=by,
            comment=comment,
            internal=True,
            check_policy=False,
            update_fields=["decided_at", "protection"],
        )
        hooks.emit("partner.registration_decided", registration=locked, decision="approved", by=by)
        return
    name = {ApprovalState.REJECTED: "reject", ApprovalState.SENT_BACK: "send_back"}.get(
        request.state, "withdraw"
    )
    transition_run(
        locked,
        name,
        by=by,
        comment=comment,
        internal=True,
        check_policy=False,
        update_fields=["decided_at"],
    )
    if name != "withdraw":
        decision = {"reject": "rejected", "send_back": "returned"}[name]
        hooks.emit("partner.registration_decided", registration=locked, decision=decision, by=by)


def partner_registration_waiting(request, registration: PartnerRegistration, users) -> None:
    notify(
        recipients=users,
        kind="approval.waiting",
        target=request,
        url=registration.get_absolute_url(),
        email=True,
        message=message(
            "partner.registration_waiting",
            partner=str(registration.partner),
            what=str(registration),
        ),
    )


def partner_registration_convert(
    *, registration: PartnerRegistration, by: User, data: dict[str, Any] | None = None
):
    """The approved, protected registration becomes an opportunity with the partner on it
    (the partner seat beside the iron triangle), once: the opportunities app makes it
    (`conversion.converter()`), and its ATI/ATB/ATC gates are those of any opportunity."""
    if not policy.can(by, registration, "change") or policy.is_partner_user(by):
        raise Forbidden(_("You may not change this record."))
    protection = registration.protection
    if registration.state != R.APPROVED or protection is None:
        raise Conflict(
            _("Only an approved registration becomes an opportunity."),
            code="registration_not_convertible",
        )
    if protection.state != RegistrationState.PROTECTED:
        raise Conflict(
            _(
                "The registration's protection is “%(state)s”: only a protected project becomes an "
                "opportunity."
            )
            % {"state": protection.get_state_display()},
            code="registration_not_convertible",
        )
    convert = conversion.converter()
    if convert is None:
        raise Conflict(_("Opportunities are not installed."), code="registration_not_convertible")
    return convert(registration=registration, by=by, data=dict(data or {}))
