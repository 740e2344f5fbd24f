"""The customer vetting queue page (客户审批, 列名; ADR 19): the pending customers the user
vets, oldest first with their age; tick rows, give each its reason (and, approving, its
territory and owner), approve or reject them in one go, each row on its own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core import policy
from core.web import ListPage

from .filters import CustomerFilter
from .selectors import customer_vetting_queue
from .services.vetting import VETTING_BULK_MAX, customers_vetting_decide


class CustomerVettingPage(ListPage):
    template_name = "accounts/customer_vetting.html"
    filterset_class = CustomerFilter
    default_ordering = "id"  # oldest first

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.may(request.user, "customers.vet"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return customer_vetting_queue(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        for row in context["rows"]:
            row.age_days = (today - timezone.localtime(row.created_at).date()).days
        context.update(
            units=policy.assignable_units(user).order_by("path"),
            people=policy.assignable_people(user).order_by("username"),
        )
        return context


class CustomerVettingDecide(LoginRequiredMixin, View):
    """POST the ticked rows with one decision; each row's reason, territory and owner come
    from its own fields. What each row came to is told back as messages on the queue."""

    def post(self, request):
        if not policy.may(request.user, "customers.vet"):
            raise PermissionDenied
        decision = request.POST.get("decision", "")
        picked = request.POST.getlist("pick")[:VETTING_BULK_MAX]
        if not picked:
            messages.error(request, _("Tick the customers to decide."))
            return HttpResponseRedirect(reverse("accounts:customer-vetting"))
        items = [
            {
                "customer": pk,
                "decision": decision,
                "comment": request.POST.get(f"comment-{pk}", ""),
                "org_unit": request.POST.get(f"org_unit-{pk}") or None,
                "owner": request.POST.get(f"owner-{pk}") or None,
            }
            for pk in picked
        ]
        results = customers_vetting_decide(by=request.user, items=items)
        done = [r for r in results if r["status"] != "error"]
        if done:
            messages.success(request, _("Decided: %(n)s.") % {"n": len(done)})
        for result in results:
            if result["status"] == "error":
                messages.error(
                    request,
                    _("Row %(row)s: %(problem)s")
                    % {"row": result["index"] + 1, "problem": _problem(result["error"])},
                )
        return HttpResponseRedirect(reverse("accounts:customer-vetting"))


def _problem(error: dict) -> str:
    details = "; ".join(str(m) for ms in (error.get("fields") or {}).values() for m in ms)
    return f"{error['message']} ({details})" if details else error["message"]
