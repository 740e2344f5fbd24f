"""The chat channels' pages (ADR 24): the company's channels, people's ids and the delivery
log for administrators; each person's choices; and the one-decision page a chat message
links to."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import policy
from core.errors import ApplicationError

from . import actions
from .choices import ActionKind, ChannelKind, DeliveryStatus
from .forms import ChatChannelForm, DecisionForm, IdentityImportForm
from .models import ChatChannel
from .selectors import channel_list, delivery_list, identity_list, kinds_for, preference_list
from .services import channel_create, channel_update, identities_import, preference_set


def _check_admin(user) -> None:
    if not policy.may(user, "messaging.administer"):
        raise PermissionDenied


@login_required
def channels(request):
    _check_admin(request.user)
    configured = {c.kind: c for c in channel_list()}
    rows = [(value, label, configured.get(value)) for value, label in ChannelKind.choices]
    return render(request, "messaging/channels.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, kind: str):
    _check_admin(request.user)
    if kind not in ChannelKind.values:
        raise Http404
    channel = ChatChannel.objects.filter(kind=kind).first()
    form = ChatChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if channel is None:
                channel_create(kind=kind, by=request.user, **data)
            else:
                channel_update(
                    channel=ChatChannel.objects.get(pk=channel.pk), data=data, by=request.user
                )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("messaging:channels")
    return render(
        request,
        "messaging/channel_form.html",
        {"form": form, "kind_label": ChannelKind(kind).label, "channel": channel},
    )


@login_required
@require_http_methods(["GET", "POST"])
def identities(request):
    _check_admin(request.user)
    form = IdentityImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = identities_import(text=form.cleaned_data["text"], by=request.user)
        except ApplicationError as exc:
            for problem in exc.fields.get("text", [exc.message]):
                form.add_error("text", problem)
        else:
            messages.success(request, _("%(count)s ids saved.") % {"count": count})
            return redirect("messaging:identities")
    page = Paginator(identity_list().order_by("user__username", "vendor"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "messaging/identities.html", {"form": form, "page_obj": page, "rows": page}
    )


@login_required
def deliveries(request):
    _check_admin(request.user)
    rows = delivery_list()
    status = request.GET.get("status", "")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/deliveries.html",
        {"page_obj": page, "rows": page, "statuses": DeliveryStatus.choices, "status": status},
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    channels = list(channel_list().filter(enabled=True))
    kinds = kinds_for(user)
    chosen = {(p.kind, p.channel_id): p.enabled for p in preference_list().filter(user=user)}
    if request.method == "POST":
        for kind in kinds:
            for channel in channels:
                on = request.POST.get(f"{kind}|{channel.pk}") == "on"
                if on != actions_default(kind, channel, chosen):
                    preference_set(user=user, kind=kind, channel=channel, enabled=on)
        messages.success(request, _("Saved."))
        return redirect("messaging:preferences")
    from core.messages import MESSAGES

    rows = [
        (
            kind,
            _label(kind, MESSAGES),
            [(channel, actions_default(kind, channel, chosen)) for channel in channels],
        )
        for kind in kinds
    ]
    return render(request, "messaging/preferences.html", {"channels": channels, "rows": rows})


def _label(kind: str, catalogue) -> str:
    """A kind as people read it: its message in the reader's language, details left out."""
    text = re.sub(r"%\(\w+\)s", "…", _(catalogue[kind].title))
    return text.strip(" :：") or kind


def actions_default(kind: str, channel, chosen: dict) -> bool:
    from core.notifications import is_urgent

    value = chosen.get((kind, channel.pk))
    return is_urgent(kind) if value is None else value


@require_http_methods(["GET", "POST"])
def act(request, signed: str):
    """One decision from a chat message, on a phone. No session: sign in first and come back
    (the link alone never signs anyone in). Nothing is decided by a GET."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        link = actions.link_open(signed, request.user)
    except actions.LinkRefused as exc:
        return _refused(request, exc)
    subject = actions.subject_of(link)
    form = DecisionForm(request.POST or None, choices=actions.choices_of(link))
    if request.method == "POST" and form.is_valid():
        try:
            actions.link_decide(
                link=link,
                by=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except actions.LinkRefused as exc:
            return _refused(request, exc)
        except ApplicationError as exc:  # the engine's refusal, in the reader's words
            form.add_error(None, exc.message)
            for name, problems in exc.fields.items():
                if name in form.fields:
                    for problem in problems:
                        form.add_error(name, problem)
        else:
            return render(
                request, "messaging/act_done.html", {"subject": subject, "kind": link.kind}
            )
    return render(
        request,
        "messaging/act.html",
        {"form": form, "subject": subject, "is_gate": link.kind == ActionKind.GATE},
    )


def _refused(request, exc: actions.LinkRefused):
    return render(request, "messaging/act_gone.html", {"message": exc.message}, status=exc.status)
