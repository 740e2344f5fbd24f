"""The report builder's API (issue 23.4): grouping and measures, the reader's scope, saved and
shared reports, bad definitions."""

from __future__ import annotations

import pytest

from .conftest import URL, deal

pytestmark = pytest.mark.django_db

BY_STATE = {"record_type": "opportunities", "rows": ["state"], "measure": "count"}


def preview(api, user, definition):
    return api(user).post(URL + "preview/", definition, format="json")


def table(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    return {
        (*line["keys"], line["currency"]): line["cells"]
        if len(line["cells"]) > 1
        else line["cells"][0]
        for line in body["rows"]
    }


def test_count_by_stage_counts_every_deal_an_administrator_sees(api, org, deals):
    assert table(preview(api, org.admin, BY_STATE)) == {
        ("identified", None): "2",
        ("bidding", None): "2",
        ("won", None): "2",
    }


def test_sums_are_taken_per_currency_and_labelled(api, org, deals):
    definition = {**BY_STATE, "measure": "sum", "measure_field": "amount"}
    response = preview(api, org.director, definition)
    assert table(response) == {
        ("identified", "CNY"): "100.00",
        ("identified", "USD"): "50.00",
        ("bidding", "CNY"): "300.00",
        ("won", "CNY"): "1007.00",
    }
    body = response.json()
    assert body["measure"]["unit"] == "money"
    assert body["row_dimensions"] == [{"key": "state", "label": "stage"}]
    assert [line["labels"] for line in body["rows"]][0] == ["Identified"]


def test_a_pivot_has_a_cell_per_column_and_a_row_total(api, org, deals):
    definition = {**BY_STATE, "columns": ["product_line"]}
    body = preview(api, org.director, definition).json()
    assert [c["key"] for c in body["columns"]] == ["5G", "IoT"]
    lines = {line["keys"][0]: (line["cells"], line["total"]) for line in body["rows"]}
    assert lines == {
        "identified": (["2", None], "2"),
        "bidding": ([None, "1"], "1"),
        "won": (["1", "1"], "2"),
    }


def test_two_row_dimensions_and_min_max_avg(api, org, deals):
    definition = {
        "record_type": "opportunities",
        "rows": ["org_unit", "month:created_at"],
        "measure": "max",
        "measure_field": "amount",
        "filters": {"currency": ["CNY"]},
    }
    body = preview(api, org.admin, definition).json()
    maxima = {line["labels"][0]: line["cells"][0] for line in body["rows"]}
    assert maxima == {
        "GD carrier team": "1000.00",
        "GD government team": "7.00",
        "JS carrier team": "9999.00",
    }
    average = {**definition, "measure": "avg", "rows": ["state"]}
    assert table(preview(api, org.admin, average))[("bidding", "CNY")] == "5149.50"


def test_days_are_measured_between_two_dates(api, org, deals):
    definition = {**BY_STATE, "measure": "avg", "measure_field": "days_to_close"}
    assert table(preview(api, org.admin, definition)) == {("won", None): "10.0"}


def test_a_quarter_bucket_and_a_period(api, org, deals):
    definition = {
        **BY_STATE,
        "rows": ["quarter:created_at"],
        "period_field": "created_at",
        "date_from": "2000-01-01",
    }
    body = preview(api, org.admin, definition).json()
    assert len(body["rows"]) == 1 and body["rows"][0]["cells"] == ["6"]
    assert " Q" in body["rows"][0]["labels"][0]
    none = {**definition, "date_from": None, "date_to": "2000-01-01"}
    assert preview(api, org.admin, none).json()["rows"] == []


def test_a_managers_report_never_counts_outside_their_subtree(api, org, deals):
    assert table(preview(api, org.manager, BY_STATE)) == {
        ("identified", None): "2",
        ("bidding", None): "1",
        ("won", None): "1",
    }
    assert table(preview(api, org.director, BY_STATE))[("won", None)] == "2"
    assert table(preview(api, org.other_region_manager, BY_STATE)) == {("bidding", None): "1"}
    # Filtering by another region's unit gives nothing, not that region's figures.
    other = {**BY_STATE, "filters": {"org_unit": [str(org.other_region_rep.org_unit_id)]}}
    assert table(preview(api, org.manager, other)) == {}


def test_a_shared_report_counts_the_readers_own_scope(api, org, deals):
    created = api(org.rep).post(
        URL,
        {"name": "My stages", "definition": BY_STATE, "shared_users": [org.other_team_rep.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    mine = table(api(org.rep).get(f"{URL}{pk}/run/"))
    theirs = table(api(org.other_team_rep).get(f"{URL}{pk}/run/"))
    assert mine == {("identified", None): "2", ("bidding", None): "1", ("won", None): "1"}
    assert theirs == {("won", None): "1"}
    listed = api(org.other_team_rep).get(URL).json()["results"]
    assert [(r["name"], r["is_mine"]) for r in listed] == [("My stages", False)]
    # The reader may not change it; a stranger does not know it exists.
    assert (
        api(org.other_team_rep).patch(f"{URL}{pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert api(org.other_region_rep).get(f"{URL}{pk}/run/").status_code == 404
    assert api(org.other_region_rep).delete(f"{URL}{pk}/").status_code == 404


def test_sharing_with_a_team_reaches_its_people_and_its_subtree(api, org, deals):
    region = org.director.org_unit_id
    created = api(org.manager).post(
        URL, {"name": "Region", "definition": BY_STATE, "shared_units": [region]}, format="json"
    )
    pk = created.json()["id"]
    assert api(org.other_team_rep).get(f"{URL}{pk}/").status_code == 200
    assert api(org.other_region_rep).get(f"{URL}{pk}/").status_code == 404
    api(org.manager).patch(f"{URL}{pk}/", {"shared_units": []}, format="json")
    assert api(org.other_team_rep).get(f"{URL}{pk}/").status_code == 404


def test_a_name_is_one_owners_once(api, org):
    body = {"name": "Same", "definition": BY_STATE}
    assert api(org.rep).post(URL, body, format="json").status_code == 201
    again = api(org.rep).post(URL, body, format="json")
    assert again.status_code == 400 and list(again.json()["fields"]) == ["name"]
    assert api(org.teammate).post(URL, body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({**BY_STATE, "record_type": "users"}, "record_type"),
        ({**BY_STATE, "rows": ["owner__password"]}, "rows"),
        ({**BY_STATE, "rows": []}, "rows"),
        ({**BY_STATE, "rows": ["state", "owner", "tier"]}, "rows"),
        ({**BY_STATE, "columns": ["state"]}, "columns"),
        ({**BY_STATE, "rows": ["month:password"]}, "rows"),
        ({**BY_STATE, "measure": "sum"}, "measure_field"),
        ({**BY_STATE, "measure": "sum", "measure_field": "customer__credit"}, "measure_field"),
        ({**BY_STATE, "measure": "median"}, "measure"),
        ({**BY_STATE, "filters": {"owner__is_superuser": ["1"]}}, "filters"),
        ({**BY_STATE, "filters": {"state": "won"}}, "filters"),
        ({**BY_STATE, "date_from": "2026-01-01"}, "period_field"),
        ({**BY_STATE, "period_field": "created_at", "date_from": "01/02/2026"}, "date_from"),
        ({**BY_STATE, "period_field": "name"}, "period_field"),
        ({**BY_STATE, "convert_to": "CNY"}, "convert_to"),
        (
            {**BY_STATE, "measure": "sum", "measure_field": "amount", "convert_to": "XXX"},
            "convert_to",
        ),
        ({**BY_STATE, "chart": "radar"}, "chart"),
    ],
)
def test_bad_definitions_are_a_400_naming_the_part(api, org, definition, field):
    response = preview(api, org.rep, definition)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] and body["message"]
    assert any(name.split(".")[0] == field for name in body["fields"]), body
    saved = api(org.rep).post(URL, {"name": "Bad", "definition": definition}, format="json")
    assert saved.status_code == 400


def test_a_definition_that_is_not_an_object_is_a_400(api, org):
    response = api(org.rep).post(URL, {"name": "Bad", "definition": [1, 2]}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["definition"]
    assert api(org.rep).post(URL + "preview/", [1], format="json").status_code == 400


def test_a_sum_converted_says_at_which_rates(api, org, deals):
    import datetime as dt
    from decimal import Decimal

    from core.rates_models import ExchangeRate

    ExchangeRate.objects.create(
        date=dt.date(2020, 1, 1), base="USD", quote="CNY", rate=Decimal("7"), source="manual"
    )
    definition = {
        **BY_STATE,
        "measure": "sum",
        "measure_field": "amount",
        "convert_to": "cny",
    }
    response = preview(api, org.director, definition)
    assert table(response)[("identified", "CNY")] == "450.00"
    conversion = response.json()["conversion"]
    assert conversion["rates_basis"] == "rates_of_day" and conversion["currency"] == "CNY"
    assert conversion["missing_currencies"] == []


def test_the_catalogue_names_what_reports_are_built_from(api, org):
    body = api(org.rep).get(URL + "catalogue/").json()
    kinds = {rt["key"]: rt for rt in body}
    assert set(kinds) == {
        "leads",
        "opportunities",
        "contracts",
        "milestones",
        "receipts",
        "activities",
    }
    keys = {d["key"] for d in kinds["opportunities"]["dimensions"]}
    assert {"state", "org_unit", "owner", "product_line", "tier", "quarter:closed_at"} <= keys


def test_every_record_type_runs_with_its_filters(api, org, deals):
    filters = {"owner": [str(org.rep.pk)], "org_unit": [str(org.rep.org_unit_id)]}
    for kind in ("leads", "opportunities", "contracts", "milestones", "receipts", "activities"):
        response = preview(api, org.admin, {"record_type": kind, "rows": ["org_unit"]})
        assert response.status_code == 200, (kind, response.content)
        definition = {"record_type": kind, "rows": ["owner"], "filters": filters}
        assert preview(api, org.admin, definition).status_code == 200, kind
    by_rep = {**BY_STATE, "filters": filters}
    assert table(preview(api, org.admin, by_rep)) == {
        ("identified", None): "2",
        ("bidding", None): "1",
    }


def test_custom_fields_group_and_filter(api, org):
    from core.custom_fields import CustomField

    CustomField.objects.create(
        target="opportunities.opportunity",
        key="segment",
        label_en="Segment",
        label_zh="细分",
        type="choice",
        choices=[
            {"value": "gov", "label_en": "Government", "label_zh": "政府"},
            {"value": "ent", "label_en": "Enterprise", "label_zh": "企业"},
        ],
    )
    deal(org.rep, custom={"segment": "gov"})
    deal(org.rep, custom={"segment": "gov"})
    deal(org.rep, custom={"segment": "ent"})
    definition = {**BY_STATE, "rows": ["custom:segment"]}
    body = preview(api, org.admin, definition).json()
    assert {tuple(line["labels"]): line["cells"][0] for line in body["rows"]} == {
        ("Enterprise",): "1",
        ("Government",): "2",
    }
    only = {**BY_STATE, "filters": {"custom:segment": ["ent"]}}
    assert table(preview(api, org.admin, only)) == {("identified", None): "1"}
