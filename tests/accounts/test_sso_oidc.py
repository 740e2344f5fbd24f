"""Single sign-on by OpenID Connect (issue 22.3, ADR 25) against a real provider: the
django-oidc-provider project in tests/accounts/sso_provider, run in its own process on
127.0.0.1 for this module. Each test walks the authorization-code flow without a browser:
our /sso/oidc/start/ → the provider's authorize → its sign-in form → back to our callback,
which exchanges the code, checks the ID token's signature (JWKS) and nonce, and reads the
userinfo."""

from __future__ import annotations

import json
import re
import tempfile
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from accounts.models import RoleAssignment, RoleDefinition, SsoMappingRule, User
from core.choices import Role, RoleScope
from core.models import AuditEvent

from .sso_support import PYTHON, start_process, stop_process

CLIENT = {
    "client_id": "ltc-crm",
    "client_secret": "a-long-client-secret-for-the-test-provider",
    "redirect_uri": "http://testserver/sso/oidc/callback/",
}
PASSWORD = "provider-pass-2026"
PEOPLE = [
    {"username": "alice", "email": "alice@corp.example", "first_name": "Alice"},
    {"username": "bob", "email": "bob.new@corp.example", "employee_id": "E100"},
    {
        "username": "carol",
        "email": "carol@corp.example",
        "first_name": "Carol",
        "last_name": "Chen",
        "employee_id": "E200",
        "groups": ["staff", "sales-gd-carrier"],
        "department": "presales",
    },
    {"username": "dave", "email": "dave@corp.example"},
    {"username": "erin", "email": "erin@corp.example"},
]


@pytest.fixture(scope="module")
def provider():
    with tempfile.TemporaryDirectory() as directory:
        env = {
            "OP_DATABASE": f"{directory}/provider.sqlite3",
            "OP_CLIENT": json.dumps(CLIENT),
            "OP_USERS": json.dumps([{**p, "password": PASSWORD} for p in PEOPLE]),
            "DJANGO_SETTINGS_MODULE": "tests.accounts.sso_provider.settings",
        }
        process, line = start_process(
            [PYTHON, "-m", "tests.accounts.sso_provider.server"], env, "READY"
        )
        try:
            yield f"http://127.0.0.1:{line.split()[1]}"
        finally:
            stop_process(process)


@pytest.fixture
def sso(provider, settings):
    settings.OIDC_RP_CLIENT_ID = CLIENT["client_id"]
    settings.OIDC_RP_CLIENT_SECRET = CLIENT["client_secret"]
    settings.OIDC_OP_DISCOVERY_URL = f"{provider}/openid/.well-known/openid-configuration"
    settings.OIDC_RP_SCOPES = "openid email profile company"
    settings.OIDC_PROVIDER_NAME = "Corp IdP"
    settings.SSO_CREATE_USERS = True
    settings.SSO_PASSWORDS_OFF = True
    return provider


def sign_in_at_provider(client, username: str, *, before_callback=None):
    """The whole flow; answers our callback's response."""
    start = client.get("/sso/oidc/start/")
    assert start.status_code == 302, start
    url = start["Location"]
    with requests.Session() as browser:
        for _ in range(8):  # authorize → login → authorize → our callback
            if url.startswith("http://testserver/"):
                break
            answer = browser.get(url, allow_redirects=False, timeout=10)
            if answer.status_code == 200 and "csrfmiddlewaretoken" in answer.text:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
                answer = browser.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": token.group(1),
                        "username": username,
                        "password": PASSWORD,
                        "next": parse_qs(urlsplit(url).query)["next"][0],
                    },
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=10,
                )
            assert answer.status_code == 302, answer.text[:500]
            url = urljoin(url, answer.headers["Location"])
        else:
            raise AssertionError("the provider never sent us back")
    if before_callback:
        before_callback(client, parse_qs(urlsplit(url).query))
    return client.get(url.removeprefix("http://testserver"))


def signed_in_user(client):
    return client.get("/").wsgi_request.user


def test_the_sign_in_page_offers_the_provider(sso, client, db):
    page = client.get("/login/")
    assert "Sign in with Corp IdP" in page.content.decode()


