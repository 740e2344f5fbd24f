from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Currency
from core.forms import UserForm
from core.money import MoneyFormField


class PortalRegistrationForm(UserForm):
    """A project the partner registers (项目报备): the customer by its name, as the partner
    sees none of ours; the product line one the partner sells."""

    customer_name = forms.CharField(label=_("Customer"), max_length=200)
    project = forms.CharField(label=_("Project"), max_length=200)
    product_line = forms.ChoiceField(label=_("Product line"))
    estimated_amount = MoneyFormField(label=_("Estimated amount"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="CNY")
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)

    def __init__(self, *args, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        lines = partner.product_lines if partner is not None else []
        self.fields["product_line"].choices = [(line, line) for line in lines]
