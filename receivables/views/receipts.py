"""Receipts: the list, fast keyboard entry with allocation by hand, a receipt's page, applying
its credit and reversing an allocation or the whole receipt. Invoices: list and page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from contracts.models import Contract
from core import policy
from core.errors import ApplicationError, ValidationFailed
from core.params import query_params
from core.web import ListPage, RecordPage, apply_error

from ..choices import RECEIVABLE_STATES, ReceiptState
from ..filters import InvoiceFilter, ReceiptFilter
from ..forms import AllocationMode, ApplyCreditForm, ReasonForm, ReceiptForm
from ..models import PaymentMilestone
from ..selectors import allocation_list, invoice_list, milestone_list, receipt_list
from ..services import (
    allocation_reverse,
    invoice_cancel,
    receipt_allocate,
    receipt_record,
    receipt_reverse,
)
from .common import ActionView


class ReceiptListPage(ListPage):
    template_name = "receivables/receipt_list.html"
    filterset_class = ReceiptFilter
    ordering_choices = [
        ("-id", gettext_lazy("Newest")),
        ("-received_on", gettext_lazy("Received on")),
        ("-amount", gettext_lazy("Amount")),
    ]

    def base_queryset(self):
        return receipt_list(user=self.request.user)


def open_milestones(user, *, contract=None, receipt=None):
    """Milestones a receipt could pay, for the by-hand allocation table (policy-scoped)."""
    qs = milestone_list(user=user).filter(state__in=["planned", *RECEIVABLE_STATES])
    if receipt is not None:
        qs = (
            qs.filter(contract=receipt.contract)
            if receipt.contract_id
            else qs.filter(contract__customer=receipt.customer, currency=receipt.currency)
        )
    elif contract is not None:
        qs = qs.filter(contract=contract)
    else:
        return PaymentMilestone.objects.none()
    return qs.order_by(F("due_date").asc(nulls_last=True), "contract", "sequence", "pk")


def with_typed(milestones, data) -> list:
    """The milestones, each carrying the amount typed against it (to show a form again)."""
    rows = list(milestones)
    for m in rows:
        m.typed = data.get(f"alloc-{m.pk}", "") if data else ""
    return rows


def _pairs(user, amounts: dict[int, object]):
    found = {m.pk: m for m in milestone_list(user=user).filter(pk__in=list(amounts))}
    missing = [pk for pk in amounts if pk not in found]
    if missing:
        raise ValidationFailed(
            _("A milestone in the table is not one you can allocate to."),
            fields={"allocations": [str(pk) for pk in missing]},
        )
    return [(found[pk], amount) for pk, amount in amounts.items()]


class ReceiptCreatePage(LoginRequiredMixin, FormView):
    """Fast receipt entry, made for the keyboard: the cursor starts on the contract, Enter
    saves, "Save and record another" comes back here for the next one. Money is allocated
    oldest due first, by hand in the table of the contract's open milestones, or held."""

    template_name = "receivables/receipt_form.html"
    form_class = ReceiptForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def opened_from(self) -> PaymentMilestone | None:
        """The open milestone the page was opened from (`?milestone=`, the milestone page's
        link), as the user may see it: the receipt then pays it by default."""
        if not hasattr(self, "_milestone"):
            pk = query_params(self.request).id("milestone")
            self._milestone = (
                None
                if pk is None
                else milestone_list(user=self.request.user)
                .filter(pk=pk, state__in=["planned", *RECEIVABLE_STATES])
                .first()
            )
        return self._milestone

    def get_initial(self):
        milestone = self.opened_from()
        if milestone is not None and milestone.outstanding > 0:
            return {
                "contract": milestone.contract_id,
                "amount": milestone.outstanding,
                "currency": milestone.currency,
                "allocation": AllocationMode.BY_HAND,
            }
        return {"contract": query_params(self.request).id("contract")}

    def _typed(self) -> dict:
        """The amounts in the allocation table: as posted, else the opening milestone's."""
        if self.request.method == "POST":
            return self.request.POST
        milestone = self.opened_from()
        if milestone is not None and milestone.outstanding > 0:
            return {f"alloc-{milestone.pk}": milestone.outstanding}
        return {}

    def _contract(self, form):
        value = form["contract"].value()
        try:
            return form.fields["contract"].queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self._contract(context["form"])
        context.update(
            title=_("Record a receipt"),
            contract=contract,
            milestones=with_typed(
                open_milestones(self.request.user, contract=contract), self._typed()
            ),
        )
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        mode = data.pop("allocation")
        by_hand = data.pop("by_hand", None)
        try:
            receipt = receipt_record(
                by=self.request.user,
                contract=data.pop("contract"),
                customer=data.pop("customer"),
                currency=data.pop("currency") or None,
                allocations=(
                    _pairs(self.request.user, by_hand) if mode == AllocationMode.BY_HAND else None
                ),
                auto_allocate=mode == AllocationMode.OLDEST,
                **data,
            )
        except ApplicationError as error:
            if "allocations" in error.fields:
                form.add_error(None, error.message)
            else:
                apply_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(number)s recorded: %(allocated)s allocated, %(credit)s held as credit.")
            % {
                "number": receipt.number,
                "allocated": receipt.allocated_amount,
                "credit": receipt.unapplied_amount,
            },
        )
        if "_another" in self.request.POST:
            return HttpResponseRedirect(reverse("receivables:receipt-create"))
        return HttpResponseRedirect(receipt.get_absolute_url())


