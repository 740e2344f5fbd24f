from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import context
from .errors import ApplicationError, ValidationFailed
from .inputs import BAD_CHARACTERS, has_bad_characters


class RequestContextMiddleware:
    """Records the client address and channel of each request for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                via=via,
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class UserLanguageMiddleware:
    """Speaks each user's chosen language; falls back to the session, cookie or browser.

    Sits after AuthenticationMiddleware so it reads the already-loaded user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language_from_request(request)
        user = request.user
        if user.is_authenticated and user.language:
            language = user.language
        # Override, not activate: the language is this request's only, and the thread's
        # previous one comes back afterwards (even on an error), so it never leaks into the
        # next request the worker serves.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        streamed = response.streaming and not getattr(response, "is_async", False)
        if streamed and not isinstance(response, FileResponse):
            # A streamed download (CSV) makes its rows after this returns: in its language.
            response.streaming_content = _spoken(response.streaming_content, language)
        return response


def _spoken(chunks, language):
    """Each chunk made in `language`, and the thread's own language back between chunks."""
    iterator = iter(chunks)
    while True:
        with translation.override(language):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def error_response(request, error: ApplicationError):
    """An application error as the caller reads it: the JSON error shape under /api/, a short
    page naming the fields otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    context = {"message": error.message, "fields": error.fields}
    return render(request, "ltc/error.html", context, status=error.status)


QUERY_STRING_OR_FORM = (
    gettext_noop("Invalid query parameter: %(name)s."),
    gettext_noop("Invalid form field: %(name)s."),
)


class InputGuardMiddleware:
    """Refuses a parameter no field could hold (a NUL, which PostgreSQL refuses in any text,
    or an unpaired surrogate), whichever view would read it: a 400 naming the parameter. It
    looks at the query string, and at a page's form fields (the API's bodies go through its
    parsers and fields, which apply the same rules)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET]
        if request.method == "POST" and not request.path.startswith("/api/"):
            sources.append(request.POST)
        for params, message in zip(sources, QUERY_STRING_OR_FORM, strict=False):
            for name, values in params.lists():
                if has_bad_characters(name) or any(has_bad_characters(v) for v in values):
                    error = ValidationFailed(
                        _(message) % {"name": name}, fields={name: [str(BAD_CHARACTERS)]}
                    )
                    return error_response(request, error)
        return self.get_response(request)


class ApplicationErrorMiddleware:
    """A page view that lets an ApplicationError through (a bad query parameter read with
    core.params, a tampered cursor) answers its status and message instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError):
            return error_response(request, exception)
        return None


class PortalFenceMiddleware:
    """Partner users (ADR 21) are sent to the portal from every internal page: what is theirs
    is under /portal/; the API keeps its own fence (`core.api.auth.PortalFence`)."""

    OPEN = ("/portal/", "/api/", "/login/", "/logout/", "/language/", "/two-factor/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect

        from . import policy

        user = getattr(request, "user", None)
        if policy.is_partner_user(user) and not request.path.startswith(self.OPEN):
            return redirect("portal:home")
        return self.get_response(request)
