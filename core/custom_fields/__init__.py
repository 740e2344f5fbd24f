"""Custom fields (issue 20.2): definitions an administrator keeps per record type, values in
each record's `custom` JSON column, one validator for every way in. See `models`."""

from .definitions import definitions, states_of, target_of
from .models import ALWAYS, CustomField, CustomValuesField, FieldType, Target
from .validation import coerce_text, missing_required, validate
from .values import CustomValuesMixin

__all__ = [
    "ALWAYS",
    "CustomField",
    "CustomValuesField",
    "CustomValuesMixin",
    "FieldType",
    "Target",
    "coerce_text",
    "definitions",
    "missing_required",
    "states_of",
    "target_of",
    "validate",
]
