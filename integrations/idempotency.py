"""`Idempotency-Key` on POST: a retried request returns the first result and creates nothing
twice.

The first request with a key claims it (a row under a unique constraint) before it runs, and
stores its response when it is done. A retry with the same key and the same request gets that
response again (`Idempotent-Replayed: true`); with a different request, a 422; while the first
is still running, a 409. A 5xx, 401 or 429 is not stored, so the retry runs for real. Keys are
kept for `IDEMPOTENCY_TTL`; a claim left by a crashed request is freed after
`IDEMPOTENCY_STALE_AFTER`.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.errors import error_response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
IDEMPOTENCY_TTL = dt.timedelta(hours=24)
IDEMPOTENCY_STALE_AFTER = dt.timedelta(minutes=5)
NOT_STORED = {401, 429}


def _owner(request) -> str | None:
    """Who sent the request: its credential's hash, or the signed-in user; None if anonymous."""
    credential = request.headers.get("Authorization")
    if credential:
        return "auth:" + hashlib.sha256(credential.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path()):
        digest.update(part.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _claim(owner: str, key: str, request, fingerprint: str):
    """Claim the key: returns (record, None) for a new request, (None, response) otherwise."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    owner=owner,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=fingerprint,
                ), None
        except IntegrityError:
            pass
        found = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if found is None:
            continue  # freed meanwhile: claim again
        age = timezone.now() - found.created_at
        dead = found.status_code is None and age > IDEMPOTENCY_STALE_AFTER
        if age > IDEMPOTENCY_TTL or dead:
            IdempotencyRecord.objects.filter(pk=found.pk, created_at=found.created_at).delete()
            continue
        if found.request_hash != fingerprint:
            return None, error_response(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request; use a new key."),
            )
        if found.status_code is None:
            return None, error_response(
                409,
                "idempotency_in_flight",
                _("A request with this Idempotency-Key is still running; retry later."),
            )
        replay = HttpResponse(
            found.response_body, status=found.status_code, content_type=found.content_type
        )
        replay["Idempotent-Replayed"] = "true"
        return None, replay
    return None, error_response(
        409, "idempotency_in_flight", _("A request with this Idempotency-Key is still running.")
    )


class IdempotencyMiddleware:
    """Applies `Idempotency-Key` to every POST under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        owner = _owner(request)
        if owner is None:
            return self.get_response(request)
        if len(key) > 255:
            return error_response(
                400, "invalid", _("An Idempotency-Key has at most 255 characters.")
            )
        record, response = _claim(owner, key, request, _fingerprint(request))
        if response is not None:
            return response
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.streaming or response.status_code >= 500 or response.status_code in NOT_STORED:
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")[:100]
        record.response_body = response.content.decode(response.charset or "utf-8", "replace")
        record.save(update_fields=["status_code", "content_type", "response_body"])
        return response


def purge_expired() -> int:
    """Delete the records older than the TTL; returns how many."""
    cutoff = timezone.now() - IDEMPOTENCY_TTL
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
