"""Stateless web nodes (issue 24.7, ADR 36): what users upload and what the app generates goes
through Django's STORAGES (an S3 bucket when configured), never straight to the node's disk;
sessions and cache live in Redis; the PgBouncer flag turns server-side cursors off."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from accounts.models import ImportJob
from contracts.models import ContractDocument
from documents.models import GeneratedDocument
from tests.accounts.conftest import csv_bytes, upload
from tests.contracts.conftest import PDF, contract, pdf  # noqa: F401 (a fixture)
from tests.documents.conftest import deal, quote  # noqa: F401 (fixtures)
from tests.ltc.test_settings import PRODUCTION, run_django

PROBE = (
    "import django; django.setup(); from django.conf import settings as s;"
    "from django.core.files.storage import default_storage as d;"
    "print(s.STORAGES['default']['BACKEND']);"
    "print(getattr(d, 'bucket_name', '-'), getattr(d, 'endpoint_url', '-'));"
    "print(s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False));"
    "print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])"
)


def probe(**env: str) -> list[str]:
    result = run_django("-c", PROBE, env={**PRODUCTION, "DATABASE_URL": "", **env})
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stderr
    return lines


def test_files_go_to_an_s3_bucket_when_the_environment_names_one():
    lines = probe(
        STORAGE_S3_BUCKET="ltc-files",
        STORAGE_S3_ENDPOINT_URL="http://minio.internal:9000",
        STORAGE_S3_ACCESS_KEY_ID="id",
        STORAGE_S3_SECRET_ACCESS_KEY="secret",  # noqa: S106 (a test value)
    )
    assert lines[0] == "storages.backends.s3.S3Storage"
    assert lines[1] == "ltc-files http://minio.internal:9000"


def test_files_stay_on_the_file_system_without_a_bucket_and_sessions_follow_redis():
    lines = probe(STORAGE_S3_BUCKET="", REDIS_URL="")
    assert lines[0] == "django.core.files.storage.FileSystemStorage"
    assert lines[2] == "False"
    assert lines[3] == "django.contrib.sessions.backends.db " + (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    with_redis = probe(REDIS_URL="redis://127.0.0.1:6379/3")
    assert with_redis[3] == "django.contrib.sessions.backends.cached_db " + (
        "django.core.cache.backends.redis.RedisCache"
    )


def test_the_pgbouncer_flag_turns_server_side_cursors_off():
    assert probe(PGBOUNCER_TRANSACTION_POOLING="1")[2] == "True"


@pytest.fixture
def memory_storage(settings, tmp_path):
    """Files in memory, MEDIA_ROOT an empty directory: whatever the app writes to the node's
    disk instead of through the storage shows up there."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_uploads_imports_and_generated_documents_go_through_the_storage_not_the_disk(
    org, api, memory_storage, request
):
    signed = request.getfixturevalue("contract")
    priced = request.getfixturevalue("quote")
    # An uploaded contract document, read back through the storage.
    added = api(org.rep).post(
        "/api/v1/contract-documents/",
        {"contract": signed.pk, "kind": "signed_contract", "file": pdf("Signed.pdf")},
        format="multipart",
    )
    assert added.status_code == 201, added.json()
    stored = ContractDocument.objects.get(pk=added.json()["id"])
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    assert default_storage.exists(stored.file.name)
    download = api(org.sr).get(added.json()["download_url"])
    assert b"".join(download.streaming_content) == PDF

    # A generated PDF, stored and downloaded.
    made = api(org.rep).post(
        "/api/v1/documents/generate/",
        {"kind": "quote", "record_id": priced.pk, "language": "en"},
        format="json",
    )
    assert made.status_code == 201, made.content
    document = GeneratedDocument.objects.get(pk=made.json()["id"])
    assert default_storage.exists(document.file.name)
    got = api(org.rep).get(f"/api/v1/documents/{document.pk}/download/")
    assert b"".join(got.streaming_content).startswith(b"%PDF")

    # An import's upload is kept in the storage until its rows are in.
    rows = [["名称", "统一社会信用代码", "行业", "省份", "客户级别", "客户经理", "邮箱"]]
    rows += [["无盘有限公司", "", "电信运营商", "广东", "大客户", "", ""]]
    started = api(org.rep).post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload("customers.csv", csv_bytes(rows))},
        format="multipart",
    )
    assert started.status_code == 201, started.json()
    job = ImportJob.objects.get(pk=started.json()["id"])
    assert default_storage.exists(job.file.name)
    done = (
        api(org.rep)
        .post(f"/api/v1/imports/{job.pk}/commit/", {"mode": "all"}, format="json")
        .json()
    )
    assert done["status"] == "done"

    assert list(memory_storage.rglob("*")) == [], "written to the node's disk"
