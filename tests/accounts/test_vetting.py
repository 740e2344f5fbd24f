"""Customer vetting (客户审批, 列名; ADR 19): a customer a rep creates waits for its approval
on the engine; the approver decides its territory and owner; the queue approves and rejects
in bulk, each row on its own; an import makes pending customers an approver clears."""

from __future__ import annotations

import pytest

from accounts.models import Customer
from core.approvals.models import ApprovalRequest, ApprovalTask
from core.models import Notification
from tests.factories import CustomerFactory, UserFactory

from .conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/customer-vetting/"


@pytest.fixture(autouse=True)
def _vetting_on(settings):
    settings.CUSTOMER_APPROVAL_REQUIRED = True


def create(api, user, **data):
    response = api(user).post(
        "/api/v1/customers/", {"name": "Shenzhen Metro", **data}, format="json"
    )
    assert response.status_code == 201, response.json()
    return Customer.objects.get(pk=response.json()["id"])


def decide(api, user, *items):
    return api(user).post(f"{QUEUE}decide/", {"items": list(items)}, format="json")


def test_a_reps_customer_is_pending_and_its_territory_manager_is_asked(org, api):
    customer = create(api, org.rep)
    assert customer.state == "pending"
    request = ApprovalRequest.objects.get(subject_id=customer.pk, kind="new_customer")
    assert request.state == "pending" and request.requester == org.rep
    assert list(
        ApprovalTask.objects.filter(request=request).values_list("assignee", flat=True)
    ) == [org.manager.pk]
    assert Notification.objects.filter(recipient=org.manager, kind="approval.waiting").exists()
    assert api(org.rep).get(f"/api/v1/customers/{customer.pk}/").json()["state"] == "pending"


def test_an_administrators_customer_and_vetting_off_are_approved_at_once(org, api, settings):
    assert create(api, org.admin, org_unit=org.gd_carrier.pk).state == "approved"
    settings.CUSTOMER_APPROVAL_REQUIRED = False
    assert create(api, org.rep, name="Foshan Water").state == "approved"
    assert not ApprovalRequest.objects.exists()


def test_the_state_is_not_written_by_an_edit(org, api):
    customer = create(api, org.rep)
    response = api(org.rep).patch(
        f"/api/v1/customers/{customer.pk}/", {"state": "approved"}, format="json"
    )
    assert response.status_code in (200, 400)
    assert Customer.objects.get(pk=customer.pk).state == "pending"


