from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.choices import TriangleRole
from core.errors import ApplicationError, ValidationFailed
from core.exports import FORMATS, export_response
from core.replica import reads_from_replica
from core.web import ListPage, MergePage, RecordFormPage, RecordPage, apply_error

from .activities import resolve_subject, subject_customer, takes_promises
from .choices import ImportStatus, IssueLevel
from .contact_dedupe import contact_duplicate_pairs, contact_merge, contact_resolve
from .filters import CustomerFilter
from .forms import (
    AccountChainForm,
    ActivityForm,
    AliasForm,
    ContactForm,
    ContactMergeForm,
    CustomerForm,
    ImportCommitForm,
    ImportUploadForm,
    IronTriangleForm,
    MergeForm,
    RegistrationForm,
)
from .imports import importer_for, importers
from .imports.customers import customer_export_columns
from .imports.services import (
    error_report_lines,
    import_cancel,
    import_commit,
    import_start,
    job_progress,
    template_lines,
)
from .models import AccountChainMember, Activity, Customer, ImportJob
from .selectors import (
    account_chain,
    activity_list,
    contact_list,
    customer_duplicates,
    customer_list,
    customer_protections,
    customer_resolve,
    import_job_list,
)
from .services import (
    account_chain_add,
    account_chain_remove,
    activity_create,
    activity_update,
    contact_create,
    customer_alias_add,
    customer_create,
    customer_merge,
    customer_update,
    record_team_set,
)


def filtered(request, filterset_class, queryset):
    """The queryset narrowed by the list page's filters (the same filterset as its API)."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    return filterset.qs if filterset.is_bound and filterset.is_valid() else queryset


def ordered(request, queryset, choices: list, default: str = "-id"):
    ordering = request.GET.get("ordering") or default
    if ordering not in dict(choices):
        ordering = default
    return (
        queryset.order_by(ordering, "-id")
        if ordering.lstrip("-") != "id"
        else queryset.order_by(ordering)
    )


class CustomerListPage(ListPage):
    template_name = "accounts/customer_list.html"
    filterset_class = CustomerFilter
    ordering_choices = [("-id", gettext_lazy("Newest")), ("name", gettext_lazy("Name"))]

    def base_queryset(self):
        return customer_list(user=self.request.user)


@login_required
@require_GET
@reads_from_replica
def customer_export(request):
    """The customer list, filtered as on its page, as CSV or XLSX."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        raise Http404
    queryset = filtered(request, CustomerFilter, customer_list(user=request.user))
    return export_response(
        queryset=ordered(request, queryset, CustomerListPage.ordering_choices),
        columns=customer_export_columns(),
        file_format=file_format,
        filename="customers",
        user=request.user,
    )


def activities_context(request, subject, *, form=None) -> dict:
    """What the activities section of a record page shows: the follow-up record, and the
    inline form when the user may add to it."""
    may_add = policy.can(request.user, subject, "change")
    customer = subject_customer(subject)
    if may_add and form is None:
        form = ActivityForm(
            user=request.user,
            customer=customer,
            promises=takes_promises(subject),
            prefix="activity",
        )
    content_type = ContentType.objects.get_for_model(subject)
    activities = list(activity_list(user=request.user, subject=subject)[:100])
    changeable = policy.changeable_ids(
        Activity.objects.all(), request.user, [a.pk for a in activities]
    )
    return {
        "subject": subject,
        "activities": activities,
        "activity_changeable": changeable,
        "activity_form": form if may_add else None,
        "activity_add_url": reverse(
            "activities:add", args=[f"{content_type.app_label}.{content_type.model}", subject.pk]
        ),
    }


