"""A phone on a weak network downloads the page's scripts and styles once, compressed."""

from __future__ import annotations

import gzip
import re

from server.render import STATIC
from tests.support.day import Day

ASSET = re.compile(r'(?:src|href)="(/static/[^"?]+\?v=[0-9a-f]+)"')


async def test_the_phone_page_links_versioned_assets_that_are_cached_for_good(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    page = await phone.get(f"/p/{panel.id}")
    assets = ASSET.findall(page.text)
    assert any(url.endswith(".js") or ".js?" in url for url in assets), assets
    for url in assets:
        response = await phone.http.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_scripts_and_styles_come_gzipped_and_unpack_to_the_file(day: Day) -> None:
    phone = day.person()
    raw = await phone.http.get("/static/live.js?v=any", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["vary"] == "Accept-Encoding"
    # httpx unpacks the body itself; what crossed the wire is the compressed length.
    assert raw.content == (STATIC / "live.js").read_bytes()
    wire = int(raw.headers["content-length"])
    assert wire == len(gzip.compress((STATIC / "live.js").read_bytes(), 9, mtime=0))
    assert wire < len(raw.content) / 2


async def test_an_unversioned_asset_is_revalidated(day: Day) -> None:
    phone = day.person()
    response = await phone.http.get("/static/app.css")
    assert response.headers["cache-control"] == "no-cache"
    again = await phone.http.get(
        "/static/app.css", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_pages_are_compressed_when_the_browser_accepts_it(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    page = await phone.http.get(f"/p/{panel.id}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers.get("content-encoding") == "gzip"
