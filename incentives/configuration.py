"""Credit sharing's section of the configuration file (issue 20.6): the company's default
split, one entry keyed "company", written through `credit_default_set` (validated, audited)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.configuration import CHANGED, CREATED, UNCHANGED, Section, register_section
from core.configuration.sections import refuse_unknown, text_key

from .models import CreditSplitDefault
from .services.splits import DEFAULT_FIELDS, credit_default_set

KEY = "company"


def credit_split_export() -> list[dict]:
    """The default split, once an administrator has set it (before, the model's defaults
    apply on every system alike)."""
    row = CreditSplitDefault.objects.filter(company=True).first()
    if row is None:
        return []
    return [{"key": KEY, **{name: str(getattr(row, name)) for name in DEFAULT_FIELDS}}]


def credit_split_key(entry: dict) -> str:
    return text_key(entry, "key")


def credit_split_apply(entry: dict, by) -> str:
    refuse_unknown(entry, ["key", *DEFAULT_FIELDS])
    before = credit_split_export()
    credit_default_set(by=by, data=entry)
    if not before:
        return CREATED
    return UNCHANGED if credit_split_export() == before else CHANGED


register_section(
    Section(
        name="credit_split_default",
        label=gettext_lazy("Default credit split"),
        order=80,
        export=credit_split_export,
        key=credit_split_key,
        apply=credit_split_apply,
    )
)
