"""The company's templates rendered in a sandbox: Django template syntax on an engine of its
own with no loaders, no tag libraries to load, and without the tags that reach beyond the
context (`debug` prints the loaded modules, `include`/`extends` read files, `load` adds code,
`url` resolves routes). The context holds plain values only (text, numbers, dates, lists and
dicts the kind builds), so no template reaches a model, the ORM or the settings."""

from __future__ import annotations

from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaultfilters import register as default_filters
from django.template.defaulttags import register as default_tags
from django.template.library import Library
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

FORBIDDEN_TAGS = {"debug", "include", "extends", "block", "load", "url", "csrf_token", "ssi"}
MAX_TEMPLATE_CHARS = 100_000


def _library() -> Library:
    library = Library()
    library.tags = {k: v for k, v in default_tags.tags.items() if k not in FORBIDDEN_TAGS}
    library.filters = dict(default_filters.filters)
    return library


class SandboxEngine(Engine):
    """An engine whose only built-ins are the allowed tags and the default filters."""

    def __init__(self) -> None:
        super().__init__(dirs=[], app_dirs=False, libraries={}, builtins=[], autoescape=True)
        self.template_builtins = [_library()]


ENGINE = SandboxEngine()


def compile_template(body: str):
    """The compiled template, or a 400 `bad_template` naming what is wrong with it."""
    if len(body) > MAX_TEMPLATE_CHARS:
        raise ValidationFailed(
            _("The template is too long."),
            code="bad_template",
            fields={"body": [_("At most %(n)s characters.") % {"n": MAX_TEMPLATE_CHARS}]},
        )
    try:
        return ENGINE.from_string(body)
    except TemplateSyntaxError as error:
        raise ValidationFailed(
            _("The template has an error."), code="bad_template", fields={"body": [str(error)]}
        ) from error


def render_template(body: str, context: dict) -> str:
    return compile_template(body).render(Context(context, autoescape=True))
