"""Smaller doors closed: participant taps, headers, organiser text, redirects, surveys."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.db.models import Panel, Step
from server.ops import proposals
from server.ops.events import SYSTEM
from server.web.limits import PARTICIPANT_TAPS
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step, send, stored_arguments
from tests.support.servers import running_app, settings_for

STRONG = "q4Zr8Lw2Xe7Tn0Vb5Kc9Hm3Ja6Pd1Ys-Gu_Fi4Ot8Re2Wq7Ez0Ax5Sc9Dv3Bn6Mk1Lj"


async def test_one_phone_cannot_add_thousands_of_statement_votes(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "discussion", statement_votes="on")
    writer, voter = await day.phone(panel), await day.phone(panel)
    await send(writer, panel, "Fewer cars")
    [argument] = await stored_arguments(day, panel)
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/arguments/{argument.id}/approve")
    url = f"/p/{panel.id}/statements/{argument.id}"
    before = await day.audit_count(panel.id)
    statuses = [
        (await voter.post(url, {"choice": "agree" if n % 2 else "disagree"})).status_code
        for n in range(PARTICIPANT_TAPS.limit + 5)
    ]
    assert statuses[: PARTICIPANT_TAPS.limit] == [200] * PARTICIPANT_TAPS.limit
    assert statuses[PARTICIPANT_TAPS.limit :] == [429] * 5
    assert await day.audit_count(panel.id) - before <= PARTICIPANT_TAPS.limit


async def test_a_participant_cannot_read_a_survey_that_is_not_open(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    async with day.services.db.reading() as session:
        later = await session.scalar(
            select(Step)
            .where(Step.panel_id == panel.id, Step.kind == "survey")
            .order_by(Step.position.desc())
        )
    assert later is not None
    response = await phone.get(f"/p/{panel.id}/survey/{later.id}", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert text_of(response.text) == "This survey is not open right now."


async def test_a_foreign_proposal_in_step_settings_is_refused_not_dropped(day: Day) -> None:
    ours, theirs = await day.panel(), await day.panel()
    mine = await proposals.add(day.services.units, ours.id, SYSTEM, "Buses", "")
    foreign = await proposals.add(day.services.units, theirs.id, SYSTEM, "Trams", "")
    organiser = await day.staff("organiser")
    async with day.services.db.reading() as session:
        step = await session.scalar(
            select(Step).where(Step.panel_id == ours.id, Step.kind == "discussion")
        )
    assert step is not None
    before = dict(step.settings)
    response = await organiser.post(
        f"/panels/{ours.id}/steps/{step.id}/settings", {"proposals": [str(mine), str(foreign)]}
    )
    assert response.status_code == 409
    assert "Choose only proposals of this panel" in text_of(response.text)
    async with day.services.db.reading() as session:
        again = await session.get(Step, step.id)
    assert again is not None and again.settings == before


@pytest.mark.parametrize("title", ["\u202eevil\u202c", "\u2067evil\u2069", "\ufeffevil"])
async def test_organiser_text_loses_bidi_overrides_like_participant_text(
    day: Day, title: str
) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await organiser.post(
        f"/panels/{panel.id}/text", {"title": title, "question": "Car-free?", "language": "en"}
    )
    assert response.status_code == 200
    async with day.services.db.reading() as session:
        row = await session.get(Panel, panel.id)
    assert row is not None and row.title == "evil"


async def test_an_organiser_title_of_invisible_characters_only_is_refused(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    response = await organiser.post(
        f"/panels/{panel.id}/text",
        {"title": "\u200b\u200b \u2060", "question": "Car-free?", "language": "en"},
    )
    assert response.status_code == 409
    async with day.services.db.reading() as session:
        row = await session.get(Panel, panel.id)
    assert row is not None and row.title == "Bypanel"


@pytest.mark.parametrize(
    "sneaky", ["/\\evil.example/", "/\\/evil.example", "/\t/evil.example", "//evil.example"]
)
async def test_redirects_from_a_referer_or_a_form_stay_on_our_site(day: Day, sneaky: str) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    refused = await tablet.http.post(
        f"/panels/{panel.id}/agenda/back",
        data={"csrf_token": tablet.csrf},
        headers={"Referer": "http://testserver" + sneaky},
    )
    location = refused.headers.get("location", "")
    assert not location.startswith(("//", "/\\", "/\t")), location
    language = await tablet.http.post(
        "/lang", data={"csrf_token": tablet.csrf, "language": "nb", "next": sneaky}
    )
    assert language.headers["location"] == "/"


async def test_the_display_page_has_one_referrer_policy(day: Day) -> None:
    panel = await day.panel()
    response = await day.person().get(f"/d/{panel.display_token}")
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]


async def test_error_pages_carry_the_security_headers(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = await day.person().get("/no/such/page")
    assert missing.status_code == 404
    assert "default-src 'self'" in missing.headers["content-security-policy"]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("server.routes.public.page", broken)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=day.app, raise_app_exceptions=False),
        base_url="http://testserver",
    )
    crashed = await client.get("/")
    await client.aclose()
    assert crashed.status_code == 500
    assert crashed.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in crashed.headers["content-security-policy"]


async def test_production_sends_hsts_and_secure_cookies_even_with_an_http_url(
    tmp_path: Path,
) -> None:
    settings = settings_for(
        tmp_path / "data",
        BORGERPANEL_ENV="production",
        BORGERPANEL_SECRET_KEY=STRONG,
        BORGERPANEL_PUBLIC_URL="http://panel.example.org",
    )
    async with running_app(settings) as app:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://panel.example.org"
        )
        response = await client.get("/")
        await client.aclose()
    assert "max-age=" in response.headers["strict-transport-security"]
    assert "secure" in response.headers["set-cookie"].lower()
