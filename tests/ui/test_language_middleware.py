"""A request speaks its user's language and leaves the worker's language as it found it, so
the next request (or task) served by the same thread does not inherit it."""

import pytest
from django.utils import translation

from accounts.choices import Industry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_users_language_does_not_outlive_the_request(client, org):
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    client.force_login(org.rep)
    with translation.override("en"):
        response = client.get("/")
        assert response["Content-Language"] == "zh-hans"
        assert "首页" in response.content.decode() or 'lang="zh-hans"' in response.content.decode()
        assert translation.get_language() == "en"
    client.logout()
    anonymous = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous["Content-Language"] == "en"
    assert "Log in" in anonymous.content.decode() or "Sign in" in anonymous.content.decode()


def test_a_streamed_download_is_made_in_the_users_language(client, org):
    """Its rows are produced after the view returns: still in the user's language, and the
    thread's own language comes back between chunks."""
    CustomerFactory(name="Hospital One", industry="healthcare", owner=org.rep)
    org.manager.language = "zh-hans"
    org.manager.save(update_fields=["language"])
    client.force_login(org.manager)
    with translation.override("en"):
        response = client.get("/customers/export/?file_format=csv")
        assert response.status_code == 200 and response.streaming
        assert translation.get_language() == "en"
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert translation.get_language() == "en"
    with translation.override("zh-hans"):
        healthcare = str(Industry.HEALTHCARE.label)
    assert healthcare != "Healthcare" and healthcare in body
