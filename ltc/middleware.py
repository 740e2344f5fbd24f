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
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
