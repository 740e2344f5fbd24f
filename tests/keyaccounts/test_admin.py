"""The admin shows every key-account model and changes none: writes go through the services
(scope, version, audit), and the rollups are derived."""

import pytest
from django.apps import apps
from django.contrib import admin

from keyaccounts.services.accounts import profile_for
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_every_model_is_registered():
    models = set(apps.get_app_config("keyaccounts").get_models())
    assert models <= set(admin.site._registry)


def test_the_admin_reads_but_neither_adds_nor_changes(client, org):
    client.force_login(org.admin)
    for model in apps.get_app_config("keyaccounts").get_models():
        base = f"/admin/keyaccounts/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}add/").status_code == 403, base
    profile = profile_for(CustomerFactory(owner=org.rep))
    page = client.get(f"/admin/keyaccounts/accountprofile/{profile.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
