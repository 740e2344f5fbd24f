"""The access matrix: every API resource × action × role, checked against core/policy.py.

The resources are read from the URL configuration, so a new viewset is covered the moment it
is routed, or fails `test_every_resource_is_in_the_matrix` until someone says how it is
scoped. The data is the demo company (`seed_demo`, built once for the module) plus a second
rep on the owner's team. For each role the policy's own `restrict()` is the oracle:

- list, search, filters and exports show exactly the rows the user may view;
- a list's money values are null exactly on the rows whose amounts the policy hides
  (`restrict(..., "see_amounts")`: what only a configured role without `<area>.see_amounts`
  shows);
- a record one may not view is a 404 on every detail route (read, update, transition, timeline,
  custom actions), so guessing ids discloses nothing;
- a record one may view but not change is a 403 on update and transition;
- a related-id field treats a record one may not view exactly like one that does not exist;
- a write into another scope is refused: every field that decides where a record is filed,
  who owns it, who sits on its team or what it belongs to, pointed outside the user's scope on
  create or update, is a 400 naming it (or a 403) and changes nothing; inside, it is no
  scope error;
- a gate is decided only by a user the gate engine names (with the authority), never 404/403
  confusion;
- a record page (`get_absolute_url`) is a 404 for anyone who may not view the record.

The partner user (ADR 21) is walked too: the policy's own-partner scope is the oracle for
every list; everything but reading a list or a record (and what a viewset offers the portal,
`portal_actions`) is a 403 from the portal's fence (`core.portal.api_allows`) before any row
is looked at, so it discloses nothing; every internal page sends them to the portal.
tests/portal/ proves the rest (partner A never sees partner B's rows).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import relations
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from accounts.models import OrgUnit, User
from core import gates, policy
from core.api.fields import MoneyField, is_money
from core.api.mixins import ScopedViewSetMixin
from core.api.serializers import WriteScopeMixin
from core.choices import Role

from .fields import scope_kind

#: The roles of the issue, by the demo user that plays each one.
ROLES = {
    "owner": "ar.chen",  # AR of most demo records, Guangdong carrier team
    "same_team_rep": "ar.mate",  # created below, same team as ar.chen
    "other_team_rep": "ar.he",  # Guangdong government team
    "other_region_manager": "mgr.wu",  # Jiangsu carrier team
    "office_manager": "dir.liu",  # Guangdong representative office
    "finance": "fin.sun",  # South region
    "admin": "admin",
    # Configured roles (issue 20.1) on top of a built-in one, from the demo company:
    "auditor": "audit.ma",  # a rep at HQ holding "auditor" company-wide (view only)
    "presales": "presales.gao",  # an SR in Jiangsu holding "presales" in two teams
    # A channel partner's person (ADR 21): the partner portal's user, own partner only.
    "partner": "partner.lin",
}
#: Roles the portal's fence answers for before the policy (a 403 on whatever is not theirs).
FENCED = {"partner"}
CONFIGURED = {"auditor", "presales"}

#: People in two regions who sit on no team: whoever the policy keeps a user from assigning or
#: seating is one of them.
OUTSIDERS = {"out.east": "js-carrier", "out.south": "gd-gov"}

#: Viewsets that are not row-scoped by the policy, and the rule each follows instead (each
#: rule has its own test below). A new unscoped viewset fails the matrix until listed here.
UNSCOPED = {
    "NotificationViewSet": "own",  # the user's own notifications only
    "SavedViewViewSet": "own",  # the user's own and shared saved views
    "AuthorityRuleViewSet": "reference",  # read by all in their chain, written by admins
    "CustomFieldViewSet": "reference",  # custom-field definitions: read by all, admins write
    "OrgUnitViewSet": "reference",
    "UserViewSet": "reference",
    "CompetitorViewSet": "catalogue",  # the shared competitor list: any seller adds to it
    "ProductViewSet": "reference",
    "PricingRuleViewSet": "reference",
    "StageProbabilityViewSet": "reference",
    "StageNormViewSet": "reference",
    "DiscountTargetViewSet": "reference",
    "LeadCaptureSourceViewSet": "reference",
    "LeadQualificationPolicyViewSet": "reference",
    "DirectContractRuleViewSet": "reference",
    "PaymentPlanViewSet": "report",  # per contract; scoped through the contract
    "ReceivablesReportViewSet": "report",  # aggregates over restrict()ed milestones
    "CashForecastViewSet": "report",  # the cash-in forecast over restrict_figures() (ADR 29)
    # Channel reports (ADR 22): aggregates over restrict()ed partners, opportunities,
    # contracts, receipts, registrations, agreements and rebate statements.
    "ChannelReportViewSet": "report",
    "ApiKeyViewSet": "admin",  # integrations: managed by administrators only
    "WebhookSubscriptionViewSet": "admin",
    "WebhookDeliveryViewSet": "admin",
    "InboundMessageViewSet": "admin",  # the inbound mail log (issue 22.5)
    "JobViewSet": "admin",  # operations on demand (ADR 15)
    "JobRunViewSet": "admin",
    # Chat apps (ADR 24): channels, people's ids and the delivery log are administrators';
    # channel preferences are one's own (tests/messaging/test_api.py).
    "ChatChannelViewSet": "admin",
    "ChatIdentityViewSet": "admin",
    "ChatDeliveryViewSet": "admin",
    "ChannelPreferenceViewSet": "own",
    # Single sign-on mapping rules (ADR 25): administrators read and write them.
    "SsoMappingRuleViewSet": "admin",
    "RoleDefinitionViewSet": "reference",  # read by all, written by admins (issue 20.1)
    # Configured role assignments: one's own, a manager's subtree's, everything for admins
    # (tests/accounts/test_roles.py).
    "RoleAssignmentViewSet": "own",
    # Approval chains (ADR 17): company configuration, read by all, written by admins.
    "ApprovalChainViewSet": "reference",
    # One's own delegations and those to one (an administrator's: all).
    "DelegationViewSet": "own",
    # Requests: restrict() on the requester and unit, and those one is asked to decide.
    "ApprovalRequestViewSet": "approvals",
    # The vetting queue (ADR 19): the pending customers of the units one may change
    # (restrict(..., "change")), for those who vet; tests/accounts/test_vetting.py.
    "CustomerVettingViewSet": "queue",
    # Documents from the record (ADR 27): those of the records one may view (restrict() on
    # each record model), generated by who may change the record (tests/documents/).
    "GeneratedDocumentViewSet": "record",
    # The company's document templates: read by all, new versions by admins.
    "DocumentTemplateViewSet": "reference",
    # Exchange rates (ADR 30): read by all, written by administrators and finance
    # (tests/ltc/test_exchange_rates.py).
    "ExchangeRateViewSet": "money_reference",
    # Saved reports (ADR 32): one's own and those shared with one or one's team; running one
    # aggregates over restrict()ed records of the reader's own scope (tests/reports/).
    "SavedReportViewSet": "own",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


@dataclass
class Resource:
    """One routed viewset: its class, its list route name and its routes by action."""

    viewset: type
    basename: str
    routes: dict  # action name -> (http method, url name)

    @property
    def name(self) -> str:
        return self.viewset.__name__

    @property
    def model(self):
        return self.viewset.queryset.model

    def has(self, action: str) -> bool:
        return action in self.routes


def api_resources() -> dict[str, Resource]:
    """Every viewset under /api/v1/, keyed by class name."""
    found: dict[str, Resource] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        cls = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if not route.startswith("api/v1/") or cls is None or actions is None:
            continue
        basename = pattern.name.rsplit("-", 1)[0]
        resource = found.setdefault(cls.__name__, Resource(cls, basename, {}))
        for method, action in actions.items():
            resource.routes[action] = (method, pattern.name, "<pk>" in route)
    return found


RESOURCES = api_resources()
SCOPED = sorted(n for n, r in RESOURCES.items() if issubclass(r.viewset, ScopedViewSetMixin))


def test_every_resource_is_in_the_matrix():
    """A routed viewset is either policy-scoped (and so in the matrix) or declares its rule."""
    unknown = set(RESOURCES) - set(SCOPED) - set(UNSCOPED)
    assert not unknown, f"add these to the access matrix: {sorted(unknown)}"
    assert set(UNSCOPED) <= set(RESOURCES), "stale UNSCOPED entries"
    for name in SCOPED:
        assert getattr(RESOURCES[name].model, "access", None) is not None, name


# --- the world: the demo company, seeded once for the module ----------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", password="matrix-pass-123", stdout=io.StringIO())
        chen = User.objects.get(username="ar.chen")
        User.objects.create_user(
            username="ar.mate", password="x", role=Role.SALES_REP, org_unit=chen.org_unit
        )
        for username, unit in OUTSIDERS.items():  # on no team: outside everyone but admins
            User.objects.create_user(
                username=username,
                password="x",
                role=Role.SALES_REP,
                org_unit=OrgUnit.objects.get(code=unit),
            )
        yield {role: User.objects.get(username=name) for role, name in ROLES.items()}
        transaction.set_rollback(True)


@pytest.fixture
def users(world, db):
    return world


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids_of(model, user, action) -> set:
    return set(
        policy.restrict(model._default_manager.all(), user, action).values_list("pk", flat=True)
    )


def sample(resource: Resource, user) -> dict[str, int | None]:
    """One row of each kind for this user: changeable, view-only, invisible."""
    model = resource.model
    all_ids = set(model._default_manager.values_list("pk", flat=True))
    view, change = ids_of(model, user, "view"), ids_of(model, user, "change")
    pick = lambda ids: min(ids) if ids else None  # noqa: E731
    return {
        "change": pick(change),
        "view_only": pick(view - change),
        "invisible": pick(all_ids - view),
    }


def listed_ids(client, url) -> set:
    seen, pages = set(), 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        data = response.json()
        rows = data["results"] if isinstance(data, dict) and "results" in data else data
        seen |= {row["id"] for row in rows}
        url = data.get("next") if isinstance(data, dict) else None
        pages += 1
        assert pages < 100
    return seen


MATRIX = [(name, role) for name in SCOPED for role in ROLES]


@pytest.mark.parametrize(("resource_name", "role"), MATRIX)
def test_list_shows_exactly_what_the_policy_lets_the_user_view(users, resource_name, role):
    resource = RESOURCES[resource_name]
    if not resource.has("list"):
        pytest.skip("no list route")
    user = users[role]
    client = client_for(user)
    url = reverse(f"{resource.basename}-list") + "?page_size=200"
    listed = listed_ids(client, url)
    visible = ids_of(resource.model, user, "view")
    assert listed <= visible, f"leaked: {sorted(listed - visible)}"
    assert listed == visible, f"visible but not listed: {sorted(visible - listed)}"
    hidden = set(resource.model._default_manager.values_list("pk", flat=True)) - visible
    if hidden:
        # Searching or filtering by a hidden row's words or id does not reveal it.
        obj = resource.model._default_manager.get(pk=min(hidden))
        word = str(obj).split()[0] if str(obj).split() else "x"
        for query in (f"search={word}", f"id={obj.pk}", f"pk={obj.pk}"):
            found = listed_ids(client, f"{reverse(f'{resource.basename}-list')}?{query}")
            assert found <= visible, (query, sorted(found - visible))


@pytest.mark.parametrize(("resource_name", "role"), MATRIX)
def test_detail_routes_are_404_for_what_the_user_may_not_view(users, resource_name, role):
    resource = RESOURCES[resource_name]
    user = users[role]
    client = client_for(user)
    rows = sample(resource, user)
    for action, (method, url_name, detail) in sorted(resource.routes.items()):
        if not detail or method not in resource.viewset.http_method_names:
            continue
        for kind, pk in rows.items():
            if pk is None or (kind != "invisible" and method not in ("get", "head")):
                continue
            url = reverse(url_name, kwargs=_detail_kwargs(url_name, pk))
            response = getattr(client, method)(url, {}, format="json")
            if kind == "invisible":
                allowed = {404, 403} if role in FENCED else {404}
                assert response.status_code in allowed, (action, method, url, response.status_code)
            elif role in FENCED and action != "retrieve":
                assert response.status_code in (200, 403), (action, url, response.status_code)
            elif action in ("retrieve", "timeline"):
                assert response.status_code == 200, (action, url, response.status_code)


def _detail_kwargs(url_name: str, pk: int) -> dict:
    kwargs = {"pk": pk}
    if url_name.endswith("-transitions"):
        kwargs["name"] = "no_such_transition"
    return kwargs


@pytest.mark.parametrize(("resource_name", "role"), MATRIX)
def test_update_and_transition_follow_view_and_change(users, resource_name, role):
    resource = RESOURCES[resource_name]
    user = users[role]
    client = client_for(user)
    rows = sample(resource, user)
    checks = []
    if resource.has("partial_update"):
        checks.append(("patch", f"{resource.basename}-detail", {}, {}))
    if resource.has("transitions"):
        name = next(iter(sorted(_transition_names(resource.model))), "x")
        # An over-long reason is a 400 only after access was checked.
        checks.append(
            ("post", f"{resource.basename}-transitions", {"name": name}, {"reason": "x" * 2001})
        )
    for method, url_name, extra, body in checks:
        for kind, pk in rows.items():
            if pk is None:
                continue
            url = reverse(url_name, kwargs={"pk": pk, **extra})
            status = getattr(client, method)(url, body, format="json").status_code
            expected = {"invisible": {404}, "view_only": {403}}.get(kind)
            if role in FENCED:
                expected = {403, 404}
            if expected:
                assert status in expected, (kind, method, url, status)
            else:
                assert status not in (403, 404) and status < 500, (kind, method, url, status)


def _transition_names(model) -> list[str]:
    from core import fsm

    try:
        return list(fsm.transitions_of(model))
    except Exception:
        return []


@pytest.mark.parametrize(("resource_name", "role"), MATRIX)
def test_related_ids_one_may_not_view_are_as_unknown_as_missing_ones(users, resource_name, role):
    resource = RESOURCES[resource_name]
    if not resource.has("create") or role == "admin":
        pytest.skip("no create route, or the admin views everything")
    user = users[role]
    client = client_for(user)
    view = resource.viewset(request=None, format_kwarg=None, action="create", kwargs={})
    serializer_class = view.get_serializer_class()
    fields = serializer_class().fields
    url = reverse(f"{resource.basename}-list")
    if role in FENCED and client.post(url, {}, format="json").status_code == 403:
        return  # the portal's fence: no create here at all
    for name, field in fields.items():
        if field.read_only or not isinstance(field, relations.PrimaryKeyRelatedField):
            continue
        related = getattr(field.queryset, "model", None)
        if related is None or getattr(related, "access", None) is None:
            continue
        hidden = set(related._default_manager.values_list("pk", flat=True)) - ids_of(
            related, user, "view"
        )
        if not hidden:
            continue
        pk = min(hidden)
        response = client.post(url, {name: pk}, format="json")
        assert response.status_code == 400, (name, pk, response.status_code)
        missing = client.post(url, {name: 10**9}, format="json").json()["fields"].get(name)
        got = response.json()["fields"].get(name)
        assert got, f"{resource_name}.{name} accepted a record the user may not view"
        assert str(got).replace(str(pk), "N") == str(missing).replace(str(10**9), "N")


def money_fields(resource: Resource) -> list[str]:
    """The money fields of a resource's list rows (those the API nulls where amounts are
    hidden)."""
    viewset = resource.viewset()
    viewset.action, viewset.request, viewset.format_kwarg = "list", None, None
    serializer = viewset.get_serializer_class()(context={})
    return [
        name
        for name, field in serializer.fields.items()
        if is_money(field) and (field.allow_null or isinstance(field, MoneyField))
    ]


@pytest.mark.parametrize("role", ROLES)
def test_amounts_are_null_exactly_where_the_policy_hides_them(users, role):
    """The demo auditor's role grants `see_amounts` with its views: nothing is hidden; the
    presales engineer reads other teams' deals and quotes without their amounts."""
    user = users[role]
    client = client_for(user)
    checked, hidden_rows = 0, 0
    for name in SCOPED:
        resource = RESOURCES[name]
        if not resource.has("list") or not (money := money_fields(resource)):
            continue
        shown = ids_of(resource.model, user, "see_amounts")
        url = reverse(f"{resource.basename}-list") + "?page_size=200"
        while url:
            data = client.get(url).json()
            rows = data["results"] if isinstance(data, dict) and "results" in data else data
            for row in rows:
                nulls = {field for field in money if field in row and row[field] is None}
                if row["id"] in shown:
                    continue  # a visible amount may still be empty (an optional field)
                assert nulls == {field for field in money if field in row}, (name, row["id"])
                hidden_rows += 1
            url = data.get("next") if isinstance(data, dict) else None
        checked += 1
    assert checked >= 5
    if role == "presales":
        assert hidden_rows > 0
    else:
        assert hidden_rows == 0