def receipt_allocation_table(request):
    """htmx: the open milestones of the chosen contract, with an amount box each."""
    if not request.user.is_authenticated:
        raise Http404
    contract, contract_id = None, query_params(request).id("contract")
    if contract_id is not None:
        contract = (
            policy.restrict(Contract.objects.all(), request.user).filter(pk=contract_id).first()
        )
    return render(
        request,
        "receivables/allocation_table.html",
        {"milestones": open_milestones(request.user, contract=contract)},
    )


class ReceiptPage(RecordPage):
    template_name = "receivables/receipt_detail.html"

    def base_queryset(self):
        return receipt_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        receipt, user = context["object"], self.request.user
        may_move = policy.may(user, "receivables.handle_money", receipt) and context["may_change"]
        posted = receipt.state == ReceiptState.POSTED
        allocations = list(allocation_list(receipt=receipt))
        for allocation in allocations:
            allocation.dialog_id = f"undo-allocation-{allocation.pk}"
        context.update(
            allocations=allocations,
            may_reverse=may_move and posted,
            may_apply=may_move and posted and receipt.unapplied_amount > 0,
            milestones=open_milestones(user, receipt=receipt) if may_move and posted else [],
            apply_form=ApplyCreditForm(user=user),
            reason_form=ReasonForm(),
        )
        return context


class ReceiptApplyCreditView(ActionView):
    form_class = None
    success_message = gettext_lazy("Credit applied.")

    def base_queryset(self):
        return receipt_list(user=self.request.user)

    def post(self, request, pk):
        receipt = get_object_or_404(self.base_queryset(), pk=pk)
        form = ApplyCreditForm(request.POST, user=request.user)
        if not form.is_valid():
            for error in form.non_field_errors() or [_("Choose how to allocate.")]:
                messages.error(request, error)
            return HttpResponseRedirect(receipt.get_absolute_url())
        self.by_hand = form.cleaned_data["by_hand"]
        return super().post(request, pk)

    def act(self, obj, data):
        pairs = _pairs(self.request.user, self.by_hand) if self.by_hand else None
        return receipt_allocate(receipt=obj, by=self.request.user, allocations=pairs)


class ReceiptReverseView(ActionView):
    form_class = ReasonForm
    success_message = gettext_lazy("Receipt reversed; its allocations were rolled back.")

    def base_queryset(self):
        return receipt_list(user=self.request.user)

    def act(self, obj, data):
        return receipt_reverse(receipt=obj, by=self.request.user, reason=data["reason"])


class AllocationReverseView(ActionView):
    form_class = ReasonForm
    success_message = gettext_lazy("Allocation reversed; the money is credit on the receipt.")

    def base_queryset(self):
        return receipt_list(user=self.request.user)

    def post(self, request, pk, allocation_pk):
        self.allocation_pk = allocation_pk
        return super().post(request, pk)

    def act(self, obj, data):
        allocation = get_object_or_404(obj.allocations, pk=self.allocation_pk)
        return allocation_reverse(
            allocation=allocation, by=self.request.user, reason=data["reason"]
        )


class InvoiceListPage(ListPage):
    template_name = "receivables/invoice_list.html"
    filterset_class = InvoiceFilter
    ordering_choices = [
        ("-id", gettext_lazy("Newest")),
        ("-issued_on", gettext_lazy("Issued on")),
        ("-amount", gettext_lazy("Amount")),
    ]

    def base_queryset(self):
        return invoice_list(user=self.request.user)


class InvoicePage(RecordPage):
    template_name = "receivables/invoice_detail.html"

    def base_queryset(self):
        return invoice_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_cancel"] = (
            policy.may(user, "receivables.handle_money", context["object"])
            and context["may_change"]
            and context["object"].state == "issued"
        )
        context["reason_form"] = ReasonForm()
        return context


class InvoiceCancelView(ActionView):
    form_class = ReasonForm
    success_message = gettext_lazy("Invoice cancelled.")

    def base_queryset(self):
        return invoice_list(user=self.request.user)

    def act(self, obj, data):
        return invoice_cancel(invoice=obj, by=self.request.user, reason=data["reason"])