class CustomerPage(RecordPage):
    """A customer's page; a merged customer's old link leads on to the survivor."""

    template_name = "accounts/customer_detail.html"

    def base_queryset(self):
        return policy.restrict(
            Customer.all_objects.select_related("owner", "org_unit", "merged_into"),
            self.request.user,
        )

    def get(self, request, *args, **kwargs):
        customer = self.get_object()
        if customer.merged_into_id:
            messages.info(
                request,
                _("%(name)s was merged into %(target)s.")
                % {"name": customer.name, "target": customer.merged_into.name},
            )
            return HttpResponseRedirect(customer.merged_into.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def timeline_targets(self, obj):
        return [obj, *Customer.all_objects.filter(merged_into=obj)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = context["object"]
        user = self.request.user
        context.update(activities_context(self.request, customer))
        context["account_chain"] = account_chain(customer=customer)
        if context["may_change"]:
            context["chain_form"] = AccountChainForm(user=user, customer=customer, prefix="chain")
        context["may_merge"] = (
            policy.may(user, "customers.merge", customer) and context["may_change"]
        )
        context["duplicates"] = customer_duplicates(
            name=customer.name,
            credit_code=customer.credit_code,
            phone=customer.phone,
            email=customer.email,
            exclude_pk=customer.pk,
        )
        context["merged_from"] = Customer.all_objects.filter(merged_into=customer)
        context["contact_twins"] = contact_duplicate_pairs(customer=customer)
        context["aliases"] = list(customer.aliases.all())
        context["protections"] = customer_protections(customer=customer)
        if policy.may(user, "registrations.register", customer):
            context["registration_form"] = RegistrationForm()
        return context


class CustomerCreatePage(RecordFormPage):
    form_class = CustomerForm
    title = gettext_lazy("New customer")
    template_name = "accounts/customer_form.html"

    def save(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "allow_duplicate"}
        return customer_create(
            by=self.request.user,
            data=data,
            allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
        )


class CustomerEditPage(RecordFormPage):
    form_class = CustomerForm
    title = gettext_lazy("Edit customer")

    def base_queryset(self):
        return customer_list(user=self.request.user)

    def save(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "allow_duplicate"}
        return customer_update(customer=self.get_object(), by=self.request.user, data=data)


class CustomerAliasPage(RecordFormPage):
    """Add another name a customer goes by (anyone who may change the customer)."""

    form_class = AliasForm
    title = gettext_lazy("Add an alias")

    def base_queryset(self):
        return customer_list(user=self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return kwargs

    def save(self, form):
        customer_alias_add(
            customer=self.get_object(), by=self.request.user, alias=form.cleaned_data["alias"]
        )
        return self.get_object()


class CustomerMergePage(MergePage):
    """Merge a duplicate into this customer (sales managers and administrators)."""

    form_class = MergeForm
    title = gettext_lazy("Merge a duplicate into this customer")
    confirm = gettext_lazy("Merge the duplicate into this customer? It cannot be undone.")
    missing = gettext_lazy("No such customer.")

    def base_queryset(self):
        return customer_list(user=self.request.user)

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not policy.may(user, "customers.merge"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def resolve_source(self, pk):
        return customer_resolve(user=self.request.user, pk=pk)

    def merge(self, target, source):
        return customer_merge(target=target, source=source, by=self.request.user)


@login_required
@require_GET
def customer_duplicates_partial(request):
    """Likely duplicates of the company being typed (htmx, on the new customer and lead
    forms): whoever owns them, so a rep sees an account is already registered (客户报备)."""
    name = request.GET.get("name") or request.GET.get("company_name") or ""
    found = customer_duplicates(
        name=name[:200],
        credit_code=request.GET.get("credit_code", "")[:18],
        phone=request.GET.get("phone", "")[:40],
        email=request.GET.get("email", "")[:254],
    )
    return render(request, "accounts/duplicates.html", {"duplicates": found[:5]})


class ContactCreatePage(RecordFormPage):
    form_class = ContactForm
    title = gettext_lazy("New contact")

    def customer(self) -> Customer:
        return get_object_or_404(
            policy.restrict(Customer.objects.all(), self.request.user, "change"),
            pk=self.kwargs["customer_pk"],
        )

    def save(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "allow_duplicate"}
        try:
            contact = contact_create(
                by=self.request.user,
                data={**data, "customer": self.customer()},
                allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
            )
        except ApplicationError as error:
            error.fields.pop("duplicate_of", None)  # for programs; the message names it
            raise
        return contact.customer


class ContactMergePage(MergePage):
    """Merge a duplicate contact into this one (whoever may change both; same customer)."""

    form_class = ContactMergeForm
    title = gettext_lazy("Merge a duplicate into this contact")
    confirm = gettext_lazy("Merge the duplicate into this contact? It cannot be undone.")
    missing = gettext_lazy("No such contact.")

    def base_queryset(self):
        return contact_list(user=self.request.user)

    def resolve_source(self, pk):
        return contact_resolve(user=self.request.user, pk=pk)

    def merge(self, target, source):
        return contact_merge(target=target, source=source, by=self.request.user)


# --- The account's decision chain --------------------------------------------------------------


@login_required
@require_POST
def account_chain_member_add(request, pk: int):
    """Put a person on the customer's standing decision chain (form on the customer page)."""
    customer = get_object_or_404(policy.restrict(Customer.objects.all(), request.user), pk=pk)
    form = AccountChainForm(request.POST, user=request.user, customer=customer, prefix="chain")
    try:
        if not form.is_valid():
            raise ValidationFailed(_("The decision-chain entry is not valid."))
        account_chain_add(customer=customer, by=request.user, data=form.cleaned_data)
    except ApplicationError as error:
        if form.is_bound and not form.errors:
            apply_error(form, error)
        messages.error(
            request,
            "; ".join([error.message, *(e for errs in form.errors.values() for e in errs)]),
        )
    else:
        messages.success(request, _("Added to the decision chain."))
    return HttpResponseRedirect(f"{customer.get_absolute_url()}#account-chain")


@login_required
@require_POST
def account_chain_member_remove(request, pk: int):
    """Take a person off the customer's standing decision chain."""
    member = get_object_or_404(
        policy.restrict(AccountChainMember.objects.select_related("customer"), request.user), pk=pk
    )
    try:
        account_chain_remove(member=member, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(f"{member.customer.get_absolute_url()}#account-chain")


# --- Activities (the follow-up record of any record page) -------------------------------------


def _activities_response(request, subject, form=None, status=200):
    if request.htmx:
        return render(
            request,
            "accounts/activities.html",
            activities_context(request, subject, form=form),
            status=status,
        )
    return HttpResponseRedirect(f"{subject.get_absolute_url()}#activities")


@login_required
@require_POST
def activity_add(request, label: str, pk: int):
    """Record an activity on a lead, opportunity, contract or customer (inline, with htmx)."""
    try:
        subject = resolve_subject(user=request.user, label=label, pk=pk)
    except ApplicationError as exc:
        raise Http404 from exc
    customer = subject_customer(subject)
    form = ActivityForm(
        request.POST,
        user=request.user,
        customer=customer,
        promises=takes_promises(subject),
        prefix="activity",
    )
    if form.is_valid():
        try:
            activity_create(by=request.user, subject=subject, data=form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Activity recorded."))
            return _activities_response(request, subject)
    if not request.htmx:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return _activities_response(request, subject, form=form, status=200)


@login_required
@require_POST
def activity_done(request, pk: int):
    """Mark an activity's next step done (or open again)."""
    activity = get_object_or_404(policy.restrict(Activity.objects.all(), request.user), pk=pk)
    subject = activity.subject
    try:
        activity_update(
            activity=activity,
            by=request.user,
            data={"next_step_done": request.POST.get("done") != "0"},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return _activities_response(request, subject)


# --- Imports (the wizard: upload → preview → commit → report) ---------------------------------


@login_required
def import_list(request):
    jobs = import_job_list(user=request.user)[:50]
    return render(request, "accounts/import_list.html", {"jobs": jobs, "kinds": importers()})


@login_required
def import_new(request):
    """Step 1: choose the file."""
    kind = request.GET.get("kind") or request.POST.get("kind") or "customers"
    importer = importer_for(kind)
    if importer is None:
        raise Http404
    if not importer.allowed(request.user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(by=request.user, kind=kind, upload=form.cleaned_data["file"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            return HttpResponseRedirect(job.get_absolute_url())
    return render(
        request,
        "accounts/import_new.html",
        {"form": form, "kind": kind, "importer": importer, "columns": importer.columns},
    )


def _job(request, pk) -> ImportJob:
    return get_object_or_404(import_job_list(user=request.user), pk=pk)


def _job_context(request, job: ImportJob) -> dict:
    issues = list(job.issues.order_by("row")[:200]) if not job.is_running else []
    importer = importer_for(job.kind)
    labels = {c.key: c.label for c in importer.columns} if importer else {}
    for issue in issues:
        issue.lines = [
            (labels.get(key, ""), message)
            for key, messages in issue.messages.items()
            if key != "duplicate"
            for message in messages
        ]
    return {
        "job": job,
        "importer": importer,
        "progress": job_progress(job),
        "errors": [i for i in issues if i.level == IssueLevel.ERROR],
        "duplicates": [i for i in issues if i.level == IssueLevel.DUPLICATE],
        "may_change": policy.can(request.user, job, "change"),
        "commit_form": ImportCommitForm(
            initial={"mode": "valid" if job.rows_error else "all"}, user=request.user
        ),
        "percent": int(100 * job_progress(job) / job.rows_total) if job.rows_total else 0,
    }


@login_required
def import_detail(request, pk: int):
    """Step 2 and 3: the preview (errors, duplicates), the choice of rows, the outcome."""
    job = _job(request, pk)
    return render(request, "accounts/import_detail.html", _job_context(request, job))


@login_required
def import_progress(request, pk: int):
    """The progress part of the import page (polled with htmx while a job runs)."""
    job = _job(request, pk)
    response = render(request, "accounts/import_progress.html", _job_context(request, job))
    if not job.is_running and request.htmx:
        response["HX-Refresh"] = "true"  # done: show the preview or the outcome
    return response


@login_required
@require_POST
def import_commit_page(request, pk: int):
    job = _job(request, pk)
    form = ImportCommitForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose which rows to import."))
        return HttpResponseRedirect(job.get_absolute_url())
    try:
        job = import_commit(job=job, by=request.user, mode=form.cleaned_data["mode"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if job.status == ImportStatus.DONE:
            messages.success(request, _("%(n)s records imported.") % {"n": job.rows_created})
    return HttpResponseRedirect(job.get_absolute_url())


@login_required
@require_POST
def import_cancel_page(request, pk: int):
    job = _job(request, pk)
    try:
        import_cancel(job=job, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(job.get_absolute_url())


@login_required
@require_GET
def import_error_report(request, pk: int):
    """The problem rows as CSV, to fix and import again."""
    job = _job(request, pk)
    response = StreamingHttpResponse(
        error_report_lines(job=job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_GET
def import_template(request, kind: str):
    """An empty CSV with the import's columns."""
    if importer_for(kind) is None:
        raise Http404
    response = StreamingHttpResponse(
        template_lines(kind=kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


class IronTrianglePage(RecordFormPage):
    """The iron-triangle page of an opportunity or a contract; a subclass names its records."""

    form_class = IronTriangleForm
    title = gettext_lazy("Iron triangle")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs["record"] = self.get_object()
        return kwargs

    def get_initial(self):
        team = self.get_object().team
        return {
            "ar": team.ar,
            "sr": team.sr,
            "fr": team.fr,
            "members": [m.user for m in team.members.all() if m.role == TriangleRole.MEMBER],
        }

    def save(self, form):
        data = form.cleaned_data
        return record_team_set(
            record=self.get_object(),
            by=self.request.user,
            seats={
                TriangleRole.AR: data["ar"],
                TriangleRole.SR: data["sr"],
                TriangleRole.FR: data["fr"],
            },
            members=list(data["members"]),
        )
