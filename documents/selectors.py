"""Reads of the documents app. A generated document is seen by whoever may view its record
(the access policy's own answer for the record's model), never otherwise."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from core import policy

from .kinds import KINDS
from .models import DocumentTemplate, GeneratedDocument


def _visible_q(user, action: str = "view") -> Q:
    q = Q(pk__in=[])
    for label in sorted({kind.model_label for kind in KINDS.values()}):
        model = apps.get_model(label)
        ids = policy.restrict(model._default_manager.all(), user, action).values("pk")
        q |= Q(record_type=ContentType.objects.get_for_model(model), record_id__in=ids)
    return q


def document_list(*, user) -> models.QuerySet[GeneratedDocument]:
    """The documents of every record the user may view."""
    return (
        GeneratedDocument.objects.filter(_visible_q(user))
        .select_related("record_type", "created_by", "template")
        .order_by("-created_at", "-id")
    )


def documents_of(records: list[models.Model]) -> models.QuerySet[GeneratedDocument]:
    """The documents of these records (already read through the policy), newest first."""
    q = Q(pk__in=[])
    for record in records:
        q |= Q(record_type=ContentType.objects.get_for_model(record), record_id=record.pk)
    return (
        GeneratedDocument.objects.filter(q)
        .select_related("created_by")
        .order_by("kind", "-version")
    )


def record_for(*, user, kind: str, record_id, action: str = "view") -> models.Model | None:
    """The record a document of `kind` is made from, if the user may view (or change) it."""
    model = KINDS[kind].model
    return policy.restrict(model._default_manager.all(), user, action).filter(pk=record_id).first()


def may_change_record(user, document: GeneratedDocument) -> bool:
    record = document.record
    return record is not None and policy.can(user, record, "change")


def template_list() -> models.QuerySet[DocumentTemplate]:
    """Every version of every template, newest first within a kind and language."""
    return DocumentTemplate.objects.select_related("created_by").order_by(
        "kind", "language", "-version"
    )