@pytest.mark.parametrize("role", ROLES)
def test_exports_contain_exactly_the_rows_the_user_may_export(users, role):
    """What the user may view, less what only a configured role without `<area>.export` shows
    them (the demo auditor reads everything and exports only what a rep of HQ would)."""
    user = users[role]
    client = client_for(user)
    checked, held_back = 0, 0
    for name in SCOPED:
        resource = RESOURCES[name]
        if not resource.has("export"):
            continue
        response = client.get(reverse(f"{resource.basename}-export") + "?file_format=csv")
        if role in FENCED:
            assert response.status_code == 403, name  # partners take no file away
            checked += 1
            continue
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content)))[1:]
        listed = listed_ids(client, reverse(f"{resource.basename}-list") + "?page_size=200")
        exportable = ids_of(resource.model, user, "export")
        assert exportable <= set(listed), name
        assert len(rows) == len(exportable), name
        held_back += len(listed) - len(rows)
        checked += 1
    assert checked >= 3
    if role in CONFIGURED:
        assert held_back > 0  # neither demo role grants an export
    else:
        assert held_back == 0


@pytest.mark.parametrize("role", ROLES)
def test_gates_are_decided_only_by_who_the_gate_engine_names(users, role):
    from core.models import GateReview

    user = users[role]
    client = client_for(user)
    may_decide = set(gates.reviews_to_decide(user).values_list("pk", flat=True))
    visible = ids_of(GateReview, user, "view")
    for review in GateReview.objects.filter(state="open"):
        url = reverse("gatereview-decision", kwargs={"pk": review.pk})
        # No decision field: a 400 once access and authority are settled.
        status = client.post(url, {}, format="json").status_code
        if role in FENCED:
            assert status == 403, (review.pk, status)
            continue
        if review.pk not in visible:
            assert status == 404, (review.pk, status)
        elif review.pk in may_decide:
            assert status == 400, (review.pk, status)
        else:
            assert status in (400, 403), (review.pk, status)
        if review.pk in visible and review.pk not in may_decide:
            status = client.post(url, {"decision": "go"}, format="json").status_code
            assert status in (403, 409), (review.pk, status)


