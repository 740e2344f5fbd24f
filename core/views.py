"""Pages of the core: home, notifications, gate reviews, language, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from . import gates, hooks, policy, web
from .approvals.selectors import tasks_waiting_on
from .choices import GateState, TriangleRole
from .errors import ApplicationError
from .forms import GateAssessForm, GateDecideForm
from .gates.decision import awaiting as gate_awaiting
from .gates.selectors import gate_decision_tasks
from .models import GateReview, Notification
from .notifications import unread_count
from .params import query_params
from .selectors import gate_review_list


@login_required
def home(request):
    """The landing page for the user's role. Each app contributes panels; a panel whose context
    says `section: "tasks"` joins the user's tasks at the top. A rep lands on their tasks
    (follow-ups, gate reviews waiting for them, milestones to chase) then their pipeline; a
    manager on the approvals (gates to decide, special prices) and the funnel; finance on the
    collections board."""
    user = request.user
    panels = hooks.panels_for("home", user)
    takes_part_in_gates = policy.may(user, "gates.take_part")
    return render(
        request,
        "ltc/home.html",
        {
            "tasks": [p for p in panels if p.get("section") == "tasks"],
            "panels": [p for p in panels if p.get("section") != "tasks"],
            "approvals": (
                hooks.panels_for("approvals", user) if policy.may(user, "approvals.inbox") else []
            ),
            "takes_part_in_gates": takes_part_in_gates,
            "waiting_reviews": (
                gates.reviews_waiting_for(user).select_related("authority_unit")[:10]
                if takes_part_in_gates
                else []
            ),
            # The rest of what the manager's team raised: escalated above them, or waiting
            # for an assessment.
            "team_reviews": gates.reviews_raised_in_team(user).exclude(
                pk__in=gates.reviews_waiting_for(user).values("pk")
            )[:10],
        },
    )


@login_required
def search_page(request):
    """Global search across customers, contacts, leads, opportunities and contracts; each
    group goes through the app's policy-scoped selector. With htmx, only the results."""
    query = query_params(request).text("q", max_length=100)
    context = {"query": query, "groups": web.search(request.user, query)}
    if request.htmx:
        return render(request, "ltc/components/search_results.html", context)
    return render(request, "ltc/search.html", context)


