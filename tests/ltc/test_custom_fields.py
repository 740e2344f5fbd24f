"""Custom fields (issue 20.2): definitions, values checked on every way in, requirement by
state, retire and rename keeping the data, filters and the API's description."""

from __future__ import annotations

import pytest

from accounts.models import Customer
from core.audit import timeline
from core.custom_fields import CustomField, validate
from core.custom_fields.services import custom_field_create
from core.errors import ValidationFailed
from opportunities.models import Opportunity
from tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db

CHOICES = [
    {"value": "gold", "label_en": "Gold", "label_zh": "金"},
    {"value": "silver", "label_en": "Silver", "label_zh": "银"},
]


def define(by, target="accounts.customer", key="segment", type="text", **extra):
    data = {"target": target, "key": key, "label_en": key.title(), "label_zh": key, "type": type}
    return custom_field_create(by=by, data={**data, **extra})


# --- definitions ---------------------------------------------------------------------------


def test_an_administrator_defines_a_field_and_everyone_reads_it(org, api):
    body = {
        "target": "accounts.customer",
        "key": "segment",
        "label_en": "Segment",
        "label_zh": "细分",
        "type": "choice",
        "choices": CHOICES,
    }
    made = api(org.admin).post("/api/v1/custom-fields/", body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["key"] == "segment"
    listed = api(org.rep).get("/api/v1/custom-fields/?target=accounts.customer")
    assert [row["key"] for row in listed.json()["results"]] == ["segment"]
    assert api(org.rep).post("/api/v1/custom-fields/", body, format="json").status_code == 403
    event = timeline(CustomField.objects.get()).get(action="created")
    assert event.actor == org.admin and event.changes["key"] == "segment"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"type": "nonsense"}, "type"),
        ({"target": "core.nothing"}, "target"),
        ({"type": "choice", "choices": []}, "choices"),
        ({"type": "choice", "choices": [{"value": "a"}]}, "choices.0.label_en"),
        ({"type": "text", "choices": CHOICES}, "choices"),
        ({"required_in_states": ["nowhere"]}, "required_in_states"),
        ({"label_en": ""}, "label_en"),
    ],
)
def test_an_invalid_definition_is_a_400_naming_the_field(org, api, change, field):
    body = {
        "target": "accounts.customer",
        "key": "segment",
        "label_en": "Segment",
        "label_zh": "细分",
        "type": "text",
        **change,
    }
    response = api(org.admin).post("/api/v1/custom-fields/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not CustomField.objects.exists()


def test_a_key_is_taken_once_per_record_type(org, api):
    define(org.admin)
    body = {"target": "accounts.customer", "key": "segment", "label_en": "S", "label_zh": "S"}
    response = api(org.admin).post(
        "/api/v1/custom-fields/", {**body, "type": "text"}, format="json"
    )
    assert response.status_code == 400 and "key" in response.json()["fields"]
    assert define(org.admin, target="leads.lead").pk  # another record type may use it


def test_key_target_and_type_are_fixed_and_a_rename_keeps_the_values(org, api):
    field = define(org.admin)
    customer = CustomerFactory(owner=org.rep, custom={"segment": "telecom"})
    url = f"/api/v1/custom-fields/{field.pk}/"
    for change in ({"key": "other"}, {"type": "number"}, {"target": "leads.lead"}):
        response = api(org.admin).patch(url, change, format="json")
        assert response.status_code == 400, change
    renamed = api(org.admin).patch(url, {"label_en": "Market", "label_zh": "市场"}, format="json")
    assert renamed.status_code == 200
    event = timeline(field).get(action="updated")
    assert event.changes["label_en"] == ["Segment", "Market"]
    got = api(org.rep).get(f"/api/v1/customers/{customer.pk}/").json()
    assert got["custom"] == {"segment": "telecom"}


def test_retiring_a_field_hides_it_and_keeps_the_values(org, api):
    field = define(org.admin, required_in_states=["*"])
    customer = CustomerFactory(owner=org.rep, custom={"segment": "telecom"})
    response = api(org.admin).patch(
        f"/api/v1/custom-fields/{field.pk}/", {"retired": True}, format="json"
    )
    assert response.status_code == 200
    # No longer required or checked; the stored value stays and a new write keeps it.
    changed = api(org.rep).patch(
        f"/api/v1/customers/{customer.pk}/", {"address": "Guangzhou"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["custom"] == {"segment": "telecom"}
    customer.refresh_from_db()
    assert customer.custom == {"segment": "telecom"}
    event = timeline(field).get(action="updated")
    assert event.changes["retired"] == [False, True]


# --- values: each type through the API -----------------------------------------------------

GOOD_AND_BAD = [
    ("text", {}, "Telecom", "Telecom", 42),
    ("long_text", {}, "Many\nlines", "Many\nlines", ["x"]),
    ("number", {}, "12.50", "12.5", "twelve"),
    ("number", {}, 7, "7", True),
    (
        "money",
        {},
        {"amount": "1,000.50", "currency": "USD"},
        {"amount": "1000.50", "currency": "USD"},
        {"amount": "-3"},
    ),
    ("money", {}, {"amount": "5"}, {"amount": "5.00", "currency": "CNY"}, "5"),
    ("date", {}, "2026-12-31", "2026-12-31", "31/12/2026"),
    ("date", {}, "2026-01-02", "2026-01-02", "0001-01-01"),
    ("choice", {"choices": CHOICES}, "gold", "gold", "bronze"),
    ("multi_choice", {"choices": CHOICES}, ["gold", "silver"], ["gold", "silver"], "gold"),
    ("multi_choice", {"choices": CHOICES}, ["gold"], ["gold"], ["gold", "tin"]),
    ("yes_no", {}, True, True, "yes"),
]


@pytest.mark.parametrize(("kind", "extra", "good", "stored", "bad"), GOOD_AND_BAD)
def test_each_type_takes_its_values_and_refuses_others_naming_the_key(
    org, api, kind, extra, good, stored, bad
):
    define(org.admin, key="extra", type=kind, **extra)
    customer = CustomerFactory(owner=org.rep)
    url = f"/api/v1/customers/{customer.pk}/"
    refused = api(org.rep).patch(url, {"custom": {"extra": bad}, "address": "X"}, format="json")
    assert refused.status_code == 400, refused.json()
    assert list(refused.json()["fields"]) == ["custom.extra"]
    customer.refresh_from_db()
    assert customer.custom == {} and customer.address != "X"  # nothing half-saved
    taken = api(org.rep).patch(url, {"custom": {"extra": good}}, format="json")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["custom"] == {"extra": stored}


def test_a_user_field_takes_an_active_colleague(org, api):
    define(org.admin, key="sponsor", type="user")
    customer = CustomerFactory(owner=org.rep)
    url = f"/api/v1/customers/{customer.pk}/"
    org.teammate.is_active = False
    org.teammate.save()
    for bad in (org.teammate.pk, 999999, "abc"):
        response = api(org.rep).patch(url, {"custom": {"sponsor": bad}}, format="json")
        assert response.status_code == 400 and "custom.sponsor" in response.json()["fields"]
    response = api(org.rep).patch(url, {"custom": {"sponsor": org.manager.pk}}, format="json")
    assert response.json()["custom"] == {"sponsor": org.manager.pk}


def test_unknown_keys_and_non_objects_are_refused(org, api):
    customer = CustomerFactory(owner=org.rep)
    url = f"/api/v1/customers/{customer.pk}/"
    response = api(org.rep).patch(url, {"custom": {"nothing": 1}}, format="json")
    assert response.status_code == 400 and "custom.nothing" in response.json()["fields"]
    response = api(org.rep).patch(url, {"custom": ["a"]}, format="json")
    assert response.status_code == 400 and "custom" in response.json()["fields"]


def test_a_write_changes_the_keys_it_names_and_null_clears_one(org, api):
    define(org.admin, key="a")
    define(org.admin, key="b")
    customer = CustomerFactory(owner=org.rep, custom={"a": "1", "b": "2"})
    url = f"/api/v1/customers/{customer.pk}/"
    response = api(org.rep).patch(url, {"custom": {"a": "3", "b": None}}, format="json")
    assert response.json()["custom"] == {"a": "3"}
    event = timeline(customer).filter(action="updated").first()
    assert event.changes["custom"] == [{"a": "1", "b": "2"}, {"a": "3"}]


def test_a_field_required_always_is_required_on_create(org, api):
    define(org.admin, key="segment", required_in_states=["*"])
    body = {"name": "Guangdong Mobile", "custom": {}}
    response = api(org.rep).post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400 and "custom.segment" in response.json()["fields"]
    assert not Customer.objects.exists()
    body["custom"] = {"segment": "telecom"}
    response = api(org.rep).post("/api/v1/customers/", body, format="json")
    assert response.status_code == 201, response.json()


def test_the_validator_directly(org):
    define(org.admin, key="n", type="number")
    assert validate(Customer, {"n": "1.2300"}) == {"n": "1.23"}
    with pytest.raises(ValidationFailed) as caught:
        validate(Customer, {"n": "1e400"})
    assert "custom.n" in caught.value.fields


# --- required in a state blocks the transition into it -------------------------------------


def test_a_field_required_in_a_state_blocks_entering_it(org, api):
    define(
        org.admin,
        target="opportunities.opportunity",
        key="tender_no",
        required_in_states=["bidding"],
    )
    deal = OpportunityFactory(owner=org.rep, state="guiding")
    url = f"/api/v1/opportunities/{deal.pk}/transitions/start_bidding/"
    refused = api(org.rep).post(url, {}, format="json")
    assert refused.status_code == 409, refused.json()
    assert "custom.tender_no" in refused.json()["fields"]
    assert Opportunity.objects.get(pk=deal.pk).state == "guiding"
    patched = api(org.rep).patch(
        f"/api/v1/opportunities/{deal.pk}/", {"custom": {"tender_no": "T-1"}}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    moved = api(org.rep).post(url, {}, format="json")
    assert moved.status_code == 200, moved.json()
    assert Opportunity.objects.get(pk=deal.pk).state == "bidding"


def test_the_openapi_schema_types_the_custom_object(org, api):
    schema = api(org.rep).get("/api/v1/schema/?format=json").json()
    custom = schema["components"]["schemas"]["Customer"]["properties"]["custom"]
    assert custom["type"] == "object" and "additionalProperties" in custom
    assert "/api/v1/custom-fields/" in schema["paths"]


# --- filters on the API and the pages ------------------------------------------------------


def test_filters_on_custom_values(org, api):
    define(org.admin, key="segment", type="choice", choices=CHOICES)
    define(org.admin, key="seats", type="number")
    define(org.admin, key="since", type="date")
    define(org.admin, key="tags", type="multi_choice", choices=CHOICES)
    define(org.admin, key="budget", type="money")
    define(org.admin, key="vip", type="yes_no")
    a = CustomerFactory(
        owner=org.rep,
        custom={
            "segment": "gold",
            "seats": "9",
            "since": "2020-01-01",
            "tags": ["gold"],
            "budget": {"amount": "100.00", "currency": "CNY"},
            "vip": True,
        },
    )
    b = CustomerFactory(
        owner=org.rep,
        custom={
            "segment": "silver",
            "seats": "10",
            "since": "2024-06-30",
            "tags": ["gold", "silver"],
            "budget": {"amount": "2000.00", "currency": "CNY"},
            "vip": False,
        },
    )
    CustomerFactory(owner=org.rep)

    def ids(query):
        response = api(org.rep).get(f"/api/v1/customers/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("custom.segment=gold") == {a.pk}
    assert ids("custom.seats__gte=9.5") == {b.pk}  # numerically: "10" > "9.5"
    assert ids("custom.seats__lte=9") == {a.pk}
    assert ids("custom.seats=10.0") == {b.pk}
    assert ids("custom.since__gte=2021-01-01") == {b.pk}
    assert ids("custom.tags=silver") == {b.pk}
    assert ids("custom.tags=gold") == {a.pk, b.pk}
    assert ids("custom.budget__gte=1000") == {b.pk}
    assert ids("custom.vip=true") == {a.pk}
    assert ids("custom.segment=gold&custom.seats__lte=100") == {a.pk}
    for bad, field in [
        ("custom.nothing=1", "custom.nothing"),
        ("custom.seats=many", "custom.seats"),
        ("custom.segment__gte=gold", "custom.segment__gte"),
        ("custom.since__lte=yesterday", "custom.since__lte"),
    ]:
        response = api(org.rep).get(f"/api/v1/customers/?{bad}")
        assert response.status_code == 400, bad
        assert field in response.json()["fields"], response.json()


# --- every record type's API takes and checks its own custom fields ------------------------


@pytest.mark.parametrize(
    ("target", "url", "make"),
    [
        ("accounts.contact", "contacts", lambda org: ContactFactory(customer=_mine(org))),
        ("leads.lead", "leads", lambda org: LeadFactory(owner=org.rep)),
        (
            "opportunities.opportunity",
            "opportunities",
            lambda org: OpportunityFactory(owner=org.rep),
        ),
        ("contracts.contract", "contracts", lambda org: ContractFactory(owner=org.rep)),
    ],
)
def test_each_record_type_takes_its_custom_fields(org, api, target, url, make):
    define(org.admin, target=target, key="ref", type="number")
    define(org.admin, target="accounts.customer", key="other")  # another type's field
    record = make(org)
    path = f"/api/v1/{url}/{record.pk}/"
    refused = api(org.rep).patch(path, {"custom": {"ref": "x"}}, format="json")
    assert refused.status_code == 400 and "custom.ref" in refused.json()["fields"]
    refused = api(org.rep).patch(path, {"custom": {"other": "x"}}, format="json")
    assert refused.status_code == 400 and "custom.other" in refused.json()["fields"]
    taken = api(org.rep).patch(path, {"custom": {"ref": "2.50"}}, format="json")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["custom"] == {"ref": "2.5"}
    record.refresh_from_db()
    assert record.custom == {"ref": "2.5"}


def _mine(org):
    return CustomerFactory(owner=org.rep)
