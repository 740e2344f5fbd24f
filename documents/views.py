"""Pages of documents: generate (the button on a record's page), download (whoever may view
the record), and the settings (letterhead and templates, administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import policy
from core.errors import ApplicationError
from core.uploads import file_response
from core.web import apply_error

from .choices import DocumentLanguage, RecordDocumentKind
from .forms import GenerateForm, LetterheadForm, TemplateForm
from .kinds import KINDS
from .selectors import document_list, record_for, template_list
from .services import (
    document_generate,
    letterhead_get,
    letterhead_rotate_secret,
    letterhead_update,
    template_current,
    template_save,
)


@login_required
@require_POST
def generate(request):
    """Make the next version of a document from a record the user may change."""
    form = GenerateForm(request.POST)
    if not form.is_valid():
        raise Http404
    kind = form.cleaned_data["kind"]
    record = record_for(
        user=request.user, kind=kind, record_id=form.cleaned_data["record"], action="change"
    )
    if record is None:
        raise Http404
    try:
        document = document_generate(
            by=request.user, kind=kind, record=record, language=form.cleaned_data["language"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(number)s version %(version)s generated.")
            % {"number": document.number, "version": document.version},
        )
    return HttpResponseRedirect(KINDS[kind].page_of(record).get_absolute_url())


def pdf_response(document) -> FileResponse:
    name = f"{document.number}-v{document.version}.pdf"
    return file_response(document.file, filename=name, content_type="application/pdf")


@login_required
def download(request, pk):
    """The PDF, for whoever may view the record it was made from (404 otherwise)."""
    return pdf_response(get_object_or_404(document_list(user=request.user), pk=pk))


def _admin_only(request) -> None:
    if not policy.may(request.user, "documents.manage_templates"):
        raise Http404


def _templates_table() -> list[dict]:
    rows = []
    for kind, label in RecordDocumentKind.choices:
        for language, language_label in DocumentLanguage.choices:
            current = template_current(kind, language)
            rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "language": language,
                    "language_label": language_label,
                    "current": current,
                }
            )
    return rows


@login_required
def settings_page(request):
    """The letterhead (name, address, logo), the templates and the e-signature secret."""
    _admin_only(request)
    letterhead = letterhead_get()
    form = LetterheadForm(instance=letterhead)
    if request.method == "POST" and request.POST.get("rotate"):
        letterhead_rotate_secret(by=request.user)
        messages.success(request, _("A new callback secret is in force."))
        return HttpResponseRedirect(reverse("documents:settings"))
    if request.method == "POST":
        form = LetterheadForm(request.POST, request.FILES, instance=letterhead_get())
        if form.is_valid():
            letterhead_update(by=request.user, data=dict(form.cleaned_data))
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("documents:settings"))
    context = {"form": form, "letterhead": letterhead, "templates": _templates_table()}
    return render(request, "documents/settings.html", context)


@login_required
def template_page(request, kind, language):
    """One template: edit it (a new version) and see its earlier versions."""
    _admin_only(request)
    if kind not in KINDS or language not in DocumentLanguage.values:
        raise Http404
    current = template_current(kind, language)
    form = TemplateForm(initial={"body": current.body})
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template_save(
                    by=request.user, kind=kind, language=language, body=form.cleaned_data["body"]
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Saved as a new version."))
                return HttpResponseRedirect(reverse("documents:template", args=[kind, language]))
    versions = template_list().filter(kind=kind, language=language)[:20]
    context = {
        "form": form,
        "kind_label": RecordDocumentKind(kind).label,
        "language_label": DocumentLanguage(language).label,
        "current": current,
        "versions": versions,
    }
    return render(request, "documents/template.html", context)
