"""The seat refusal and the picker's prompt speak Chinese to a user who chose it."""

import pytest

from tests.factories import OpportunityFactory, team

pytestmark = pytest.mark.django_db


def test_the_refusal_and_the_prompt_in_chinese(org, client, api):
    org.manager.language = "zh-hans"
    org.manager.save(update_fields=["language"])
    opportunity = OpportunityFactory(owner=org.manager, team=team(ar=org.manager))
    client.force_login(org.manager)
    page = client.get(f"/opportunities/{opportunity.pk}/team/").content.decode()
    assert 'data-picker="输入姓名查找"' in page
    refused = client.post(
        f"/opportunities/{opportunity.pk}/team/", {"ar": org.manager.pk, "sr": org.manager.pk}
    ).content.decode()
    assert "已担任" in refused and "already holds" not in refused
    body = api(org.manager).put(
        f"/api/v1/opportunities/{opportunity.pk}/team/",
        {"sr": org.manager.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert body.json()["message"] == "同一人不能在铁三角中担任两个席位。"
