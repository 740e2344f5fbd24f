"""HTML to PDF with WeasyPrint (Pango lays out the text, so Chinese wraps and shapes as it
should; the Noto CJK fonts are subset and embedded in the file). WeasyPrint may fetch nothing
but `data:` URIs: a template cannot make the server read a file or call the network."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

BASE_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", sans-serif;
       font-size: 10pt; line-height: 1.45; color: #111; }
h1 { font-size: 16pt; margin: 0 0 8pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #999; padding: 3pt 4pt; vertical-align: top; }
th { background: #eee; text-align: left; }
td.num, th.num { text-align: right; white-space: nowrap; }
.letterhead { border-bottom: 1pt solid #333; margin-bottom: 10pt; padding-bottom: 6pt; }
.letterhead img { max-height: 14mm; float: right; }
.letterhead .name { font-size: 13pt; font-weight: bold; }
.meta { color: #444; font-size: 9pt; }
"""


def _fetch_nothing_but_data(url: str, timeout: int = 10, ssl_context=None):
    from weasyprint.urls import default_url_fetcher

    if not url.startswith("data:"):
        raise ValueError("only data: URIs are allowed in documents")
    return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)


def html_to_pdf(body_html: str, *, language: str) -> bytes:
    """The PDF of a rendered template (imported lazily: WeasyPrint takes a moment to load)."""
    from weasyprint import CSS, HTML

    lang = "zh-Hans" if language.startswith("zh") else "en"
    document = f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head>'
    document += f"<body>{body_html}</body></html>"
    try:
        return HTML(string=document, url_fetcher=_fetch_nothing_but_data).write_pdf(
            stylesheets=[CSS(string=BASE_CSS)]
        )
    except Exception as error:  # a layout WeasyPrint refuses: the template's fault
        raise ValidationFailed(
            _("The document could not be laid out."),
            code="bad_template",
            fields={"body": [str(error)[:200]]},
        ) from error
