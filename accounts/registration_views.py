"""The customer registration pages (客户报备): the list (mine, waiting for my ruling, all I
may see) with its actions as POST forms, and the Register action of a customer's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import policy
from core.errors import ApplicationError, ValidationFailed
from core.web import ListPage, RecordPage

from .filters import CustomerRegistrationFilter
from .forms import RegistrationForm, RegistrationRuleForm
from .models import Customer
from .selectors import registration_list, registrations_to_rule
from .services import (
    registration_create,
    registration_release,
    registration_renew,
    registration_rule,
)


class RegistrationListPage(ListPage):
    template_name = "accounts/registration_list.html"
    filterset_class = CustomerRegistrationFilter
    ordering_choices = []

    def base_queryset(self):
        return registration_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = context["rows"]
        context.update(
            show=self.request.GET.get("show", ""),
            rulable=set(
                registrations_to_rule(user=user)
                .filter(pk__in=[r.pk for r in rows])
                .values_list("pk", flat=True)
            ),
            may_rule=policy.may(user, "registrations.rule"),
            rule_form=RegistrationRuleForm(),
        )
        return context


class RegistrationPage(RecordPage):
    """One registration: whom it protects until when, what it competes with, the ruling, the
    actions the user may take, and its timeline."""

    template_name = "accounts/registration_detail.html"

    def base_queryset(self):
        return registration_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration, user = context["object"], self.request.user
        context.update(
            is_holder=registration.owner_id == user.pk,
            may_rule=registrations_to_rule(user=user).filter(pk=registration.pk).exists(),
            may_release=registration.state == "protected"
            and (
                registration.owner_id == user.pk
                or (policy.may(user, "registrations.rule", registration) and context["may_change"])
            ),
            rule_form=RegistrationRuleForm(),
        )
        return context


class _RegistrationAction(LoginRequiredMixin, View):
    """POST one action on a registration the user may see; the outcome comes back as a
    message on the list (a service's refusal in the user's language, never a 500)."""

    done = ""

    def act(self, registration, request):
        raise NotImplementedError

    def post(self, request, pk: int):
        registration = get_object_or_404(registration_list(user=request.user), pk=pk)
        try:
            self.act(registration, request)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, str(self.done))
        return HttpResponseRedirect(registration.get_absolute_url())


class RegistrationRenew(_RegistrationAction):
    done = gettext_lazy("Renewed.")

    def act(self, registration, request):
        registration_renew(registration=registration, by=request.user)


class RegistrationRelease(_RegistrationAction):
    done = gettext_lazy("Released.")

    def act(self, registration, request):
        registration_release(registration=registration, by=request.user)


class RegistrationRule(_RegistrationAction):
    done = gettext_lazy("Ruled.")

    def act(self, registration, request):
        form = RegistrationRuleForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(e for errs in form.errors.values() for e in errs)
            raise ValidationFailed(errors)
        registration_rule(registration=registration, by=request.user, **form.cleaned_data)


class RegistrationCreate(LoginRequiredMixin, View):
    """The Register action of a customer's page."""

    def post(self, request, pk: int):
        customer = get_object_or_404(policy.restrict(Customer.objects.all(), request.user), pk=pk)
        back = f"{customer.get_absolute_url()}#registrations"
        form = RegistrationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
            return HttpResponseRedirect(back)
        try:
            registration = registration_create(
                by=request.user, customer=customer, **form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if registration.state == "protected":
                messages.success(
                    request,
                    _("Registered: protected for you until %(until)s.")
                    % {"until": registration.protected_until.isoformat()},
                )
            else:
                messages.success(request, _("Registered: waiting for a manager's ruling."))
        return HttpResponseRedirect(back)