@pytest.mark.parametrize("role", ROLES)
def test_record_pages_are_404_for_what_the_user_may_not_view(users, role, client):
    user = users[role]
    client.force_login(user)
    for name in SCOPED:
        model = RESOURCES[name].model
        if not hasattr(model, "get_absolute_url"):
            continue
        rows = sample(RESOURCES[name], user)
        for kind in ("invisible", "view_only", "change"):
            pk = rows[kind]
            if pk is None:
                continue
            url = model._default_manager.get(pk=pk).get_absolute_url()
            if str(pk) not in url:
                break  # a settings page, not a record page
            response = client.get(url)
            status = response.status_code
            if role in FENCED:  # every internal page sends a partner user to the portal
                assert status == 302 and response.url == reverse("portal:home"), (name, url)
                continue
            if kind == "invisible":
                assert status == 404, (name, url, status)
            elif url.endswith("/edit/") and kind == "view_only":
                assert status in (403, 404), (name, url, status)  # an edit page, not a view
            else:
                assert status in (200, 302), (name, url, status)


# --- writes into another scope ----------------------------------------------------------------


@functools.cache
def body_serializers() -> dict[tuple[str, str], tuple]:
    """For every scoped create and update: the serializer the action reads its body with, as
    the API schema documents it, and whether it reads JSON (all at once: the schema inspects
    views it holds only weakly)."""
    generator, found = SchemaGenerator(), {}
    for name in SCOPED:
        resource = RESOURCES[name]
        for action in ("create", "partial_update"):
            if not resource.has(action):
                continue
            method, url_name, detail = resource.routes[action]
            callback = resolve(reverse(url_name, kwargs={"pk": 1} if detail else {})).func
            view = generator.create_view(callback, method.upper())
            body = view.schema.get_request_serializer()
            body = next(iter(body.values())) if isinstance(body, dict) else body
            json = any(issubclass(p, JSONParser) for p in view.parser_classes)
            found[name, action] = (body() if isinstance(body, type) else body, json)
    return found


