"""Messages stored as a code with parameters and rendered when read, in the reader's language.

A notification or an escalation reason written as text is frozen in the language of whoever
caused it. Instead it is stored as `{"code": ..., "params": {...}}`: the code names a
translatable template in `MESSAGES`, the params are plain JSON. Params that must read
differently per language are wrapped by the helpers below (`money`, `day`, `moment`,
`percent`, `label`, `gate_review`, `reasons`) and formatted only when rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from .money import format_money


@dataclass(frozen=True)
class MessageTemplate:
    """A title and an optional body, each a msgid (marked with gettext_noop, translated when
    rendered) with %(name)s placeholders."""

    title: str
    body: str = ""


def message(code: str, **params) -> dict:
    """A message to store: its code (a key of MESSAGES) and its JSON-ready params."""
    if code not in MESSAGES:
        raise KeyError(f"unregistered message code {code!r}")
    return {"code": code, "params": {k: _plain(v) for k, v in params.items()}}


def _plain(value):
    if value is None or isinstance(value, bool | int | float | dict | list):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


# --- typed params: formatted at read time ----------------------------------------------------


def money(amount, currency: str) -> dict:
    return {"$": "money", "amount": str(amount), "currency": str(currency)}


def day(value: dt.date) -> dict:
    return {"$": "date", "v": value.isoformat()}


def moment(value: dt.datetime) -> dict:
    return {"$": "datetime", "v": value.isoformat()}


def percent(value) -> dict:
    return {"$": "percent", "v": str(value)}


def label(choices: type, value: str) -> dict:
    """A choice shown by its display name (`choices` a TextChoices class)."""
    return {"$": "choice", "of": f"{choices.__module__}.{choices.__qualname__}", "v": str(value)}


def labels(choices: type, values: list[str]) -> dict:
    """Several choices of one kind, shown by their display names, comma-separated."""
    return {**label(choices, ""), "$": "choices", "v": [str(v) for v in values]}


def call(function: str, value: str) -> dict:
    """A value shown by a labelling function (dotted path) run in the reader's language."""
    return {"$": "call", "fn": function, "v": value}


def gate_review(review) -> dict:
    """A gate review as people name it: its gate's name and its title."""
    return {"$": "review", "kind": review.kind, "title": review.title}


def reasons(items: list) -> dict:
    """A list of escalation reasons (each a message or legacy text), joined when rendered."""
    return {"$": "reasons", "v": list(items)}


def _format(value):
    if not isinstance(value, dict) or "$" not in value:
        return "" if value is None else value
    kind = value["$"]
    if kind == "money":
        return format_money(value["amount"], value["currency"])
    if kind == "date":
        parsed = parse_date(value["v"])
        return formats.date_format(parsed, "DATE_FORMAT") if parsed else value["v"]
    if kind == "datetime":
        parsed = parse_datetime(value["v"])
        if parsed is None:
            return value["v"]
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return formats.date_format(parsed, "DATETIME_FORMAT")
    if kind == "percent":
        try:
            return formats.number_format(Decimal(value["v"]), use_l10n=True)
        except (InvalidOperation, ValueError):
            return value["v"]
    if kind == "choice":
        try:
            return str(import_string(value["of"])(value["v"]).label)
        except (ImportError, ValueError):
            return value["v"]
    if kind == "choices":
        names = [_format({"$": "choice", "of": value["of"], "v": v}) for v in value["v"]]
        return gettext(", ").join(str(n) for n in names) or "—"
    if kind == "call":
        try:
            return str(import_string(value["fn"])(value["v"]))
        except (ImportError, ValueError, KeyError):
            return value["v"]
    if kind == "review":
        from .choices import GateKind

        try:
            gate = GateKind(value["kind"]).label
        except ValueError:
            gate = value["kind"]
        return f"{gate} · {value['title']}"
    if kind == "reasons":
        return gettext("; ").join(render_text(r) for r in value["v"])
    return str(value)


def _fill(template: str, params: dict) -> str:
    values = {k: _format(v) for k, v in params.items()}
    try:
        return gettext(template) % values
    except (KeyError, TypeError, ValueError):
        return gettext(template)


def render(stored: dict | None) -> tuple[str, str] | None:
    """(title, body) of a stored message in the active language; None if it has no known code
    (an old row: show what was stored)."""
    if not stored or stored.get("code") not in MESSAGES:
        return None
    template = MESSAGES[stored["code"]]
    params = stored.get("params") or {}
    body = _fill(template.body, params) if template.body else ""
    return _fill(template.title, params), body


def render_text(stored) -> str:
    """One line: a message's title (and body), or legacy text as it was stored."""
    if isinstance(stored, str):
        return stored
    rendered = render(stored)
    if rendered is None:
        return str(stored)
    return " ".join(part for part in rendered if part)


