"""The application's error vocabulary: one family, stable codes, one response shape.

Services raise these; the DRF exception handler (core.api.errors) and the page views turn them
into `{code, message, fields}` with the status each class names. Nothing else decides a status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApplicationError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = {
            name: [str(m) for m in ([msgs] if isinstance(msgs, str) else msgs)]
            for name, msgs in (fields or {}).items()
        }

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(ApplicationError):
    """Bad input: HTTP 400 with field messages."""


class Forbidden(ApplicationError):
    """The user may see the record but not do this to it: HTTP 403."""

    status = 403
    default_code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    default_code = "not_found"


class Conflict(ApplicationError):
    """The record changed under the user, or the action clashes with its state: HTTP 409."""

    status = 409
    default_code = "conflict"


class TransitionNotAllowed(Conflict):
    """A state-machine transition that is not allowed now: HTTP 409, naming what is missing."""

    default_code = "transition_not_allowed"
