"""What every importer shares: columns and their header aliases, a row's cleaned values and
problems, value parsers, and the registry later stages add their importers to.

An importer checks a batch of rows at a time: first each row alone (`clean`, no queries), then
the batch against the database (`check`: one query per batch for duplicates and look-ups), and
it writes a batch with `bulk_create` (`save`). Nothing is written while previewing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import context, custom_fields
from core.bulk import copy_insert
from core.custom_fields.forms import carries_custom
from core.errors import ValidationFailed
from core.models import AuditEvent
from core.money import parse_money
from core.validators import clean_credit_code, clean_email, clean_phone, clean_url

from ..models import ImportJob, OrgUnit, User
from ..selectors import assignable_units, may_assign_to

_NOT_WORD = re.compile(r"[\W_]+")


def header_key(text: str) -> str:
    """How a header is compared: NFKC, case-folded, without spaces, punctuation or "*"."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return _NOT_WORD.sub("", text)


@dataclass(frozen=True)
class Column:
    """A column an importer reads: its key, its label and the other headers that mean it."""

    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False

    def headers(self) -> set[str]:
        """Every header that names this column: the key, the label in each language, aliases."""
        names = {self.key, *self.aliases}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.add(str(self.label))
        return {header_key(n) for n in names}


@dataclass
class Row:
    """One data row: its number in the file, its raw cells by column key, the values it
    cleans to, and what is wrong with it or what it duplicates."""

    number: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    matches: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicate: bool = False

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(str(message))

    def duplicate_of(self, message: str, matches: Iterable[dict] = ()) -> None:
        """Mark the row a likely duplicate (of a record, or of an earlier row)."""
        self.duplicate = True
        self.notes.append(str(message))
        self.matches.extend(matches)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> dict[str, list[str]]:
        """Errors by column, and duplicate notes under "duplicate"."""
        found = dict(self.errors)
        if self.notes:
            found["duplicate"] = list(self.notes)
        return found


# --- Value parsers: each returns the value or records an error on the row and returns None -----

TRUE = {"1", "y", "yes", "true", "t", "x", "是", "对", "有", "✓"}
FALSE = {"", "0", "n", "no", "false", "f", "否", "无", "没有"}


def parse_text(row: Row, key: str, max_length: int, required: bool = False) -> str:
    value = row.raw.get(key, "").strip()
    if required and not value:
        row.error(key, _("Required."))
    elif len(value) > max_length:
        row.error(key, _("At most %(n)s characters.") % {"n": max_length})
    return value[:max_length]


def parse_bool(row: Row, key: str) -> bool:
    value = row.raw.get(key, "").strip().casefold()
    if value in TRUE:
        return True
    if value not in FALSE:
        row.error(key, _("Write yes or no."))
    return False


def parse_decimal(row: Row, key: str) -> Decimal | None:
    """An amount: core.money.parse_money's rule, as in the forms and the API."""
    raw = row.raw.get(key, "").strip()
    if not raw:
        return None
    try:
        return parse_money(raw)
    except ValidationError as error:
        for message in error.messages:
            row.error(key, f"{message} ({raw})")
        return None


def parse_with(row: Row, key: str, cleaner, max_length: int) -> str:
    """A cell through one of core.validators' rules (the forms' and the API's): its stored form,
    or the rule's message as the row's error (and the cell as typed)."""
    value = parse_text(row, key, max_length)
    if not value:
        return ""
    try:
        return cleaner(value)
    except ValidationError as error:
        for message in error.messages:
            row.error(key, f"{message} ({value})")
        return value


