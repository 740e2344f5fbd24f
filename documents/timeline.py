"""Timeline sentences of generated documents, in the reader's language (registered at
start-up): each names the kind, the number and the version."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.timeline.sentences import _said, actor_of, writes

from .choices import RecordDocumentKind, SignatureState


def _after(event, name):
    value = (event.changes or {}).get(name)
    return value[-1] if isinstance(value, list) and value else value


def _what(event) -> dict:
    kind = _after(event, "kind")
    label = RecordDocumentKind(kind).label if kind in RecordDocumentKind.values else kind
    return {
        "actor": actor_of(event),
        "kind": label,
        "number": _after(event, "number") or "—",
        "version": _after(event, "version") or "—",
    }


def _hash(event) -> list[str]:
    sha256 = _after(event, "sha256")
    return [_("SHA-256: %(hash)s") % {"hash": sha256}] if sha256 else []


@writes("document.generated")
def _generated(event, words):
    sentence = _("%(actor)s generated the %(kind)s %(number)s (version %(version)s).")
    return _said(event, sentence % _what(event), _hash(event))


@writes("document.sent_for_signature")
def _sent(event, words):
    sentence = _("%(actor)s sent the %(kind)s %(number)s (version %(version)s) for signature.")
    return _said(event, sentence % _what(event), _hash(event))


@writes("document.signature_answered")
def _answered(event, words):
    if _after(event, "signature_state") == SignatureState.SIGNED:
        sentence = _("The %(kind)s %(number)s (version %(version)s) was signed.")
    else:
        sentence = _("Signing the %(kind)s %(number)s (version %(version)s) was declined.")
    return _said(event, sentence % _what(event), _hash(event))