def healthz(request):
    """Liveness and dependencies: 200 when the database answers (and Redis, if configured)."""
    from django.conf import settings

    report, healthy = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, never raises
        report["database"], healthy = f"error: {exc.__class__.__name__}", False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            report["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            report["redis"], healthy = f"error: {exc.__class__.__name__}", False
    else:
        report["redis"] = "not configured (tasks run in-process)"
    report["status"] = "ok" if healthy else "degraded"
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def notifications(request):
    """The notifications centre: newest first, unread only on request."""
    items = Notification.objects.filter(recipient=request.user)
    unread_only = query_params(request).bool("unread")
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return render(
        request, "ltc/notifications.html", {"items": items[:100], "unread_only": unread_only}
    )


def _mark_read(request, pk) -> Notification:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


@login_required
@require_POST
def notification_open(request, pk):
    """Open the record a notification is about, marking it read."""
    note = _mark_read(request, pk)
    return HttpResponseRedirect(note.url or reverse("notifications"))


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one notification read; with htmx, answer its row (and tell the badge)."""
    note = _mark_read(request, pk)
    if request.htmx:
        response = render(request, "ltc/components/notification_row.html", {"n": note})
        response["HX-Trigger"] = "notifications-changed"  # the header's badge refreshes
        return response
    return HttpResponseRedirect(reverse("notifications"))


@login_required
def notifications_badge(request):
    """The header's unread count (htmx polls it)."""
    return render(
        request,
        "ltc/components/unread_badge.html",
        {"unread_notifications": unread_count(request.user)},
    )


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return HttpResponseRedirect(reverse("notifications"))


@require_POST
def set_language(request):
    """Switch the language; a signed-in user keeps the choice on their profile."""
    from django.conf import settings

    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
        translation.activate(language)
    return response


@login_required
def gate_inbox(request):
    """The approvals inbox: gate reviews to decide (escalated ones first) and to assess, those
    a manager's team raised wherever they wait (escalated ones too), and what later stages ask
    this user to approve (special prices, contract changes...)."""
    user = request.user
    to_decide = policy.restrict(gates.reviews_to_decide(user), user)
    return render(
        request,
        "ltc/gate_inbox.html",
        {
            # A gate's decision is listed with the gates to decide (those one may open), not
            # twice; one asked by name who cannot open the review decides on the request.
            "approval_tasks": tasks_waiting_on(user).exclude(
                pk__in=gate_decision_tasks(user, to_decide)
            )[:200],
            "to_decide": to_decide.select_related("org_unit")[:200],
            "to_assess": gates.reviews_to_assess(user)[:200],
            "team_reviews": gates.reviews_raised_in_team(user)[:200],
            "panels": hooks.panels_for("approvals", user),
            "recent": policy.restrict(GateReview.objects.exclude(state=GateState.OPEN), user)
            .select_related("authority_unit", "decided_by")
            .order_by("-decided_at", "-id")[:20],
        },
    )


def _assess_form(request, review, seat, assessments: dict, topics: dict):
    """The form of my seat's assessment (prefilled with what I said before), or None when the
    review is decided or I hold no seat."""
    if review.state != GateState.OPEN or not seat:
        return None
    existing = assessments.get(seat)
    initial = (
        {
            "verdict": existing.verdict,
            "confidence": existing.confidence,
            "risk_level": existing.risk_level,
            "risks": existing.risks,
            "notes": existing.notes,
            **{f"topic_{k}": v for k, v in existing.topics.items()},
        }
        if existing
        else None
    )
    return GateAssessForm(
        request.POST if request.POST.get("form") == "assess" else None,
        initial=initial,
        topics=topics.get(seat, []),
        user=request.user,
    )


def _decide_form(request, review):
    """The decision form, or None when the review is decided or I lack the authority."""
    if not policy.may(request.user, "gates.decide", review):
        return None
    return GateDecideForm(
        request.POST if request.POST.get("form") == "decide" else None, user=request.user
    )


def _gate_act(request, review, seat, assess_form, decide_form):
    """Save the posted assessment or decision; a redirect when done, else None with the
    errors on the form (or in a message) for the page to show again."""
    user, posted = request.user, request.POST.get("form")
    try:
        if posted == "assess" and assess_form and assess_form.is_valid():
            data = assess_form.cleaned_data
            gates.gate_assess(
                review=review,
                by=user,
                role=seat,
                verdict=data["verdict"],
                confidence=data["confidence"],
                risk_level=data["risk_level"],
                risks=data["risks"],
                notes=data["notes"],
                topics=assess_form.topics(),
            )
            messages.success(request, _("Your assessment is saved."))
            return HttpResponseRedirect(review.get_absolute_url())
        if posted == "decide" and decide_form and decide_form.is_valid():
            gates.gate_decide(
                review=review,
                by=user,
                decision=decide_form.cleaned_data["decision"],
                comment=decide_form.cleaned_data["comment"],
            )
            messages.success(request, _("Decision recorded."))
            return HttpResponseRedirect(review.get_absolute_url())
    except ApplicationError as error:
        form = assess_form if posted == "assess" else decide_form
        if form is not None:
            web.apply_error(form, error)
        else:
            messages.error(request, error.message)
    if posted not in ("assess", "decide") or (assess_form is None and decide_form is None):
        messages.error(request, _("You cannot act on this review."))
    return None


def _seat_rows(review, assessments: dict, topics: dict) -> list[dict]:
    """Every seat side by side: who holds it, their assessment and their answer per topic."""
    return [
        {
            "role": role,
            "label": TriangleRole(role).label,
            "member": review.team.seat(role),
            "assessment": assessments.get(role),
            "topics": [
                {
                    "key": k,
                    "label": label,
                    "value": (assessments[role].topics.get(k, "") if role in assessments else ""),
                }
                for k, label in topics.get(role, [])
            ],
        }
        for role in gates.SEATS
    ]


def _unassessed_sentence(seats: list[dict]) -> str:
    """One sentence naming who has not assessed yet (an empty seat as such), said before a
    decision is confirmed; empty when every seat has."""
    missing = [seat for seat in seats if seat["assessment"] is None]
    if not missing:
        return ""
    names = [
        _("%(name)s (%(seat)s)") % {"name": seat["member"], "seat": seat["role"].upper()}
        if seat["member"]
        else _("nobody (the %(seat)s seat is empty)") % {"seat": seat["role"].upper()}
        for seat in missing
    ]
    return _("Not assessed yet: %(people)s. Go needs every seat's assessment.") % {
        "people": pgettext("list separator", ", ").join(names)
    }


@login_required
def gate_detail(request, pk):
    """The review page: facts, every seat's assessment side by side, my assessment form, and
    the decision form for whoever has the authority."""
    review = get_object_or_404(gate_review_list(user=request.user), pk=pk)
    user = request.user
    my_seats = [r for r in review.team.roles_of(user) if r in gates.SEATS]
    assessments = {a.role: a for a in review.assessments.select_related("author")}
    topics = gates.GATE_TOPICS.get(review.kind, {})
    seat = my_seats[0] if my_seats else None
    assess_form = _assess_form(request, review, seat, assessments, topics)
    decide_form = _decide_form(request, review)
    if request.method == "POST":
        done = _gate_act(request, review, seat, assess_form, decide_form)
        if done is not None:
            return done
    verdicts = {a.verdict for a in assessments.values()}
    seats = _seat_rows(review, assessments, topics)
    return render(
        request,
        "ltc/gate_detail.html",
        {
            "review": review,
            "facts": gates.facts_display(review),
            "seats": seats,
            "unassessed": _unassessed_sentence(seats) if decide_form else "",
            "split_verdicts": len(verdicts) > 1,
            "high_risk": any(a.risk_level == "high" for a in assessments.values()),
            "may_decide": decide_form is not None,
            "awaiting": gate_awaiting(review, user),
            "assess_form": assess_form,
            "decide_form": decide_form,
            "my_seat": seat,
            "subject": review.subject,
            "history": gates.reviews_of(review.subject)
            .filter(kind=review.kind)
            .exclude(pk=review.pk),
            "deciders": gates.deciders(review, nearest=True)[:10],
        },
    )
