"""Pages of contract change (合同变更): raise and rework a change request, its page (the
proposal, the FR's decision, the link to its change review, the amendment it made)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import gates
from core.approvals.choices import ApprovalKind
from core.approvals.engine import open_request_for
from core.choices import GateKind
from core.web import RecordPage, TransitionPage

from ..forms import ChangeRequestForm
from ..selectors import change_request_list
from ..services import change_request_create, change_request_transition, change_request_update
from .base import ContractChildFormPage


class ChangeRequestCreatePage(ContractChildFormPage):
    form_class = ChangeRequestForm
    title = _("New change request")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["contract"] = self.contract()
        return kwargs

    def save(self, form):
        return change_request_create(
            contract=self.contract(),
            by=self.request.user,
            data=form.proposal(),
            replans=form.replans(),
        )


class ChangeRequestEditPage(ContractChildFormPage):
    form_class = ChangeRequestForm
    title = _("Edit change request")

    def base_queryset(self):
        return change_request_list(user=self.request.user)

    def save(self, form):
        return change_request_update(
            change=self.get_object(),
            by=self.request.user,
            data=form.proposal(),
            replans=form.replans(),
            expected_version=self.get_object().version,
        )


class ChangeRequestPage(RecordPage):
    template_name = "contracts/change_request_detail.html"

    def base_queryset(self):
        return change_request_list(user=self.request.user).select_related("contract__customer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = context["object"]
        context["reviews"] = list(gates.reviews_of(change).filter(kind=GateKind.CHANGE))
        context["amendment"] = getattr(change, "amendment", None)
        # The change review's decision on the contract-change chain (ADR 17), or a request
        # from before it was the chain's first step (its steps after the office's go).
        review = change.review if change.review_id else None
        context["approval"] = (
            review is not None and gates.decision_request(review)
        ) or open_request_for(change, ApprovalKind.CONTRACT_CHANGE)
        return context


class ChangeRequestTransitionPage(TransitionPage):
    def base_queryset(self):
        return change_request_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        return change_request_transition(
            change=obj, name=name, by=self.request.user, reason=reason, comment=comment
        )
