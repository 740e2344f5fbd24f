"""Form plumbing: one renderer (errors next to fields), one base form for records."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import money
from .choices import Decision, RiskLevel
from .custom_fields.forms import add_custom_fields, carries_custom, collect_custom
from .inputs import to_utc, validate_input


class FormRenderer(TemplatesSetting):
    form_template_name = "ltc/forms/form.html"
    field_template_name = "ltc/forms/field.html"


class UserForm(forms.Form):
    """A form that knows who fills it in (for choices scoped to them)."""

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user = user
        self.instance = instance
        super().__init__(*args, **kwargs)


class RecordForm(forms.ModelForm):
    """Base of the model forms. The date fields Django makes from the model's get the
    business-date rule of core.inputs (money fields get theirs from MoneyField.formfield).
    A form of a record with custom values shows them (`with_custom_fields`; issue 20.2)."""

    with_custom_fields = True

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_date = isinstance(field, forms.DateField | forms.DateTimeField)
            if is_date and validate_input not in field.validators:
                field.validators.append(validate_input)
        if self.with_custom_fields and carries_custom(
            self._meta.model
        ):  # its custom fields, as `custom.<key>`
            add_custom_fields(self)

    def clean(self):
        cleaned = super().clean()
        collect_custom(self)
        return cleaned


class DateField(forms.DateField):
    """A business date: between core.inputs.FIRST_DAY and LAST_DAY (1900 to 2999)."""

    default_validators = [validate_input]


class DateTimeField(forms.DateTimeField):
    """A date-time in the business range, in UTC once its offset is applied (an offset that
    carries it off the calendar is a form error, not a database error)."""

    default_validators = [validate_input]

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else to_utc(value)


# An amount as people type it; defined beside the model field (core.money), which offers it.
MoneyField = money.MoneyFormField


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (yyyy-mm-dd), whatever the language:
    a localised value (2026/11/23 in Chinese) would leave the picker empty."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


SELECTED = " selected"


class LongSelect(forms.Select):
    """A select for long flat lists (the directory of people): the same HTML as Django's
    Select, written straight from the choices instead of a dict and a template per option,
    which cost ~0.1 ms an option (a 2,000-person select took most of the pipeline board's
    time). Grouped choices render the usual way."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(v)}"{SELECTED if v in chosen else ""}>{escape(label)}</option>'
            for v, label in ((self._value(option), label) for option, label in choices)
        )
        select = f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>'
        return mark_safe(f"{select}{options}</select>")  # noqa: S308 (every part escaped)

    @staticmethod
    def _value(option) -> str:
        return "" if option is None else str(option)


class GateAssessForm(UserForm):
    verdict = forms.ChoiceField(label=_("Recommendation"), choices=Decision.choices)
    confidence = forms.IntegerField(label=_("Confidence %"), min_value=0, max_value=100)
    risk_level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    risks = forms.CharField(
        label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in topics:
            self.fields[f"topic_{key}"] = forms.CharField(
                label=label, widget=forms.Textarea(attrs={"rows": 2})
            )

    def topics(self) -> dict:
        return {
            k.removeprefix("topic_"): v
            for k, v in self.cleaned_data.items()
            if k.startswith("topic_")
        }


class GateDecideForm(UserForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
