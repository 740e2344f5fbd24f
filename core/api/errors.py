"""One error shape for the whole API: `{"code", "message", "fields"}`.

Every exception a view can raise is mapped here, so bad input is a 400 with field messages,
a refused action a 403, what the user may not see a 404, a clash with the record's state or
a concurrent change a 409, and nothing a client does is a 500.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.constraints import check_violation_fields
from core.errors import ApplicationError

logger = logging.getLogger(__name__)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "parent.child": [messages]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                fields.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for k, v in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    fields.setdefault(k, []).extend(v)
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def error_response(status: int, code: str, message: str) -> JsonResponse:
    """The error shape as a plain Django response, for code that runs outside DRF's views
    (middleware, Django's own error handlers)."""
    return JsonResponse(error_body(code, message), status=status)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(error_body("invalid", _("Invalid input."), fields), status=400)
    if isinstance(exc, FSMTransitionNotAllowed):
        return Response(error_body("transition_not_allowed", str(exc)), status=409)
    if isinstance(exc, ConcurrentTransition):
        return Response(
            error_body(
                "concurrent_update",
                _("Someone else changed this record meanwhile; reload and try again."),
            ),
            status=409,
        )
    if isinstance(exc, IntegrityError):
        fields = check_violation_fields(exc)
        if fields is not None:
            logger.warning("check constraint turned into 400: %s", exc)
            return Response(error_body("invalid", _("Invalid input."), fields), status=400)
        logger.warning("integrity error turned into 409: %s", exc)
        return Response(
            error_body("conflict", _("This clashes with existing data (a duplicate?).")), status=409
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("Invalid input."), _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        message = detail if isinstance(detail, str) else str(detail)
        response.data = error_body(str(code), message)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["code"] = "not_authenticated"
    return response
