"""What a phone downloads to show the panel: first load and a revisit, as on the wire.

    .venv/bin/python bench/page_weight.py

Runs the application in-process on a fresh SQLite panel, joins one phone and fetches
its page with `Accept-Encoding: gzip`, then every script and style it links. A revisit
fetches the page again; linked assets carry a content digest and are cached as
immutable, so the browser does not ask for them. Figures are compressed bytes of the
bodies (headers not counted). Goals (issue 11): first load ≤ 60 KB, revisit ≤ 10 KB.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.day import Day
from tests.support.servers import running_app, settings_for

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


async def wire_bytes(client: httpx.AsyncClient, url: str) -> tuple[int, str]:
    """The compressed size of one response body, and its text."""
    async with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    encoded = response.headers.get("content-encoding") == "gzip"
    return len(raw), (gzip.decompress(raw) if encoded else raw).decode()


async def measure() -> tuple[list[tuple[str, int]], int]:
    """Bytes on the wire of the page and each asset it links; then of a revisit."""
    with tempfile.TemporaryDirectory() as data:
        async with running_app(settings_for(Path(data))) as app:
            day = Day(app.state.services, "http://testserver", app)
            panel = await day.panel()
            phone = await day.phone(panel)
            page_bytes, page = await wire_bytes(phone.http, f"/p/{panel.id}")
            rows = [(f"/p/{panel.id}", page_bytes)]
            for url in sorted(set(ASSET.findall(page))):
                rows.append((url, (await wire_bytes(phone.http, url))[0]))
            revisit, _ = await wire_bytes(phone.http, f"/p/{panel.id}")
            await day.close()
    return rows, revisit


async def main() -> None:
    rows, revisit = await measure()
    first = sum(size for _, size in rows)
    print("| what | bytes on the wire |\n| --- | --- |")
    for url, size in rows:
        print(f"| {url} | {size:,} |")
    print(f"| **first load** | **{first:,}** ({first / 1000:.1f} KB; goal ≤ 60 KB) |")
    print(f"| **revisit** | **{revisit:,}** ({revisit / 1000:.1f} KB; goal ≤ 10 KB) |")


if __name__ == "__main__":
    asyncio.run(main())
