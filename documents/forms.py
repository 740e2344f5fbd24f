"""Forms of the documents settings pages and the generate button."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DocumentLanguage, RecordDocumentKind
from .models import Letterhead

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class LetterheadForm(forms.ModelForm):
    class Meta:
        model = Letterhead
        fields = ["company_name", "company_name_en", "address", "phone", "logo"]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "read") and getattr(logo, "size", 0):
            if logo.size > LOGO_MAX_BYTES:
                raise forms.ValidationError(_("The logo may be at most 1 MB."))
            head = logo.read(8)
            logo.seek(0)
            if not head.startswith(LOGO_MAGIC):
                raise forms.ValidationError(_("The logo must be a PNG or JPEG image."))
        return logo


class TemplateForm(forms.Form):
    body = forms.CharField(
        label=_("Template"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "code"}),
        strip=False,
    )


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(choices=RecordDocumentKind.choices)
    record = forms.IntegerField(min_value=1)
    language = forms.ChoiceField(choices=DocumentLanguage.choices)
