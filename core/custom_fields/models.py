"""Custom fields: what an administrator adds to a record type, and where the values live.

`CustomField` is one definition: its `key` (fixed once made: the values are stored under it,
so a rename is a new label and loses nothing), its labels in both languages, its type, its
choices and the states of the record's state machine in which it is required. A retired field
stops showing and validating; the values stay in the records.

The values live on the record in one JSON column, `custom` (`CustomValuesField`), indexed on
PostgreSQL with a GIN `jsonb_path_ops` index (a migration per app, PostgreSQL only).
`CustomValuesMixin` makes every `full_clean` that writes `custom` (the services'
`record_create`/`record_update`, the admin, the forms) check it against the definitions, so a
wrong value is one 400 naming `custom.<key>` whichever way it came in.

This module imports nothing of `core.models` (which imports it).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Numeric")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    USER = "user", _("Colleague")
    YES_NO = "yes_no", _("Yes / no")


class Target(models.TextChoices):
    """The record types that carry custom fields, by model label (lower case)."""

    CUSTOMER = "accounts.customer", _("Customer")
    CONTACT = "accounts.contact", _("Contact")
    LEAD = "leads.lead", _("Lead")
    OPPORTUNITY = "opportunities.opportunity", _("Opportunity")
    CONTRACT = "contracts.contract", _("Contract")
    PAYMENT_MILESTONE = "receivables.paymentmilestone", _("Payment milestone")


#: A state list meaning "in every state".
ALWAYS = "*"

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class CustomField(models.Model):
    """One custom field of one record type (see the module's docstring)."""

    target = models.CharField(_("record type"), max_length=40, choices=Target.choices)
    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[
            RegexValidator(
                KEY_PATTERN,
                _("Lower-case letters, digits and _, starting with a letter (at most 40)."),
            )
        ],
        help_text=_("Stored values are kept under it; it cannot change once made."),
    )
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required_in_states = models.JSONField(_("required in states"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    show_in_list = models.BooleanField(_("show in lists"), default=False)
    retired = models.BooleanField(_("retired"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["target", "position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="custom_field_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()}: {self.label}"

    @property
    def label(self) -> str:
        """The label in the current language."""
        return self.label_zh if (get_language() or "").startswith("zh") else self.label_en

    def choice_label(self, value) -> str:
        for choice in self.choices or []:
            if choice.get("value") == value:
                zh = (get_language() or "").startswith("zh")
                return choice.get("label_zh" if zh else "label_en") or str(value)
        return str(value)

    def required_in(self, state) -> bool:
        states = self.required_in_states or []
        return ALWAYS in states or (state is not None and state in states)

    def clean(self):
        errors = definition_errors(self)
        if errors:
            raise DjangoValidationError(errors)


class CustomValuesField(models.JSONField):
    """A record's custom values: {key: value}, checked by `CustomValuesMixin`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        # Also in the database: bulk writers (an import's COPY) that leave the column out.
        kwargs.setdefault("db_default", models.Value({}, output_field=models.JSONField()))
        kwargs.setdefault("blank", True)
        kwargs.setdefault("verbose_name", _("custom fields"))
        super().__init__(*args, **kwargs)


CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}
MAX_CHOICES = 200


def states_of(target: str) -> list[str]:
    """The states of the record type's state machine (empty: it has none)."""
    try:
        field = apps.get_model(target)._meta.get_field("state")
    except (FieldDoesNotExist, LookupError):  # no state machine
        return []
    return [value for value, _label in field.choices or []]


def _choice_errors(choices) -> list[str]:
    if not isinstance(choices, list) or not choices:
        return [gettext("Give at least one choice.")]
    if len(choices) > MAX_CHOICES:
        return [gettext("At most %(n)s choices.") % {"n": MAX_CHOICES}]
    seen = set()
    for choice in choices:
        if not isinstance(choice, dict) or set(choice) - {"value", "label_en", "label_zh"}:
            return [gettext("Each choice is {value, label_en, label_zh}.")]
        parts = [choice.get("value"), choice.get("label_en"), choice.get("label_zh")]
        if not all(isinstance(p, str) and p.strip() and len(p) <= 100 for p in parts):
            return [gettext("Each choice needs a value and both labels (text, at most 100).")]
        if choice["value"] in seen:
            return [gettext("The choice “%(value)s” is given twice.") % {"value": choice["value"]}]
        seen.add(choice["value"])
    return []


def definition_errors(field: CustomField) -> dict[str, list[str]]:
    """{field: [messages]} of what is wrong with a definition (empty when it is valid)."""
    errors: dict[str, list[str]] = {}
    if field.target not in Target.values:
        return errors  # the choices validator names it
    if field.type in CHOICE_TYPES:
        if problems := _choice_errors(field.choices):
            errors["choices"] = problems
    elif field.choices:
        errors["choices"] = [gettext("Only choice fields have choices.")]
    states = field.required_in_states
    if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        errors["required_in_states"] = [gettext("A list of states.")]
    else:
        known = states_of(field.target)
        unknown = [s for s in states if s != ALWAYS and s not in known]
        if unknown:
            errors["required_in_states"] = [
                gettext(
                    "Not a state of this record: %(states)s. Use “*” for always, or: %(known)s."
                )
                % {"states": ", ".join(unknown), "known": ", ".join(known) or "*"}
            ]
    return errors
