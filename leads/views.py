from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from accounts.selectors import customer_duplicates
from accounts.views import activities_context, filtered, ordered
from core import policy
from core.errors import ApplicationError
from core.exports import FORMATS, export_response
from core.replica import reads_from_replica
from core.web import (
    ListPage,
    MergePage,
    RecordFormPage,
    RecordPage,
    TransitionPage,
    apply_error,
    localise_filter_labels,
)

from . import scoring
from .choices import OPEN_STATES
from .filters import LeadFilter
from .forms import (
    DistributionRuleForm,
    LeadAssignForm,
    LeadForm,
    LeadMergeForm,
    LeadVerificationForm,
)
from .imports import lead_export_columns
from .merge import lead_merge
from .models import Lead
from .selectors import (
    distribution_rule_list,
    lead_board,
    lead_list,
    lead_verification_missing,
)
from .services import (
    distribution_rule_create,
    distribution_rule_update,
    lead_assign,
    lead_create,
    lead_transition,
    lead_update,
)

LIST_FILTERS = (
    "q state source owner org_unit region industry buying_pattern min_score mine pool open"
)


class LeadListPage(ListPage):
    template_name = "leads/lead_list.html"
    filterset_class = LeadFilter
    ordering_choices = [
        ("-id", gettext_lazy("Newest")),
        ("-score", gettext_lazy("Score")),
        ("expected_close_date", gettext_lazy("Expected timeline")),
        ("-estimated_amount", gettext_lazy("Estimated amount")),
    ]

    def base_queryset(self):
        return lead_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_fields"] = LIST_FILTERS
        return context


class LeadBoardPage(LoginRequiredMixin, TemplateView):
    """The leads by state (kanban); each card's buttons run its transitions."""

    template_name = "leads/lead_board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        base = lead_list(user=request.user)
        filterset = LeadFilter(request.GET or None, queryset=base, request=request)
        localise_filter_labels(filterset)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
        context.update(
            filter=filterset,
            columns=lead_board(user=request.user, queryset=queryset),
            filter_fields="q source owner org_unit region industry mine pool",
            here=request.get_full_path(),
        )
        return context


@login_required
@require_GET
@reads_from_replica
def lead_export(request):
    """The lead list, filtered and sorted as on its page, as CSV or XLSX."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        raise Http404
    queryset = filtered(request, LeadFilter, lead_list(user=request.user))
    return export_response(
        queryset=ordered(request, queryset, LeadListPage.ordering_choices),
        columns=lead_export_columns(),
        file_format=file_format,
        filename="leads",
        user=request.user,
    )


class LeadPage(RecordPage):
    template_name = "leads/lead_detail.html"

    def base_queryset(self):
        return lead_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = context["object"]
        user = self.request.user
        context.update(activities_context(self.request, lead))
        context["score_parts"] = scoring.explain(lead)
        context["similar_leads"] = (
            lead_list(user=user)
            .filter(company_key=lead.company_key, state__in=OPEN_STATES)
            .exclude(pk=lead.pk)[:5]
            if lead.company_key
            else []
        )
        context["registered"] = (
            customer_duplicates(name=lead.company_name)[:3]
            if not lead.customer_id and lead.company_name
            else []
        )
        context["may_merge"] = context["may_change"] and lead.is_open
        context.update(verification_context(lead, may_change=context["may_change"]))
        if context["may_change"] and lead.is_open:
            context["assign_form"] = LeadAssignForm(
                user=user, initial={"owner": lead.owner_id}, prefix="assign"
            )
        return context


def verification_context(lead: Lead, *, may_change: bool, form=None) -> dict:
    """What the lead page says about a lead in verification: what verifying still needs and,
    for whoever may change the lead, a form to confirm it right there."""
    missing = lead_verification_missing(lead=lead)
    if not missing:
        return {}
    if form is None and may_change:
        form = LeadVerificationForm(instance=lead, missing=missing, prefix="verify")
    return {"verification_missing": missing, "verification_form": form}


@login_required
@require_POST
def lead_verification_fill(request, pk: int):
    """Confirm the BANT items a lead in verification lacks, from its page; with "then=verify"
    the lead is verified too once nothing is missing. Errors come back on the lead's page."""
    lead = get_object_or_404(lead_list(user=request.user), pk=pk)
    if not policy.can(request.user, lead, "change"):
        raise PermissionDenied
    missing = lead_verification_missing(lead=lead)
    form = LeadVerificationForm(
        request.POST,
        instance=Lead.objects.get(pk=lead.pk),
        missing=missing,
        prefix="verify",
        user=request.user,
    )
    if missing and form.is_valid():
        try:
            lead = lead_update(lead=lead, by=request.user, data=form.confirmed())
            if request.POST.get("then") == "verify":
                lead = lead_transition(lead=lead, name="verify", by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(lead.get_absolute_url())
    if not missing:
        return HttpResponseRedirect(lead.get_absolute_url())
    page = LeadPage()
    page.setup(request, pk=pk)
    context = page.get_context_data()
    context["verification_form"] = form
    return render(request, page.template_name, context)


class LeadCreatePage(RecordFormPage):
    form_class = LeadForm
    title = gettext_lazy("New lead")
    template_name = "leads/lead_form.html"

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "allow_duplicate"}
        try:
            lead = lead_create(
                by=self.request.user,
                data=data,
                allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
            )
        except ApplicationError as error:
            error.fields.pop("duplicate_of", None)  # for programs; the message names it
            apply_error(form, error)
            return self.form_invalid(form)
        if policy.can(self.request.user, lead, "view"):
            messages.success(self.request, _("Saved."))
            return HttpResponseRedirect(lead.get_absolute_url())
        messages.info(
            self.request,
            _("%(company)s is an account registered to %(owner)s: the lead went to them.")
            % {"company": lead.company, "owner": lead.owner},
        )
        return HttpResponseRedirect(reverse("leads:list"))


