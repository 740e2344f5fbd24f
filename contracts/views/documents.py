"""Pages of a contract's documents: upload (size and type checked) and a download that asks
the access policy first — documents are never served from a public media URL."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from ..api.views import document_response
from ..forms import DocumentForm
from ..selectors import contract_list, document_list
from ..services import document_upload, may_add_documents
from .base import ContractChildFormPage


class DocumentUploadPage(ContractChildFormPage):
    form_class = DocumentForm
    title = _("Add a document")

    def contract(self):
        # Finance may add evidence to contracts it can only view.
        if not hasattr(self, "_contract"):
            contract = get_object_or_404(
                contract_list(user=self.request.user), pk=self.kwargs["contract_pk"]
            )
            if not may_add_documents(self.request.user, contract):
                raise Http404
            self._contract = contract
        return self._contract

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["contract"] = self.contract()
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("milestone"):
            initial["milestone"] = self.request.GET["milestone"]
        return initial

    def save(self, form):
        data = form.cleaned_data
        document_upload(
            contract=self.contract(),
            by=self.request.user,
            file=data["file"],
            kind=data["kind"],
            title=data["title"],
            milestone=data["milestone"],
        )
        return self.contract()


@login_required
def document_download(request, pk):
    """The file, to whoever may see its contract (404 to everyone else)."""
    document = get_object_or_404(document_list(user=request.user), pk=pk)
    return document_response(document)
