"""The page of the configuration file (/settings/configuration/, administrators): download the
configuration, upload a file to preview what it would change (a dry run), then apply it."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import policy
from ..errors import ApplicationError, Forbidden, ValidationFailed
from . import (
    MAX_BYTES,
    configuration_import,
    configuration_read,
    outcome_label,
    registered_sections,
)


def _document_of(request):
    """The uploaded file's document, or (on "apply") the previewed one the form carries."""
    if request.POST.get("step") == "apply":
        return configuration_read(request.POST.get("document", "").encode("utf-8"))
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(
            _("Choose a configuration file."),
            code="bad_configuration",
            fields={"file": [_("Choose a file.")]},
        )
    return configuration_read(upload.read(MAX_BYTES + 1))


@login_required
def configuration_page(request):
    if not policy.may(request.user, "settings.change"):
        raise Forbidden(_("Only an administrator exports or imports the configuration."))
    preview = error = None
    document_text = ""
    if request.method == "POST":
        applying = request.POST.get("step") == "apply"
        try:
            document = _document_of(request)
            result = configuration_import(document=document, by=request.user, dry_run=not applying)
        except ApplicationError as failure:
            error = failure
        else:
            if applying:
                messages.success(
                    request,
                    _("Configuration imported: %(created)s created, %(changed)s changed.")
                    % {"created": result["created"], "changed": result["changed"]},
                )
                return HttpResponseRedirect(reverse("configuration"))
            labels = {s.name: s.label for s in registered_sections()}
            preview = {
                **result,
                "rows": [
                    {
                        "section": labels.get(row["section"], row["section"]),
                        "entry": row["entry"].split("[", 1)[-1].rstrip("]"),
                        "outcome": row["outcome"],
                        "label": outcome_label(row["outcome"], dry_run=True),
                    }
                    for row in result["entries"]
                ],
            }
            document_text = json.dumps(document, ensure_ascii=False)
    return render(
        request,
        "ltc/configuration.html",
        {
            "sections": registered_sections(),
            "preview": preview,
            "error": error,
            "document_text": document_text,
        },
        status=400 if error is not None else 200,
    )
