"""Pages for quotes (lines, submission, special-price approval) and the bid."""

from __future__ import annotations

from contextlib import nullcontext

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core import policy
from core.errors import ApplicationError, ValidationFailed
from core.money import amounts_hidden, amounts_shown
from core.web import apply_error

from ..choices import QuoteState
from ..forms import (
    BidForm,
    BidSectionForm,
    ChecklistAddForm,
    QuoteDecisionForm,
    QuoteForm,
    QuoteLineFormSet,
    QuoteSubmitForm,
)
from ..models import BidChecklistItem, BidSection
from ..pricing import max_discount_for, may_approve_quote
from ..selectors import bid_of, opportunity_list, quote_list
from ..services import (
    bid_checklist_add,
    bid_checklist_check,
    bid_checklist_remove,
    bid_create,
    bid_readiness,
    bid_section_update,
    bid_submit,
    bid_update,
    quote_create,
    quote_decide,
    quote_new_version,
    quote_submit,
    quote_update,
    quote_withdraw,
)


def _kept_forms(formset) -> list:
    """The line forms that make up the quote: existing lines not deleted, and filled-in new
    ones, in order."""
    initial = formset.initial_form_count()
    return [
        form
        for index, form in enumerate(formset.forms)
        if getattr(form, "cleaned_data", None)
        and not form.cleaned_data.get("DELETE")
        and (index < initial or form.has_changed())
    ]


def _line_errors(formset, error: ApplicationError) -> None:
    """Put `lines.<i>.<field>` errors of the service next to the fields of the formset."""
    forms = _kept_forms(formset)
    placed = False
    for name, msgs in error.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(forms) and parts[2] in forms[index].fields:
                for msg in msgs:
                    forms[index].add_error(parts[2], msg)
                placed = True
    if not placed:
        formset._non_form_errors = formset.error_class([error.message])


def _lines(formset) -> list[dict]:
    return [
        {
            "product": f.cleaned_data["product"],
            "quantity": f.cleaned_data["quantity"],
            "discount_pct": f.cleaned_data.get("discount_pct") or 0,
            "description": f.cleaned_data.get("description", ""),
        }
        for f in _kept_forms(formset)
    ]


