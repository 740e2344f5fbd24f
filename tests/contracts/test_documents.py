"""Documents as evidence: only accepted types (checked by content, not by name), within the
size limit, kept under MEDIA_ROOT and served only to those who may see the contract."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import ContractDocument
from core.models import AuditEvent
from tests.factories import ContractFactory, team

from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db


def upload(api, user, contract, file, kind="signed_contract", **extra):
    return api(user).post(
        "/api/v1/contract-documents/",
        {"contract": contract.pk, "kind": kind, "file": file, **extra},
        format="multipart",
    )


def test_a_document_is_stored_privately_with_its_checksum(org, api, contract, media_root):
    response = upload(api, org.rep, contract, pdf("Signed contract.pdf"), title="Signed")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["original_name"] == "Signed contract.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    document = ContractDocument.objects.get(pk=body["id"])
    assert document.file.path.startswith(str(media_root))
    assert "Signed contract" not in document.file.name  # the stored name is not guessable
    assert AuditEvent.objects.filter(target_id=contract.pk, action="document.added").exists()

    download = api(org.sr).get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"


def test_only_who_may_see_the_contract_gets_the_file(org, api, client, contract):
    document = upload(api, org.rep, contract, pdf()).json()
    for outsider in (org.other_team_rep, org.other_region_rep, org.other_region_manager):
        assert api(outsider).get(document["download_url"]).status_code == 404
        client.force_login(outsider)
        assert client.get(f"/contracts/documents/{document['id']}/").status_code == 404
    client.force_login(org.finance)  # finance of the region reads the evidence chain
    assert client.get(f"/contracts/documents/{document['id']}/").status_code == 200
    client.logout()
    assert client.get(f"/contracts/documents/{document['id']}/").status_code == 302


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("invoice.exe", b"MZ\x90\x00", "file"),
        ("report.pdf", b"<html><script>alert(1)</script>", "file"),
        ("photo.png", PDF, "file"),
        ("empty.pdf", b"", "file"),
    ],
)
def test_unsafe_or_mislabelled_files_are_refused(org, api, contract, name, body, field):
    response = upload(api, org.rep, contract, SimpleUploadedFile(name, body))
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ContractDocument.objects.exists()


def test_the_size_limit_is_enforced(org, api, contract, settings):
    settings.CONTRACT_DOCUMENT_MAX_BYTES = 1024
    response = upload(api, org.rep, contract, pdf(body=PDF + b"0" * 2048))
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": ["At most 1.0\xa0KB."]}
    assert not ContractDocument.objects.exists()


def test_other_accepted_types_pass(org, api, contract):
    for name, body in (
        ("scan.jpg", b"\xff\xd8\xff\xe0rest"),
        ("plan.xlsx", b"PK\x03\x04rest"),
        ("e-invoice.ofd", b"PK\x03\x04rest"),
    ):
        assert upload(api, org.rep, contract, SimpleUploadedFile(name, body)).status_code == 201


def test_a_milestone_of_another_contract_is_refused(org, api, contract):
    other = ContractFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    milestone = other.delivery_milestones.create(kind="arrival", planned_date="2026-01-01")
    response = upload(api, org.rep, contract, pdf(), milestone=milestone.pk)
    assert response.status_code == 400
    assert response.json()["fields"] == {"milestone": ["Not a milestone of this contract."]}


def test_who_may_add_evidence(org, api, contract):
    assert upload(api, org.teammate, contract, pdf()).status_code == 403  # sees, may not change
    assert upload(api, org.other_region_rep, contract, pdf()).status_code == 400  # cannot see
    assert upload(api, org.finance, contract, pdf(), kind="correspondence").status_code == 201
    listed = api(org.teammate).get(f"/api/v1/contract-documents/?contract={contract.pk}")
    assert len(listed.json()["results"]) == 1
    assert api(org.other_region_rep).get("/api/v1/contract-documents/").json()["results"] == []