def scope_fields(resource: Resource, serializer) -> dict[str, str]:
    """The writable fields of a body that decide the record's scope (`fields.scope_kind`)."""
    found = {}
    for name, field in serializer.fields.items():
        if field.read_only or not isinstance(field, relations.RelatedField):
            continue
        kind = scope_kind(resource.model, name, field.source, field.queryset.model)
        if kind is not None:
            found[name] = kind
    return found


def outside_and_inside(kind: str, field, user, resource_model) -> tuple:
    """A value of this kind outside `user`'s scope (None: the user has no outside) and one in it."""
    if kind == "unit":
        outside = OrgUnit.objects.exclude(pk__in=policy.assignable_units(user)).order_by("pk")
        return outside.first(), user.org_unit
    if kind == "person":
        outside = [
            u
            for u in User.objects.filter(username__in=OUTSIDERS)
            if not policy.may_assign_to(user, u) and not policy.may_seat(user, u, user.org_unit)
        ]
        return (outside[0] if outside else None), user
    seen = list(policy.restrict(field.queryset.model._default_manager.order_by("pk"), user)[:200])
    into = {policy.may_write_into(resource_model, user, r): r for r in reversed(seen)}
    return into.get(False), into.get(True)


def send(client, method: str, json: bool, url: str, body: dict):
    return getattr(client, method)(url, body, format="json" if json else "multipart")


