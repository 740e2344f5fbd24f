"""Writes on quotes (CPQ-lite): versions and lines, submission against the submitter's
discount authority, special-price approval (特价审批), and "the" approved quote that sets the
opportunity's amount and margin."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import (
    open_request_for,
    request_decide,
    request_resubmit,
    request_start,
)
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import label, message, percent
from core.notifications import notify
from core.records import record_create, record_update

from ..agreements import agreement_reasons
from ..choices import QuoteDecision, QuoteState
from ..models import Opportunity, Product, Quote, QuoteLine
from ..pricing import (
    line_figures,
    max_discount_for,
    may_approve_quote,
    pricing_approvers,
    quote_totals,
)

MARGIN_LIMIT = Decimal("999.99")  # the opportunity's margin field holds five digits


def _may_change(by: User, opportunity: Opportunity) -> None:
    if not policy.can(by, opportunity, "change"):
        raise Forbidden(_("You may not change this opportunity's quotes."))
    if not opportunity.is_open:
        raise Conflict(_("The opportunity is closed."), code="opportunity_closed")


def _decimal(value, field: str, errors: dict, *, minimum=None, maximum=None) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite() or (minimum is not None and number < minimum):
        errors[field] = [_("Must be at least %(min)s.") % {"min": minimum}]
        return None
    if maximum is not None and number > maximum:
        errors[field] = [_("Must be at most %(max)s.") % {"max": maximum}]
        return None
    return number


def _build_lines(quote: Quote, lines: list[dict[str, Any]]) -> list[QuoteLine]:
    """Validate line input ({product, quantity, discount_pct, description}) and price it from
    the catalogue; every problem is reported against `lines.<index>.<field>`."""
    errors: dict[str, list[str]] = {}
    built = []
    for index, raw in enumerate(lines):
        prefix = f"lines.{index}."
        line_errors: dict[str, list[str]] = {}
        product = raw.get("product")
        if not isinstance(product, Product):
            product = Product.objects.filter(pk=product).first() if product else None
        if product is None:
            line_errors["product"] = [_("Choose a product.")]
        elif not product.is_active:
            line_errors["product"] = [_("This product is no longer sold.")]
        elif product.currency != quote.currency:
            line_errors["product"] = [
                _("Priced in %(product)s; the quote is in %(quote)s.")
                % {"product": product.currency, "quote": quote.currency}
            ]
        quantity = _decimal(raw.get("quantity"), "quantity", line_errors, minimum=Decimal("0.01"))
        discount = _decimal(
            raw.get("discount_pct", 0) or 0, "discount_pct", line_errors, minimum=0, maximum=100
        )
        for name, messages in line_errors.items():
            errors[prefix + name] = messages
        if line_errors:
            continue
        quantity = quantity.quantize(Decimal("0.01"))
        discount = discount.quantize(Decimal("0.01"))
        figures = line_figures(
            unit_list_price=product.list_price,
            quantity=quantity,
            discount_pct=discount,
            unit_cost=product.cost,
            tax_rate_pct=product.tax_rate_pct,
        )
        built.append(
            QuoteLine(
                quote=quote,
                position=index + 1,
                product=product,
                description=str(raw.get("description") or product.name)[:255],
                quantity=quantity,
                unit_list_price=product.list_price,
                discount_pct=discount,
                unit_cost=product.cost,
                tax_rate_pct=product.tax_rate_pct,
                unit_price=figures.unit_price,
                list_amount=figures.list_amount,
                net_amount=figures.net_amount,
                tax_amount=figures.tax_amount,
                cost_amount=figures.cost_amount,
            )
        )
    if errors:
        raise ValidationFailed(_("Some quote lines are not valid."), fields=errors)
    return built


def _replace_lines(quote: Quote, lines: list[QuoteLine]) -> None:
    quote.lines.all().delete()
    QuoteLine.objects.bulk_create(lines)
    totals = quote_totals(lines)
    for name, value in totals.items():
        setattr(quote, name, value)
    Quote.objects.filter(pk=quote.pk).update(**totals)


def _next_revision(opportunity: Opportunity) -> int:
    # The opportunity row is locked by the caller, so two new quotes never share a version.
    current = Quote.objects.filter(opportunity=opportunity).aggregate(v=Max("revision"))["v"]
    return (current or 0) + 1


def quote_create(
    *,
    opportunity: Opportunity,
    by: User,
    lines: list[dict[str, Any]],
    data: dict[str, Any] | None = None,
) -> Quote:
    """A new draft quote, the next version on the opportunity, in the opportunity's currency,
    priced from the catalogue."""
    _may_change(by, opportunity)
    data = {k: v for k, v in (data or {}).items() if k in ("valid_until", "notes")}
    with transaction.atomic():
        Opportunity.objects.select_for_update().only("pk").get(pk=opportunity.pk)
        quote = record_create(
            Quote,
            by=by,
            data={
                "opportunity": opportunity,
                "revision": _next_revision(opportunity),
                "currency": opportunity.currency,
                "created_by": by,
                **data,
            },
        )
        _replace_lines(quote, _build_lines(quote, lines))
    return quote


def quote_update(
    *,
    quote: Quote,
    by: User,
    data: dict[str, Any] | None = None,
    lines: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Quote:
    """Edit a draft: its validity, notes and (replacing them all) its lines."""
    _may_change(by, quote.opportunity)
    if not quote.is_editable:
        raise Conflict(
            _("Only a draft can be edited; make a new version instead."), code="quote_locked"
        )
    data = {k: v for k, v in (data or {}).items() if k in ("valid_until", "notes")}
    with transaction.atomic():
        if data or expected_version is not None:
            quote = record_update(quote, by=by, data=data, expected_version=expected_version)
        if lines is not None:
            _replace_lines(quote, _build_lines(quote, lines))
            audit_record(
                target=quote,
                action="quote.priced",
                actor=by,
                changes={"total": str(quote.total), "lines": len(lines)},
            )
    return quote


def quote_new_version(*, quote: Quote, by: User) -> Quote:
    """A new draft version with the same products, quantities and discounts, priced from
    today's catalogue (to revise a rejected special price, or renegotiate)."""
    lines = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "discount_pct": line.discount_pct,
            "description": line.description,
        }
        for line in quote.lines.select_related("product")
    ]
    return quote_create(
        opportunity=quote.opportunity,
        by=by,
        lines=lines,
        data={"valid_until": quote.valid_until, "notes": quote.notes},
    )