class QuoteFormPage(LoginRequiredMixin, View):
    """Create a quote on an opportunity, or edit a draft: header and lines on one page."""

    template_name = "opportunities/quote_form.html"

    def records(self, request, **kwargs):
        if "opportunity_pk" in kwargs:
            opportunity = get_object_or_404(
                opportunity_list(user=request.user), pk=kwargs["opportunity_pk"]
            )
            return opportunity, None
        quote = get_object_or_404(quote_list(user=request.user), pk=kwargs["pk"])
        return quote.opportunity, quote

    def forms(self, request, opportunity, quote, data=None):
        initial_lines = (
            [
                {
                    "product": line.product,
                    "quantity": line.quantity,
                    "discount_pct": line.discount_pct,
                    "description": line.description,
                }
                for line in quote.lines.all()
            ]
            if quote
            else []
        )
        form = QuoteForm(
            data,
            user=request.user,
            initial={"valid_until": quote.valid_until, "notes": quote.notes} if quote else None,
        )
        formset = QuoteLineFormSet(
            data,
            initial=initial_lines,
            prefix="lines",
            form_kwargs={"currency": opportunity.currency},
        )
        return form, formset

    def render(self, request, opportunity, quote, form, formset):
        return render(
            request,
            self.template_name,
            {
                "opportunity": opportunity,
                "quote": quote,
                "form": form,
                "formset": formset,
                "authority": max_discount_for(request.user, opportunity.org_unit),
            },
        )

    def get(self, request, **kwargs):
        opportunity, quote = self.records(request, **kwargs)
        if not policy.can(request.user, opportunity, "change"):
            raise Http404
        if quote is not None and not quote.is_editable:
            messages.info(request, _("Only a draft can be edited; make a new version instead."))
            return HttpResponseRedirect(quote.get_absolute_url())
        return self.render(request, opportunity, quote, *self.forms(request, opportunity, quote))

    def post(self, request, **kwargs):
        opportunity, quote = self.records(request, **kwargs)
        if not policy.can(request.user, opportunity, "change"):
            raise Http404
        form, formset = self.forms(request, opportunity, quote, request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                if quote is None:
                    quote = quote_create(
                        opportunity=opportunity,
                        by=request.user,
                        lines=_lines(formset),
                        data=form.cleaned_data,
                    )
                else:
                    quote_update(
                        quote=quote, by=request.user, data=form.cleaned_data, lines=_lines(formset)
                    )
            except ApplicationError as error:
                if error.fields:
                    _line_errors(formset, error)
                else:
                    apply_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(quote.get_absolute_url())
        return self.render(request, opportunity, quote, form, formset)


class QuotePage(LoginRequiredMixin, View):
    """A quote: lines, totals, margin, the special-price request and its decision."""

    def get(self, request, pk, submit_form=None, decision_form=None):
        quotes = policy.with_amounts_shown(quote_list(user=request.user), request.user)[0]
        quote = get_object_or_404(quotes, pk=pk)
        # A quote whose amounts the user may not see reads "—" for every amount on its page.
        with nullcontext() if amounts_shown(quote) else amounts_hidden():
            return self._page(request, quote, submit_form, decision_form)

    def _page(self, request, quote, submit_form, decision_form):
        opportunity = quote.opportunity
        may_change = policy.can(request.user, opportunity, "change") and opportunity.is_open
        may_approve = quote.state == QuoteState.PENDING_APPROVAL and may_approve_quote(
            request.user, quote
        )
        authority = max_discount_for(request.user, opportunity.org_unit)
        return render(
            request,
            "opportunities/quote_detail.html",
            {
                "quote": quote,
                "opportunity": opportunity,
                "may_change": may_change,
                "may_approve": may_approve,
                "authority": authority,
                "beyond_authority": quote.max_line_discount_pct > authority,
                "submit_form": submit_form or QuoteSubmitForm(user=request.user),
                "decision_form": decision_form or QuoteDecisionForm(user=request.user),
                "timeline": fsm_timeline(quote),
                "siblings": opportunity.quotes.order_by("-revision").only(
                    "id", "number", "revision", "state", "total", "currency"
                ),
            },
        )

    def post(self, request, pk):
        quote = get_object_or_404(quote_list(user=request.user), pk=pk)
        action = request.POST.get("action")
        try:
            if action == "submit":
                form = QuoteSubmitForm(request.POST, user=request.user)
                if not form.is_valid():
                    return self.get(request, pk, submit_form=form)
                try:
                    quote = quote_submit(
                        quote=quote,
                        by=request.user,
                        justification=form.cleaned_data["justification"],
                    )
                except ValidationFailed as error:
                    apply_error(form, error)
                    return self.get(request, pk, submit_form=form)
                messages.success(
                    request,
                    _("Approved within your authority.")
                    if quote.state == QuoteState.APPROVED
                    else _("Sent for special-price approval."),
                )
            elif action == "decide":
                form = QuoteDecisionForm(request.POST, user=request.user)
                if not form.is_valid():
                    return self.get(request, pk, decision_form=form)
                try:
                    quote_decide(quote=quote, by=request.user, **form.cleaned_data)
                except ValidationFailed as error:
                    apply_error(form, error)
                    return self.get(request, pk, decision_form=form)
                messages.success(request, _("Decision recorded."))
            elif action == "withdraw":
                quote_withdraw(quote=quote, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("Withdrawn."))
            elif action == "new_version":
                quote = quote_new_version(quote=quote, by=request.user)
                messages.success(request, _("New version created."))
            else:
                messages.error(request, _("Unknown action."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(quote.get_absolute_url())


def fsm_timeline(record):
    from core.audit import timeline

    return timeline(record)  # paged by the template


class BidPage(LoginRequiredMixin, View):
    """The bid of an opportunity: start it, then deadline, quote, sections, checklist,
    readiness and submission."""

    template_name = "opportunities/bid.html"

    def opportunity(self, request, pk):
        return get_object_or_404(opportunity_list(user=request.user), pk=pk)

    def context(self, request, opportunity, **forms):
        bid = bid_of(opportunity)
        may_change = policy.can(request.user, opportunity, "change")
        sections = []
        if bid is not None:
            for section in bid.sections.all():
                sections.append(
                    {
                        "section": section,
                        "may_edit": bid.state == "preparing"
                        and (may_change or section.owner_id == request.user.pk),
                        "form": forms.get(f"section_{section.pk}")
                        or BidSectionForm(
                            opportunity=opportunity,
                            user=request.user,
                            prefix=f"s{section.pk}",
                            initial={
                                "owner": section.owner,
                                "status": section.status,
                                "notes": section.notes,
                            },
                        ),
                    }
                )
        return {
            "opportunity": opportunity,
            "bid": bid,
            "may_change": may_change,
            "sections": sections,
            "missing": bid_readiness(bid) if bid else {},
            "bid_form": forms.get("bid_form")
            or BidForm(
                opportunity=opportunity,
                user=request.user,
                instance=bid,
                initial=(
                    {
                        "tender_reference": bid.tender_reference,
                        "deadline": bid.deadline,
                        "quote": bid.quote,
                    }
                    if bid
                    else None
                ),
            ),
            "checklist_form": forms.get("checklist_form") or ChecklistAddForm(user=request.user),
            "timeline": fsm_timeline(bid) if bid else [],
        }

    def get(self, request, pk):
        opportunity = self.opportunity(request, pk)
        return render(request, self.template_name, self.context(request, opportunity))

    def post(self, request, pk):
        opportunity = self.opportunity(request, pk)
        bid = bid_of(opportunity)
        action = request.POST.get("action", "")
        handler = {
            "save": self._save,
            "section": self._section,
            "check": self._check,
            "add_item": self._add_item,
            "remove_item": self._remove_item,
            "submit": self._submit,
        }.get(action)
        if handler is None or (bid is None and action != "save"):
            messages.error(request, _("Unknown action."))
            return HttpResponseRedirect(reverse("opportunities:bid", args=[pk]))
        try:
            response = handler(request, opportunity, bid)
        except ApplicationError as error:
            messages.error(request, error.message)
            response = None
        return response or HttpResponseRedirect(reverse("opportunities:bid", args=[pk]))

    def _invalid(self, request, opportunity, **forms):
        return render(request, self.template_name, self.context(request, opportunity, **forms))

    def _save(self, request, opportunity, bid):
        form = BidForm(request.POST, opportunity=opportunity, user=request.user, instance=bid)
        if not form.is_valid():
            return self._invalid(request, opportunity, bid_form=form)
        try:
            if bid is None:
                bid_create(opportunity=opportunity, by=request.user, data=form.cleaned_data)
            else:
                bid_update(bid=bid, by=request.user, data=form.cleaned_data)
        except ValidationFailed as error:
            apply_error(form, error)
            return self._invalid(request, opportunity, bid_form=form)
        messages.success(request, _("Saved."))
        return None

    def _section(self, request, opportunity, bid):
        section = get_object_or_404(BidSection, pk=request.POST.get("section"), bid=bid)
        form = BidSectionForm(
            request.POST, opportunity=opportunity, user=request.user, prefix=f"s{section.pk}"
        )
        if not form.is_valid():
            return self._invalid(request, opportunity, **{f"section_{section.pk}": form})
        data = dict(form.cleaned_data)
        if not policy.can(request.user, bid, "change"):
            data.pop("owner", None)
        bid_section_update(section=section, by=request.user, data=data)
        messages.success(request, _("Saved."))
        return None

    def _check(self, request, opportunity, bid):
        item = get_object_or_404(BidChecklistItem, pk=request.POST.get("item"), bid=bid)
        bid_checklist_check(item=item, by=request.user, done=request.POST.get("done") == "1")
        return None

    def _add_item(self, request, opportunity, bid):
        form = ChecklistAddForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._invalid(request, opportunity, checklist_form=form)
        bid_checklist_add(bid=bid, by=request.user, **form.cleaned_data)
        return None

    def _remove_item(self, request, opportunity, bid):
        item = get_object_or_404(BidChecklistItem, pk=request.POST.get("item"), bid=bid)
        bid_checklist_remove(item=item, by=request.user)
        return None

    def _submit(self, request, opportunity, bid):
        bid_submit(bid=bid, by=request.user, notes=request.POST.get("notes", "")[:4000])
        messages.success(request, _("Bid submitted."))
        return None
