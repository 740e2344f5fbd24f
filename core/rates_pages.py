"""The exchange-rate page: /settings/exchange-rates/ (ADR 30) for administrators and finance:
the latest rates (filtered by pair), a form to add one, and the upload of a CSV/XLSX file
through the import wizard. Writes go through the audited services in core.rates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy
from .choices import Currency
from .errors import ApplicationError
from .forms import DateField
from .rates import RATE_DIGITS, RATE_PLACES, ExchangeRate, RateSource, exchange_rate_create

PAGE_ROWS = 200


class ExchangeRateForm(forms.Form):
    date = DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    base = forms.ChoiceField(label=gettext_lazy("Base currency"), choices=Currency.choices)
    quote = forms.ChoiceField(label=gettext_lazy("Quote currency"), choices=Currency.choices)
    rate = forms.DecimalField(
        label=gettext_lazy("Rate"),
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        min_value=0,
        help_text=gettext_lazy("Units of the quote currency one unit of the base currency buys."),
    )


class PairFilterForm(forms.Form):
    base = forms.ChoiceField(
        label=gettext_lazy("Base currency"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Currency.choices],
    )
    quote = forms.ChoiceField(
        label=gettext_lazy("Quote currency"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Currency.choices],
    )


@login_required
def exchange_rates_page(request):
    if not policy.may(request.user, "rates.change"):
        raise PermissionDenied
    form = ExchangeRateForm(
        request.POST or None,
        initial={"date": timezone.localdate(), "quote": Currency.CNY, "base": Currency.USD},
    )
    if request.method == "POST" and form.is_valid():
        try:
            rate = exchange_rate_create(
                by=request.user, data={**form.cleaned_data, "source": RateSource.MANUAL}
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            for name, problems in error.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, _("Exchange rate saved: %(rate)s") % {"rate": rate})
            return HttpResponseRedirect(reverse("exchange-rates"))
    pair = PairFilterForm(request.GET or None)
    rows = ExchangeRate.objects.all()
    if pair.is_valid():
        for name in ("base", "quote"):
            if pair.cleaned_data.get(name):
                rows = rows.filter(**{name: pair.cleaned_data[name]})
    return render(
        request,
        "ltc/exchange_rates.html",
        {
            "form": form,
            "pair": pair,
            "rows": rows[:PAGE_ROWS],
            "upload_url": reverse("imports:new") + "?kind=exchange_rates",
        },
    )
