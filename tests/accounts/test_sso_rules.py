"""The single sign-on mapping rules (ADR 25): `/api/v1/sso-mapping-rules/` and
`/settings/sign-in-rules/`, administrators only, validated and audited."""

from __future__ import annotations

from accounts.models import SsoMappingRule
from core.choices import Role
from core.models import AuditEvent

URL = "/api/v1/sso-mapping-rules/"


def _events(rule_id):
    return list(
        AuditEvent.objects.filter(target_type__model="ssomappingrule", target_id=rule_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_an_administrator_writes_rules_and_each_change_is_audited(api, org):
    client = api(org.admin)
    made = client.post(
        URL,
        {
            "claim": "groups",
            "pattern": "sales-gd-*",
            "org_unit": org.gd_carrier.pk,
            "role": "sales_rep",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    rule_id = made.json()["id"]
    changed = client.patch(f"{URL}{rule_id}/", {"priority": 5}, format="json")
    assert changed.status_code == 200 and changed.json()["priority"] == 5
    assert client.get(URL).json()["results"][0]["pattern"] == "sales-gd-*"
    assert client.delete(f"{URL}{rule_id}/").status_code == 204
    assert _events(rule_id) == ["created", "updated", "sso_rule.deleted"]


def test_a_rule_that_maps_nothing_or_gives_a_builtin_role_is_refused(api, org):
    from accounts.models import RoleDefinition

    client = api(org.admin)
    empty = client.post(URL, {"claim": "groups", "pattern": "x"}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "invalid"
    builtin = RoleDefinition.objects.create(code="b", name_en="B", builtin=True)
    wrong = client.post(
        URL, {"claim": "groups", "pattern": "x", "grant_role": builtin.pk}, format="json"
    )
    assert wrong.status_code == 400 and "grant_role" in wrong.json()["fields"]
    partner = client.post(
        URL, {"claim": "groups", "pattern": "x", "role": "partner"}, format="json"
    )
    assert partner.status_code == 400 and "role" in partner.json()["fields"]
    assert not SsoMappingRule.objects.exists()


def test_nobody_else_reads_or_writes_the_rules(api, org):
    SsoMappingRule.objects.create(claim="groups", pattern="x", role=Role.SALES_REP)
    for person in (org.rep, org.manager, org.finance):
        assert api(person).get(URL).status_code == 403
        assert api(person).post(URL, {"claim": "a", "pattern": "b"}).status_code == 403


def test_the_page_lists_adds_and_deletes_rules(browser_client, org):
    client = browser_client(org.admin)
    page = client.get("/settings/sign-in-rules/")
    assert page.status_code == 200 and "Sign-in mapping rules" in page.content.decode()
    saved = client.post(
        "/settings/sign-in-rules/new/",
        {
            "claim": "department",
            "pattern": "finance*",
            "role": "finance",
            "grant_scope": "team",
            "priority": 10,
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    rule = SsoMappingRule.objects.get()
    assert (rule.claim, rule.role) == ("department", "finance")
    refused = client.post("/settings/sign-in-rules/new/", {"claim": "a", "pattern": "b"})
    assert refused.status_code == 200 and SsoMappingRule.objects.count() == 1
    assert client.post(f"/settings/sign-in-rules/{rule.pk}/delete/").status_code == 302
    assert not SsoMappingRule.objects.exists()
    client.force_login(org.manager)
    assert client.get("/settings/sign-in-rules/").status_code == 403


def test_a_rule_reads_list_claims_any_case_and_wildcards(db):
    rule = SsoMappingRule(claim="groups", pattern="Sales-*")
    assert rule.matches({"groups": ["staff", "SALES-gd"]})
    assert not rule.matches({"groups": ["presales-gd"]})
    assert not rule.matches({"department": "sales-gd"})
    assert SsoMappingRule(claim="email", pattern="*@corp.example").matches(
        {"email": "a@corp.example"}
    )
