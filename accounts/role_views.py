"""Pages for roles as permission sets (issue 20.1): `/settings/roles/`.

The list shows every role (the six built-in ones as read-only descriptions) and the
assignments the reader may see; administrators define and change roles with a permission
checklist grouped by area; administrators and sales managers give and take back configured
roles. Every write goes through `accounts.services.roles`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import permissions as catalogue
from core import policy
from core.choices import RoleScope
from core.errors import ApplicationError
from core.web import apply_error

from .models import RoleDefinition
from .selectors import role_assignment_list
from .services import role_assign, role_create, role_unassign, role_update


class RoleForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("code"), max_length=50)
    name_en = forms.CharField(label=gettext_lazy("name (English)"), max_length=120)
    name_zh = forms.CharField(label=gettext_lazy("name (Chinese)"), max_length=120, required=False)
    description = forms.CharField(
        label=gettext_lazy("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    permissions = forms.MultipleChoiceField(
        label=gettext_lazy("permissions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = sorted(
            (code, catalogue.label_of(code)) for code in catalogue.codes()
        )


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=None)
    role = forms.ModelChoiceField(label=gettext_lazy("role"), queryset=None)
    org_unit = forms.ModelChoiceField(label=gettext_lazy("org unit"), queryset=None)
    scope = forms.ChoiceField(label=gettext_lazy("scope"), choices=RoleScope.choices)

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = policy.assignable_people(by)
        self.fields["role"].queryset = RoleDefinition.objects.filter(builtin=False)
        self.fields["org_unit"].queryset = policy.assignable_units(by)
        if not policy.is_admin(by):
            self.fields["scope"].choices = [c for c in RoleScope.choices if c[0] != "company"]


def _groups(checked: set[str]) -> list[dict]:
    return [
        {
            "label": label,
            "items": [
                {"code": p.code, "label": p.label, "checked": p.code in checked} for p in items
            ],
        }
        for label, items in catalogue.grouped()
    ]


@login_required
def role_list(request):
    user = request.user
    may_assign = policy.may(user, "roles.assign")
    form = AssignForm(request.POST or None, by=user) if may_assign else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                role_assign(by=user, **form.cleaned_data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The role was given."))
                return HttpResponseRedirect(reverse("roles:list"))
    roles = RoleDefinition.objects.all()
    context = {
        "roles": roles,
        "assignments": role_assignment_list(user=user).order_by("user__username", "role__code"),
        "may_define": policy.may(user, "roles.administer"),
        "may_assign": may_assign,
        "form": form,
    }
    return render(request, "accounts/role_list.html", context)


def _role_page(request, role: RoleDefinition | None):
    user = request.user
    editable = policy.may(user, "roles.administer") and not (role and role.builtin)
    if role is None and not editable:
        raise PermissionDenied
    initial = {}
    if role is not None:
        initial = {name: getattr(role, name) for name in RoleForm.base_fields}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                if role is None:
                    role = role_create(by=user, data=form.cleaned_data)
                else:
                    role = role_update(by=user, role=role, data=form.cleaned_data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The role was saved."))
                return HttpResponseRedirect(reverse("roles:list"))
    checked = set(form["permissions"].value() or [])
    context = {"role": role, "form": form, "editable": editable, "groups": _groups(checked)}
    return render(request, "accounts/role_form.html", context)


@login_required
def role_new(request):
    return _role_page(request, None)


@login_required
def role_edit(request, pk: int):
    return _role_page(request, get_object_or_404(RoleDefinition, pk=pk))


@login_required
@require_POST
def role_assignment_remove(request, pk: int):
    assignment = get_object_or_404(role_assignment_list(user=request.user), pk=pk)
    try:
        role_unassign(by=request.user, assignment=assignment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The role was taken back."))
    return HttpResponseRedirect(reverse("roles:list"))