def test_a_known_person_is_matched_by_e_mail_and_loses_the_password(sso, client, org):
    alice = User.objects.create_user(
        "alice.local", email="Alice@Corp.Example", password="local-pass-2026", org_unit=org.gd
    )
    answer = sign_in_at_provider(client, "alice")
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert signed_in_user(client) == alice
    alice.refresh_from_db()
    assert alice.identity_source == "oidc" and not alice.password_sign_in
    assert not alice.has_usable_password()
    assert User.objects.filter(email__iexact="alice@corp.example").count() == 1

    # Their password here is switched off: the form and the token endpoint say so.
    client.logout()
    page = client.post("/login/", {"username": "alice.local", "password": "local-pass-2026"})
    assert page.status_code == 200
    assert "signs in through Corp IdP" in page.content.decode()
    token = client.post(
        "/api/v1/auth/token/", {"username": "alice.local", "password": "local-pass-2026"}
    )
    assert token.status_code == 400 and token.json()["code"] == "password_sign_in_off"


def test_a_known_person_is_matched_by_employee_id(sso, client, org):
    bob = User.objects.create_user("bob", email="bob@old.example", employee_id="E100")
    answer = sign_in_at_provider(client, "bob")
    assert answer.status_code == 302
    assert signed_in_user(client) == bob
    assert not User.objects.filter(email="bob.new@corp.example").exists()


def test_a_new_person_is_provisioned_and_mapped_by_the_rules(sso, client, org):
    presales = RoleDefinition.objects.create(
        code="presales", name_en="Presales", permissions=["opportunities.view"]
    )
    SsoMappingRule.objects.create(claim="groups", pattern="staff", role=Role.SALES_REP)
    SsoMappingRule.objects.create(
        claim="groups", pattern="SALES-GD-*", org_unit=org.gd_carrier, role=Role.SALES_MANAGER
    )
    # A lower priority number is read first: it sets the role, the unit comes from the next.
    SsoMappingRule.objects.filter(pattern="staff").update(priority=200)
    SsoMappingRule.objects.create(
        claim="department", pattern="presales", grant_role=presales, grant_scope="subtree"
    )
    answer = sign_in_at_provider(client, "carol")
    assert answer.status_code == 302
    carol = User.objects.get(employee_id="E200")
    assert signed_in_user(client) == carol
    assert (carol.username, carol.email) == ("carol", "carol@corp.example")
    assert (carol.first_name, carol.last_name) == ("Carol", "Chen")
    assert carol.org_unit == org.gd_carrier and carol.role == Role.SALES_MANAGER
    assigned = RoleAssignment.objects.get(user=carol)
    assert (assigned.role, assigned.org_unit, assigned.scope) == (
        presales,
        org.gd_carrier,
        RoleScope.SUBTREE,
    )
    assert carol.role_grants and carol.role_grants[0]["role"] == "presales"
    actions = set(AuditEvent.objects.filter(target_id=carol.pk).values_list("action", flat=True))
    assert {"created", "role.assigned"} <= actions


def test_an_unknown_person_is_refused_with_a_page_when_provisioning_is_off(
    sso, client, db, settings
):
    settings.SSO_CREATE_USERS = False
    answer = sign_in_at_provider(client, "dave")
    assert answer.status_code == 403
    assert "dave@corp.example has no account here yet" in answer.content.decode()
    assert not User.objects.filter(email="dave@corp.example").exists()
    assert not signed_in_user(client).is_authenticated


def test_a_wrong_state_is_refused(sso, client, db):
    client.get("/sso/oidc/start/")
    answer = client.get("/sso/oidc/callback/", {"code": "stolen", "state": "not-ours"})
    assert answer.status_code == 400
    assert "could not be verified" in answer.content.decode()
    # Without a sign-in started here at all, the same.
    client.logout()
    answer = client.get("/sso/oidc/callback/", {"code": "stolen", "state": "not-ours"})
    assert answer.status_code == 400 and not signed_in_user(client).is_authenticated


def test_a_wrong_nonce_is_refused(sso, client, db):
    def forge_nonce(client, query):
        session = client.session
        states = session["oidc_states"]
        states[query["state"][0]]["nonce"] = "another-nonce"
        session["oidc_states"] = states
        session.save()

    answer = sign_in_at_provider(client, "erin", before_callback=forge_nonce)
    assert answer.status_code == 400
    assert not User.objects.filter(email="erin@corp.example").exists()
    assert not signed_in_user(client).is_authenticated


def test_without_a_provider_there_is_no_button_and_no_flow(client, db, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Sign in with" not in client.get("/login/").content.decode()
    assert client.get("/sso/oidc/start/").status_code == 404
    assert client.get("/sso/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_an_e_mail_that_is_another_accounts_is_refused_with_a_page(sso, client, org):
    User.objects.create_user("bob", email="", employee_id="E100")
    User.objects.create_user("someone", email="bob.new@corp.example")
    answer = sign_in_at_provider(client, "bob")
    assert answer.status_code == 403
    assert "belongs to another account" in answer.content.decode()
    assert not signed_in_user(client).is_authenticated
