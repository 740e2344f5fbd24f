"""/settings/ leads each person to what they may configure, and the navigation shows it only
to people who configure something."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ALL = [
    "roles:list",
    "custom-fields",
    "approval-chains",
    "keyaccounts:settings",
    "configuration",
    "delegations",
]


def _links(response) -> set[str]:
    return {name for name in ALL if f'href="{reverse(name)}"' in response.content.decode()}


def test_an_administrator_is_led_to_everything_configured_without_code(org, browser_client):
    client = browser_client(org.admin)
    page = client.get(reverse("settings-index"))
    assert page.status_code == 200
    assert _links(page) == set(ALL)
    assert f'href="{reverse("settings-index")}"' in client.get(reverse("home")).content.decode()


def test_a_sales_manager_sees_roles_and_the_units_settings_only(org, browser_client):
    page = browser_client(org.manager).get(reverse("settings-index"))
    assert _links(page) == {"roles:list", "keyaccounts:settings", "delegations"}


def test_a_rep_has_no_settings_in_the_menu_but_reaches_their_stand_in(org, browser_client):
    client = browser_client(org.rep)
    assert f'href="{reverse("settings-index")}"' not in client.get(reverse("home")).content.decode()
    assert _links(client.get(reverse("settings-index"))) == {"delegations"}


def test_the_settings_page_speaks_chinese(org, browser_client):
    client = browser_client(org.admin)
    page = client.get(reverse("settings-index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "设置" in text and "审批链" in text and "Approval chains" not in text


def test_anonymous_visitors_are_sent_to_sign_in(client):
    page = client.get(reverse("settings-index"))
    assert page.status_code == 302 and reverse("login") in page["Location"]
