"""Reports pages (ageing, DSO, collection rate, expected cash-in), the battle map, the
payment plan form and the CSV exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.selectors import account_chain, customer_list
from contracts.selectors import contract_list
from core.errors import ApplicationError
from core.params import query_params
from core.rates import Conversion, conversion_context
from core.replica import ReplicaReads
from core.web import RecordFormPage

from .. import exports
from ..choices import AgeingGroup
from ..filters import InvoiceFilter, PaymentMilestoneFilter, ReceiptFilter
from ..forms import MilestoneFormSet
from ..models import PaymentMilestone
from ..selectors import (
    ageing,
    battle_map,
    cash_forecast,
    invoice_list,
    kpis,
    milestone_list,
    receipt_list,
)
from ..selectors.converted import ageing_converted
from ..services import payment_plan_set


class ReportsPage(ReplicaReads, LoginRequiredMixin, TemplateView):
    """Receivables ageing by org unit, customer or AR; DSO and collection rate; expected
    cash-in by month."""

    template_name = "receivables/reports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        group = query_params(self.request).choice(
            "group", AgeingGroup.values, default=AgeingGroup.CUSTOMER
        )
        figures = ageing(user=user, group=group)
        converted = ageing_converted(
            user=user, data=figures, conversion=Conversion.from_params(self.request.GET)
        )
        context.update(
            conversion_context(
                self.request,
                [
                    (_("Receivables"), converted["total"]),
                    (_("Overdue"), converted["overdue"]),
                ],
            )
        )
        context.update(
            group=group,
            groups=AgeingGroup.choices,
            ageing=figures,
            kpis=kpis(user=user),
            forecast=cash_forecast(user=user),
        )
        return context


class BattleMapPage(LoginRequiredMixin, TemplateView):
    """A key account on one page (作战地图): its contracts with their terms and payment plans,
    the next payment dates, unpaid invoices, recent receipts and progress."""

    template_name = "receivables/battle_map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = get_object_or_404(customer_list(user=self.request.user), pk=kwargs["pk"])
        context.update(battle_map(customer=customer, user=self.request.user))
        context["account_chain"] = account_chain(customer=customer)
        return context


EXPORTS = {
    "milestones": (milestone_list, PaymentMilestoneFilter),
    "invoices": (invoice_list, InvoiceFilter),
    "receipts": (receipt_list, ReceiptFilter),
}


class ExportView(LoginRequiredMixin, View):
    """`/collections/export/<what>.csv?<the list's filters>`: the filtered list, streamed."""

    def get(self, request, what):
        if what == "ageing":
            group = query_params(request).choice(
                "group", AgeingGroup.values, default=AgeingGroup.CUSTOMER
            )
            return exports.ageing_response(ageing(user=request.user, group=group))
        if what not in EXPORTS:
            raise Http404
        selector, filterset_class = EXPORTS[what]
        filterset = filterset_class(
            request.GET or None, queryset=selector(user=request.user), request=request
        )
        if filterset.is_bound and not filterset.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
        return exports.response(what, filterset.qs, request.user)


class PaymentPlanPage(RecordFormPage):
    """Set a contract's payment plan, each milestone by percentage or by amount (the
    percentages' rounding remainder goes to the last)."""

    template_name = "receivables/payment_plan_form.html"
    form_class = MilestoneFormSet
    title = gettext_lazy("Payment plan")

    def base_queryset(self):
        return contract_list(user=self.request.user)

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(self.base_queryset(), pk=self.kwargs["pk"])
        return self._object

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user"), kwargs.pop("instance", None)
        return kwargs

    def get_initial(self):
        rows = self._initial_rows()
        wanted = min(query_params(self.request).int("rows", 0), 50)
        blank = {"kind": "custom", "trigger": "on_date", "credit_days": 0}
        rows += [dict(blank) for _n in range(wanted - len(rows))]
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["more_rows"] = len(context["form"].forms) + 1
        return context

    def _initial_rows(self) -> list[dict]:
        existing = PaymentMilestone.objects.filter(contract=self.get_object())
        uses_pct = all(m.percentage is not None for m in existing)
        return [
            {
                "kind": m.kind,
                "name": m.name,
                "percentage": m.percentage if uses_pct else None,
                "amount": None if uses_pct else m.amount,
                "trigger": m.trigger,
                "trigger_date": m.trigger_date,
                "credit_days": m.credit_days,
            }
            for m in existing
        ] or [
            {"kind": "down_payment", "percentage": 30, "trigger": "on_signing"},
            {"kind": "arrival", "percentage": 30, "trigger": "on_arrival"},
            {"kind": "acceptance", "percentage": 30, "trigger": "on_acceptance"},
            {"kind": "warranty", "percentage": 10, "trigger": "on_warranty_end"},
        ]

    def form_valid(self, form):
        contract = self.get_object()
        rows = [
            {k: v for k, v in row.items() if k != "DELETE"}
            for row in form.cleaned_data
            if row and not row.get("DELETE")
        ]
        try:
            payment_plan_set(contract=contract, by=self.request.user, milestones=rows)
        except ApplicationError as error:
            form._non_form_errors = form.error_class([error.message])
            return self.form_invalid(form)
        messages.success(self.request, _("Payment plan saved."))
        return HttpResponseRedirect(contract.get_absolute_url())
