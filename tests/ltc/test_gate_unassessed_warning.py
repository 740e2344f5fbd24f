"""A gate decided before every seat has assessed says so, naming who has not, above the
decision form and in the confirmation question, in English and Chinese."""

import html
import re
from decimal import Decimal

import pytest

from tests.factories import OpportunityFactory, team
from tests.ltc.test_gates import assess, decide, open_gate

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_id(org, api):
    opportunity = OpportunityFactory(
        owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("1000000")
    )
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert assess(api, org.rep, review_id, "ar").status_code == 200
    return review_id


def _confirm_question(page: str) -> str:
    return html.unescape(re.search(r'data-confirm="([^"]*)"', page).group(1))


def test_the_decide_form_names_the_seats_that_have_not_assessed(org, client, review_id):
    client.force_login(org.manager)
    page = client.get(f"/gates/{review_id}/").content.decode()
    sentence = html.unescape(re.search(r'id="unassessed">([^<]*)<', page).group(1))
    assert sentence.startswith("Not assessed yet:")
    assert f"{org.sr} (SR)" in sentence and f"{org.fr} (FR)" in sentence
    assert f"{org.rep} (AR)" not in sentence
    question = _confirm_question(page)
    assert question.startswith(sentence) and question.endswith("It cannot be undone.")


def test_the_sentence_is_gone_once_every_seat_has_assessed(org, client, api, review_id):
    assess(api, org.sr, review_id, "sr")
    assess(api, org.fr, review_id, "fr")
    client.force_login(org.manager)
    page = client.get(f"/gates/{review_id}/").content.decode()
    assert 'id="unassessed"' not in page
    assert _confirm_question(page) == "Record this gate decision? It cannot be undone."


def test_the_sentence_speaks_chinese(org, client, review_id):
    org.manager.language = "zh-hans"
    org.manager.save(update_fields=["language"])
    client.force_login(org.manager)
    page = client.get(f"/gates/{review_id}/").content.decode()
    sentence = html.unescape(re.search(r'id="unassessed">([^<]*)<', page).group(1))
    assert "Not assessed" not in sentence and "Go needs" not in sentence
    assert f"{org.sr}（SR）" in sentence and "、" in sentence
    assert sentence in _confirm_question(page)


def test_the_api_refuses_go_naming_the_missing_seats_and_lets_hold_pass(org, api, review_id):
    refused = decide(api, org.manager, review_id)
    assert refused.status_code == 400 and refused.json()["code"] == "assessments_missing"
    assert len(refused.json()["fields"]["decision"]) == 2
    assert decide(api, org.manager, review_id, "hold", "rework").status_code == 200
