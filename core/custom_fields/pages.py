"""The administrators' page of custom fields: /settings/custom-fields/ (list, add, edit,
retire). Writes go through the audited services; a service error lands on the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from .. import policy
from ..errors import ApplicationError
from .definitions import states_of
from .models import ALWAYS, CustomField, FieldType, Target
from .selectors import custom_field_list
from .services import custom_field_create, custom_field_update


class AdminOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.may(request.user, "settings.change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _choice_lines(choices) -> str:
    return "\n".join(f"{c['value']} | {c['label_en']} | {c['label_zh']}" for c in choices or [])


def _parse_choices(text: str) -> list[dict]:
    choices = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            raise forms.ValidationError(
                _("One choice a line: value | English label | Chinese label.")
            )
        choices.append({"value": parts[0], "label_en": parts[1], "label_zh": parts[2]})
    return choices


class CustomFieldForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Record type"), choices=Target.choices)
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=40,
        help_text=gettext_lazy("Lower-case letters, digits and _; fixed once made."),
    )
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldType.choices)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=100)
    label_zh = forms.CharField(label=gettext_lazy("Label (Chinese)"), max_length=100)
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Choice fields: one a line, value | English label | Chinese label."),
    )
    required_in_states = forms.CharField(
        label=gettext_lazy("Required in states"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Comma-separated states, * for always; empty: optional."),
    )
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0, required=False)
    show_in_list = forms.BooleanField(label=gettext_lazy("Show in lists"), required=False)
    retired = forms.BooleanField(
        label=gettext_lazy("Retired"),
        required=False,
        help_text=gettext_lazy("Hidden and not checked any more; the values are kept."),
    )

    def __init__(self, *args, instance: CustomField | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {
                "target": instance.target,
                "key": instance.key,
                "type": instance.type,
                "label_en": instance.label_en,
                "label_zh": instance.label_zh,
                "choices": _choice_lines(instance.choices),
                "required_in_states": ", ".join(instance.required_in_states or []),
                "position": instance.position,
                "show_in_list": instance.show_in_list,
                "retired": instance.retired,
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            for name in ("target", "key", "type"):
                self.fields[name].disabled = True
            states = states_of(instance.target)
            self.fields["required_in_states"].help_text = _(
                "Comma-separated states, * for always; empty: optional. States: %(states)s."
            ) % {"states": ", ".join(states) or ALWAYS}

    def clean_choices(self):
        return _parse_choices(self.cleaned_data.get("choices", ""))

    def clean_required_in_states(self):
        text = self.cleaned_data.get("required_in_states", "")
        return [s.strip() for s in text.split(",") if s.strip()]


class CustomFieldListPage(AdminOnlyMixin, TemplateView):
    template_name = "ltc/custom_fields.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = custom_field_list(user=self.request.user)
        return context


class CustomFieldFormPage(AdminOnlyMixin, FormView):
    template_name = "ltc/form_page.html"
    form_class = CustomFieldForm

    def get_object(self) -> CustomField | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(custom_field_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_object()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        field = self.get_object()
        context["title"] = _("Edit custom field") if field else _("New custom field")
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        field = self.get_object()
        try:
            if field is None:
                custom_field_create(by=self.request.user, data=data)
            else:
                data = {k: v for k, v in data.items() if k not in ("target", "key", "type")}
                custom_field_update(
                    field=field, by=self.request.user, data=data, expected_version=field.version
                )
        except ApplicationError as error:
            for name, msgs in error.fields.items():
                for msg in msgs:
                    form.add_error(name if name in form.fields else None, msg)
            if not error.fields:
                form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(reverse("custom-fields"))