def assert_refused(response, name: str, context) -> None:
    """A write outside the scope: 403, or a 400 `out_of_scope` naming the field."""
    if response.status_code == 403:
        return
    assert response.status_code == 400, (*context, response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "out_of_scope" and name in body["fields"], (*context, body)


def assert_not_refused_for_scope(response, name: str, context) -> None:
    """A write inside the scope: done, or refused for another reason, never for scope."""
    assert response.status_code < 500, (*context, response.status_code)
    if response.status_code == 400:
        body = response.json()
        assert not (body["code"] == "out_of_scope" and name in body["fields"]), (*context, body)


def row_state(model, pk) -> dict:
    return model._default_manager.filter(pk=pk).values().get()


WRITES = [(name, role) for name in SCOPED for role in ROLES]


@pytest.mark.parametrize(("resource_name", "role"), WRITES)
def test_no_record_is_filed_or_moved_into_another_scope(users, resource_name, role):
    resource = RESOURCES[resource_name]
    user = users[role]
    client = client_for(user)
    changeable = sample(resource, user)["change"]
    tried = 0
    for action in ("create", "partial_update"):
        if (resource_name, action) not in body_serializers():
            continue
        serializer, json = body_serializers()[resource_name, action]
        method, url_name, detail = resource.routes[action]
        if detail and changeable is None:
            continue
        url = reverse(url_name, kwargs={"pk": changeable} if detail else {})
        fields = scope_fields(resource, serializer)
        assert not fields or isinstance(serializer, WriteScopeMixin), (
            f"{type(serializer).__name__} takes {sorted(fields)}: give it the WriteScopeMixin"
        )
        for name, kind in fields.items():
            field = serializer.fields[name]
            outside, inside = outside_and_inside(kind, field, user, resource.model)
            if outside is None:
                continue  # nothing is outside this user's scope (administrators)
            context = (resource_name, role, action, name)
            count = resource.model._default_manager.count()
            before = row_state(resource.model, changeable) if detail else None
            assert_refused(send(client, method, json, url, {name: outside.pk}), name, context)
            assert resource.model._default_manager.count() == count, context
            if detail:
                assert row_state(resource.model, changeable) == before, context
            if inside is not None:
                with transaction.atomic():
                    response = send(client, method, json, url, {name: inside.pk})
                    assert_not_refused_for_scope(response, name, context)
                    transaction.set_rollback(True)
            tried += 1
    if tried == 0:
        pytest.skip("no field decides this resource's scope for this user")


# --- unscoped resources: the rule each declares ----------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("name", sorted(n for n, kind in UNSCOPED.items() if kind == "reference"))
def test_reference_data_is_written_by_admins_only(users, name, role):
    resource = RESOURCES[name]
    client = client_for(users[role])
    if resource.has("create"):
        status = client.post(reverse(f"{resource.basename}-list"), {}, format="json").status_code
        assert status in (403, 405), (name, role, status)
    if resource.has("partial_update"):
        model = resource.model if resource.viewset.queryset is not None else None
        pk = model._default_manager.values_list("pk", flat=True).first() if model else None
        if pk:
            url = reverse(f"{resource.basename}-detail", kwargs={"pk": pk})
            status = client.patch(url, {}, format="json").status_code
            assert status in (403, 404, 405), (name, role, status)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("admin", "finance")])
