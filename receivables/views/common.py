"""What the collections pages share: a POST-only action that calls one service and comes
back to the record with the outcome as a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View

from core.errors import ApplicationError


class ActionView(LoginRequiredMixin, View):
    """POST: validate `form_class` (if any), run `act(obj, data)`, redirect to `obj`'s page.
    A service error, or a bad form, comes back as an error message, never a 500."""

    form_class = None
    success_message = ""

    def base_queryset(self):
        raise NotImplementedError

    def act(self, obj, data: dict):
        raise NotImplementedError

    def redirect_to(self, obj, result) -> str:
        return obj.get_absolute_url()

    def post(self, request, pk):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        data: dict = {}
        if self.form_class is not None:
            form = self.form_class(request.POST)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    for error in errors:
                        messages.error(request, f"{label}: {error}" if label else error)
                return HttpResponseRedirect(obj.get_absolute_url())
            data = form.cleaned_data
        try:
            result = self.act(obj, data)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, self.success_message)
        return HttpResponseRedirect(self.redirect_to(obj, result))
