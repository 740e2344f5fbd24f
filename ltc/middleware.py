from django.http import FileResponse
from django.utils import translation

from . import context


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
