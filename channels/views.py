"""The channel pages: reports (with their CSV), rebate schemes, statements and a partner's
rebates. Every read through the selectors and reports (the access policy), every write
through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from core import policy
from core.errors import ApplicationError
from core.exports import ExportColumn, export_response
from core.params import query_params
from core.replica import reads_from_replica
from core.web import ListPage, RecordFormPage, RecordPage
from partners.choices import PartnerTier
from partners.selectors import partner_list

from . import reports
from .filters import RebateSchemeFilter, RebateStatementFilter
from .forms import RebateSchemeForm, SettleForm
from .selectors import scheme_list, statement_list
from .services import rebate_scheme_create, statement_settle


def _check_may_see(user) -> None:
    if not policy.may(user, "channels.reports"):
        raise PermissionDenied


def _year(request) -> int:
    try:
        return query_params(request).int(
            "year", timezone.localdate().year, min_value=2000, max_value=2100
        )
    except ApplicationError:
        return timezone.localdate().year


def _tier_names(rows: list[dict]) -> list[dict]:
    names = dict(PartnerTier.choices)
    for row in rows:
        row["tier_name"] = names.get(row["tier"], row["tier"])
    return rows


class ChannelIndexPage(LoginRequiredMixin, TemplateView):
    """The channel reports on one page: pipeline and revenue by partner and by tier,
    registration conversion, target attainment, rebate liability."""

    template_name = "channels/index.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _check_may_see(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, _year(self.request)
        context.update(
            year=year,
            years=range(timezone.localdate().year - 3, timezone.localdate().year + 2),
            pipeline=_tier_names(reports.pipeline_and_revenue(user, year=year)),
            by_tier=_tier_names(reports.pipeline_and_revenue(user, year=year, by="tier")),
            conversion=_tier_names(reports.registration_conversion(user, year=year)),
            attainment=_tier_names(reports.target_attainment(user, year=year)),
            liability=_tier_names(reports.rebate_liability(user)),
        )
        return context


def _columns(*names) -> list[ExportColumn]:
    return [ExportColumn(label, lambda row, key=key: row.get(key)) for key, label in names]


EXPORTS = {
    "pipeline": (
        lambda user, year: reports.pipeline_and_revenue(user, year=year, action="export"),
        _columns(
            ("partner_name", gettext_lazy("Partner")),
            ("tier_name", gettext_lazy("Tier")),
            ("currency", gettext_lazy("Currency")),
            ("open_count", gettext_lazy("Open opportunities")),
            ("open_amount", gettext_lazy("Open pipeline")),
            ("won_count", gettext_lazy("Won")),
            ("won_amount", gettext_lazy("Won amount")),
            ("booked_amount", gettext_lazy("Booked")),
            ("cash_amount", gettext_lazy("Cash received")),
        ),
    ),
    "registrations": (
        lambda user, year: reports.registration_conversion(user, year=year, action="export"),
        _columns(
            ("partner_name", gettext_lazy("Partner")),
            ("tier_name", gettext_lazy("Tier")),
            ("submitted", gettext_lazy("Submitted")),
            ("approved", gettext_lazy("Approved")),
            ("converted", gettext_lazy("Converted")),
            ("won", gettext_lazy("Won")),
            ("conversion_pct", gettext_lazy("Conversion (%)")),
        ),
    ),
    "targets": (
        lambda user, year: reports.target_attainment(user, year=year, action="export"),
        _columns(
            ("partner_name", gettext_lazy("Partner")),
            ("tier_name", gettext_lazy("Tier")),
            ("currency", gettext_lazy("Currency")),
            ("target_amount", gettext_lazy("Sales target")),
            ("booked_amount", gettext_lazy("Booked")),
            ("attainment_pct", gettext_lazy("Attainment (%)")),
        ),
    ),
    "rebate-liability": (
        lambda user, year: reports.rebate_liability(user, action="export"),
        _columns(
            ("partner_name", gettext_lazy("Partner")),
            ("tier_name", gettext_lazy("Tier")),
            ("currency", gettext_lazy("Currency")),
            ("accrued_amount", gettext_lazy("Accrued")),
            ("settled_amount", gettext_lazy("Settled")),
            ("liability_amount", gettext_lazy("Owed")),
        ),
    ),
}


@login_required
@require_GET
@reads_from_replica
def report_export(request, kind: str):
    """One channel report as CSV, of the records the user may export."""
    if kind not in EXPORTS:
        raise Http404
    _check_may_see(request.user)
    rows, columns = EXPORTS[kind]
    return export_response(
        queryset=_tier_names(rows(request.user, _year(request))),
        columns=columns,
        file_format="csv",
        filename=f"channel-{kind}",
        user=request.user,
    )


class SchemeListPage(ListPage):
    template_name = "channels/scheme_list.html"
    filterset_class = RebateSchemeFilter

    def base_queryset(self):
        return scheme_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_create"] = policy.may(self.request.user, "channels.manage_schemes")
        return context


class SchemePage(RecordPage):
    template_name = "channels/scheme_detail.html"

    def base_queryset(self):
        return scheme_list(user=self.request.user)


class SchemeFormPage(RecordFormPage):
    form_class = RebateSchemeForm
    title = gettext_lazy("New rebate scheme")

    def get_initial(self):
        return {"agreement": self.request.GET.get("agreement")}

    def save(self, form):
        data = dict(form.cleaned_data)
        agreement = data.pop("agreement")
        return rebate_scheme_create(by=self.request.user, agreement=agreement, data=data)


class StatementListPage(ListPage):
    template_name = "channels/statement_list.html"
    filterset_class = RebateStatementFilter
    ordering_choices = [("period_start", gettext_lazy("Period"))]

    def base_queryset(self):
        return statement_list(user=self.request.user)


class StatementPage(RecordPage):
    template_name = "channels/statement_detail.html"

    def base_queryset(self):
        return statement_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement, user = context["object"], self.request.user
        context.update(
            lines=statement.lines.select_related("period").order_by("id"),
            may_settle=statement.state == "issued"
            and context["may_change"]
            and policy.may(user, "channels.settle", statement),
            settle_form=SettleForm(),
        )
        return context


@login_required
@require_POST
def statement_settle_view(request, pk: int):
    statement = get_object_or_404(statement_list(user=request.user), pk=pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the rebate was settled, with its reference."))
        return HttpResponseRedirect(statement.get_absolute_url())
    try:
        statement_settle(statement=statement, by=request.user, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rebate is settled."))
    return HttpResponseRedirect(statement.get_absolute_url())


class PartnerRebatesPage(RecordPage):
    """A partner's rebates: its schemes (one per agreement) and statements."""

    template_name = "channels/partner_rebates.html"

    def base_queryset(self):
        return partner_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner, user = context["object"], self.request.user
        context.update(
            schemes=scheme_list(user=user).filter(agreement__partner=partner),
            statements=statement_list(user=user).filter(partner=partner)[:40],
            may_create=context["may_change"]
            and policy.may(user, "channels.manage_schemes", partner),
            timeline=[],
        )
        return context
