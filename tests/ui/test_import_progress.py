"""A long import shows its progress on its page: state and rows done of total, polled with htmx
every few seconds while the job runs, and no more polling once it is done."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ImportJob
from tests.accounts.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Name", "Industry"]


def polls(html: str) -> bool:
    return bool(re.search(r'hx-get="[^"]+/progress/"[^>]*hx-trigger="every \d+s"', html))


def test_the_progress_fragment_counts_rows_and_stops_polling_when_done(
    org, client, settings, media, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    settings.IMPORT_INLINE_MAX_ROWS = 1
    client.force_login(org.rep)
    rows = [HEADER, *[[f"Progress {n} Ltd", ""] for n in range(4)]]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/imports/new/?kind=customers",
            {"kind": "customers", "file": SimpleUploadedFile("big.csv", csv_bytes(rows))},
        )
    assert response.status_code == 302 and len(callbacks) == 1  # a background job
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert polls(page) and 'data-state="validating"' in page

    # The worker is half-way (what it records as it goes).
    ImportJob.objects.filter(pk=job.pk).update(progress=2, rows_total=4)
    fragment = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    assert 'data-progress="2/4"' in html and "2 of 4 rows" in html
    assert 'value="50"' in html and polls(html)

    callbacks[0]()  # the job finishes
    done = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert 'data-state="validated"' in html and not polls(html) and "hx-get" not in html
    assert done["HX-Refresh"] == "true"  # the page reloads once, to show the preview