def test_the_queue_lists_pending_customers_oldest_first_with_their_age(org, api):
    first = create(api, org.rep, name="Older Co")
    second = create(api, org.rep, name="Newer Co")
    CustomerFactory(owner=org.rep)  # approved: not in the queue
    rows = api(org.manager).get(QUEUE).json()["results"]
    assert [r["id"] for r in rows] == [first.pk, second.pk]
    assert rows[0]["age_days"] == 0 and rows[0]["requested_by"] == org.rep.pk
    assert rows[0]["approval"] == ApprovalRequest.objects.get(subject_id=first.pk).pk
    # A rep vets nothing; a manager of another region sees none of these.
    assert api(org.rep).get(QUEUE).json()["results"] == []
    assert api(org.other_region_manager).get(QUEUE).json()["results"] == []
    assert api(org.manager).get(f"{QUEUE}{first.pk}/").status_code == 200
    assert api(org.other_region_manager).get(f"{QUEUE}{first.pk}/").status_code == 404
    assert api(org.rep).get(f"{QUEUE}{first.pk}/").status_code == 404
    outside = api(org.other_region_manager).post(
        f"{QUEUE}{first.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert outside.status_code == 404
    teammate = api(org.teammate).post(
        f"{QUEUE}{first.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert (teammate.status_code, teammate.json()["code"]) == (403, "approval_not_yours")


def test_approving_sets_territory_and_owner_and_reads_on_the_timeline(org, api):
    customer = create(api, org.rep)
    response = decide(
        api,
        org.director,
        {
            "customer": customer.pk,
            "decision": "approve",
            "comment": "Key metro account",
            "org_unit": org.gd_gov.pk,
            "owner": org.other_team_rep.pk,
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["results"] == [
        {"index": 0, "customer": customer.pk, "status": "approved"}
    ]
    customer.refresh_from_db()
    assert (customer.state, customer.org_unit, customer.owner) == (
        "approved",
        org.gd_gov,
        org.other_team_rep,
    )
    assert Notification.objects.filter(recipient=org.rep, kind="approval.decided").exists()
    for language, words in (("en", "Approve the new customer"), ("zh-hans", "批准新客户")):
        timeline = api(org.director).get(
            f"/api/v1/customers/{customer.pk}/timeline/", HTTP_ACCEPT_LANGUAGE=language
        )
        sentences = " ".join(str(e) for e in timeline.json())
        assert words in sentences and "Key metro account" in sentences


def test_the_owner_must_work_in_the_territory_and_nothing_is_half_written(org, api):
    customer = create(api, org.rep)
    response = decide(
        api,
        org.director,
        {
            "customer": customer.pk,
            "decision": "approve",
            "org_unit": org.gd_gov.pk,
            "owner": org.teammate.pk,  # of gd-carrier, not of gd-gov
        },
    )
    result = response.json()["results"][0]
    assert result["status"] == "error" and "owner" in result["error"]["fields"]
    customer.refresh_from_db()
    assert (customer.state, customer.org_unit) == ("pending", org.gd_carrier)
    assert ApprovalRequest.objects.get(subject_id=customer.pk).state == "pending"


def test_a_manager_may_not_file_it_outside_their_subtree(org, api):
    customer = create(api, org.rep)
    result = decide(
        api,
        org.manager,
        {"customer": customer.pk, "decision": "approve", "org_unit": org.gd_gov.pk},
    ).json()["results"][0]
    assert result["error"]["code"] == "out_of_scope"
    assert Customer.objects.get(pk=customer.pk).state == "pending"


def test_rejecting_needs_a_reason_and_its_deals_cannot_advance(org, api):
    customer = create(api, org.rep)
    no_reason = decide(api, org.manager, {"customer": customer.pk, "decision": "reject"})
    assert no_reason.json()["results"][0]["error"]["fields"] == {"comment": ["Required."]}
    rejected = decide(
        api,
        org.manager,
        {"customer": customer.pk, "decision": "reject", "comment": "Shell company"},
    )
    assert rejected.json()["results"][0]["status"] == "rejected"
    assert Customer.objects.get(pk=customer.pk).state == "rejected"
    note = Notification.objects.get(recipient=org.rep, kind="approval.decided")
    assert note.body == "Shell company"


def test_bulk_with_a_bad_row_applies_the_others_and_reports_it(org, api):
    good, other = create(api, org.rep, name="Good Co"), create(api, org.rep, name="Other Co")
    foreign = CustomerFactory(owner=org.other_region_rep)
    response = decide(
        api,
        org.manager,
        {"customer": good.pk, "decision": "approve"},
        {"customer": foreign.pk, "decision": "approve"},
        {"customer": other.pk, "decision": "reject", "comment": "Duplicate of a group"},
        {"customer": "x", "decision": "approve"},
        {"customer": good.pk, "decision": "approve"},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["approved", "error", "rejected", "error", "error"]
    assert results[1]["error"]["fields"] == {"customer": ["No such record."]}
    assert results[4]["error"]["code"] == "approval_not_pending"
    assert Customer.objects.get(pk=good.pk).state == "approved"
    assert Customer.objects.get(pk=other.pk).state == "rejected"


def test_bad_envelopes_are_400(org, api):
    assert decide(api, org.manager).status_code == 400
    assert (
        api(org.manager).post(f"{QUEUE}decide/", {"items": "x"}, format="json").status_code == 400
    )
    assert decide(api, org.manager, "not an object").status_code == 400
    row = decide(api, org.manager, {"customer": 1, "decision": "maybe"}).json()["results"][0]
    assert row["status"] == "error"


def test_a_rep_cannot_approve_and_a_manager_outside_the_unit_cannot(org, api):
    customer = create(api, org.rep)
    by_rep = decide(api, org.teammate, {"customer": customer.pk, "decision": "approve"})
    assert by_rep.json()["results"][0]["status"] == "error"
    outsider = decide(
        api, org.other_region_manager, {"customer": customer.pk, "decision": "approve"}
    ).json()["results"][0]
    assert outsider["status"] == "error"
    gov_manager = UserFactory(username="gov_manager", role="sales_manager", org_unit=org.gd_gov)
    other_team = decide(api, gov_manager, {"customer": customer.pk, "decision": "approve"})
    assert other_team.json()["results"][0]["status"] == "error"
    assert Customer.objects.get(pk=customer.pk).state == "pending"


def test_a_manager_who_files_a_customer_is_approved_from_above(org, api):
    customer = create(api, org.manager, name="Managers Own Co")
    request = ApprovalRequest.objects.get(subject_id=customer.pk)
    assert list(request.tasks.values_list("assignee", flat=True)) == [org.director.pk]
    own = decide(api, org.manager, {"customer": customer.pk, "decision": "approve"})
    assert own.json()["results"][0]["error"]["code"] == "approval_own_request"
    assert (
        decide(api, org.director, {"customer": customer.pk, "decision": "approve"}).json()[
            "results"
        ][0]["status"]
        == "approved"
    )


def test_the_engine_inbox_decides_it_too(org, api):
    customer = create(api, org.rep)
    request = ApprovalRequest.objects.get(subject_id=customer.pk)
    response = api(org.manager).post(
        f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Customer.objects.get(pk=customer.pk).state == "approved"


def test_a_chain_step_by_revenue_industry_and_region(org, api):
    """An administrator adds a second step for large government customers in Guangdong: the
    office's manager; a small one skips it."""
    chain = api(org.admin).get("/api/v1/approval-chains/?kind=new_customer").json()
    if chain["results"]:
        chain_id = chain["results"][0]["id"]
    else:
        create(api, org.rep, name="Bootstrap Co")  # the default chain is made on first use
        chain_id = (
            api(org.admin)
            .get("/api/v1/approval-chains/?kind=new_customer")
            .json()["results"][0]["id"]
        )
    steps = [
        {
            "name": "Territory manager",
            "approver": {"type": "resolver", "name": "accounts.territory_managers"},
        },
        {
            "name": "Office",
            "approver": {"type": "user", "user": org.director.pk},
            "condition": {
                "min_amount": "100000000",
                "currency": "CNY",
                "industries": ["government"],
                "regions": ["广东"],
            },
        },
    ]
    changed = api(org.admin).patch(
        f"/api/v1/approval-chains/{chain_id}/", {"steps": steps}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    big = create(
        api,
        org.rep,
        name="Guangdong Government Cloud",
        industry="government",
        region="广东",
        annual_revenue="500000000",
    )
    small = create(api, org.rep, name="Small Gov Office", industry="government", region="广东")
    for customer in (big, small):
        decide(api, org.manager, {"customer": customer.pk, "decision": "approve"})
    assert Customer.objects.get(pk=small.pk).state == "approved"
    assert Customer.objects.get(pk=big.pk).state == "pending"
    assert (
        decide(api, org.director, {"customer": big.pk, "decision": "approve"}).json()["results"][0][
            "status"
        ]
        == "approved"
    )


def test_upload_first_approve_later(org, api, django_capture_on_commit_callbacks):
    rows = [["客户名称", "行业", "年收入"]] + [
        [f"导入客户{i}有限公司", "政府", "1000000"] for i in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        started = api(org.rep).post(
            "/api/v1/imports/",
            {"kind": "customers", "file": upload("c.csv", csv_bytes(rows))},
            format="multipart",
        )
    assert started.status_code == 201, started.json()
    job = started.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        committed = api(org.rep).post(f"/api/v1/imports/{job}/commit/", {"mode": "valid"})
    assert committed.status_code in (200, 202), committed.json()
    imported = list(Customer.objects.filter(name__startswith="导入客户").order_by("pk"))
    assert len(imported) == 3 and {c.state for c in imported} == {"pending"}
    assert imported[0].annual_revenue == 1000000
    assert (
        ApprovalRequest.objects.filter(
            kind="new_customer", subject_id__in=[c.pk for c in imported], state="pending"
        ).count()
        == 3
    )
    queue = api(org.manager).get(QUEUE).json()["results"]
    assert [r["id"] for r in queue] == [c.pk for c in imported]
    results = decide(
        api,
        org.manager,
        *({"customer": c.pk, "decision": "approve"} for c in imported[:2]),
        {"customer": imported[2].pk, "decision": "reject", "comment": "不是真实企业"},
    ).json()["results"]
    assert [r["status"] for r in results] == ["approved", "approved", "rejected"]
    assert api(org.manager).get(QUEUE).json()["results"] == []


def test_the_queue_page_decides_the_ticked_rows_each_on_its_own(org, api, browser_client):
    first, second = create(api, org.rep, name="First Co"), create(api, org.rep, name="Second Co")
    client = browser_client(org.manager)
    page = client.get("/customers/vetting/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("First Co") < html.index("Second Co")
    response = client.post(
        "/customers/vetting/decide/",
        {
            "pick": [first.pk, second.pk],
            "decision": "reject",
            f"comment-{first.pk}": "Not a real company",
            # the second has no reason: refused, and alone
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Decided: 1." in text and "Row 2" in text
    assert Customer.objects.get(pk=first.pk).state == "rejected"
    assert Customer.objects.get(pk=second.pk).state == "pending"
    chinese = client.get("/customers/vetting/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "待审批的新客户" in chinese.content.decode()


def test_the_queue_page_is_for_those_who_vet(org, browser_client):
    assert browser_client(org.rep).get("/customers/vetting/").status_code == 403
    assert browser_client(org.rep).post("/customers/vetting/decide/", {}).status_code == 403


def test_one_customer_decided_then_again_is_409(org, api):
    customer = create(api, org.rep)
    url = f"{QUEUE}{customer.pk}/decide/"
    first = api(org.manager).post(url, {"decision": "approve"}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["state"] == "approved"
    # Decided: the second approver is told so.
    again = api(org.director).post(url, {"decision": "approve"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "approval_not_pending")
    bad = api(org.manager).post(
        f"{QUEUE}{create(api, org.rep, name='Next Co').pk}/decide/",
        {"decision": "approve", "owner": "nobody"},
        format="json",
    )
    assert bad.status_code == 400 and "owner" in bad.json()["fields"]


def test_hostile_rows_are_errors_of_their_own_never_a_500(org, api):
    customer = create(api, org.rep)
    results = decide(
        api,
        org.manager,
        {"customer": "9" * 40, "decision": "approve"},
        {"customer": customer.pk, "decision": "approve", "owner": "9" * 40},
        {"customer": customer.pk, "decision": "reject", "comment": "x" * 4001},
        {"customer": True, "decision": "approve"},
    ).json()["results"]
    assert [r["status"] for r in results] == ["error"] * 4
    assert Customer.objects.get(pk=customer.pk).state == "pending"
