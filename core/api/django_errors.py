"""The API's error shape for the errors Django answers before DRF runs.

A body above `DATA_UPLOAD_MAX_MEMORY_SIZE`, a bad Host header, an unknown URL, a CSRF failure
and an unhandled exception are answered by Django's handlers (`handler400`, `handler404`, ...),
which render HTML. Under `/api/` these answer `{code, message, fields}` instead; pages keep
Django's own responses.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _
from django.views import csrf, defaults

from .errors import error_response

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception=None):
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return error_response(413, "too_large", _("The request is too large."))
    return error_response(400, "bad_request", _("The request could not be understood."))


def permission_denied(request, exception=None):
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "permission_denied", _("You do not have permission to do this."))


def page_not_found(request, exception=None):
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", _("Not found."))


def server_error(request):
    if not is_api(request):
        return defaults.server_error(request)
    return error_response(
        500, "server_error", _("Something went wrong on our side; it has been logged.")
    )


def csrf_failure(request, reason=""):
    if not is_api(request):
        return csrf.csrf_failure(request, reason)
    return error_response(403, "csrf_failed", _("The CSRF check failed; reload and try again."))