R = "reason."
MESSAGES: dict[str, MessageTemplate] = {
    # Gates (core.gates)
    "gate.assess": MessageTemplate(_("Your assessment is needed: %(review)s")),
    "gate.opened": MessageTemplate(_("A gate review reached you: %(review)s")),
    "gate.ready": MessageTemplate(_("Ready for your decision: %(review)s")),
    "gate.decided": MessageTemplate(_("%(review)s: %(decision)s")),
    "gate.withdrawn": MessageTemplate(_("Withdrawn, nothing to do: %(review)s")),
    "gate.escalated": MessageTemplate(
        _("Escalated for your decision: %(review)s"), _("Why: %(reasons)s")
    ),
    "gate.escalated_away": MessageTemplate(
        _("Escalated to %(unit)s; no decision needed from you: %(review)s"),
        _("Why: %(reasons)s"),
    ),
    # Approval chains (core.approvals)
    "approval.waiting": MessageTemplate(
        _("Waiting for your approval: %(kind)s, %(title)s"), _("Step: %(step)s")
    ),
    "approval.reminder": MessageTemplate(
        _("Still waiting for your approval: %(kind)s, %(title)s"), _("Step: %(step)s")
    ),
    "approval.escalated": MessageTemplate(
        _("Not decided in time, escalated to you: %(kind)s, %(title)s"), _("Step: %(step)s")
    ),
    "approval.decided": MessageTemplate(_("%(kind)s %(state)s: %(title)s")),
    "approval.withdrawn": MessageTemplate(_("Withdrawn, nothing to do: %(kind)s, %(title)s")),
    "note.approval_skipped": MessageTemplate(
        _("Step “%(step)s” skipped: its condition does not apply.")
    ),
    "note.approval_delegated": MessageTemplate(_("%(to)s stands in for %(from)s.")),
    # Escalation reasons (core.gates.authority), stored on GateReview.escalation_reasons
    R + "currency": MessageTemplate(
        _("Amount is in %(currency)s; the authority limit is in %(limit)s.")
    ),
    R + "amount": MessageTemplate(_("Amount %(amount)s exceeds the limit of %(limit)s.")),
    R + "margin": MessageTemplate(_("Gross margin %(margin)s%% is below %(floor)s%%.")),
    R + "down_payment": MessageTemplate(_("Down payment %(down)s%% is below %(floor)s%%.")),
    R + "high_risk": MessageTemplate(_("An assessment rates the risk high.")),
    R + "change_office": MessageTemplate(
        _("A contract change is always approved by the representative office.")
    ),
    # Leads
    "lead.assigned": MessageTemplate(_("New lead for you: %(lead)s")),
    "lead.distributed": MessageTemplate(_("Lead distributed to you: %(lead)s")),
    "lead.duplicate": MessageTemplate(_("A new lead may repeat your lead #%(pk)s: %(lead)s")),
    "lead.imported": MessageTemplate(_("%(n)s imported leads for you (%(file)s)")),
    # Opportunities: quotes and bids
    "quote.approval_needed": MessageTemplate(
        _("Special price to approve: %(quote)s, %(opportunity)s"),
        _("Largest discount %(discount)s%% (authority %(authority)s%%). %(why)s"),
    ),
    "quote.decided": MessageTemplate(_("Special price %(decision)s: %(quote)s, %(opportunity)s")),
    "bid.section_assigned": MessageTemplate(
        _("You write part of the bid for %(opportunity)s, due %(deadline)s")
    ),
    "bid.section_reassigned": MessageTemplate(
        _("You write the %(section)s part of the bid for %(opportunity)s")
    ),
    "bid.submitted": MessageTemplate(_("Bid submitted: %(opportunity)s")),
    "bid.deadline": MessageTemplate(
        _("Bid due in %(days)s day(s): %(opportunity)s"),
        _("Deadline %(deadline)s. Sections not done: %(sections)s."),
    ),
    # Key accounts
    "renewal.opened": MessageTemplate(
        _("Renewal opportunity %(number)s opened: %(contract)s ends on %(day)s")
    ),
    "plan.action_assigned": MessageTemplate(_("Action for %(customer)s: %(title)s, due %(due)s")),
    # Contracts
    "contract.confirm": MessageTemplate(_("Please confirm the content of %(contract)s")),
    "contract.direct_approval_needed": MessageTemplate(
        _("Direct contract to approve: %(contract)s, %(amount)s"), _("Basis: %(basis)s")
    ),
    "change.raised": MessageTemplate(_("A change request needs your decision: %(change)s")),
    "change.closed": MessageTemplate(_("%(change)s: %(state)s")),
    "delivery_milestone.reached": MessageTemplate(_("%(milestone)s reached on %(contract)s")),
    "delivery.late": MessageTemplate(
        _("Delivery late: %(milestone)s (planned %(date)s)"),
        _("%(contract)s: reach it, or raise a change request to re-plan it."),
    ),
    # Follow-ups
    "activity.overdue": MessageTemplate(
        _("Overdue next step: %(step)s (due %(date)s)"), _("%(kind)s: %(summary)s")
    ),
    # Customer registrations (客户报备)
    "registration.contested": MessageTemplate(
        _("%(owner)s asks for a ruling on %(what)s"),
        _("%(holder)s holds its protection until %(until)s."),
    ),
    "registration.released": MessageTemplate(_("%(by)s released your registration of %(what)s")),
    "registration.expired": MessageTemplate(
        _("Your registration of %(what)s expired"),
        _("It was protected until %(until)s; no activity renewed it."),
    ),
    "registration.ruled": MessageTemplate(
        _("Ruling on the registration of %(what)s: awarded to %(winner)s")
    ),
    # Receivables
    "receipt.recorded": MessageTemplate(_("%(amount)s received from %(customer)s")),
    "receipt.reversed": MessageTemplate(_("Receipt %(number)s (%(amount)s) was reversed")),
    "invoice.issued": MessageTemplate(_("Invoice %(number)s issued: %(amount)s on %(milestone)s")),
    "write_off.requested": MessageTemplate(
        _("Write-off of %(amount)s on %(m)s awaits your approval")
    ),
    "write_off.approved": MessageTemplate(_("Write-off of %(amount)s on %(m)s approved")),
    "write_off.rejected": MessageTemplate(_("Write-off on %(m)s rejected")),
    "payment_reminder.before": MessageTemplate(
        _("%(what)s: %(amount)s due in %(n)s days (%(date)s)"),
        _("Customer: %(customer)s. Due date: %(date)s. Reminder: %(step)s."),
    ),
    "payment_reminder.today": MessageTemplate(
        _("%(what)s: %(amount)s due today"),
        _("Customer: %(customer)s. Due date: %(date)s. Reminder: %(step)s."),
    ),
    "payment_reminder.overdue": MessageTemplate(
        _("%(what)s: %(amount)s overdue by %(n)s days"),
        _("Customer: %(customer)s. Due date: %(date)s. Reminder: %(step)s."),
    ),
    # Comments the system writes on a timeline (core.audit.audit_record(comment=message(...)))
    "note.superseded": MessageTemplate(_("Superseded by %(quote)s")),
    "note.below_agreement": MessageTemplate(
        _("%(product)s at %(price)s is below the agreement price %(agreed)s (%(party)s)")
    ),
    "note.outside_band": MessageTemplate(
        _("%(product)s: discount %(discount)s%% outside %(partner)s's band %(low)s–%(high)s%%")
    ),
    "agreement_price.waiting": MessageTemplate(_("Agreement price to approve: %(price)s")),
    "note.converted": MessageTemplate(_("Converted to %(opp)s")),
    "note.person_role": MessageTemplate(_("%(contact)s (%(role)s)")),
    "note.person_role_stance": MessageTemplate(_("%(contact)s (%(role)s, %(stance)s)")),
    "note.written_off": MessageTemplate(_("%(amount)s written off: %(reason)s")),
    "note.paid_from": MessageTemplate(_("%(amount)s from %(receipt)s")),
    "note.invoiced": MessageTemplate(_("%(amount)s invoiced on %(invoice)s")),
    "note.invoice_cancelled": MessageTemplate(_("%(invoice)s cancelled: %(reason)s")),
    "note.became_due": MessageTemplate(_("Due: %(trigger)s")),
    "note.replanned": MessageTemplate(_("Amendment v%(version)s: %(old)s → %(new)s")),
    "note.amended": MessageTemplate(_("Amendment v%(version)s: %(summary)s")),
    "note.registered": MessageTemplate(
        _("Account %(customer)s is registered to %(owner)s (客户报备).")
    ),
    "note.registration_ended": MessageTemplate(_("Protection ended: %(state)s")),
    "note.lead_merged_into": MessageTemplate(_("Merged into lead #%(pk)s %(title)s.")),
    "note.lead_merged_here": MessageTemplate(_("Merged lead #%(pk)s %(title)s into this lead.")),
    "note.score": MessageTemplate(_("Score %(score)s")),
    "note.document": MessageTemplate(_("%(kind)s: %(document)s")),
    "note.delivery_reached": MessageTemplate(_("%(milestone)s on %(date)s")),
    "note.merged_into": MessageTemplate(_("Merged into %(name)s (#%(pk)s).")),
    "note.contact_merged_here": MessageTemplate(_("Merged %(name)s (#%(pk)s) into this contact.")),
    "note.customer_merged_here": MessageTemplate(
        _("Merged %(name)s (#%(pk)s) into this customer.")
    ),
    "note.contact_merged": MessageTemplate(
        _("Contact %(source)s (#%(spk)s) merged into %(target)s (#%(tpk)s).")
    ),
}