@pytest.mark.parametrize(
    "name", sorted(n for n, kind in UNSCOPED.items() if kind == "money_reference")
)
def test_money_reference_data_is_written_by_admins_and_finance_only(users, name, role):
    resource = RESOURCES[name]
    client = client_for(users[role])
    status = client.post(reverse(f"{resource.basename}-list"), {}, format="json").status_code
    assert status == 403, (name, role, status)
    finance = client_for(users["finance"])
    assert finance.post(reverse(f"{resource.basename}-list"), {}, format="json").status_code == 400


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("name", sorted(n for n, kind in UNSCOPED.items() if kind == "admin"))
def test_integrations_are_for_admins_only(users, name, role):
    resource = RESOURCES[name]
    client = client_for(users[role])
    listed = client.get(reverse(f"{resource.basename}-list")).status_code
    assert listed == 403, (name, role, listed)
    if resource.has("create"):
        status = client.post(reverse(f"{resource.basename}-list"), {}, format="json").status_code
        assert status == 403, (name, role, status)
    assert client_for(users["admin"]).get(reverse(f"{resource.basename}-list")).status_code == 200


def test_the_competitor_catalogue_is_added_to_by_sellers_and_edited_by_managers(users):
    from opportunities.models import Competitor

    competitor = Competitor.objects.first()
    url = reverse("competitor-detail", kwargs={"pk": competitor.pk})
    rep = client_for(users["owner"])
    assert rep.post(reverse("competitor-list"), {}, format="json").status_code == 400
    assert rep.patch(url, {"name": "Renamed"}, format="json").status_code == 403
    manager = client_for(users["office_manager"])
    assert manager.patch(url, {"name": "Renamed"}, format="json").status_code == 200


