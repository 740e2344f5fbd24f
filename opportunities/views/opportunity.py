"""Pages of an opportunity: list, page, create/edit, team, stage changes, gates, win/loss."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.selectors import with_overdue_next_step
from accounts.views import IronTrianglePage, activities_context
from core import gates, policy
from core.choices import GateKind, GateState, TriangleRole
from core.errors import ApplicationError
from core.web import ListPage, RecordFormPage, RecordPage, TransitionPage
from leads.selectors import lead_list

from ..choices import (
    QuoteState,
    WinLossReason,
)
from ..filters import OpportunityFilter
from ..forms import CloseReasonForm, ConvertLeadForm, OpportunityForm
from ..gates import GATES
from ..models import Competitor, Quote
from ..pricing import may_approve_quote
from ..progress import stage_progress
from ..selectors import (
    bid_of,
    decision_chain_map,
    opportunity_competitors,
    opportunity_list,
    opportunity_timeline,
)
from ..services import (
    bid_readiness,
    opportunity_close_reason_set,
    opportunity_create,
    opportunity_create_from_lead,
    opportunity_transition,
    opportunity_update,
)
from ..stuck import with_stuck


class OpportunityListPage(ListPage):
    template_name = "opportunities/opportunity_list.html"
    filterset_class = OpportunityFilter
    ordering_choices = [
        ("-id", gettext_lazy("Newest")),
        ("-amount", gettext_lazy("Amount")),
        ("expected_close_date", gettext_lazy("Expected close")),
    ]

    def base_queryset(self):
        return with_stuck(with_overdue_next_step(opportunity_list(user=self.request.user)))


class OpportunityPage(RecordPage):
    """Everything about one deal: stage and gates, forecast, iron triangle, decision-chain
    map, competitors, quotes, bid, gate history and the timeline."""

    template_name = "opportunities/opportunity_detail.html"

    def base_queryset(self):
        return with_stuck(
            with_overdue_next_step(
                opportunity_list(user=self.request.user).select_related("lost_to")
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = context["object"]
        user = self.request.user
        reviews = list(gates.reviews_of(opportunity))
        open_kinds = {r.kind for r in reviews if r.state == GateState.OPEN}
        context["timeline"] = opportunity_timeline(opportunity)  # paged by the template
        context["reviews"] = reviews
        context["progress"] = stage_progress(opportunity, reviews)
        context["open_reviews"] = [r for r in reviews if r.state == GateState.OPEN]
        context["gate_to_open"] = (
            [
                {"kind": kind, "label": GateKind(kind).label}
                for kind, (stage, _name) in GATES.items()
                if opportunity.state == stage and kind not in open_kinds
            ]
            if context["may_change"]
            else []
        )
        context["seats"] = [(TriangleRole(r).label, opportunity.team.seat(r)) for r in gates.SEATS]
        context["chain"] = decision_chain_map(opportunity)
        context["competitors"] = opportunity_competitors(opportunity)
        quotes = list(
            Quote.objects.filter(opportunity=opportunity)
            .select_related("submitted_by", "decided_by")
            .order_by("-revision")
        )
        for quote in quotes:
            quote.may_approve = quote.state == QuoteState.PENDING_APPROVAL and may_approve_quote(
                user, quote
            )
        context["quotes"] = quotes
        bid = bid_of(opportunity)
        context["bid"] = bid
        context["bid_missing"] = bid_readiness(bid) if bid else {}
        context["close_form"] = (
            CloseReasonForm(user=user)
            if not opportunity.is_open and context["may_change"]
            else None
        )
        context["reason_choices"] = WinLossReason.choices
        context["competitor_choices"] = Competitor.objects.filter(is_active=True)
        context.update(activities_context(self.request, opportunity))
        return context


class OpportunityCreatePage(RecordFormPage):
    form_class = OpportunityForm
    title = gettext_lazy("New opportunity")

    def save(self, form):
        data = dict(form.cleaned_data)
        sr, fr = data.pop("sr"), data.pop("fr")
        return opportunity_create(by=self.request.user, data=data, sr=sr, fr=fr)


class OpportunityEditPage(RecordFormPage):
    form_class = OpportunityForm
    title = gettext_lazy("Edit opportunity")

    def base_queryset(self):
        return opportunity_list(user=self.request.user)

    def save(self, form):
        return opportunity_update(
            opportunity=self.get_object(),
            by=self.request.user,
            data=form.cleaned_data,
            expected_version=self.get_object().version,
        )


class ConvertLeadPage(RecordFormPage):
    """Convert a lead (reached from the lead page through the hook opportunities registers)."""

    form_class = ConvertLeadForm
    title = gettext_lazy("Convert to opportunity")

    def get_object(self):
        return None

    def lead(self):
        lead = get_object_or_404(lead_list(user=self.request.user), pk=self.kwargs["lead_pk"])
        if not policy.can(self.request.user, lead, "change"):
            raise Http404
        return lead

    def get_initial(self):
        return {"name": self.lead().title}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.lead()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.lead()
        return context

    def save(self, form):
        data = form.cleaned_data
        return opportunity_create_from_lead(
            lead=self.lead(),
            by=self.request.user,
            sr=data["sr"],
            fr=data["fr"],
            customer=data["customer"],
            allow_duplicate_customer=data["allow_duplicate_customer"],
            data={"name": data["name"]} if data["name"] else None,
        )


class TeamPage(IronTrianglePage):
    def base_queryset(self):
        return opportunity_list(user=self.request.user)


class CloseReasonPage(RecordFormPage):
    """Record why a closed opportunity was won, lost or abandoned."""

    form_class = CloseReasonForm
    title = gettext_lazy("Win/loss reason")

    def base_queryset(self):
        return opportunity_list(user=self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def get_initial(self):
        obj = self.get_object()
        return {
            "reason_code": obj.close_reason_code,
            "reason": obj.close_reason,
            "lost_to": obj.lost_to,
        }

    def save(self, form):
        return opportunity_close_reason_set(
            opportunity=self.get_object(), by=self.request.user, **form.cleaned_data
        )


class OpportunityTransitionPage(TransitionPage):
    def base_queryset(self):
        return opportunity_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        lost_to = self.request.POST.get("lost_to") or None
        return opportunity_transition(
            opportunity=obj,
            name=name,
            by=self.request.user,
            reason=reason,
            comment=comment,
            reason_code=self.request.POST.get("reason_code") or None,
            lost_to=Competitor.objects.filter(pk=lost_to).first() if lost_to else None,
        )


class OpenGatePage(LoginRequiredMixin, View):
    """Open a gate review (the button on the opportunity page) and go to it."""

    def post(self, request, pk, kind):
        opportunity = get_object_or_404(opportunity_list(user=request.user), pk=pk)
        try:
            review = gates.gate_open(subject=opportunity, kind=kind, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(opportunity.get_absolute_url())
        return HttpResponseRedirect(review.get_absolute_url())
