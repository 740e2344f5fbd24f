"""Credit sharing's pages: the incentive report (with its CSV/XLSX export), the default split
on the settings, and a deal's split (in force, waiting, asked for)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from core import policy
from core.errors import ApplicationError
from core.replica import ReplicaReads
from core.web import apply_error
from opportunities.models import Opportunity

from .choices import CreditSeat, SplitState
from .exports import incentive_report_export
from .forms import CreditDefaultForm, CreditSplitForm, ReportForm, candidates
from .selectors import incentive_report, report_query, split_list
from .services import credit_default_set, credit_split_request
from .services.splits import DEFAULT_FIELDS
from .shares import company_default, default_shares, shares_for_contract, split_shares


class IncentiveReportPage(ReplicaReads, LoginRequiredMixin, View):
    """Targets against credited orders and cash, per person or team (a rep: their own)."""

    def get(self, request):
        form = ReportForm(request.GET or None, user=request.user)
        params = {k: v for k, v in request.GET.items() if v and k != "file_format"}
        try:
            query = report_query(params, request.user)
        except ApplicationError as error:
            form.is_valid()
            apply_error(form, error)
            query = report_query({}, request.user)
        file_format = request.GET.get("file_format")
        if file_format:
            if file_format not in ("csv", "xlsx"):
                raise Http404
            return incentive_report_export(request.user, query, file_format)
        rows = incentive_report(
            request.user,
            period=query.period,
            grouping=query.grouping,
            unit=query.unit,
            currency=query.currency,
        )
        return render(
            request,
            "incentives/report.html",
            {"form": form, "rows": rows, "query": query, "params": params},
        )


class CreditDefaultPage(LoginRequiredMixin, View):
    """The company's default split (administrators)."""

    def _allowed(self, request):
        if not policy.may(request.user, "settings.change"):
            raise Http404

    def get(self, request):
        self._allowed(request)
        row = company_default()
        form = CreditDefaultForm(
            initial={name: getattr(row, name) for name in DEFAULT_FIELDS}, user=request.user
        )
        return render(request, "incentives/default.html", {"form": form, "row": row})

    def post(self, request):
        self._allowed(request)
        form = CreditDefaultForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                credit_default_set(by=request.user, data=form.cleaned_data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("incentives:default"))
        return render(request, "incentives/default.html", {"form": form, "row": company_default()})


class DealSplitPage(LoginRequiredMixin, View):
    """A deal's credit split: the split in force, any waiting for approval, earlier ones, and
    (for whoever may change the deal) the form to ask for a new one."""

    def _deal(self, request, pk) -> Opportunity:
        visible = policy.restrict(
            Opportunity.objects.select_related("partner", "team"), request.user
        )
        return get_object_or_404(visible, pk=pk)

    def _context(self, request, deal, form=None) -> dict:
        contract = getattr(deal, "contract", None)
        in_force = (
            split_list(user=request.user)
            .filter(opportunity=deal, state=SplitState.APPROVED)
            .first()
        )
        if in_force is not None:
            shares = split_shares(in_force)
        elif contract is not None:
            shares = shares_for_contract(contract)
        else:
            partner = deal.partner
            shares = default_shares(
                team=deal.team,
                owner_id=deal.owner_id,
                partner_manager_id=partner.manager_id if partner else None,
            )
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[s.user_id for s in shares])}
        seats = dict(CreditSeat.choices)
        may_change = policy.can(request.user, deal, "change")
        if may_change and form is None:
            form = CreditSplitForm(
                user=request.user, opportunity=deal, people=candidates(deal, request.user)
            )
        return {
            "deal": deal,
            "in_force": in_force,
            "shares": [
                {"name": names.get(s.user_id, "—"), "seat": seats[s.seat], "pct": s.pct}
                for s in shares
            ],
            "history": split_list(user=request.user).filter(opportunity=deal),
            "form": form if may_change else None,
        }

    def get(self, request, pk):
        deal = self._deal(request, pk)
        return render(request, "incentives/deal_split.html", self._context(request, deal))

    def post(self, request, pk):
        deal = self._deal(request, pk)
        if not policy.can(request.user, deal, "change"):
            raise Http404
        form = CreditSplitForm(
            request.POST,
            user=request.user,
            opportunity=deal,
            people=candidates(deal, request.user),
        )
        if form.is_valid():
            try:
                credit_split_request(
                    by=request.user,
                    opportunity=deal,
                    shares=form.shares(),
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("The new split waits for approval."))
                return HttpResponseRedirect(reverse("incentives:deal-split", args=[deal.pk]))
        context = self._context(request, deal, form)
        return render(request, "incentives/deal_split.html", context, status=400)
