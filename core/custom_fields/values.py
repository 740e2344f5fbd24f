"""The model side of custom values: checked on every full_clean that writes them."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError

from ..errors import ValidationFailed
from .validation import validate


class CustomValuesMixin:
    """For the models that carry `custom`: `full_clean` checks it against the definitions
    whenever it is written (not excluded), and keeps the cleaned values."""

    def clean_fields(self, exclude=None):
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except DjangoValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not exclude or "custom" not in exclude:
            try:
                self.custom = validate(
                    type(self), self.custom, state=getattr(self, "state", None), partial=False
                )
            except ValidationFailed as exc:
                for name, messages in exc.fields.items():
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise DjangoValidationError(errors)
