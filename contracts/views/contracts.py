"""Contract pages: the list, the contract page (terms, team, confirmation, delivery plan,
changes and amendments, documents, payment plan, close checklist, evaluation, timeline),
create and edit, the iron triangle, transitions, confirmation and the close review."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import with_overdue_next_step
from accounts.views import IronTrianglePage, activities_context
from core import fsm, gates
from core.choices import GateKind, GateState, TriangleRole
from core.web import ListPage, RecordFormPage, RecordPage, TransitionPage

from ..choices import ContractKind, ContractState
from ..filters import ContractFilter
from ..forms import ContractForm
from ..selectors import contract_list, contract_page
from ..services import (
    close_checklist,
    close_review_open,
    contract_confirm,
    contract_create,
    contract_transition,
    contract_update,
    may_add_documents,
)
from ..services.contracts import CONFIRMING_SEATS
from ..services.evaluation import evaluation_figures
from .base import ActionPage

#: States from which the close checklist is worth showing.
CHECKLIST_STATES = [ContractState.IN_DELIVERY, ContractState.DELIVERED]


class ContractListPage(ListPage):
    template_name = "contracts/contract_list.html"
    filterset_class = ContractFilter
    ordering_choices = [
        ("-id", _("Newest")),
        ("-amount", _("Amount")),
        ("-signed_on", _("Signing date")),
        ("ends_on", _("Service period end")),
    ]

    def base_queryset(self):
        return with_overdue_next_step(contract_list(user=self.request.user))


class ContractPage(RecordPage):
    template_name = "contracts/contract_detail.html"

    def base_queryset(self):
        return with_overdue_next_step(contract_page(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = context["object"]
        user = self.request.user
        may_change = context["may_change"]
        reviews = list(gates.reviews_of(contract).filter(kind=GateKind.CLOSE))
        rows = {
            "milestones": list(contract.delivery_milestones.all()),
            "deliverables": list(contract.deliverables.all()),
            "changes": list(contract.change_requests.all()),
        }
        for row in (r for group in rows.values() for r in group):
            row.transitions = fsm.available_transitions(row, user, may_change=may_change)
        context.update(
            seats=[(TriangleRole(r).label, contract.team.seat(r)) for r in gates.SEATS],
            confirmations=self._confirmations(contract, user, may_change),
            **rows,
            amendments=list(contract.amendments.all()),
            documents=list(contract.documents.all()),
            call_offs=list(contract.call_offs.all())
            if contract.kind == ContractKind.FRAMEWORK
            else [],
            close_reviews=reviews,
            open_close_review=next((r for r in reviews if r.state == GateState.OPEN), None),
            may_add_documents=may_add_documents(user, contract),
            may_plan=context["may_change"]
            and contract.state
            not in (
                ContractState.CLOSED,
                ContractState.EVALUATED,
                ContractState.TERMINATED,
            ),
            may_raise_change=context["may_change"]
            and contract.state
            in (
                ContractState.SIGNED,
                ContractState.ACCEPTED,
                ContractState.IN_DELIVERY,
                ContractState.DELIVERED,
            ),
        )
        if contract.state in CHECKLIST_STATES:
            context["checklist"] = close_checklist(contract)
        context.update(activities_context(self.request, contract))
        if contract.state == ContractState.CLOSED and context["may_change"]:
            context["may_evaluate"] = True
        evaluation = getattr(contract, "evaluation", None)
        context["evaluation"] = evaluation
        if evaluation is None and contract.state in (ContractState.DELIVERED, ContractState.CLOSED):
            context["figures"] = evaluation_figures(contract)
        return context

    @staticmethod
    def _confirmations(contract, user, may_change) -> list[dict]:
        mine = contract.team.roles_of(user)
        rows = []
        for role, label in (
            (TriangleRole.AR, _("Sales (AR)")),
            (TriangleRole.FR, _("Delivery (FR)")),
        ):
            by_field, at_field = CONFIRMING_SEATS[role]
            rows.append(
                {
                    "role": role,
                    "label": label,
                    "by": getattr(contract, by_field),
                    "at": getattr(contract, at_field),
                    "may_confirm": contract.state == ContractState.SIGNED
                    and role in mine
                    and getattr(contract, at_field) is None,
                }
            )
        return rows


class ContractCreatePage(RecordFormPage):
    form_class = ContractForm
    title = _("New contract")

    def get_initial(self):
        initial = super().get_initial()
        for name in ("framework", "renewal_of", "kind"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def save(self, form):
        data = dict(form.cleaned_data)
        sr, fr = data.pop("sr"), data.pop("fr")
        return contract_create(by=self.request.user, data=data, sr=sr, fr=fr)


class ContractEditPage(RecordFormPage):
    form_class = ContractForm
    title = _("Edit contract")

    def base_queryset(self):
        return contract_list(user=self.request.user)

    def save(self, form):
        # (`custom` gathers the custom.<key> fields, none of them disabled)
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in form.fields or not form.fields[k].disabled
        }
        return contract_update(
            contract=self.get_object(),
            by=self.request.user,
            data=data,
            expected_version=self.get_object().version,
        )


class ContractTeamPage(IronTrianglePage):
    def base_queryset(self):
        return contract_list(user=self.request.user)


class ContractTransitionPage(TransitionPage):
    def base_queryset(self):
        return contract_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        return contract_transition(
            contract=obj, name=name, by=self.request.user, reason=reason, comment=comment
        )


class ContractConfirmPage(ActionPage):
    """The AR or FR confirms the contract content (合同接受和确认)."""

    def base_queryset(self):
        return contract_list(user=self.request.user)

    def run(self, obj):
        contract = contract_confirm(
            contract=obj,
            by=self.request.user,
            role=self.request.POST.get("role") or None,
            comment=self.request.POST.get("comment", "")[:4000],
        )
        if contract.state == ContractState.ACCEPTED:
            messages.success(self.request, gettext("Confirmed: the contract is accepted."))
        else:
            messages.success(self.request, gettext("Confirmed; waiting for the other side."))
        return contract


class CloseReviewOpenPage(ActionPage):
    """Open the close review and go to it (refused, naming what is missing)."""

    def base_queryset(self):
        return contract_list(user=self.request.user)

    def run(self, obj):
        return close_review_open(contract=obj, by=self.request.user)

    def redirect_to(self, obj, result) -> str:
        return result.get_absolute_url()
