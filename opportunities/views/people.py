"""Pages for the decision chain and the competitors of an opportunity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import policy
from core.errors import ApplicationError
from core.web import RecordFormPage

from ..forms import DecisionChainForm, OpportunityCompetitorForm
from ..models import DecisionChainMember, OpportunityCompetitor
from ..selectors import opportunity_list
from ..services import (
    decision_chain_add,
    decision_chain_remove,
    decision_chain_update,
    opportunity_competitor_add,
    opportunity_competitor_remove,
    opportunity_competitor_update,
)


class ChildFormPage(RecordFormPage):
    """A form for a record hanging off an opportunity; saved, it goes back to the
    opportunity's section."""

    model = None
    anchor = ""

    def opportunity(self):
        if not hasattr(self, "_opportunity"):
            if "opportunity_pk" in self.kwargs:
                self._opportunity = get_object_or_404(
                    opportunity_list(user=self.request.user), pk=self.kwargs["opportunity_pk"]
                )
            else:
                self._opportunity = self.get_object().opportunity
        return self._opportunity

    def base_queryset(self):
        return policy.restrict(self.model.objects.select_related("opportunity"), self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["opportunity"] = self.opportunity()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.get_object() or self.opportunity()
        return context


class DecisionChainAddPage(ChildFormPage):
    form_class = DecisionChainForm
    model = DecisionChainMember
    title = gettext_lazy("Add to the decision chain")

    def save(self, form):
        data = dict(form.cleaned_data)
        new_contact = {
            "name": data.pop("new_contact_name", ""),
            "title": data.pop("new_contact_title", ""),
        }
        return decision_chain_add(
            opportunity=self.opportunity(), by=self.request.user, data=data, new_contact=new_contact
        )


class DecisionChainEditPage(ChildFormPage):
    form_class = DecisionChainForm
    model = DecisionChainMember
    title = gettext_lazy("Decision-chain member")

    def save(self, form):
        return decision_chain_update(
            member=self.get_object(), by=self.request.user, data=form.cleaned_data
        )


class CompetitorAddPage(ChildFormPage):
    form_class = OpportunityCompetitorForm
    model = OpportunityCompetitor
    title = gettext_lazy("Add a competitor")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("opportunity")
        return kwargs

    def save(self, form):
        return opportunity_competitor_add(
            opportunity=self.opportunity(), by=self.request.user, data=form.cleaned_data
        )


class CompetitorEditPage(CompetitorAddPage):
    title = gettext_lazy("Competitor on this opportunity")

    def save(self, form):
        return opportunity_competitor_update(
            entry=self.get_object(), by=self.request.user, data=form.cleaned_data
        )


class RemovePage(LoginRequiredMixin, View):
    """POST: remove a decision-chain member or a competitor entry, back to the opportunity."""

    model = None
    remove = None

    def post(self, request, pk):
        record = get_object_or_404(
            policy.restrict(self.model.objects.select_related("opportunity"), request.user), pk=pk
        )
        try:
            type(self).remove(record, request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Removed."))
        return HttpResponseRedirect(record.opportunity.get_absolute_url())


class DecisionChainRemovePage(RemovePage):
    model = DecisionChainMember

    @staticmethod
    def remove(record, user):
        decision_chain_remove(member=record, by=user)


class CompetitorRemovePage(RemovePage):
    model = OpportunityCompetitor

    @staticmethod
    def remove(record, user):
        opportunity_competitor_remove(entry=record, by=user)