def parse_date(row: Row, key: str) -> dt.date | None:
    raw = row.raw.get(key, "").strip()
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw)
    text = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    text = text.replace(".", "-").split(" ")[0].split("T")[0]
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        row.error(key, _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": raw})
        return None


def parse_email(row: Row, key: str) -> str:
    return parse_with(row, key, clean_email, 254)


def parse_url(row: Row, key: str) -> str:
    return parse_with(row, key, clean_url, 200)


def parse_phone(row: Row, key: str) -> str:
    return parse_with(row, key, clean_phone, 40)


def parse_credit_code(row: Row, key: str) -> str:
    return parse_with(row, key, clean_credit_code, 18 + 10)


class ChoiceParser:
    """Reads a choice by its code or its label in English or Chinese."""

    def __init__(
        self,
        choices: type[models.TextChoices],
        default: str | None = None,
        aliases: dict[str, str] | None = None,
    ):
        self.default = default
        self.lookup: dict[str, str] = {header_key(k): v for k, v in (aliases or {}).items()}
        for value, label in choices.choices:
            self.lookup[header_key(value)] = value
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    text = str(label)
                # "Chinese yuan (CNY)" is also "Chinese yuan"; "客户经理 (AR)" also "客户经理"
                for form in (text, re.split(r"[(（]", text)[0]):
                    if header_key(form):
                        self.lookup.setdefault(header_key(form), value)

        self.seen: dict[str, str | None] = {}  # cell text -> its choice (a file repeats a few)

    def __call__(self, row: Row, key: str) -> str | None:
        raw = row.raw.get(key, "").strip()
        if not raw:
            return self.default
        try:
            found = self.seen[raw]
        except KeyError:
            found = self.lookup.get(header_key(raw))
            if len(self.seen) < 1000:
                self.seen[raw] = found
        if found is None:
            row.error(key, _("Unknown value: %(value)s") % {"value": raw})
            return self.default
        return found


# --- The importer ---------------------------------------------------------------------------


class Importer:
    """Base of an importer of one kind of record (customers, leads)."""

    do_not_call_in_templates: ClassVar[bool] = True  # templates read the class's label
    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    model: ClassVar[type[models.Model]]
    columns: ClassVar[list[Column]] = []
    batch_size: ClassVar[int] = 1000
    #: The model fields (attnames) `copy_values` gives, in order: when set, PostgreSQL writes a
    #: batch with COPY (no model object per row); other databases use `build` and bulk_create.
    copy_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether PostgreSQL writes the records `build` makes with COPY (every field but the id
    #: and the time stamps, as the built object holds it): for records whose building decides
    #: more than the row says (a lead's routing and score), where `copy_values` cannot serve.
    copy_built: ClassVar[bool] = False

    def __init__(self, job: ImportJob):
        self.job = job
        self.by: User = job.created_by
        self.seen: dict[tuple, int] = {}  # in-file keys -> the first row that had them
        self._users: dict[str, User | None] = {}
        self._units: dict[str, OrgUnit | None] = {}
        self._allowed_units: set[int] | None = None

    # What subclasses write -----------------------------------------------------------------
    @classmethod
    def allowed(cls, user: User) -> bool:
        """Whether `user` may import these records at all."""
        return True

    def clean(self, row: Row) -> None:
        """Parse `row.raw` into `row.values`, recording errors (no database queries)."""
        raise NotImplementedError

    def check(self, rows: list[Row]) -> None:
        """Check a batch against the database and the rows before it (duplicates)."""

    def lock(self) -> None:
        """Taken first in the commit's transaction: whatever makes the commit's duplicate
        checks still true when it writes (a lock on creating these records; ADR 12)."""

    def build(self, row: Row) -> models.Model:
        """The unsaved record of a valid row."""
        raise NotImplementedError

    def copy_values(self, row: Row) -> tuple:
        """The values of `copy_fields` of a valid row, as `build` gives them to the model: a
        foreign key's id from the record `row.values` holds under the field's name (custom
        values as JSON text)."""
        values = row.values
        return tuple(
            (values[key].pk if values[key] is not None else None)
            if record
            else (json.dumps(values[key]) if isinstance(values[key], dict) else values[key])
            for key, record in self._copy_keys
        )

    @cached_property
    def _built_fields(self) -> tuple[tuple[str, bool], ...]:
        """(attname, whether the value is JSON) of every field `_copy_built` writes."""
        skipped = {self.model._meta.pk.attname}
        skipped |= {
            f.attname
            for f in self.model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }
        return tuple(
            (f.attname, isinstance(f, models.JSONField))
            for f in self.model._meta.concrete_fields
            if f.attname not in skipped
        )

    def _copy_built(self, records: list[models.Model]) -> list[int]:
        """Write built records with COPY, as bulk_create would (the ids set on them); Django's
        per-field preparing cost more than the insert. Their values must be what the database
        stores: text, numbers, dates, booleans, None, and JSON fields' dicts and lists."""
        fields = self._built_fields
        ids = copy_insert(
            self.model,
            tuple(name for name, _json in fields),
            [
                tuple(
                    json.dumps(getattr(record, name)) if is_json else getattr(record, name)
                    for name, is_json in fields
                )
                for record in records
            ],
        )
        for record, pk in zip(records, ids, strict=True):
            record.pk = pk
            record._state.adding, record._state.db = False, connection.alias
        return ids

    # Custom fields: columns `custom.<key>` (or a field's label) ---------------------------------
    @cached_property
    def custom_definitions(self) -> list:
        """The record type's custom fields (retired ones too: their columns are ignored)."""
        if not carries_custom(self.model):
            return []
        return custom_fields.definitions(self.model, include_retired=True)

    def custom_headers(self) -> dict[str, str]:
        """{header_key: "custom.<key>"} of every active custom field's column."""
        headers = {}
        for definition in self.custom_definitions:
            if definition.retired:
                continue
            column = f"custom.{definition.key}"
            for name in (column, definition.label_en, definition.label_zh):
                headers.setdefault(header_key(name), column)
        return headers

    @cached_property
    def _carries_custom(self) -> bool:
        return carries_custom(self.model)

    @cached_property
    def _custom_columns(self) -> dict:
        """{"custom.<key>": the active custom field of that column}."""
        return {f"custom.{f.key}": f for f in self.custom_definitions if not f.retired}

    @cached_property
    def _custom_start_state(self):
        """The state a new record starts in (it decides which custom fields are required)."""
        if any(f.name == "state" for f in self.model._meta.concrete_fields):
            return self.model._meta.get_field("state").get_default()
        return None

    def _validate_custom(self, values: dict) -> tuple[dict | None, dict]:
        """(the cleaned custom values or None, {column: [messages]})."""
        try:
            cleaned = custom_fields.validate(
                self.model, values, state=self._custom_start_state, fields=self.custom_definitions
            )
        except ValidationFailed as exc:
            return None, exc.fields
        return cleaned, {}

    @cached_property
    def _no_custom_values(self) -> dict:
        """The errors of a row without custom values (the required fields it lacks): the same
        for every such row, so they are found once a file (most files carry no custom column)."""
        return self._validate_custom({})[1]

    def clean_custom(self, row: Row) -> None:
        """`row.values["custom"]`: the custom columns' values, checked by the one validator
        (the state a new record starts in decides what is required)."""
        if not self._carries_custom:
            return
        columns = self._custom_columns
        values = {
            found.key: custom_fields.coerce_text(found, raw)
            for name, raw in row.raw.items()
            if (found := columns.get(name)) is not None
        }
        if values:
            cleaned, errors = self._validate_custom(values)
        else:  # no value cleans to no value
            errors = self._no_custom_values
            cleaned = None if errors else {}
        if cleaned is not None:
            row.values["custom"] = cleaned
        for name, messages in errors.items():
            for message in messages:
                row.error(name, message)

    @cached_property
    def _copy_keys(self) -> list[tuple[str, bool]]:
        """For each of `copy_fields`: its key in `row.values`, and whether that is a record."""
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        keys = []
        for attname in self.copy_fields:
            field = by_attname[attname]
            keys.append((field.name, True) if field.many_to_one else (attname, False))
        return keys

    def finished(self, created: list) -> None:
        """After a batch is written (notifications, scores...): the records, or their ids when
        the batch was written with COPY."""

    # Shared look-ups, one query per batch ------------------------------------------------------
    def load_people(self, rows: list[Row], key: str = "owner") -> None:
        names = {r.raw.get(key, "").strip() for r in rows} - {""} - set(self._users)
        if names:
            found = {
                u.username.casefold(): u
                for u in User.objects.filter(username__in=names).select_related("org_unit")
            }
            for name in names:
                self._users[name] = found.get(name.casefold())

    def owner(self, row: Row, key: str = "owner") -> User | None:
        name = row.raw.get(key, "").strip()
        if not name:
            return None
        user = self._users.get(name)
        if user is None:
            row.error(key, _("No such user: %(name)s") % {"name": name})
        elif not may_assign_to(self.by, user):
            row.error(key, _("You may not assign records to %(name)s.") % {"name": name})
            return None
        return user

    def load_units(self, rows: list[Row], key: str = "org_unit") -> None:
        codes = {r.raw.get(key, "").strip() for r in rows} - {""} - set(self._units)
        if codes:
            found = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
            for code in codes:
                self._units[code] = found.get(code)
        if self._allowed_units is None:
            self._allowed_units = set(assignable_units(user=self.by).values_list("pk", flat=True))

    def org_unit(self, row: Row, default: OrgUnit | None, key: str = "org_unit") -> OrgUnit | None:
        code = row.raw.get(key, "").strip()
        if not code:
            unit = default
        else:
            unit = self._units.get(code)
            if unit is None:
                row.error(key, _("No such org unit: %(code)s") % {"code": code})
                return None
        if unit is None:
            row.error(key, _("Required."))
        elif self._allowed_units is not None and unit.pk not in self._allowed_units:
            row.error(key, _("You may not file records under %(unit)s.") % {"unit": unit})
            return None
        return unit

    def remember(self, row: Row, key: tuple) -> int | None:
        """The earlier row with the same in-file key, or None (and this row is remembered)."""
        if not key or not all(key):
            return None
        first = self.seen.get(key)
        if first is None and row.ok:
            self.seen[key] = row.number
        return first

    # Writing ----------------------------------------------------------------------------------
    def save(self, rows: list[Row]) -> list:
        """Create the records of `rows` in bulk, each audited as created by the importer; the
        records (or their ids, written with COPY) come back."""
        if self.copy_fields and connection.vendor == "postgresql":
            created = ids = copy_insert(
                self.model, self.copy_fields, [self.copy_values(r) for r in rows]
            )
        elif self.copy_built and connection.vendor == "postgresql":
            created = [self.build(r) for r in rows]
            ids = self._copy_built(created)
        else:
            created = self.model._default_manager.bulk_create([self.build(r) for r in rows])
            if created and created[0].pk is None:  # a backend that does not return ids
                raise RuntimeError("bulk_create returned no primary keys")
            ids = [record.pk for record in created]
        comment = _("Imported from %(file)s, row %(row)s")  # translated once per batch
        _audit_created(
            self.model,
            ids,
            [comment % {"file": self.job.file_name, "row": row.number} for row in rows],
            self.by,
        )
        self.finished(created)
        return created


#: The audit columns an imported record's "created" event sets (the others are empty).
_AUDIT_FIELDS = (
    "target_type_id",
    "target_id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "comment",
    "changes",
    "ip",
    "via",
)


def _audit_created(model: type[models.Model], ids: list, comments: list[str], by: User) -> None:
    """One "created" audit event per imported record, all in one statement. On PostgreSQL a
    COPY of plain tuples (no AuditEvent object per row: those cost more than the insert);
    elsewhere bulk_create. The batch shares one timestamp."""
    origin = context.current()
    target_type = ContentType.objects.get_for_model(model)
    at, ip = timezone.now(), origin.ip or None
    if connection.vendor == "postgresql":
        head, name = (target_type.pk,), by.get_username()
        copy_insert(
            AuditEvent,
            _AUDIT_FIELDS,
            [
                (*head, pk, at, by.pk, name, "created", comment, "{}", ip, "import")
                for pk, comment in zip(ids, comments, strict=True)
            ],
            ids=False,
        )
        return
    AuditEvent.objects.bulk_create(
        AuditEvent(
            target_type_id=target_type.pk,
            target_id=pk,
            at=at,
            actor_id=by.pk,
            actor_name=by.get_username(),
            action="created",
            comment=comment,
            ip=ip,
            via="import",
        )
        for pk, comment in zip(ids, comments, strict=True)
    )


_registry: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Make an importer available (decorator; later stages register theirs in ready())."""
    _registry[importer.kind] = importer
    return importer


def importer_for(kind: str) -> type[Importer] | None:
    return _registry.get(kind)


def importers() -> dict[str, type[Importer]]:
    return dict(_registry)
