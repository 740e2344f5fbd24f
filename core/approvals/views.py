"""The approval engine's pages: a request with its steps and each decision (and the decision
form for whoever it waits on), the administrators' approval chains, and one's own
delegations. The inbox is the existing Approvals page (`core.views.gate_inbox`)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import policy, web
from ..errors import ApplicationError, Forbidden
from ..forms import DateField
from .chains import chain_define, chain_update
from .choices import ApprovalDecision, ApprovalKind, ApprovalState
from .delegations import delegation_create, delegation_end
from .engine import may_decide, request_decide, request_resubmit, request_withdraw
from .models import ApprovalChain, Delegation
from .registry import resolvers
from .selectors import request_steps, requests_visible


class ApprovalDecideForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=ApprovalDecision.choices)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to reject or send back."),
    )


class ApprovalChainForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ApprovalKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    steps = forms.CharField(
        label=gettext_lazy("Steps (JSON)"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}),
        help_text=gettext_lazy(
            "A list of steps, in order: name, condition, approver, mode, time_limit_hours, "
            "escalate_to."
        ),
    )

    def clean_steps(self):
        try:
            steps = json.loads(self.cleaned_data["steps"])
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(steps, list):
            raise forms.ValidationError(_("Give a list of steps."))
        return steps


class DelegationForm(forms.Form):
    to_user = forms.ModelChoiceField(
        label=gettext_lazy("Stands in"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    starts_on = DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))


def _act(request, approval, form):
    posted = request.POST.get("form")
    if posted == "decide" and form is not None and form.is_valid():
        request_decide(request=approval, by=request.user, **form.cleaned_data)
        messages.success(request, _("Decision recorded."))
    elif posted == "withdraw":
        request_withdraw(request=approval, by=request.user, reason=request.POST.get("comment", ""))
        messages.success(request, _("Withdrawn."))
    elif posted == "resubmit":
        request_resubmit(request=approval, by=request.user)
        messages.success(request, _("Submitted again."))
    else:
        return None
    return HttpResponseRedirect(approval.get_absolute_url())


@login_required
def approval_detail(request, pk):
    """One approval request: its facts, each step with who was asked and what they decided,
    and the decision form for whoever it waits on."""
    approval = get_object_or_404(requests_visible(request.user), pk=pk)
    mine = may_decide(request.user, approval)
    form = None
    if mine:
        form = ApprovalDecideForm(request.POST if request.POST.get("form") == "decide" else None)
    if request.method == "POST":
        try:
            done = _act(request, approval, form)
        except ApplicationError as error:
            done = None
            if form is not None and request.POST.get("form") == "decide":
                web.apply_error(form, error)
            else:
                messages.error(request, error.message)
        if done is not None:
            return done
    subject = approval.subject
    is_requester = approval.requester_id == request.user.pk
    return render(
        request,
        "ltc/approvals/request_detail.html",
        {
            "approval": approval,
            "subject": subject,
            "steps": request_steps(approval),
            "form": form,
            "may_withdraw": is_requester and approval.is_open,
            "may_resubmit": is_requester and approval.state == ApprovalState.SENT_BACK,
        },
    )


@login_required
def approval_chains(request):
    """The approval chains, one per kind, with their steps; administrators define them here."""
    manage = policy.may(request.user, "approvals.manage_chains")
    if not manage:
        raise Forbidden(_("Only an administrator defines approval chains."))
    editing = None
    if request.GET.get("chain"):
        editing = get_object_or_404(ApprovalChain, pk=request.GET["chain"])
    initial = {"steps": "[]", "active": True}
    if editing is not None:
        initial = {
            "kind": editing.kind,
            "name": editing.shown_name,
            "active": editing.active,
            "steps": json.dumps(
                [
                    {
                        "name": s.shown_name,
                        "condition": s.condition,
                        "approver": s.approver,
                        "mode": s.mode,
                        "time_limit_hours": s.time_limit_hours,
                        "escalate_to": s.escalate_to,
                    }
                    for s in editing.steps
                ],
                ensure_ascii=False,
                indent=2,
            ),
        }
    form = ApprovalChainForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if editing is not None:
                chain_update(
                    chain=editing,
                    by=request.user,
                    name=data["name"],
                    active=data["active"],
                    steps=data["steps"],
                )
            else:
                chain_define(
                    kind=data["kind"],
                    name=data["name"],
                    active=data["active"],
                    steps=data["steps"],
                    by=request.user,
                )
        except ApplicationError as error:
            web.apply_error(form, error)
            for name, msgs in error.fields.items():
                if name not in form.fields:
                    for msg in msgs:
                        form.add_error("steps", f"{name}: {msg}")
        else:
            messages.success(request, _("Approval chain saved."))
            return HttpResponseRedirect(reverse("approval-chains"))
    chains = ApprovalChain.objects.order_by("kind", "-active", "id")
    return render(
        request,
        "ltc/approvals/chains.html",
        {
            "chains": [(chain, list(chain.steps)) for chain in chains],
            "form": form,
            "editing": editing,
            "resolvers": resolvers(),
        },
    )


@login_required
def delegations(request):
    """Who stands in for me while I am away (and for whom I stand in)."""
    form = DelegationForm(
        request.POST if request.POST.get("form") == "delegate" else None,
        initial={"starts_on": timezone.localdate(), "ends_on": timezone.localdate()},
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "end":
                delegation = get_object_or_404(
                    Delegation, pk=request.POST.get("delegation"), from_user=request.user
                )
                delegation_end(delegation=delegation, by=request.user)
                messages.success(request, _("Delegation ended."))
                return HttpResponseRedirect(reverse("delegations"))
            if form.is_valid():
                delegation_create(by=request.user, **form.cleaned_data)
                messages.success(request, _("Delegation saved."))
                return HttpResponseRedirect(reverse("delegations"))
        except ApplicationError as error:
            web.apply_error(form, error)
    return render(
        request,
        "ltc/approvals/delegations.html",
        {
            "form": form,
            "given": Delegation.objects.filter(from_user=request.user).select_related("to_user"),
            "taken": Delegation.objects.filter(to_user=request.user, active=True).select_related(
                "from_user"
            ),
        },
    )
