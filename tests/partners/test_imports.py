"""Partners and agreement prices in and out as files (issue 21.8): an import makes candidate
partners (draft agreement prices) with the row errors and duplicates the preview shows and
the scope the page holds; an export is the import's columns, so a file goes back in."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import ImportIssue
from core.models import AuditEvent
from opportunities.models import AgreementPrice
from partners.models import Partner
from tests.factories import CustomerFactory
from tests.opportunities import conftest as mo
from tests.opportunities.test_agreement_prices import approved

from .conftest import make_partner

pytestmark = pytest.mark.django_db
opportunity = mo.opportunity
products = mo.products
TODAY = timezone.localdate  # called: a run may cross midnight in the site's time zone


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def start(client, kind, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    file = SimpleUploadedFile(f"{kind}.csv", buffer.getvalue().encode(encoding))
    return client.post("/api/v1/imports/", {"kind": kind, "file": file}, format="multipart")


def commit(client, job):
    response = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"})
    assert response.status_code == 200, response.json()
    return response.json()


def issues(job) -> dict[int, dict]:
    return {i.row: i.messages for i in ImportIssue.objects.filter(job_id=job["id"])}


def test_rows_become_candidate_partners_run_by_their_manager(org, api):
    make_partner(org, name="Yunlian Tech")
    response = start(
        api(org.rep),
        "partners",
        [
            ["伙伴名称", "级别", "区域", "产品线", "渠道经理", "联系人"],
            ["Xinda Networks", "总代", "广东、广西", "5G，Cloud", "", "王经理"],
            ["Hengtong OEM", "OEM", "", "", "rep", ""],
            ["yunlian tech", "代理", "", "", "", ""],  # exists (case-blind)
            ["Xinda networks", "代理", "", "", "", ""],  # repeats row 2
            ["No Tier Co", "", "", "", "", ""],
            ["Bad Tier Co", "reseller", "", "", "", ""],
            ["Far Away Co", "代理", "", "", "teammate", ""],  # not assignable by the rep
        ],
        encoding="gb18030",
    )
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["rows_total"] == 7, job
    assert (job["rows_valid"], job["rows_duplicate"]) == (2, 2), issues(job)
    found = issues(job)
    assert "duplicate" in found[4] and "duplicate" in found[5]
    assert "tier" in found[6] and "tier" in found[7] and "manager" in found[8]

    done = commit(api(org.rep), job)
    assert done["rows_created"] == 2
    xinda = Partner.objects.get(name="Xinda Networks")
    assert xinda.tier == "general_distributor" and xinda.state == "candidate"
    assert xinda.territories == ["广东", "广西"] and xinda.product_lines == ["5G", "Cloud"]
    assert xinda.manager == org.rep and xinda.org_unit == org.rep.org_unit
    assert Partner.objects.get(name="Hengtong OEM").manager == org.rep
    assert AuditEvent.objects.filter(target_id=xinda.pk, action="created").exists()


def test_finance_may_not_import_partners(org, api):
    response = start(api(org.finance), "partners", [["Name", "Tier"], ["X", "agent"]])
    assert response.status_code in (400, 403), response.json()
    assert not Partner.objects.filter(name="X").exists()


def test_the_partner_export_goes_back_in_as_duplicates(org, api, browser_client):
    make_partner(org, name="Yunlian Tech")
    content = b"".join(api(org.rep).get("/api/v1/partners/export/").streaming_content)
    assert "Yunlian Tech" in content.decode("utf-8-sig")
    back = api(org.rep).post(
        "/api/v1/imports/",
        {"kind": "partners", "file": SimpleUploadedFile("back.csv", content)},
        format="multipart",
    )
    assert back.json()["rows_total"] == 1 and back.json()["rows_duplicate"] == 1
    page = browser_client(org.rep).get("/partners/export/?file_format=xlsx")
    assert page.status_code == 200 and page["Content-Type"].startswith("application/vnd")
    assert browser_client(org.finance).get("/partners/export/").status_code == 200
    rows = b"".join(browser_client(org.finance).get("/partners/export/").streaming_content)
    assert b"Yunlian Tech" not in rows  # finance sees no partners, and exports none


def test_agreement_price_rows_become_drafts_and_overlaps_are_named(org, api, opportunity, products):
    customer = opportunity.customer
    partner = make_partner(org, name="Yunlian Tech")
    router = products["router"]
    held = approved(api, org, router, "90000", TODAY(), customer=customer.pk)
    elsewhere = CustomerFactory(name="Jiangsu Metro", owner=org.other_team_rep)
    response = start(
        api(org.rep),
        "agreement_prices",
        [
            ["客户", "伙伴", "产品编码", "协议价", "生效日期", "失效日期"],
            [customer.name, "", "SV-01", "3000", str(TODAY()), ""],
            [
                "",
                "Yunlian Tech",
                "RT-100",
                "85000",
                str(TODAY()),
                str(TODAY().replace(year=TODAY().year + 1)),
            ],
            ["", "Yunlian Tech", "RT-100", "86000", str(TODAY() + dt.timedelta(days=30)), ""],
            [customer.name, "", "RT-100", "88000", str(TODAY() + dt.timedelta(days=10)), ""],
            [elsewhere.name, "", "RT-100", "88000", str(TODAY()), ""],
            [customer.name, "Yunlian Tech", "RT-100", "1", str(TODAY()), ""],
            [customer.name, "", "NOPE", "-5", "someday", ""],
        ],
    )
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["rows_valid"] == 2, issues(job)
    found = issues(job)
    assert "row 3" in " ".join(found[4]["valid_from"])  # overlaps the file's earlier row
    assert f"#{held.pk}" in " ".join(found[5]["valid_from"])  # overlaps the approved price
    assert "customer" in found[6]  # a customer the rep may not change
    assert "customer" in found[7]  # both a customer and a partner
    assert {"product", "price", "valid_from"} <= set(found[8])

    assert commit(api(org.rep), job)["rows_created"] == 2
    drafts = AgreementPrice.objects.filter(state="draft")
    assert {(p.customer_id, p.partner_id) for p in drafts} == {
        (customer.pk, None),
        (None, partner.pk),
    }
    assert all(p.created_by == org.rep for p in drafts)

    content = b"".join(api(org.rep).get("/api/v1/agreement-prices/export/").streaming_content)
    text = content.decode("utf-8-sig")
    assert "RT-100" in text and "Yunlian Tech" in text
    back = (
        api(org.rep)
        .post(
            "/api/v1/imports/",
            {"kind": "agreement_prices", "file": SimpleUploadedFile("back.csv", content)},
            format="multipart",
        )
        .json()
    )
    assert back["rows_total"] == 3 and back["rows_valid"] == 2  # the approved one overlaps itself
