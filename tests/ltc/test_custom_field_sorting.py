"""Lists sorted by a custom field (issue 20.2): `?ordering=custom.<key>` / `-custom.<key>` on
the API and the pages, rows without a value last in both directions, the id breaking ties,
the cursor paging through all of it forwards and back; on PostgreSQL the sort runs on the
expression the field's index is built on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.pagination import Cursor, CursorPagination

from core.custom_fields.ordering import CustomSortPages
from core.custom_fields.services import custom_field_create
from opportunities.models import Opportunity
from tests.conftest import on_postgresql
from tests.factories import CustomerFactory, OpportunityFactory

CHOICES = [
    {"value": "gold", "label_en": "Gold", "label_zh": "金"},
    {"value": "silver", "label_en": "Silver", "label_zh": "银"},
]


def define(by, key, type, target="accounts.customer", **extra):
    data = {"target": target, "key": key, "label_en": key.title(), "label_zh": key, "type": type}
    return custom_field_create(by=by, data={**data, **extra})


def walk(client, url, key="results"):
    """Every row of a cursor-paged list, following `next`; and the pages' (first, next) urls."""
    rows, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += [row["id"] for row in body[key]]
        pages.append(url)
        url = body["next"]
    return rows, pages


def back(client, url):
    """The rows of the pages before `url`'s page, following `previous`, in list order."""
    rows = []
    url = client.get(url).json()["previous"]
    while url:
        body = client.get(url).json()
        rows = [row["id"] for row in body["results"]] + rows
        url = body["previous"]
    return rows


VALUES = {  # per type: values (with ties, and rows without a value: None) and their order
    "number": ["5", "12.5", None, "5", "-3", None, "100", "12.5"],
    "money": [
        {"amount": "5.00", "currency": "CNY"},
        {"amount": "12.50", "currency": "CNY"},
        None,
        {"amount": "5.00", "currency": "USD"},
        {"amount": "-3.00", "currency": "CNY"},
        None,
        {"amount": "100.00", "currency": "CNY"},
        {"amount": "12.50", "currency": "CNY"},
    ],
    "date": [
        "2026-05-01",
        "2026-12-31",
        None,
        "2026-05-01",
        "2025-01-01",
        None,
        "2027-02-03",
        "2026-12-31",
    ],
    "text": ["b", "d", None, "b", "a", None, "z", "d"],
    "choice": ["silver", "gold", None, "silver", None, None, "gold", "gold"],
}


def sort_key(type, value):
    if type == "number":
        return Decimal(value)
    if type == "money":
        return Decimal(value["amount"])
    return value


def expected(type, rows, descending):
    """Ids in the sort's order: valued rows by (value, id), then the rest by id."""
    valued = sorted(
        ((sort_key(type, v), pk) for pk, v in rows if v is not None), reverse=descending
    )
    empty = sorted((pk for pk, v in rows if v is None), reverse=descending)
    return [pk for _v, pk in valued] + empty


@pytest.mark.django_db
@pytest.mark.parametrize("type", list(VALUES))
@pytest.mark.parametrize("descending", [False, True])
def test_the_api_sorts_and_pages_by_a_custom_field(org, api, type, descending):
    extra = {"choices": CHOICES} if type == "choice" else {}
    define(org.admin, "k", type, **extra)
    rows = []
    for value in VALUES[type]:
        customer = CustomerFactory(owner=org.rep, custom={} if value is None else {"k": value})
        rows.append((customer.pk, value))
    want = expected(type, rows, descending)
    client = api(org.rep)
    ordering = ("-" if descending else "") + "custom.k"
    got, pages = walk(client, f"/api/v1/customers/?ordering={ordering}&page_size=3")
    assert got == want
    assert len(pages) == 3
    # and back from the last page, through the rows without a value and the ties
    assert back(client, pages[-1]) == want[:6]
    # page size 1: every boundary is a cursor, and the way back gives the same order
    got, pages = walk(client, f"/api/v1/customers/?ordering={ordering}&page_size=1")
    assert got == want
    assert back(client, pages[-1]) == want[:-1]


@pytest.mark.django_db
def test_a_sort_combines_with_a_custom_range_filter(org, api):
    define(org.admin, "seats", "number")
    made = [CustomerFactory(owner=org.rep, custom={"seats": str(n)}) for n in (7, 3, 11, 1)]
    CustomerFactory(owner=org.rep)
    response = api(org.rep).get("/api/v1/customers/?custom.seats__gte=2&ordering=-custom.seats")
    assert [row["id"] for row in response.json()["results"]] == [
        made[2].pk,
        made[0].pk,
        made[1].pk,
    ]


@pytest.mark.django_db
def test_every_record_type_with_custom_fields_sorts(org, api):
    define(org.admin, "rank", "number", target="opportunities.opportunity")
    low = OpportunityFactory(owner=org.rep, custom={"rank": "1"})
    high = OpportunityFactory(owner=org.rep, custom={"rank": "2"})
    response = api(org.rep).get("/api/v1/opportunities/?ordering=-custom.rank")
    assert response.status_code == 200, response.json()
    ids = [row["id"] for row in response.json()["results"]]
    assert ids.index(high.pk) < ids.index(low.pk)
    for url in [
        "/api/v1/contacts/",
        "/api/v1/leads/",
        "/api/v1/contracts/",
        "/api/v1/payment-milestones/",
    ]:
        refused = api(org.rep).get(f"{url}?ordering=custom.nothing")
        assert refused.status_code == 400, url
        assert "ordering" in refused.json()["fields"], url


