"""Webhooks, the wire format: the events a system may subscribe to, how a record is named in a
payload, the signature, and the retry schedule. Publishing, replaying and sending are in
`services.py`, who is subscribed in `selectors.py`.

An event is published inside the transaction that made the change (a listener of
`core.hooks`), as one WebhookEvent row and one WebhookDelivery row per subscription whose user
may see the record; each delivery is sent by a Celery task after commit. A failed attempt is
retried with exponential backoff (`RETRY_BASE_SECONDS` × 2^n) up to `MAX_ATTEMPTS`, then the
delivery is marked failed; an administrator may replay any delivery.

Signature: header `X-LTC-Signature: t=<unix time>,v1=<hex>` where `<hex>` is
HMAC-SHA256(secret, "<t>.<body>"). A receiver recomputes it and rejects old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import models
from django.utils.translation import gettext_lazy

EVENTS = {
    "lead.converted": gettext_lazy("A lead was converted into an opportunity"),
    "opportunity.stage_changed": gettext_lazy("An opportunity moved to another stage"),
    "gate.decided": gettext_lazy("A gate review (ATI/ATB/ATC) was decided"),
    "contract.signed": gettext_lazy("A contract was signed"),
    "contract.changed": gettext_lazy("A contract was amended"),
    "milestone.due": gettext_lazy("A payment milestone is due today"),
    "milestone.overdue": gettext_lazy("A payment milestone is overdue"),
    "receipt.recorded": gettext_lazy("A receipt was recorded"),
    "partner.admission_decided": gettext_lazy("A partner's admission was decided"),
    "partner.registration_decided": gettext_lazy("A partner's project registration was decided"),
    "partner.registration_converted": gettext_lazy(
        "A partner's project registration became an opportunity"
    ),
    "agreement_price.decided": gettext_lazy("An agreement price was decided"),
}
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-LTC-Signature"


def ref(obj: models.Model | None) -> dict | None:
    """A record as a webhook names it: type, id, and its number and state where it has them."""
    if obj is None:
        return None
    found = {"type": obj._meta.label_lower, "id": obj.pk}
    for name in ("number", "state"):
        value = getattr(obj, name, None)
        if value is not None:
            found[name] = value
    return found


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
