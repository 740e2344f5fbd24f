"""Installable on a phone (issue 19.9) and a favicon on every page (issue 19.4): each page
links the icon and the web app manifest, and both are served with what a browser needs to
add the app to a home screen."""

from __future__ import annotations

import json
import re
import struct
from urllib.parse import urljoin

import pytest

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<link rel="(icon|manifest|apple-touch-icon)" href="([^"]+)"')


def links(html: str) -> dict[str, str]:
    return dict(LINK.findall(html))


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", body[16:24])


def fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("path", ["/", "/leads/", "/login/"])
def test_every_kind_of_page_links_the_icon_and_the_manifest(org, client, path):
    if path != "/login/":
        client.force_login(org.rep)
    response = client.get(path, follow=True)
    found = links(response.content.decode())
    assert {"icon", "manifest", "apple-touch-icon"} <= set(found), found
    for url in found.values():
        fetch(client, url)


def test_the_manifest_makes_the_app_installable(org, client):
    client.force_login(org.rep)
    manifest_url = links(client.get("/").content.decode())["manifest"]
    manifest = json.loads(fetch(client, manifest_url))
    assert manifest["name"] and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        body = fetch(client, urljoin(manifest_url, icon["src"]))
        if icon["type"] == "image/png":
            sizes[icon["sizes"]] = png_size(body)
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_the_pages_that_stand_alone_have_the_icon_too():
    """Sign-in, second factor, lock-out and the error page do not extend the base page."""
    from django.template.loader import get_template

    for name in (
        "registration/two_factor.html",
        "registration/locked_out.html",
        "ltc/error.html",
    ):
        source = get_template(name).template.source
        assert '{% include "ltc/components/head_icons.html" %}' in source, name
