"""The partner pages: the list, a partner's page (agreements, qualifications, registrations,
timeline), the forms to create and edit, and the registrations' list and page. Every read
through the selectors (the access policy), every write through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET

from accounts.views import filtered, ordered
from core import policy
from core.errors import ApplicationError
from core.exports import FORMATS, export_response
from core.replica import reads_from_replica
from core.uploads import file_response
from core.web import ListPage, RecordFormPage, RecordPage

from . import conversion
from .choices import PartnerState, QualificationStatus
from .filters import PartnerFilter, PartnerRegistrationFilter
from .forms import (
    AgreementForm,
    MemberForm,
    PartnerForm,
    PartnerRegistrationForm,
    QualificationForm,
)
from .imports import partner_export_columns
from .selectors import (
    agreement_list,
    member_list,
    partner_list,
    partner_registration_list,
    qualification_list,
    qualified,
)
from .services import (
    agreement_create,
    agreement_update,
    member_create,
    member_deactivate,
    partner_create,
    partner_registration_convert,
    partner_registration_submit,
    partner_submit_admission,
    partner_update,
    qualification_review,
    qualification_upload,
)


class PartnerListPage(ListPage):
    template_name = "partners/partner_list.html"
    filterset_class = PartnerFilter
    ordering_choices = [("name", gettext_lazy("Name"))]

    def base_queryset(self):
        return partner_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_create"] = policy.may(self.request.user, "partners.manage")
        return context


@login_required
@require_GET
@reads_from_replica
def partner_export(request):
    """The partner list, filtered and sorted as on its page, as CSV or XLSX (the import's
    columns, so the file goes back in)."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        raise Http404
    queryset = filtered(request, PartnerFilter, partner_list(user=request.user))
    return export_response(
        queryset=ordered(request, queryset, PartnerListPage.ordering_choices),
        columns=partner_export_columns(),
        file_format=file_format,
        filename="partners",
        user=request.user,
    )


class PartnerPage(RecordPage):
    template_name = "partners/partner_detail.html"

    def base_queryset(self):
        return partner_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner, user = context["object"], self.request.user
        context.update(
            agreements=partner.agreements.all(),
            qualifications=partner.qualifications.select_related("reviewed_by"),
            registrations=partner.registrations.select_related("customer", "protection")[:50],
            members=partner.members.select_related("user"),
            qualified=qualified(partner),
            may_submit=context["may_change"]
            and partner.state in (PartnerState.CANDIDATE, PartnerState.REFUSED),
            may_register=context["may_change"] and partner.state == PartnerState.ADMITTED,
            may_review=context["may_change"]
            and policy.may(user, "partners.review_qualifications", partner),
            pending=QualificationStatus.PENDING,
        )
        return context


