"""Pages of the delivery plan: add and edit deliverables and delivery milestones, move them
on, and record a milestone reached (with its evidence)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.web import TransitionPage, apply_error

from ..forms import DeliverableForm, DeliveryMilestoneForm, ReachForm
from ..selectors import deliverable_list, milestone_list
from ..services import (
    deliverable_create,
    deliverable_transition,
    deliverable_update,
    milestone_create,
    milestone_reach,
    milestone_transition,
    milestone_update,
)
from .base import ContractChildFormPage


class WorkOwnerChoices:
    """The owner picker of a deliverable or a delivery milestone offers the contract's team."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "team": self.contract().team}


class DeliverableCreatePage(WorkOwnerChoices, ContractChildFormPage):
    form_class = DeliverableForm
    title = _("New deliverable")

    def save(self, form):
        deliverable_create(contract=self.contract(), by=self.request.user, data=form.cleaned_data)
        return self.contract()


class DeliverableEditPage(WorkOwnerChoices, ContractChildFormPage):
    form_class = DeliverableForm
    title = _("Edit deliverable")

    def base_queryset(self):
        return deliverable_list(user=self.request.user)

    def save(self, form):
        deliverable = deliverable_update(
            deliverable=self.get_object(),
            by=self.request.user,
            data=form.cleaned_data,
            expected_version=self.get_object().version,
        )
        return deliverable.contract


class DeliverableTransitionPage(TransitionPage):
    def base_queryset(self):
        return deliverable_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        return deliverable_transition(
            deliverable=obj, name=name, by=self.request.user, reason=reason, comment=comment
        )


class MilestoneCreatePage(WorkOwnerChoices, ContractChildFormPage):
    form_class = DeliveryMilestoneForm
    title = _("New delivery milestone")

    def save(self, form):
        milestone_create(contract=self.contract(), by=self.request.user, data=form.cleaned_data)
        return self.contract()


class MilestoneEditPage(WorkOwnerChoices, ContractChildFormPage):
    form_class = DeliveryMilestoneForm
    title = _("Edit delivery milestone")

    def base_queryset(self):
        return milestone_list(user=self.request.user)

    def save(self, form):
        milestone = milestone_update(
            milestone=self.get_object(),
            by=self.request.user,
            data=form.cleaned_data,
            expected_version=self.get_object().version,
        )
        return milestone.contract


class MilestoneTransitionPage(TransitionPage):
    def base_queryset(self):
        return milestone_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        return milestone_transition(
            milestone=obj, name=name, by=self.request.user, reason=reason, comment=comment
        )


class MilestoneReachPage(ContractChildFormPage):
    """Record a delivery milestone reached: the date, a comment and, for arrival and
    acceptance, the certificate."""

    form_class = ReachForm
    title = _("Milestone reached")

    def base_queryset(self):
        return milestone_list(user=self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def form_valid(self, form):
        milestone = self.get_object()
        data = form.cleaned_data
        try:
            milestone_reach(
                milestone=milestone,
                by=self.request.user,
                actual_date=data["actual_date"],
                comment=data["comment"],
                document=data["document"] or None,
                document_kind=data["document_kind"],
            )
        except ApplicationError as error:
            apply_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("%(milestone)s reached.") % {"milestone": milestone})
        return HttpResponseRedirect(milestone.get_absolute_url())
