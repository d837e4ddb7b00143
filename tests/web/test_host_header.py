"""The Host header never chooses where the join QR and the letters point."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.day import Day
from tests.support.servers import running_app, settings_for


async def test_another_sites_host_never_reaches_the_projector_of_a_later_request(
    day: Day,
) -> None:
    """Development without a public URL: each request links to its own host, only."""
    panel = await day.panel()
    attacker = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=day.app), base_url="http://evil.example"
    )
    await attacker.get("/")
    await attacker.get(f"/j/{panel.code}")
    await attacker.aclose()
    projector = day.person()
    page = await projector.get(f"/d/{panel.display_token}")
    assert "evil.example" not in page.text
    assert f"testserver<wbr>/j/{panel.code}" in page.text  # breaks before /j/ only


async def test_with_a_public_url_only_its_host_is_answered(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", BORGERPANEL_PUBLIC_URL="https://panel.example.org")
    async with running_app(settings) as app:
        day = Day(app.state.services, "https://panel.example.org", app)
        panel = await day.panel()
        projector = day.person()
        page = await projector.get(f"/d/{panel.display_token}")
        assert page.status_code == 200
        assert f"panel.example.org<wbr>/j/{panel.code}" in page.text
        assert "strict-transport-security" in page.headers
        stranger = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://evil.example"
        )
        refused = await stranger.get(f"/d/{panel.display_token}")
        await stranger.aclose()
        assert refused.status_code == 400
        assert "evil.example" not in refused.text
        # Refused by the host check, the answer still carries the security headers.
        assert refused.headers["x-frame-options"] == "DENY"
        await day.close()
