"""The partner portal's pages (/portal/, ADR 21): a partner user's own partner only, every
read through the access policy (`portal.selectors`), every write through a service. Anyone
else gets a 403 here; partner users are kept out of every other page
(`core.middleware.PortalFenceMiddleware`)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels.selectors import partner_rebate_statements
from core import policy
from core import portal as registry
from core.errors import ApplicationError
from core.web import apply_error
from partners.forms import QualificationForm
from partners.services import qualification_upload

from . import selectors
from .forms import PortalRegistrationForm
from .services import own_partner, portal_registration_submit, portal_registration_withdraw

PAGE_SIZE = 50


def portal_page(section: str):
    """A page of the portal: signed in, a partner user with a partner; the context carries the
    partner and the portal's navigation (`core.portal.sections`)."""

    def wrap(view):
        @login_required
        @wraps(view)
        def page(request, *args, **kwargs):
            if policy.partner_of(request.user) is None:
                raise PermissionDenied
            request.partner = own_partner(request.user)
            request.portal_nav = [
                {"label": s.label, "url_name": s.url_name, "active": s.key == section}
                for s in registry.sections()
            ]
            return view(request, *args, **kwargs)

        return page

    return wrap


def _render(request, template: str, context: dict):
    return render(
        request,
        template,
        {"partner": request.partner, "portal_nav": request.portal_nav, **context},
    )


@portal_page("home")
def home(request):
    return _render(request, "portal/home.html", selectors.home(request.user))


@portal_page("registrations")
def registrations(request):
    form = PortalRegistrationForm(request.POST or None, user=request.user, partner=request.partner)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            portal_registration_submit(by=request.user, **data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Registered: it waits for our approval."))
            return HttpResponseRedirect(reverse("portal:registrations"))
    rows = selectors.registrations(request.user)[:PAGE_SIZE]
    return _render(request, "portal/registrations.html", {"rows": rows, "form": form})


@require_POST
@portal_page("registrations")
def registration_withdraw(request, pk: int):
    registration = selectors.registrations(request.user).filter(pk=pk).first()
    if registration is None:
        raise Http404
    try:
        portal_registration_withdraw(by=request.user, registration=registration)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Withdrawn."))
    return HttpResponseRedirect(reverse("portal:registrations"))


@portal_page("opportunities")
def opportunities(request):
    rows = selectors.opportunities(request.user)[:PAGE_SIZE]
    return _render(request, "portal/opportunities.html", {"rows": rows})


@portal_page("quotes")
def quotes(request):
    rows = selectors.quotes(request.user)[:PAGE_SIZE]
    return _render(request, "portal/quotes.html", {"rows": rows})


@portal_page("orders")
def orders(request):
    rows = selectors.orders(request.user)[:PAGE_SIZE]
    return _render(request, "portal/orders.html", {"rows": rows})


@portal_page("documents")
def documents(request):
    form = QualificationForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            qualification_upload(partner=request.partner, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Uploaded: it waits for our review."))
            return HttpResponseRedirect(reverse("portal:documents"))
    rows = selectors.documents(request.user)
    return _render(request, "portal/documents.html", {"rows": rows, "form": form})


@portal_page("rebates")
def rebates(request):
    """The partner's rebate statements once issued (返利对账单): period, volume, rebate,
    state and, when settled, how and with which reference."""
    rows = partner_rebate_statements(request.partner)[:PAGE_SIZE]
    return _render(request, "portal/rebates.html", {"rows": rows})
