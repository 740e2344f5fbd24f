"""What a report may be built from (ADR 32): per record type, a whitelist of dimensions to
group and filter by, date fields to bucket by month or quarter, money fields and day
durations to measure. A definition names catalogue keys only; user input never names an ORM
path, and every path here is the code's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.custom_fields import FieldType, definitions

#: Custom field types one may group and filter by (a value that repeats across records).
GROUPABLE_CUSTOM = {FieldType.CHOICE, FieldType.YES_NO, FieldType.TEXT, FieldType.USER}
#: How a date field is bucketed.
BUCKETS = {"month": _("month"), "quarter": _("quarter")}


@dataclass(frozen=True)
class Dimension:
    """A column one may group or filter by: a choice, an org unit, a person or plain text."""

    path: str
    kind: str = "choice"  # choice | unit | user | text
    label: object = None  # default: the model field's own verbose name


@dataclass(frozen=True)
class Money:
    path: str
    currency: str = "currency"


@dataclass(frozen=True)
class Duration:
    """Days from one date or time to another (rows missing either are left out)."""

    start: str
    end: str
    label: object


@dataclass(frozen=True)
class RecordType:
    key: str
    label: object
    model_label: str
    dimensions: dict[str, Dimension]
    dates: tuple[str, ...]
    money: dict[str, Money]
    durations: dict[str, Duration] = field(default_factory=dict)
    custom: bool = False

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def field_of(self, path: str) -> models.Field:
        """The model field at the end of a catalogue path."""
        model, found = self.model, None
        for part in path.split("__"):
            found = model._meta.get_field(part)
            model = found.related_model or model
        return found

    def label_of(self, path: str, label=None) -> str:
        return str(label or self.field_of(path).verbose_name)

    def custom_fields(self) -> dict:
        """The record type's groupable custom fields by key (one query; none if it has none)."""
        if not self.custom:
            return {}
        return {f.key: f for f in definitions(self.model) if f.type in GROUPABLE_CUSTOM}


def _unit(path="org_unit"):
    return Dimension(path, "unit")


def _user(path="owner"):
    return Dimension(path, "user")


RECORD_TYPES: dict[str, RecordType] = {
    rt.key: rt
    for rt in (
        RecordType(
            key="leads",
            label=_("Leads"),
            model_label="leads.Lead",
            dimensions={
                "state": Dimension("state"),
                "source": Dimension("source"),
                "org_unit": _unit(),
                "owner": _user(),
                "tier": Dimension("customer__tier"),
                "currency": Dimension("currency"),
            },
            dates=("created_at", "expected_close_date", "converted_at"),
            money={
                "estimated_amount": Money("estimated_amount"),
                "budget_amount": Money("budget_amount"),
            },
            durations={
                "days_to_convert": Duration("created_at", "converted_at", _("days to convert")),
            },
            custom=True,
        ),
        RecordType(
            key="opportunities",
            label=_("Opportunities"),
            model_label="opportunities.Opportunity",
            dimensions={
                "state": Dimension("state"),
                "org_unit": _unit(),
                "owner": _user(),
                "product_line": Dimension("product_line", "text"),
                "tier": Dimension("customer__tier"),
                "forecast_category": Dimension("forecast_category"),
                "currency": Dimension("currency"),
            },
            dates=("created_at", "expected_close_date", "closed_at"),
            money={"amount": Money("amount")},
            durations={"days_to_close": Duration("created_at", "closed_at", _("days to close"))},
            custom=True,
        ),
        RecordType(
            key="contracts",
            label=_("Contracts"),
            model_label="contracts.Contract",
            dimensions={
                "state": Dimension("state"),
                "kind": Dimension("kind"),
                "org_unit": _unit(),
                "owner": _user(),
                "product_line": Dimension("opportunity__product_line", "text"),
                "tier": Dimension("customer__tier"),
                "currency": Dimension("currency"),
            },
            dates=("signed_on", "starts_on", "ends_on", "created_at"),
            money={"amount": Money("amount"), "planned_cost": Money("planned_cost")},
            durations={"service_days": Duration("starts_on", "ends_on", _("service days"))},
            custom=True,
        ),
        RecordType(
            key="milestones",
            label=_("Payment milestones"),
            model_label="receivables.PaymentMilestone",
            dimensions={
                "state": Dimension("state"),
                "kind": Dimension("kind"),
                "org_unit": _unit("contract__org_unit"),
                "owner": _user("contract__owner"),
                "product_line": Dimension("contract__opportunity__product_line", "text"),
                "tier": Dimension("contract__customer__tier"),
                "currency": Dimension("currency"),
            },
            dates=("due_date", "triggered_on", "settled_at", "created_at"),
            money={
                "amount": Money("amount"),
                "invoiced_amount": Money("invoiced_amount"),
                "paid_amount": Money("paid_amount"),
                "written_off_amount": Money("written_off_amount"),
            },
            durations={
                "days_trigger_to_due": Duration(
                    "triggered_on", "due_date", _("days from trigger to due")
                ),
            },
            custom=True,
        ),
        RecordType(
            key="receipts",
            label=_("Receipts"),
            model_label="receivables.Receipt",
            dimensions={
                "state": Dimension("state"),
                "org_unit": _unit(),
                "owner": _user(),
                "tier": Dimension("customer__tier"),
                "currency": Dimension("currency"),
            },
            dates=("received_on", "created_at"),
            money={"amount": Money("amount"), "allocated_amount": Money("allocated_amount")},
        ),
        RecordType(
            key="activities",
            label=_("Activities"),
            model_label="accounts.Activity",
            dimensions={
                "kind": Dimension("kind"),
                "org_unit": _unit(),
                "owner": _user(),
                "tier": Dimension("customer__tier"),
            },
            dates=("occurred_at", "next_step_date", "created_at"),
            money={"promised_amount": Money("promised_amount", "promised_currency")},
        ),
    )
}

MEASURE_OPS = {
    "count": _("Count"),
    "sum": _("Sum"),
    "avg": _("Average"),
    "min": _("Minimum"),
    "max": _("Maximum"),
}


def _choices_text(record_type: RecordType) -> dict:
    """The catalogue of one record type in the current language (for the builder and API)."""
    rt = record_type
    dims = [{"key": k, "label": rt.label_of(d.path, d.label)} for k, d in rt.dimensions.items()]
    for date in rt.dates:
        for bucket, word in BUCKETS.items():
            dims.append(
                {
                    "key": f"{bucket}:{date}",
                    "label": _("%(field)s (%(bucket)s)")
                    % {"field": rt.label_of(date), "bucket": word},
                }
            )
    for key, custom in rt.custom_fields().items():
        dims.append({"key": f"custom:{key}", "label": custom.label})
    fields = [
        {"key": k, "label": rt.label_of(m.path), "unit": "money"} for k, m in rt.money.items()
    ]
    fields += [{"key": k, "label": str(d.label), "unit": "days"} for k, d in rt.durations.items()]
    return {
        "key": rt.key,
        "label": str(rt.label),
        "dimensions": dims,
        "dates": [{"key": d, "label": rt.label_of(d)} for d in rt.dates],
        "measure_fields": fields,
    }


def catalogue() -> list[dict]:
    """Every record type's dimensions, dates and measurable fields, labelled."""
    return [_choices_text(rt) for rt in RECORD_TYPES.values()]
