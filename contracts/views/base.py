"""What the contract pages share: a POST-only action with its outcome as a message, and a form
page for a record that belongs to a contract."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View

from core import policy
from core.errors import ApplicationError
from core.web import RecordFormPage

from ..selectors import contract_list


class ActionPage(LoginRequiredMixin, View):
    """POST an action from a record page; success or the service's refusal comes back as a
    message on the page the user came from."""

    done_message = ""

    def base_queryset(self):
        raise NotImplementedError

    def run(self, obj):
        raise NotImplementedError

    def redirect_to(self, obj, result) -> str:
        return obj.get_absolute_url()

    def post(self, request, pk, **kwargs):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        self.kwargs.update(kwargs)
        try:
            result = self.run(obj)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(obj.get_absolute_url())
        if self.done_message:
            messages.success(request, self.done_message)
        return HttpResponseRedirect(self.redirect_to(obj, result))


class ContractChildFormPage(RecordFormPage):
    """Create a record on the contract in the URL (`contract_pk`), or edit one (`pk`)."""

    def contract(self):
        if not hasattr(self, "_contract"):
            if "contract_pk" in self.kwargs:
                contract = get_object_or_404(
                    contract_list(user=self.request.user), pk=self.kwargs["contract_pk"]
                )
            else:
                contract = self.get_object().contract
            if not policy.can(self.request.user, contract, "change"):
                raise Http404
            self._contract = contract
        return self._contract

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("object") is None:
            context["object"] = self.contract()
        return context