class LeadMergePage(MergePage):
    """Merge a duplicate open lead into this one (whoever may change both)."""

    form_class = LeadMergeForm
    title = gettext_lazy("Merge a duplicate into this lead")
    confirm = gettext_lazy("Merge the duplicate into this lead? It cannot be undone.")
    missing = gettext_lazy("No such lead.")

    def base_queryset(self):
        return lead_list(user=self.request.user)

    def resolve_source(self, pk):
        return lead_list(user=self.request.user).filter(pk=pk).first()

    def merge(self, target, source):
        return lead_merge(target=target, source=source, by=self.request.user)


class LeadEditPage(RecordFormPage):
    form_class = LeadForm
    title = gettext_lazy("Edit lead")

    def base_queryset(self):
        return lead_list(user=self.request.user)

    def save(self, form):
        return lead_update(
            lead=self.get_object(),
            by=self.request.user,
            data=form.cleaned_data,
            expected_version=self.get_object().version,
        )


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


class LeadTransitionPage(TransitionPage):
    """Runs a transition from the lead page or a board card (which sends `next`)."""

    def base_queryset(self):
        return lead_list(user=self.request.user)

    def run(self, obj, name, reason, comment):
        return lead_transition(
            lead=obj, name=name, by=self.request.user, reason=reason, comment=comment
        )

    def post(self, request, pk, name):
        response = super().post(request, pk, name)
        target = _next_url(request, "")
        if target:
            return HttpResponseRedirect(target)
        lead = Lead.objects.filter(pk=pk).first()
        if lead is not None and not policy.can(request.user, lead, "view"):
            return HttpResponseRedirect(reverse("leads:list"))
        return response


@login_required
@require_POST
def lead_assign_page(request, pk: int):
    """Assign the lead (a manager), or take / give back a pool lead (a rep)."""
    lead = get_object_or_404(lead_list(user=request.user), pk=pk)
    form = LeadAssignForm(request.POST, user=request.user, prefix="assign")
    if not form.is_valid():
        messages.error(request, _("Choose someone you may assign leads to."))
        return HttpResponseRedirect(lead.get_absolute_url())
    try:
        lead_assign(lead=lead, owner=form.cleaned_data["owner"], by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    if not policy.can(request.user, lead, "view"):
        return HttpResponseRedirect(reverse("leads:list"))
    return HttpResponseRedirect(lead.get_absolute_url())


# --- Distribution rules (sales managers) ------------------------------------------------------


class ManagersOnly:
    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not policy.may(user, "leads.manage_distribution"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DistributionRuleListPage(LoginRequiredMixin, TemplateView):
    template_name = "leads/rule_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["rules"] = distribution_rule_list(user=user)
        context["may_manage"] = policy.may(user, "leads.manage_distribution")
        return context


class DistributionRuleCreatePage(ManagersOnly, RecordFormPage):
    form_class = DistributionRuleForm
    title = gettext_lazy("New distribution rule")

    def save(self, form):
        data = dict(form.cleaned_data)
        assignees = list(data.pop("assignees", []))
        return distribution_rule_create(by=self.request.user, data=data, assignees=assignees)


class DistributionRuleEditPage(ManagersOnly, RecordFormPage):
    form_class = DistributionRuleForm
    title = gettext_lazy("Edit distribution rule")

    def base_queryset(self):
        return distribution_rule_list(user=self.request.user)

    def save(self, form):
        data = dict(form.cleaned_data)
        assignees = list(data.pop("assignees", []))
        return distribution_rule_update(
            rule=self.base_queryset().get(pk=self.get_object().pk),  # not the form's instance
            by=self.request.user,
            data=data,
            assignees=assignees,
            expected_version=self.get_object().version,
        )
