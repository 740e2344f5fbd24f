"""The end every merge of two party records shares (customers, contacts): the duplicate
becomes a tombstone pointing at the survivor, the survivor takes the blank fields it was
given, and both timelines say so."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict


def lock_pair(model: type[models.Model], target, source, *, gone: str, meanwhile: str):
    """Lock the survivor and the duplicate (in id order, as every merge does, so two merges
    never deadlock) and check again what may have changed since the caller looked: either row
    gone (`gone`) or merged meanwhile (`meanwhile`) is a 409 `merge_conflict`. Returns the
    locked (target, source)."""
    rows = model.all_objects.select_for_update().filter(pk__in=[target.pk, source.pk])
    locked = {row.pk: row for row in rows.order_by("pk")}
    if len(locked) != 2:
        raise Conflict(gone, code="merge_conflict")
    target, source = locked[target.pk], locked[source.pk]
    if target.merged_into_id or source.merged_into_id:
        raise Conflict(meanwhile, code="merge_conflict")
    return target, source


def merge_recorded(
    *,
    target: models.Model,
    source: models.Model,
    by,
    kind: str,
    filled: dict,
    moved: dict,
    tombstone: dict,
    target_comment: dict,
    source_comment: dict,
) -> None:
    """Save both sides of a merge of `source` into `target` (rows locked by the caller) and
    audit them as `<kind>.merged` and `<kind>.merged_into`. `filled`: the survivor's blank
    fields and what they take; `tombstone`: fields the duplicate gave up ({name: [old, new]},
    already set on it); `moved`: counts of re-pointed rows by what they are."""
    source.merged_into, source.merged_at = target, timezone.now()
    source.version += 1
    source.save(update_fields=["merged_into", "merged_at", *tombstone, "version"])
    for name, value in filled.items():
        setattr(target, name, value)
    target.version += 1
    target.save(update_fields=[*filled, "version", "updated_at"])
    audit_record(
        target=target,
        action=f"{kind}.merged",
        actor=by,
        comment=target_comment,
        changes={"merged": source.pk, "moved": moved, **{k: ["", v] for k, v in filled.items()}},
    )
    audit_record(
        target=source,
        action=f"{kind}.merged_into",
        actor=by,
        comment=source_comment,
        changes={"merged_into": target.pk, **tombstone},
    )