def test_users_and_org_units_of_other_regions_are_not_listed_with_their_details(users):
    """Directory data: a rep may pick colleagues, but e-mails of other regions stay hidden."""
    client = client_for(users["other_team_rep"])
    rows = client.get(reverse("user-list") + "?page_size=200").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert rows
    for row in rows:
        assert "password" not in row


def test_approval_requests_are_those_in_scope_and_those_one_is_asked(users):
    from core.approvals.models import ApprovalRequest, ApprovalTask, Delegation

    for role, user in users.items():
        client = client_for(user)
        if role in FENCED:
            assert client.get(reverse("approvalrequest-list")).status_code == 403
            continue
        listed = listed_ids(client, reverse("approvalrequest-list"))
        scoped = set(
            policy.restrict(ApprovalRequest.objects.all(), user).values_list("pk", flat=True)
        )
        asked = set(ApprovalTask.objects.filter(assignee=user).values_list("request_id", flat=True))
        assert listed == scoped | asked, role
        delegations = listed_ids(client, reverse("delegation-list"))
        if not policy.is_admin(user):
            mine = Delegation.objects.filter(from_user=user) | Delegation.objects.filter(
                to_user=user
            )
            assert delegations == set(mine.values_list("pk", flat=True)), role


def test_own_rows_are_the_users_own(users):
    from core.models import Notification

    for role, user in users.items():
        client = client_for(user)
        listed = listed_ids(client, reverse("notification-list"))
        mine = set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))
        assert listed == mine, role