@pytest.mark.django_db
def test_a_key_or_type_that_does_not_sort_is_a_400_naming_ordering(org, api):
    define(org.admin, "tags", "multi_choice", choices=CHOICES)
    define(org.admin, "vip", "yes_no")
    define(org.admin, "notes", "long_text")
    define(org.admin, "buddy", "user")
    define(org.admin, "seats", "number")
    CustomerFactory(owner=org.rep, custom={"seats": "1"})
    for ordering in [
        "custom.nothing",
        "-custom.tags",
        "custom.vip",
        "custom.notes",
        "custom.buddy",
        "custom.seats,id",
        "custom.",
    ]:
        response = api(org.rep).get(f"/api/v1/customers/?ordering={ordering}")
        assert response.status_code == 400, ordering
        assert list(response.json()["fields"]) == ["ordering"], ordering


@pytest.mark.django_db
def test_a_made_up_cursor_on_a_custom_sort_is_a_400_naming_cursor(org, api):
    define(org.admin, "seats", "number")
    for n in range(3):
        CustomerFactory(owner=org.rep, custom={"seats": str(n)})
    client = api(org.rep)
    next_url = client.get("/api/v1/customers/?ordering=custom.seats&page_size=1").json()["next"]
    assert client.get(next_url).status_code == 200
    paginator = CursorPagination()
    paginator.base_url = "http://testserver/api/v1/customers/?ordering=custom.seats"
    for position in ['["abc", 1]', '["1", "x"]', '["NaN", 1]', "oops", '["1", -1]']:
        url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
        response = client.get(url)
        assert response.status_code == 400, position
        assert "cursor" in response.json()["fields"], position


@pytest.mark.django_db
def test_the_list_page_sorts_by_a_custom_column_in_both_languages(org, browser_client):
    define(org.admin, "seats", "number", show_in_list=True)
    define(org.admin, "tags", "multi_choice", choices=CHOICES, show_in_list=True)
    few = CustomerFactory(owner=org.rep, name="Few seats", custom={"seats": "2"})
    many = CustomerFactory(owner=org.rep, name="Many seats", custom={"seats": "40"})
    CustomerFactory(owner=org.rep, name="No seats")
    client = browser_client(org.rep)
    page = client.get("/customers/").content.decode()
    assert 'href="?ordering=custom.seats"' in page  # the header sorts
    assert '<option value="-custom.seats">Seats, descending</option>' in page
    assert "?ordering=custom.tags" not in page  # a multi-choice column does not
    page = client.get("/customers/?ordering=-custom.seats").content.decode()
    assert page.index(many.name) < page.index(few.name) < page.index("No seats")
    assert 'aria-sort="descending"' in page
    assert 'href="?ordering=custom.seats"' in page  # sorted down: the header sorts up
    page = client.get("/customers/?ordering=custom.seats").content.decode()
    assert page.index(few.name) < page.index(many.name) < page.index("No seats")
    assert 'href="?ordering=-custom.seats"' in page
    with translation.override("zh-hans"):
        page = client.get(
            "/customers/?ordering=custom.seats", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "seats，升序" in page and "seats，降序" in page
    assert "Sort by this column" not in page


@pytest.mark.skipif(not on_postgresql(), reason="expression indexes are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("type", ["number", "money", "date"])
@pytest.mark.parametrize("descending", [False, True])
def test_the_sort_reads_the_fields_index(org, type, descending):
    key = f"sort_{type}"  # the index outlives the test's rows: a key of its own per type
    field = define(org.admin, key, type, target="opportunities.opportunity")  # commits: indexed
    index = f"opportunities_opportunity_cf_{key}"
    try:
        for value in VALUES[type]:
            OpportunityFactory(owner=org.rep, custom={} if value is None else {key: value})
        pages = CustomSortPages(Opportunity.objects.all(), field, descending)
        with CaptureQueriesContext(connection) as queries:
            first = pages.read(None, 3)
            pages.read((first[-1]._custom_sort, first[-1].pk), 3)
        for query in queries.captured_queries[:2]:  # the first page, and one after a cursor
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX IF EXISTS "{index}"')


@pytest.mark.django_db
def test_the_schema_documents_custom_orderings_where_a_list_has_them(org, api):
    schema = api(org.rep).get("/api/v1/schema/?format=json").json()

    def ordering(path):
        parameters = schema["paths"][path]["get"]["parameters"]
        return next(p for p in parameters if p["name"] == "ordering")["description"]

    assert "custom.<key>" in ordering("/api/v1/customers/")
    assert "custom.<key>" in ordering("/api/v1/payment-milestones/")
    assert "custom.<key>" not in ordering("/api/v1/invoices/")