def _sync_opportunity(quote: Quote, by: User) -> None:
    """The approved quote is "the" quote: the opportunity's amount is its total (incl. tax),
    its margin the quote's, so forecast, gates and the contract draft see the same figures."""
    margin = quote.margin_pct
    if margin is not None:
        margin = max(min(margin, MARGIN_LIMIT), -MARGIN_LIMIT)
    opportunity = Opportunity.objects.get(pk=quote.opportunity_id)
    record_update(
        opportunity,
        by=by,
        data={"amount": quote.total, "currency": quote.currency, "margin_pct": margin},
    )


def _approve(quote: Quote, by: User, comment: str) -> Quote:
    Opportunity.objects.select_for_update().only("pk").get(pk=quote.opportunity_id)
    for previous in Quote.objects.filter(
        opportunity_id=quote.opportunity_id, state=QuoteState.APPROVED
    ).exclude(pk=quote.pk):
        transition_run(
            previous,
            "supersede",
            by=by,
            comment=message("note.superseded", quote=quote),
            internal=True,
            check_policy=False,
        )
    transition_run(quote, "approve", by=by, comment=comment, internal=True, check_policy=False)
    _sync_opportunity(quote, by)
    return quote


def _check_submittable(quote: Quote) -> None:
    if quote.state != QuoteState.DRAFT:
        raise Conflict(_("Only a draft can be submitted."), code="quote_not_draft")
    if not quote.lines.exists():
        raise ValidationFailed(
            _("A quote needs at least one line."), fields={"lines": [_("Add a product.")]}
        )
    if quote.currency != quote.opportunity.currency:
        raise Conflict(
            _("The opportunity is now in %(currency)s; make a new version.")
            % {"currency": quote.opportunity.currency},
            code="quote_currency",
        )


