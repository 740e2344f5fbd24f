"""The e-signature hand-off (issue 22.6, ADR 27): "sent for signature" records the file's
hash; the vendor's callback is HMAC-signed with the company's secret (401 otherwise), must
name this file's hash (409 otherwise), moves sent → signed or declined once, and the same
callback again changes nothing."""

from __future__ import annotations

import json
import time

import pytest

from core.audit import timeline
from documents.services import letterhead_get, signature_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(org, api, milestone):
    made = api(org.rep).post(
        "/api/v1/documents/generate/",
        {"kind": "payment_request", "record_id": milestone.pk, "language": "zh-hans"},
        format="json",
    )
    assert made.status_code == 201, made.content
    return made.json()


def callback(api, document, payload, secret=None, timestamp=None):
    body = json.dumps(payload).encode()
    secret = secret or letterhead_get().signature_secret
    header = signature_sign(secret, timestamp or int(time.time()), body)
    return api().post(
        f"/api/v1/documents/{document['id']}/signature-callback/",
        body,
        content_type="application/json",
        HTTP_X_LTC_SIGNATURE=header,
    )


def test_sent_then_signed_once_with_the_right_hash_and_signature(org, api, milestone, document):
    url = f"/api/v1/documents/{document['id']}/send-for-signature/"
    assert api(org.other_team_rep).post(url).status_code == 404
    sent = api(org.rep).post(url)
    assert sent.status_code == 200 and sent.json()["signature_state"] == "sent"
    assert sent.json()["sha256"] == document["sha256"]
    assert api(org.rep).post(url).status_code == 409  # sent already

    signed = {"sha256": document["sha256"], "state": "signed"}
    assert callback(api, document, signed, secret="not-the-secret").status_code == 401
    stale = callback(api, document, signed, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401 and stale.json()["code"] == "signature_invalid"
    unsigned = api().post(
        f"/api/v1/documents/{document['id']}/signature-callback/", signed, format="json"
    )
    assert unsigned.status_code == 401
    other = callback(api, document, {"sha256": "0" * 64, "state": "signed"})
    assert other.status_code == 409 and other.json()["code"] == "document_hash_mismatch"

    first = callback(api, document, signed)
    assert first.status_code == 200 and first.json()["signature_state"] == "signed"
    again = callback(api, document, signed)  # replayed: idempotent
    assert again.status_code == 200 and again.json()["signature_state"] == "signed"
    declined = callback(api, document, {"sha256": document["sha256"], "state": "declined"})
    assert declined.status_code == 409
    actions = [e.action for e in timeline(milestone)]
    assert actions.count("document.sent_for_signature") == 1
    assert actions.count("document.signature_answered") == 1


def test_a_callback_before_sending_or_with_a_bad_body_changes_nothing(api, document):
    signed = {"sha256": document["sha256"], "state": "signed"}
    assert callback(api, document, signed).status_code == 409  # never sent
    assert callback(api, document, {"state": "signed"}).status_code == 400
    assert callback(api, document, {"sha256": document["sha256"], "state": "x"}).status_code == 400
    missing = {**document, "id": document["id"] + 1000}
    assert callback(api, missing, signed).status_code == 404
