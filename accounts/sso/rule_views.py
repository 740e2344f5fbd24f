"""The sign-in mapping rules' page (ADR 25): `/settings/sign-in-rules/`, administrators only.
A list with the provider's settings at a glance, a form to add or change a rule, a delete
button; every write goes through `accounts.sso.services`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import policy
from core.errors import ApplicationError
from core.web import apply_error

from ..models import OrgUnit, RoleDefinition, SsoMappingRule
from .config import oidc_configured, provider_name
from .services import RULE_FIELDS, sso_rule_create, sso_rule_delete, sso_rule_update


class SsoRuleForm(forms.ModelForm):
    class Meta:
        model = SsoMappingRule
        fields = list(RULE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.all()
        self.fields["grant_role"].queryset = RoleDefinition.objects.filter(builtin=False)


def _require_admin(user) -> None:
    if not policy.may(user, "sso.administer"):
        raise PermissionDenied


@login_required
def sso_rule_list(request):
    _require_admin(request.user)
    context = {
        "rules": SsoMappingRule.objects.select_related("org_unit", "grant_role"),
        "oidc": provider_name() if oidc_configured() else "",
        "ldap": settings.AUTH_LDAP_SERVER_URI,
        "create_users": settings.SSO_CREATE_USERS,
        "passwords_off": settings.SSO_PASSWORDS_OFF,
    }
    return render(request, "accounts/sso_rule_list.html", context)


def _rule_page(request, rule: SsoMappingRule | None):
    _require_admin(request.user)
    form = SsoRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in RULE_FIELDS}
        try:
            if rule is None:
                sso_rule_create(by=request.user, data=data)
            else:
                sso_rule_update(by=request.user, rule=rule, data=data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The rule was saved."))
            return HttpResponseRedirect(reverse("sso-rules:list"))
    return render(request, "accounts/sso_rule_form.html", {"rule": rule, "form": form})


@login_required
def sso_rule_new(request):
    return _rule_page(request, None)


@login_required
def sso_rule_edit(request, pk: int):
    return _rule_page(request, get_object_or_404(SsoMappingRule, pk=pk))


@login_required
@require_POST
def sso_rule_remove(request, pk: int):
    _require_admin(request.user)
    sso_rule_delete(by=request.user, rule=get_object_or_404(SsoMappingRule, pk=pk))
    messages.success(request, _("The rule was deleted."))
    return HttpResponseRedirect(reverse("sso-rules:list"))