def quote_submit(*, quote: Quote, by: User, justification: str = "") -> Quote:
    """Submit a draft. Within the submitter's discount authority it is approved at once;
    beyond it, it waits for special-price approval (a justification is required) and the
    pricing approvers are notified."""
    _may_change(by, quote.opportunity)
    _check_submittable(quote)
    authority = max_discount_for(by, quote.opportunity.org_unit)
    reasons = agreement_reasons(quote)  # below an agreement price (协议价), outside a band
    special = quote.max_line_discount_pct > authority or bool(reasons)
    if special and not justification.strip():
        text = (
            _("A line is below its agreement price or outside the partner's band: say why.")
            if quote.max_line_discount_pct <= authority
            else _(
                "A discount of %(discount)s%% is beyond your authority of %(authority)s%%: say why."
            )
            % {"discount": quote.max_line_discount_pct, "authority": authority}
        )
        raise ValidationFailed(
            text,
            code="special_price_justification",
            fields={"justification": [_("Required for a special price.")]},
        )
    with transaction.atomic():
        quote.submitted_by, quote.submitted_at = by, timezone.now()
        quote.authority_discount_pct, quote.special_price = authority, special
        if justification:
            quote.justification = justification
        if not special:
            quote.decided_by, quote.decided_at = by, quote.submitted_at
            quote.decision_reason = _("Within the discount authority of %(authority)s%%.") % {
                "authority": authority
            }
            return _approve(quote, by, quote.decision_reason)
        transition_run(quote, "request_approval", by=by, comment=justification, internal=True)
        if reasons:  # the approver reads them on the quote's timeline, in their language
            audit_record(target=quote, action="quote.agreement_check", actor=by, comment=reasons)
        facts = {**special_price_facts(quote), "below_agreement": bool(reasons)}
        sent_back = open_request_for(quote, ApprovalKind.SPECIAL_PRICE)
        if sent_back is not None and sent_back.state == ApprovalState.SENT_BACK:
            request_resubmit(request=sent_back, by=by, facts=facts, comment=justification)
        else:
            request_start(
                kind=ApprovalKind.SPECIAL_PRICE,
                subject=quote,
                requester=by,
                org_unit=quote.opportunity.org_unit,
                facts=facts,
                title=f"{quote}, {quote.opportunity}",
            )
    return Quote.objects.get(pk=quote.pk)


def special_price_facts(quote: Quote) -> dict:
    """What a special-price chain's conditions judge: the quote's figures, its product lines,
    the deal's unit and the customer's tier."""
    opportunity = quote.opportunity
    lines = quote.lines.select_related("product").values_list("product__product_line", flat=True)
    return {
        "amount": str(quote.total),
        "currency": quote.currency,
        "discount_pct": str(quote.max_line_discount_pct),
        "margin_pct": None if quote.margin_pct is None else str(quote.margin_pct),
        "authority_pct": str(quote.authority_discount_pct),
        "product_lines": sorted({line for line in lines if line}),
        "customer_tier": getattr(opportunity.customer, "tier", ""),
    }


def special_price_waiting(request, quote: Quote, users: list) -> None:
    """Tell a special-price step's approvers, in the quote's own words (the approval engine
    calls this for each step that starts)."""
    notify(
        recipients=users,
        kind="quote.approval_needed",
        exclude=request.requester,
        message=message(
            "quote.approval_needed",
            quote=str(quote),
            opportunity=str(quote.opportunity),
            discount=percent(quote.max_line_discount_pct),
            authority=percent(quote.authority_discount_pct),
            why=quote.justification,
        ),
        url=quote.get_absolute_url(),
        target=quote,
        email=True,
    )


