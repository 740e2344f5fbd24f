"""Fixtures of the contract-execution tests: uploaded files go to a temporary MEDIA_ROOT, a
contract with its full iron triangle, and helpers to drive it through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import hooks
from core.gates import GATE_TOPICS
from tests.factories import ContractFactory, DirectContractRuleFactory, team

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def days(n: int) -> dt.date:
    """`n` days from today, read when called (a run may cross midnight in the app's zone)."""
    return timezone.localdate() + dt.timedelta(days=n)


def pdf(name: str = "certificate.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def rule(org):
    """`rule(kind, currency="CNY")`: the company's rule for direct contracts of `kind`
    (ADR 14), for any role up to 10M, made once per kind and currency."""
    made = {}

    def make(kind: str, currency: str = "CNY"):
        if (kind, currency) not in made:
            made[kind, currency] = DirectContractRuleFactory(
                kind=kind, org_unit=org.hq, currency=currency
            )
        return made[kind, currency]

    return make


@pytest.fixture
def contract(org):
    """A draft contract in the GD carrier team run by rep (AR), sr and fr, ready to sign."""
    return ContractFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        amount=Decimal("1000000.00"),
        planned_cost=Decimal("700000.00"),
        signed_on=days(-30),
        starts_on=days(-30),
        ends_on=days(335),
    )


class Driver:
    """Drives a contract through the API as the org's users, asserting each step worked."""

    def __init__(self, api, org):
        self.api, self.org = api, org

    def post(self, user, url, data=None, expect=200, **kwargs):
        response = self.api(user).post(url, data or {}, format=kwargs.pop("format", "json"))
        assert response.status_code == expect, (url, response.status_code, response.json())
        return response.json()

    def transition(self, user, contract, name, expect=200, **data):
        return self.post(
            user, f"/api/v1/contracts/{contract.pk}/transitions/{name}/", data, expect=expect
        )

    def milestone(self, contract, kind, planned, user=None, expect=201, **extra):
        return self.post(
            user or self.org.fr,
            "/api/v1/delivery-milestones/",
            {"contract": contract.pk, "kind": kind, "planned_date": str(planned), **extra},
            expect=expect,
        )

    def reach(self, milestone_id, user=None, expect=200, evidence=True, **data):
        client = self.api(user or self.org.fr)
        if evidence:
            data = {"document": pdf(), "document_kind": "acceptance_certificate", **data}
            response = client.post(
                f"/api/v1/delivery-milestones/{milestone_id}/reach/", data, format="multipart"
            )
        else:
            response = client.post(
                f"/api/v1/delivery-milestones/{milestone_id}/reach/", data, format="json"
            )
        assert response.status_code == expect, response.json()
        return response.json()

    def sign_and_accept(self, contract):
        self.transition(self.org.rep, contract, "sign")
        self.post(self.org.rep, f"/api/v1/contracts/{contract.pk}/confirm/")
        return self.post(self.org.fr, f"/api/v1/contracts/{contract.pk}/confirm/")

    def deliver(self, contract):
        """Sign, accept, plan arrival and acceptance, deliver and reach them: `delivered`."""
        self.sign_and_accept(contract)
        arrival = self.milestone(contract, "arrival", days(-10))
        acceptance = self.milestone(contract, "acceptance", days(-2))
        self.transition(self.org.fr, contract, "start_delivery")
        self.reach(arrival["id"], actual_date=str(days(-9)))
        self.reach(acceptance["id"], actual_date=str(days(-1)))
        return self.transition(self.org.fr, contract, "deliver")

    def assess_all(self, review_id, kind, risk="low"):
        for user, role in ((self.org.rep, "ar"), (self.org.sr, "sr"), (self.org.fr, "fr")):
            self.post(
                user,
                f"/api/v1/gate-reviews/{review_id}/assessments/",
                {
                    "verdict": "go",
                    "confidence": 80,
                    "risk_level": risk,
                    "topics": {k: "assessed" for k, _label in GATE_TOPICS[kind][role]},
                },
            )

    def decide(self, user, review_id, decision="go", comment="Decided.", expect=200):
        return self.post(
            user,
            f"/api/v1/gate-reviews/{review_id}/decision/",
            {"decision": decision, "comment": comment},
            expect=expect,
        )

    def close(self, contract):
        review = self.post(
            self.org.fr, f"/api/v1/contracts/{contract.pk}/close-review/", expect=201
        )
        self.assess_all(review["id"], "close")
        return self.decide(self.org.manager, review["id"])


@pytest.fixture
def drive(api, org):
    return Driver(api, org)


@pytest.fixture
def events(monkeypatch):
    """Record the payloads of business events emitted during the test (listeners still run)."""
    seen: dict[str, list[dict]] = {}

    def record(name):
        def listener(**payload):
            seen.setdefault(name, []).append(payload)

        return listener

    for name in hooks.EVENTS:
        monkeypatch.setitem(hooks._listeners, name, [*hooks._listeners[name], record(name)])
    return seen