def test_anonymous_requests_are_refused_everywhere(users):
    client = APIClient()
    for resource in RESOURCES.values():
        if resource.has("list"):
            status = client.get(reverse(f"{resource.basename}-list")).status_code
            assert status in (401, 403), resource.name


def test_the_matrix_org_has_every_role(users):
    assert OrgUnit.objects.filter(code="js-carrier").exists()
    assert {u.role for u in users.values()} >= {"sales_rep", "sales_manager", "finance", "admin"}


def test_payment_plans_and_reports_are_scoped_through_their_records(users):
    from accounts.models import Customer
    from contracts.models import Contract
    from receivables.models import PaymentMilestone

    outsider = users["other_region_manager"]
    client = client_for(outsider)
    hidden_contract = min(
        set(Contract.objects.values_list("pk", flat=True)) - ids_of(Contract, outsider, "view")
    )
    plan = {"contract": hidden_contract, "milestones": []}
    response = client.post(reverse("paymentplan-list"), plan, format="json")
    assert response.status_code == 400 and "contract" in response.json()["fields"]

    customer = Customer.objects.filter(contracts__isnull=False).exclude(
        pk__in=ids_of(Customer, outsider, "view")
    )[0]
    url = reverse("receivables-battle-map", kwargs={"customer_id": customer.pk})
    assert client.get(url).status_code == 404
    assert client_for(users["admin"]).get(url).status_code == 200

    assert not ids_of(PaymentMilestone, outsider, "view")  # the demo's cash is all in the south
    ageing = client.get(reverse("receivables-ageing")).json()
    assert all(not row.get("total") or float(row["total"]) == 0 for row in ageing["rows"])


#: Bulk actions of scoped viewsets (not detail routes, so not covered above): each item is
#: held to the same view / change rule as one record at a time.
BULK_UPSERTS = {"CustomerViewSet": "customer", "ContactViewSet": "contact"}


@pytest.mark.parametrize("name", sorted(BULK_UPSERTS))
@pytest.mark.parametrize("role", ROLES)
def test_bulk_upserts_follow_view_and_change_per_item(users, name, role):
    resource = RESOURCES[name]
    assert resource.has("bulk_upsert")
    user = users[role]
    rows = sample(resource, user)
    items, expected = [], []
    for kind, pk in rows.items():
        if pk is None:
            continue
        resource.model._default_manager.filter(pk=pk).update(external_id=f"EXT-{kind}")
        items.append({"external_id": f"EXT-{kind}"})
        expected.append(
            {"change": "unchanged", "view_only": "forbidden", "invisible": "unavailable"}[kind]
        )
    url = reverse(f"{resource.basename}-bulk-upsert")
    response = client_for(user).post(url, {"items": items}, format="json")
    if role in FENCED:
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.content[:300]
    got = [
        {"forbidden": "forbidden", "external_id_unavailable": "unavailable"}.get(
            r.get("error", {}).get("code"), r["status"]
        )
        for r in response.json()["results"]
    ]
    assert got == expected, rows
    for result, (kind, pk) in zip(
        response.json()["results"], [(k, p) for k, p in rows.items() if p], strict=True
    ):
        if kind == "invisible":  # nothing about the hidden row comes back
            assert result["id"] is None and str(pk) not in str(result.get("error"))


@pytest.mark.parametrize("role", ROLES)
def test_bank_statements_are_recorded_by_finance_and_admins_only(users, role):
    user = users[role]
    body = {"account": "6222", "lines": [{"bank_reference": "X"}]}
    response = client_for(user).post(reverse("receipt-bulk"), body, format="json")
    if role in ("finance", "admin"):
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == "error"  # the line lacks its amount
    else:
        assert response.status_code == 403