class PartnerFormPage(RecordFormPage):
    form_class = PartnerForm

    def base_queryset(self):
        return partner_list(user=self.request.user)

    @property
    def title(self):
        return _("Edit partner") if "pk" in self.kwargs else _("New partner")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.may(request.user, "partners.manage"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        partner = self.get_object()
        if partner is None:
            return partner_create(by=self.request.user, data=data)
        return partner_update(partner=partner, by=self.request.user, data=data)


class _PartnerChildPage(RecordFormPage):
    """A form on the partner in the URL (`partner_pk`), which the user must be able to change."""

    def partner(self):
        if not hasattr(self, "_partner"):
            partner = get_object_or_404(
                partner_list(user=self.request.user), pk=self.kwargs["partner_pk"]
            )
            if not policy.can(self.request.user, partner, "change"):
                raise Http404
            self._partner = partner
        return self._partner

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("object") is None:
            context["object"] = self.partner()
        return context


class AgreementFormPage(_PartnerChildPage):
    form_class = AgreementForm

    def base_queryset(self):
        return agreement_list(user=self.request.user)

    @property
    def title(self):
        return _("Edit agreement") if "pk" in self.kwargs else _("New agreement")

    def partner(self):
        if "pk" in self.kwargs:
            return self.get_object().partner
        return super().partner()

    def save(self, form):
        data = dict(form.cleaned_data)
        agreement = self.get_object()
        if agreement is None:
            agreement_create(by=self.request.user, partner=self.partner(), data=data)
        else:
            data.pop("year", None)
            agreement_update(agreement=agreement, by=self.request.user, data=data)
        return self.partner()


class QualificationUploadPage(_PartnerChildPage):
    form_class = QualificationForm
    title = gettext_lazy("Add a qualification document")

    def save(self, form):
        qualification_upload(partner=self.partner(), by=self.request.user, **form.cleaned_data)
        return self.partner()


class MemberCreatePage(_PartnerChildPage):
    """Give a person of the partner a sign-in to the partner portal (ADR 21)."""

    form_class = MemberForm
    title = gettext_lazy("Add a partner user")

    def save(self, form):
        data = dict(form.cleaned_data)
        password = data.pop("password")
        member_create(by=self.request.user, partner=self.partner(), data=data, password=password)
        return self.partner()


class RegistrationSubmitPage(_PartnerChildPage):
    form_class = PartnerRegistrationForm
    title = gettext_lazy("Register a project (项目报备)")

    def save(self, form):
        data = dict(form.cleaned_data)
        data["estimated_amount"] = data.get("estimated_amount") or 0
        return partner_registration_submit(by=self.request.user, partner=self.partner(), **data)


class _PartnerAction(LoginRequiredMixin, View):
    """POST one action; the outcome comes back as a message (a refusal in the user's language,
    never a 500)."""

    done = ""

    def target(self, pk):
        raise NotImplementedError

    def act(self, obj, request):
        raise NotImplementedError

    def post(self, request, pk: int):
        obj = self.target(pk)
        back = obj.get_absolute_url()
        try:
            result = self.act(obj, request)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, str(self.done))
            if isinstance(result, str):
                back = result
        return HttpResponseRedirect(back)


class PartnerSubmitAdmission(_PartnerAction):
    done = gettext_lazy("Submitted for admission.")

    def target(self, pk):
        return get_object_or_404(partner_list(user=self.request.user), pk=pk)

    def act(self, partner, request):
        partner_submit_admission(partner=partner, by=request.user)


class QualificationReview(_PartnerAction):
    done = gettext_lazy("Reviewed.")

    def target(self, pk):
        return get_object_or_404(qualification_list(user=self.request.user), pk=pk).partner

    def post(self, request, pk: int):
        self._qualification = get_object_or_404(qualification_list(user=request.user), pk=pk)
        return super().post(request, pk)

    def act(self, partner, request):
        qualification_review(
            qualification=self._qualification, by=request.user, status=request.POST.get("status")
        )


class MemberDeactivate(_PartnerAction):
    done = gettext_lazy("The partner user can no longer sign in.")

    def target(self, pk):
        self._member = get_object_or_404(member_list(user=self.request.user), pk=pk)
        return self._member.partner

    def act(self, partner, request):
        member_deactivate(by=request.user, member=self._member)


class RegistrationConvert(_PartnerAction):
    done = gettext_lazy("The opportunity is made.")

    def target(self, pk):
        return get_object_or_404(partner_registration_list(user=self.request.user), pk=pk)

    def act(self, registration, request):
        opportunity = partner_registration_convert(registration=registration, by=request.user)
        return opportunity.get_absolute_url()


@login_required
def qualification_download(request, pk):
    document = get_object_or_404(qualification_list(user=request.user), pk=pk)
    return file_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )


class RegistrationListPage(ListPage):
    template_name = "partners/registration_list.html"
    filterset_class = PartnerRegistrationFilter

    def base_queryset(self):
        return partner_registration_list(user=self.request.user)


class RegistrationPage(RecordPage):
    template_name = "partners/registration_detail.html"

    def base_queryset(self):
        return partner_registration_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = context["object"]
        protection = registration.protection
        opportunity = conversion.opportunity_of(registration)
        context.update(
            opportunity=opportunity,
            may_convert=context["may_change"]
            and opportunity is None
            and protection is not None
            and protection.state == "protected",
        )
        return context
