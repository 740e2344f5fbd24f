"""Who decides a gate today, pinned through the API before the gate's decision moved onto the
approval engine (ADR 17, issue 20.3): an ordinary review (the team's manager or one above),
an escalated one (the office), a contract change's review (always the office); what everyone
else gets (403 `gate_authority`, 404 out of sight, 409 `gate_decided` once decided) and the
gate's own rules (go needs every seat, hold needs a reason, stop does not)."""

from decimal import Decimal

import pytest

from core.models import AuthorityRule
from tests.contracts.conftest import contract, drive  # noqa: F401
from tests.contracts.test_changes import delivering, raise_change, take_up  # noqa: F401
from tests.opportunities.conftest import assess_all, decide, open_gate, opportunity  # noqa: F401

pytestmark = pytest.mark.django_db


def statuses(api, review_id, users, decision="stop"):
    """Each user's answer to deciding (a stop needs no assessments), read only: every call
    but a 200 leaves the review open."""
    found = {}
    for name, user in users.items():
        response = decide(api, user, review_id, decision, "Pinned.")
        found[name] = (response.status_code, response.json().get("code"))
        assert response.status_code != 200, name
    return found


def test_an_ordinary_gate_is_decided_by_the_teams_manager_or_one_above(
    org,
    api,
    opportunity,  # noqa: F811
):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    refused = statuses(
        api,
        review_id,
        {"rep": org.rep, "sr": org.sr, "other_manager": org.other_region_manager},
    )
    assert refused == {
        "rep": (403, "gate_authority"),
        "sr": (403, "gate_authority"),
        "other_manager": (404, "not_found"),
    }
    missing = decide(api, org.manager, review_id, "go", "Go")
    assert missing.status_code == 400 and missing.json()["code"] == "assessments_missing"
    hold = decide(api, org.manager, review_id, "hold", "")
    assert hold.status_code == 400 and "comment" in hold.json()["fields"]
    assess_all(api, org, review_id)
    assert decide(api, org.director, review_id, "go", "From above").status_code == 200
    again = decide(api, org.manager, review_id, "stop", "")
    assert again.status_code == 409 and again.json()["code"] == "gate_decided"


def test_the_teams_manager_stops_without_a_reason(org, api, opportunity):  # noqa: F811
    review_id = open_gate(api, org.manager, opportunity).json()["id"]
    stopped = decide(api, org.manager, review_id, "stop", "")
    assert stopped.status_code == 200 and stopped.json()["state"] == "stop"


def test_an_escalated_gate_is_decided_only_at_the_office_or_above(
    org,
    api,
    opportunity,  # noqa: F811
):
    AuthorityRule.objects.create(org_unit=org.gd, max_amount=Decimal("10"))
    review = open_gate(api, org.rep, opportunity).json()
    assert review["escalated"] is True
    refused = statuses(api, review["id"], {"manager": org.manager, "rep": org.rep})
    assert refused == {"manager": (403, "gate_authority"), "rep": (403, "gate_authority")}
    assess_all(api, org, review["id"])
    decided = decide(api, org.director, review["id"], "go", "Office agrees")
    assert decided.status_code == 200 and decided.json()["state"] == "go"
    assert decided.json()["decided_by"] == org.director.pk


def test_a_change_review_is_decided_only_at_the_office(org, drive, delivering, api):  # noqa: F811
    change = raise_change(drive, org.rep, delivering[0], new_amount="1200000.00")
    review = take_up(drive, org, change["id"])
    refused = statuses(api, review.pk, {"manager": org.manager, "fr": org.fr}, decision="go")
    assert refused == {"manager": (403, "gate_authority"), "fr": (403, "gate_authority")}
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, comment="Office agrees.")
    again = drive.decide(org.director, review.pk, decision="stop", expect=409)
    assert again["code"] == "gate_decided"