def special_price_ended(request, quote: Quote, by: User, comment: str) -> None:
    """The special-price request ended: approve or reject the quote as its approver decided,
    back to draft when sent back for rework, withdrawn with the request."""
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__owner", "submitted_by")
        .get(pk=quote.pk)
    )
    if request.state == ApprovalState.WITHDRAWN:
        if quote.state in (QuoteState.DRAFT, QuoteState.PENDING_APPROVAL):
            transition_run(quote, "withdraw", by=by, reason=comment, check_policy=False)
        return
    if quote.state != QuoteState.PENDING_APPROVAL:
        return
    decision = {
        ApprovalState.APPROVED: QuoteDecision.APPROVE,
        ApprovalState.REJECTED: QuoteDecision.REJECT,
    }.get(request.state)
    if decision is None:  # sent back for rework: a draft again, to edit and submit again
        transition_run(quote, "send_back", by=by, comment=comment, internal=True)
        notify(
            recipients=[quote.submitted_by],
            kind="quote.sent_back",
            exclude=by,
            message=message(
                "approval.decided",
                kind=label(ApprovalKind, request.kind),
                state=label(ApprovalState, request.state),
                title=request.title,
            ),
            body=comment,
            url=quote.get_absolute_url(),
            target=quote,
            email=True,
        )
        return
    quote.decided_by, quote.decided_at, quote.decision_reason = by, timezone.now(), comment
    if decision == QuoteDecision.APPROVE:
        _approve(quote, by, comment)
    else:
        transition_run(quote, "reject", by=by, comment=comment, internal=True, check_policy=False)
    notify(
        recipients=[quote.submitted_by, quote.opportunity.owner, *pricing_approvers(quote)],
        kind="quote.decided",
        exclude=by,
        message=message(
            "quote.decided",
            decision=label(QuoteDecision, decision),
            quote=str(quote),
            opportunity=str(quote.opportunity),
        ),
        body=comment,
        url=quote.get_absolute_url(),
        target=quote,
        email=True,
    )


def quote_decide(*, quote: Quote, by: User, decision: str, reason: str = "") -> Quote:
    """Approve or reject a special price. Only a pricing approver (not the requester); a
    rejection needs a reason. The row is locked: of two approvers racing, one decides."""
    if decision not in QuoteDecision.values:
        raise ValidationFailed(
            _("Choose approve or reject."), fields={"decision": [_("Choose approve or reject.")]}
        )
    if decision == QuoteDecision.REJECT and not reason.strip():
        raise ValidationFailed(
            _("Say why the special price is rejected."), fields={"reason": [_("Required.")]}
        )
    with transaction.atomic():
        locked = (
            Quote.objects.select_for_update(of=("self",))
            .select_related("opportunity__org_unit", "opportunity__owner", "submitted_by")
            .get(pk=quote.pk)
        )
        if locked.state != QuoteState.PENDING_APPROVAL:
            raise Conflict(
                _("This quote is not waiting for approval (%(state)s).")
                % {"state": locked.get_state_display()},
                code="quote_not_pending",
            )
        if not may_approve_quote(by, locked):
            raise Forbidden(
                _("Only a pricing approver over this opportunity may decide, never the requester."),
                code="pricing_authority",
            )
        request = open_request_for(locked, ApprovalKind.SPECIAL_PRICE)
        if request is None:
            raise Conflict(
                _("This quote is not waiting for approval (%(state)s).")
                % {"state": locked.get_state_display()},
                code="quote_not_pending",
            )
        request_decide(request=request, by=by, decision=decision, comment=reason)
    return Quote.objects.get(pk=quote.pk)


def quote_withdraw(*, quote: Quote, by: User, reason: str = "") -> Quote:
    """Withdraw a draft or a quote waiting for approval."""
    _may_change(by, quote.opportunity)
    return transition_run(quote, "withdraw", by=by, reason=reason)
