"""Configuration as a file (issue 20.6): what administrators configure, exported to one JSON
document and imported into another system (a test system's set-up moved to production).

Each area registers a `Section` (from its `AppConfig.ready`, so the core imports no later app):
how to export its entries, each by its natural key (no database ids; people by username, org
units by code), and how to write one entry through the area's own services. An import reads
the whole file first (an unknown format or section, an entry without its key, a key given twice:
400 `bad_configuration` naming it), then writes every entry in one transaction, each through the
same services the API uses, so every change is validated and audited as a normal change by the
importing administrator. Any entry refused rolls everything back (400 `bad_configuration`,
naming each refused entry); a dry run does the same work and rolls it back, answering what
would be created, changed or left alone. An entry equal to what is there is left alone, so a
second import of the same file changes nothing. An import adds and changes; it never deletes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policy
from ..errors import ApplicationError, Forbidden, ValidationFailed

#: The version of the file's layout; a file of another version is refused.
FORMAT = 1

#: What the file holds besides its sections.
HEADER = ("format", "exported_at")

#: The outcome of one entry.
CREATED, CHANGED, UNCHANGED = "created", "changed", "unchanged"

#: The largest file an import reads.
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Section:
    """One area's configuration in the file.

    `export()` lists its entries (dicts, natural keys only); `key(entry)` names an entry (a
    `ValidationFailed` when the entry lacks its key); `apply(entry, by)` writes it through the
    area's services and answers CREATED, CHANGED or UNCHANGED."""

    name: str
    label: Any
    order: int
    export: Callable[[], list[dict]]
    key: Callable[[dict], str]
    apply: Callable[[dict, Any], str]


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Add an area's section (call from `AppConfig.ready`)."""
    _sections[section.name] = section


def registered_sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def _check_may(by) -> None:
    if not policy.may(by, "settings.change"):
        raise Forbidden(_("Only an administrator exports or imports the configuration."))


def configuration_export(*, by=None) -> dict:
    """The configuration as one document: the format, when, and one list per section."""
    if by is not None:
        _check_may(by)
    document: dict[str, Any] = {"format": FORMAT, "exported_at": timezone.now().isoformat()}
    for section in registered_sections():
        document[section.name] = section.export()
    return document


def configuration_read(raw: bytes) -> dict:
    """The document in a file's bytes (UTF-8 JSON); anything else is `bad_configuration`."""
    if len(raw) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is too large."),
            code="bad_configuration",
            fields={"file": [_("At most 5 MB.")]},
        )
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationFailed(
            _("The file is not a configuration file."),
            code="bad_configuration",
            fields={"file": [_("Not JSON text.")]},
        ) from None


def _messages(error: ApplicationError) -> list[str]:
    found = [error.message]
    for name, messages in error.fields.items():
        found += [f"{name}: {message}" for message in messages]
    return found


def _entries(document) -> list[tuple[Section, str, dict]]:
    """Every entry of the document with its section and its name (`section[key]`); what does
    not fit the format is one `bad_configuration` naming each entry at fault."""
    if not isinstance(document, dict):
        raise ValidationFailed(
            _("The file is not a configuration file."),
            code="bad_configuration",
            fields={"format": [_("A JSON object with a format and sections.")]},
        )
    errors: dict[str, list[str]] = {}
    if document.get("format") != FORMAT:
        errors["format"] = [_("Not a configuration file of format %(n)s.") % {"n": FORMAT}]
    for name in document:
        if name not in HEADER and name not in _sections:
            errors[str(name)[:100]] = [_("Unknown section.")]
    found = []
    for section in registered_sections():
        entries = document.get(section.name, [])
        if not isinstance(entries, list):
            errors[section.name] = [_("A list of entries.")]
            continue
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            where = f"{section.name}[{index}]"
            if not isinstance(entry, dict):
                errors[where] = [_("Give each entry as an object.")]
                continue
            try:
                key = section.key(entry)
            except ApplicationError as error:
                errors[where] = _messages(error)
                continue
            where = f"{section.name}[{key}]"
            if key in seen:
                errors[where] = [_("This entry is given twice.")]
            seen.add(key)
            found.append((section, where, entry))
    if errors:
        raise ValidationFailed(
            _("The file is not a configuration file."), code="bad_configuration", fields=errors
        )
    return found


def configuration_import(*, document, by, dry_run: bool = False) -> dict:
    """Write the document's configuration as `by` (see the module), or with `dry_run` only say
    what would change. Answers {dry_run, created, changed, unchanged, entries: [...]}."""
    _check_may(by)
    entries = _entries(document)
    report: list[dict] = []
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for section, where, entry in entries:
            try:
                with transaction.atomic():
                    outcome = section.apply(entry, by)
            except ApplicationError as error:
                errors[where] = _messages(error)
                continue
            report.append({"section": section.name, "entry": where, "outcome": outcome})
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise ValidationFailed(
            _("Some entries of the file are not valid; nothing was imported."),
            code="bad_configuration",
            fields=errors,
        )
    counts = {o: sum(1 for r in report if r["outcome"] == o) for o in (CREATED, CHANGED, UNCHANGED)}
    return {"dry_run": dry_run, **counts, "entries": report}


def outcome_label(outcome: str, *, dry_run: bool = False) -> str:
    """An entry's outcome in words (what would happen, on a dry run)."""
    if dry_run:
        labels = {
            CREATED: _("would be created"),
            CHANGED: _("would be changed"),
            UNCHANGED: _("left alone"),
        }
    else:
        labels = {CREATED: _("created"), CHANGED: _("changed"), UNCHANGED: _("left alone")}
    return labels.get(outcome, outcome)
