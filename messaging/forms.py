from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Vendor
from .models import ChatChannel


class ChatChannelForm(forms.ModelForm):
    """A channel's settings; the secret is typed, never shown (blank keeps the stored one)."""

    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The robot's signing secret, or the application's secret. Blank: unchanged."),
    )

    class Meta:
        model = ChatChannel
        fields = ["name", "enabled", "endpoint", "secret", "app_id", "agent_id"]


class IdentityImportForm(forms.Form):
    text = forms.CharField(
        label=_("People's ids"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=200_000,
        help_text=_("One person a line: username,vendor,id (vendor: %(vendors)s).")
        % {"vendors": ", ".join(Vendor.values)},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices
