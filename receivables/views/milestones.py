"""The collections board, the rep's own milestones, a milestone's page and what finance and
the AR do from it: invoice it, ask for a write-off, decide one."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import with_latest_promise, with_overdue_next_step
from accounts.views import activities_context
from core import policy
from core.custom_fields.definitions import definitions
from core.web import ListPage, RecordFormPage, RecordPage

from ..choices import AgeingGroup, WriteOffState
from ..filters import PaymentMilestoneFilter, WriteOffRequestFilter
from ..forms import CommentForm, InvoiceForm, MilestoneFieldsForm, ReasonForm
from ..models import PaymentMilestone
from ..models.writeoffs import may_approve, may_withdraw
from ..selectors import (
    ageing,
    collection_summary,
    milestone_list,
    my_milestones,
    write_off_list,
)
from ..services import (
    approval_of,
    invoice_issue,
    milestone_fields_update,
    write_off_approve,
    write_off_may_decide,
    write_off_reject,
    write_off_request,
    write_off_withdraw,
)
from .common import ActionView

ORDERING = [
    ("due_date", gettext_lazy("Due date")),
    ("-amount", gettext_lazy("Amount")),
    ("-id", gettext_lazy("Newest")),
]


def follow_ups(queryset):
    """Milestones with their overdue-next-step flag and the latest promise of payment."""
    return with_latest_promise(with_overdue_next_step(queryset))


class MilestoneListPage(ListPage):
    """The collections board: due this week, overdue by age, by owner, and the list."""

    template_name = "receivables/milestone_list.html"
    filterset_class = PaymentMilestoneFilter
    default_ordering = "due_date"
    ordering_choices = ORDERING

    def base_queryset(self):
        return follow_ups(milestone_list(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["summary"] = collection_summary(user=user)
        context["ageing"] = ageing(user=user, group=AgeingGroup.OWNER)
        context["links"] = _summary_links()
        return context


def _summary_links() -> dict[str, str]:
    """The board's cards as filters of the list below them."""
    today = timezone.localdate()
    week = today + dt.timedelta(days=7)
    return {
        "overdue": "?overdue=true",
        "due_this_week": f"?open=true&due_after={today.isoformat()}&due_before={week.isoformat()}",
        "open": "?open=true",
        "receivable": "?receivable=true",
    }


class MyMilestonesPage(ListPage):
    """A rep's own milestones to chase: open, on contracts they own or sit on the team of."""

    template_name = "receivables/my_milestones.html"
    filterset_class = PaymentMilestoneFilter
    default_ordering = "due_date"
    ordering_choices = ORDERING

    def base_queryset(self):
        return follow_ups(my_milestones(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = collection_summary(user=self.request.user, owner=self.request.user)
        context["links"] = _summary_links()
        return context


class MilestonePage(RecordPage):
    template_name = "receivables/milestone_detail.html"

    def base_queryset(self):
        return follow_ups(milestone_list(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        milestone, user = context["object"], self.request.user
        requests = list(write_off_list(user=user).filter(milestone=milestone).order_by("-pk"))
        pending = next((r for r in requests if r.state == WriteOffState.PENDING), None)
        is_finance = policy.may(user, "receivables.handle_money", milestone)
        context.update(
            invoices=list(milestone.invoices.order_by("issued_on", "pk")),
            allocations=list(milestone.allocations.select_related("receipt").order_by("pk")),
            reminders=list(milestone.reminders.order_by("-pk")[:20]),
            write_offs=requests,
            pending_write_off=pending,
            may_invoice=is_finance
            and context["may_change"]
            and milestone.uninvoiced > 0
            and milestone.state not in ("planned", "written_off"),
            may_request_write_off=context["may_change"]
            and pending is None
            and milestone.outstanding > 0
            and milestone.state not in ("paid", "written_off"),
            may_decide=pending is not None and write_off_may_decide(pending, user),
            write_off_approval=pending and approval_of(pending),
            may_edit_fields=context["may_change"] and bool(definitions(PaymentMilestone)),
            may_withdraw=pending is not None and may_withdraw(pending, user),
            invoice_form=InvoiceForm(user=user, initial={"amount": milestone.uninvoiced}),
            reason_form=ReasonForm(),
            comment_form=CommentForm(),
        )
        context.update(activities_context(self.request, milestone))
        return context


class InvoiceIssuePage(RecordFormPage):
    """Issue an invoice on a milestone (finance)."""

    form_class = InvoiceForm
    title = gettext_lazy("Issue an invoice")

    def base_queryset(self):
        return milestone_list(user=self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def get_initial(self):
        return {"amount": self.get_object().uninvoiced}

    def save(self, form):
        return invoice_issue(milestone=self.get_object(), by=self.request.user, **form.cleaned_data)


class WriteOffRequestView(ActionView):
    form_class = ReasonForm
    success_message = gettext_lazy("Write-off requested; the approvers were told.")

    def base_queryset(self):
        return policy.restrict(milestone_list(user=self.request.user), self.request.user, "change")

    def act(self, obj, data):
        return write_off_request(milestone=obj, by=self.request.user, reason=data["reason"])


class WriteOffListPage(ListPage):
    """Write-off requests; approvers see those waiting for them first."""

    template_name = "receivables/write_off_list.html"
    default_ordering = "-id"
    ordering_choices = [("-id", gettext_lazy("Newest")), ("-amount", gettext_lazy("Amount"))]

    filterset_class = WriteOffRequestFilter

    def base_queryset(self):
        return write_off_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["decidable"] = {r.pk for r in context["rows"] if may_approve(r, user)}
        context["is_approver"] = policy.may(user, "receivables.approve_write_off")
        return context


class WriteOffDecisionView(ActionView):
    """POST approve / reject / withdraw on a write-off request."""

    def base_queryset(self):
        return write_off_list(user=self.request.user)

    def post(self, request, pk, decision):
        obj = get_object_or_404(self.base_queryset(), pk=pk)
        self.decision = decision
        if decision == "reject":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("A reason is required."))
                return HttpResponseRedirect(obj.get_absolute_url())
            self.data = form.cleaned_data
        else:
            form = CommentForm(request.POST)
            self.data = form.cleaned_data if form.is_valid() else {"comment": ""}
        self.form_class = None
        return super().post(request, pk)

    def act(self, obj, data):
        user = self.request.user
        if self.decision == "approve":
            self.success_message = _("Write-off approved.")
            return write_off_approve(request=obj, by=user, comment=self.data.get("comment", ""))
        if self.decision == "reject":
            self.success_message = _("Write-off rejected.")
            return write_off_reject(request=obj, by=user, reason=self.data["reason"])
        self.success_message = _("Write-off request withdrawn.")
        return write_off_withdraw(request=obj, by=user)


class MilestoneFieldsPage(RecordFormPage):
    """Edit a milestone's custom fields."""

    form_class = MilestoneFieldsForm
    title = gettext_lazy("Milestone fields")

    def base_queryset(self):
        return milestone_list(user=self.request.user)

    def save(self, form):
        return milestone_fields_update(
            milestone=self.get_object(),
            by=self.request.user,
            custom=form.cleaned_data.get("custom", {}),
        )
