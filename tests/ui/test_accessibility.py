"""Every form control of the main pages has a label a screen reader reads (a <label for>, a
wrapping <label>, aria-label or aria-labelledby), and every page starts with a skip link to
its content."""

from html.parser import HTMLParser

import pytest

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/leads/",
    "/leads/new/",
    "/customers/",
    "/customers/new/",
    "/opportunities/",
    "/opportunities/new/",
    "/contracts/",
    "/collections/",
    "/collections/receipts/new/",
    "/notifications/",
    "/search/?q=port",
]


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.links: list[dict] = []
        self._labels = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "label":
            self._labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "a":
            self.links.append(attrs)
        elif tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text")
            if kind not in ("hidden", "submit", "button", "reset", "image"):
                self.controls.append({**attrs, "_tag": tag, "_wrapped": self._labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._labels -= 1


@pytest.mark.parametrize("url", PAGES)
def test_every_control_is_labelled_and_the_skip_link_leads_to_the_content(org, client, url):
    LeadFactory(owner=org.rep, title="Port cranes")
    client.force_login(org.rep)
    response = client.get(url)
    assert response.status_code == 200
    page = _Controls()
    page.feed(response.content.decode())
    unlabelled = [
        c.get("name") or c.get("id") or c["_tag"]
        for c in page.controls
        if not (
            c["_wrapped"]
            or c.get("aria-label")
            or c.get("aria-labelledby")
            or (c.get("id") and c["id"] in page.label_for)
        )
    ]
    assert not unlabelled, unlabelled
    skip = page.links[0]
    assert "skip" in skip.get("class", "") and skip["href"] == "#content"
    assert "content" in page.ids
