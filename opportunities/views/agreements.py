"""Pages of agreement prices (协议价): the list (filtered by customer, partner, product, state
and a day), the form of a new draft, one price with its submission, and the price
post-mortem report."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET

from accounts.models import Customer
from core import policy
from core.approvals.engine import open_request_for
from core.errors import ApplicationError, ValidationFailed
from core.exports import FORMATS, export_response
from core.forms import DateField, DateInput, LongSelect, UserForm
from core.replica import ReplicaReads, reads_from_replica
from core.web import apply_error, localise_filter_labels
from partners.models import Partner

from ..agreement_imports import agreement_price_export_columns
from ..filters import AgreementPriceFilter
from ..models import DiscountTarget, Product
from ..price_report import price_post_mortem
from ..selectors import agreement_price_list
from ..services import agreement_price_create, agreement_price_submit, discount_target_set

LIST_SIZE = 100


class AgreementPriceForm(UserForm):
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        widget=LongSelect,
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner"),
        queryset=Partner.objects.none(),
        required=False,
        widget=LongSelect,
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.filter(is_active=True)
    )
    price = forms.DecimalField(
        label=gettext_lazy("Agreement price"), max_digits=18, decimal_places=2, min_value=0
    )
    valid_from = DateField(label=gettext_lazy("Valid from"), widget=DateInput)
    valid_to = DateField(
        label=gettext_lazy("Valid to (empty: open)"), required=False, widget=DateInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = policy.restrict(
            Customer.objects.order_by("name"), self.user, "change"
        )
        self.fields["partner"].queryset = policy.restrict(
            Partner.objects.order_by("name"), self.user, "change"
        )


class PeriodForm(forms.Form):
    start = DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    end = DateField(label=gettext_lazy("To"), required=False, widget=DateInput)


@login_required
@require_GET
@reads_from_replica
def agreement_price_export(request):
    """The agreement prices, filtered as on their page, as CSV or XLSX (the import's columns:
    a file goes back in as new drafts)."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        raise Http404
    filterset = AgreementPriceFilter(
        request.GET, queryset=agreement_price_list(user=request.user), request=request
    )
    prices = filterset.qs if filterset.is_valid() else filterset.queryset
    return export_response(
        queryset=prices.order_by("-valid_from", "-id"),
        columns=agreement_price_export_columns(),
        file_format=file_format,
        filename="agreement-prices",
        user=request.user,
    )


class AgreementPriceListPage(LoginRequiredMixin, View):
    """Agreement prices one may see, filtered; a new one (a draft) below the list."""

    def get(self, request, form=None):
        filterset = AgreementPriceFilter(
            request.GET or None, queryset=agreement_price_list(user=request.user), request=request
        )
        localise_filter_labels(filterset)
        prices = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        initial = {k: request.GET.get(k) for k in ("customer", "partner") if request.GET.get(k)}
        return render(
            request,
            "opportunities/agreement_prices.html",
            {
                "filter": filterset,
                "prices": prices[:LIST_SIZE],
                "form": form or AgreementPriceForm(user=request.user, initial=initial),
            },
        )

    def post(self, request):
        form = AgreementPriceForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.get(request, form=form)
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            price = agreement_price_create(by=request.user, data=data)
        except ValidationFailed as error:
            apply_error(form, error)
            return self.get(request, form=form)
        except ApplicationError as error:
            messages.error(request, error.message)
            return self.get(request, form=form)
        messages.success(request, _("Agreement price saved as a draft."))
        return HttpResponseRedirect(price.get_absolute_url())


class AgreementPricePage(LoginRequiredMixin, View):
    """One agreement price: its terms, its state, its approval and its history."""

    def get(self, request, pk):
        from core.audit import timeline

        price = get_object_or_404(agreement_price_list(user=request.user), pk=pk)
        return render(
            request,
            "opportunities/agreement_price_detail.html",
            {
                "price": price,
                "may_change": policy.can(request.user, price, "change"),
                "approval": open_request_for(price),
                "timeline": timeline(price),
            },
        )

    def post(self, request, pk):
        price = get_object_or_404(agreement_price_list(user=request.user), pk=pk)
        try:
            agreement_price_submit(price=price, by=request.user)
            messages.success(request, _("Sent for approval."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(price.get_absolute_url())


class PricePostMortemPage(ReplicaReads, LoginRequiredMixin, View):
    """Price achieved against list and agreement price, by product and rep (价格复盘)."""

    def get(self, request, target_form=None):
        form = PeriodForm(request.GET or None)
        period = form.cleaned_data if form.is_bound and form.is_valid() else {}
        start, end = period.get("start"), period.get("end")
        rows = price_post_mortem(user=request.user, start=start, end=end)
        may_set = policy.may(request.user, "settings.change")
        return render(
            request,
            "opportunities/price_post_mortem.html",
            {
                "form": form,
                "rows": rows,
                "targets": DiscountTarget.objects.all()[:LIST_SIZE],
                "target_form": (target_form or DiscountTargetForm()) if may_set else None,
            },
        )

    def post(self, request):
        """An administrator sets a product line's discount target (折扣目标) for a year."""
        form = DiscountTargetForm(request.POST)
        if not form.is_valid():
            return self.get(request, target_form=form)
        try:
            discount_target_set(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
            return self.get(request, target_form=form)
        messages.success(request, _("The discount target is set."))
        return HttpResponseRedirect(request.path)


class DiscountTargetForm(forms.Form):
    product_line = forms.CharField(label=gettext_lazy("Product line"), max_length=100)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2999)
    max_discount_pct = forms.DecimalField(
        label=gettext_lazy("Target discount (at most, %)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
