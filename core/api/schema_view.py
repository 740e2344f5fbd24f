"""`GET /api/v1/schema/` and `/api/docs/`: the OpenAPI document, made once, and its docs page.

Generating the document walks every viewset and serializer (seconds of work) and the answer
depends only on the code, the API version, the language and the format (JSON or YAML): it is
public in the sense that it never depends on who asks (`public=True`, made without the user's
request). So it is rendered once per (API version, language, format, code version) and kept in
the worker and in Django's cache (Redis in production, so one worker's work serves the others).
The code version is a digest of the project's code and catalogues and of the generating
libraries' versions: a deploy that changes any of them makes new keys, nothing to invalidate.

Both need a signed-in user (a session, a token or any API key): the document maps the whole
internal structure, and the API serves nobody anonymous anyway (see README, security).
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache as once
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

#: The libraries whose versions change the document.
GENERATORS = ("Django", "djangorestframework", "drf-spectacular", "django-filter")

_documents: dict[str, bytes] = {}
_building = threading.Lock()


@once
def code_version() -> str:
    """A digest of what the document is made from: the project's Python code and compiled
    translation catalogues, and the generating libraries' versions (computed once a process)."""
    digest = hashlib.sha256()
    for name in GENERATORS:
        digest.update(f"{name}={metadata.version(name)}\n".encode())
    base = Path(settings.BASE_DIR)
    roots = {
        Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(base)
    }
    roots.update(Path(path) for path in settings.LOCALE_PATHS)
    for root in sorted(roots):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".mo") and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def schema_language(requested: str | None) -> str:
    """The supported language a document is made in (an unknown one is the site's default)."""
    try:
        return translation.get_supported_language_variant((requested or "").lower())
    except LookupError:
        return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def cache_key(language: str, media_type: str) -> str:
    version = spectacular_settings.VERSION
    return f"openapi:{version}:{language}:{media_type}:{code_version()}"


def schema_cache_clear() -> None:
    """Forget every document of this code version, in the worker and in the shared cache."""
    with _building:
        _documents.clear()
        for language, _name in settings.LANGUAGES:
            for renderer in SchemaView.renderer_classes:
                cache.delete(
                    cache_key(
                        translation.get_supported_language_variant(language), renderer.media_type
                    )
                )


def _render(renderer, language: str) -> bytes:
    with translation.override(language):
        document = SchemaGenerator().get_schema(request=None, public=True)
        return renderer.render(document, renderer.media_type, {})


def schema_document(renderer, language: str) -> bytes:
    """The rendered document, from the worker, else the shared cache, else made now."""
    key = cache_key(language, renderer.media_type)
    content = _documents.get(key)
    if content is None:
        with _building:  # one build per worker at a time; the others wait for it
            content = _documents.get(key) or cache.get(key)
            if content is None:
                content = _render(renderer, language)
                cache.set(key, content, timeout=None)
            _documents[key] = content
    return content


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: YAML, or JSON with `Accept: application/vnd.oai.openapi+json`
    (or `?format=json`); in the user's language or `?lang=en|zh-hans`."""

    renderer_classes = [OpenApiYamlRenderer, OpenApiJsonRenderer]
    permission_classes = [IsAuthenticated]
    api_area = "schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        # ?lang=, else the user's language (a token or key authenticates after the middleware
        # that speaks it), else the request's.
        language = schema_language(
            request.GET.get("lang")
            or getattr(request.user, "language", "")
            or translation.get_language()
        )
        content_type = renderer.media_type
        if renderer.charset:
            content_type += f"; charset={renderer.charset}"
        response = HttpResponse(schema_document(renderer, language), content_type=content_type)
        filename = f"{spectacular_settings.TITLE}.{renderer.format}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Content-Language"] = language
        return response


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file, not inline (the CSP allows no
    inline script), for signed-in users."""

    permission_classes = [IsAuthenticated]
    template_name = "ltc/swagger_ui.html"
