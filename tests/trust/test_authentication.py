"""Signing in: lockout after repeated failures (page and API token), two-factor codes for
administrators and finance, and production hashing (tests/ltc/test_settings.py)."""

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # the factories' password


@pytest.fixture
def rep(org):
    return org.rep


def login_page(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_login_page_locks_a_user_out_after_repeated_failures(client, rep):
    for _attempt in range(2):
        response = login_page(client, "rep", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = login_page(client, "rep", "wrong")
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    # Locked: even the right password is refused now, and no session is made.
    response = login_page(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_login_resets_the_failure_count(client, rep):
    login_page(client, "rep", "wrong")
    login_page(client, "rep", "wrong")
    assert login_page(client, "rep", PASSWORD).status_code == 302
    client.logout()
    login_page(client, "rep", "wrong")
    assert login_page(client, "rep", PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_api_token_endpoint_counts_failures_and_locks_out(rep):
    client = APIClient()
    for _attempt in range(3):
        response = client.post("/api/v1/auth/token/", {"username": "rep", "password": "no"})
        assert response.status_code in (400, 429)
    response = client.post("/api/v1/auth/token/", {"username": "rep", "password": PASSWORD})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
    # Another user from the same address is not locked out by rep's failures.
    UserFactory(username="other")
    response = client.post("/api/v1/auth/token/", {"username": "other", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


def test_the_api_token_endpoint_issues_a_token_for_good_credentials(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


# --- two factors -----------------------------------------------------------------------------


@pytest.fixture
def finance_with_device(org):
    device = TOTPDevice.objects.create(user=org.finance, name="phone", confirmed=True)
    return org.finance, device


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # a wrong code otherwise delays the next try
def test_finance_with_a_device_must_enter_a_code_before_any_page(client, finance_with_device):
    user, device = finance_with_device
    response = login_page(client, user.username, PASSWORD)
    assert response.status_code == 302
    response = client.get("/collections/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/")
    assert client.get("/api/v1/receipts/").status_code == 403
    response = client.post("/two-factor/", {"otp_token": "000000", "next": "/collections/"})
    assert response.status_code == 200 and b"not valid" in response.content
    response = client.post("/two-factor/", {"otp_token": current_code(device), "next": "/"})
    assert response.status_code == 302
    assert client.get("/collections/").status_code == 200
    assert client.get("/api/v1/receipts/").status_code == 200


def test_a_rep_is_never_asked_for_a_code(client, org):
    TOTPDevice.objects.create(user=org.rep, name="phone", confirmed=True)
    login_page(client, "rep", PASSWORD)
    assert client.get("/leads/").status_code == 200


def test_admins_without_a_device_sign_in_with_a_password_unless_required(client, org):
    login_page(client, "admin", PASSWORD)
    assert client.get("/leads/").status_code == 200
    with override_settings(REQUIRE_TWO_FACTOR=True):
        response = client.get("/leads/")
        assert response["Location"].startswith("/two-factor/setup/")
        page = client.get(response["Location"])
        assert b"otpauth://totp/" in page.content
        device = TOTPDevice.objects.get(user=org.admin, confirmed=False)
        response = client.post("/two-factor/setup/", {"otp_token": current_code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/leads/").status_code == 200


def test_the_token_endpoint_wants_a_code_from_users_with_a_device(finance_with_device):
    user, device = finance_with_device
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400 and "otp_token" in response.json()["fields"]
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert response.status_code == 200 and response.json()["token"]


def test_the_session_and_csrf_protect_the_login_page(org):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 403  # no CSRF token


def test_a_wrong_code_throttles_the_next_attempts(client, finance_with_device):
    user, device = finance_with_device
    login_page(client, user.username, PASSWORD)
    client.post("/two-factor/", {"otp_token": "000000"})
    response = client.post("/two-factor/", {"otp_token": current_code(device)})
    assert response.status_code == 200  # still on the code page: throttled
    assert client.get("/collections/").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_locked_out_token_request_says_it_is_locked_out_as_the_page_does(rep):
    client = APIClient()
    for _attempt in range(2):
        response = client.post("/api/v1/auth/token/", {"username": "rep", "password": "no"})
        assert response.status_code == 400 and response.json()["code"] == "invalid"
    for password in ("no", PASSWORD):  # the attempt that locks, then even the right password
        response = client.post("/api/v1/auth/token/", {"username": "rep", "password": password})
        assert response.status_code == 429, response.json()
        body = response.json()
        assert body["code"] == "locked_out"
        assert body["message"].startswith("Too many failed sign-in attempts")
        assert int(response["Retry-After"]) > 0
    page = Client().post("/login/", {"username": "rep", "password": PASSWORD})
    assert body["message"] in page.content.decode()


@override_settings(AXES_FAILURE_LIMIT=1)
def test_the_lockout_message_of_the_token_endpoint_is_translated(rep):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.post("/api/v1/auth/token/", {"username": "rep", "password": "no"})
    response = client.post("/api/v1/auth/token/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录" in response.json()["message"], response.json()
