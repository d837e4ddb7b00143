"""PostgreSQL out of reach mid-session: phones are told to wait, nothing is lost.

The server reaches its database through a TCP proxy the test controls, as a venue's
network or a failing database host would behave: connections refused, or a
connection that stalls without an answer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from server.db.models import Ballot
from tests.support.day import Day, PanelInfo, text_of
from tests.support.externals import postgres_database
from tests.support.people import Person
from tests.support.servers import running_app, settings_for
from tests.support.tcp_proxy import TcpProxy
from tests.support.voting import open_vote

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[str, TcpProxy]]:
    async with postgres_database() as url:
        parsed = make_url(url)
        proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        await proxy.start()
        try:
            yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(False), proxy
        finally:
            await proxy.stop()


@pytest.fixture
async def day_behind_proxy(
    tmp_path: Path, proxied: tuple[str, TcpProxy]
) -> AsyncIterator[tuple[Day, TcpProxy]]:
    url, proxy = proxied
    settings = settings_for(tmp_path / "data", BORGERPANEL_DATABASE_URL=url)
    async with running_app(settings) as app:
        day = Day(app.state.services, "http://testserver", app)
        try:
            yield day, proxy
        finally:
            proxy.set("up")
            await day.close()


def ballot(options: list[str], key: str) -> dict[str, str]:
    return {"choice": options[0], "idempotency_key": key}


async def ballots_in(day: Day, step: int) -> int:
    async with day.services.db.reading() as session:
        count = await session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.step_id == step)
        )
    return int(count or 0)


async def a_phone_at_an_open_vote(day: Day) -> tuple[Person, PanelInfo, int, list[str]]:
    panel = await day.panel()
    step, options = await open_vote(day, panel, "single", "Bus lanes", "Bike paths")
    phone = await day.phone(panel)
    await phone.get(f"/p/{panel.id}")
    return phone, panel, step, options


async def test_a_ballot_sent_while_the_database_is_gone_is_answered_503_and_counted_once_after(
    day_behind_proxy: tuple[Day, TcpProxy],
) -> None:
    day, proxy = day_behind_proxy
    phone, panel, step, options = await a_phone_at_an_open_vote(day)

    proxy.set("refuse")
    response = await phone.post(f"/p/{panel.id}/ballot", ballot(options, "outage-ballot-1"))
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "Internal Server Error" not in response.text
    assert "cannot reach its database" in text_of(response.text)
    page = await phone.get(f"/p/{panel.id}")
    assert page.status_code == 503
    assert "cannot reach its database" in text_of(page.text)

    proxy.set("up")
    response = await phone.post(f"/p/{panel.id}/ballot", ballot(options, "outage-ballot-1"))
    assert response.status_code == 200, response.text
    again = await phone.post(f"/p/{panel.id}/ballot", ballot(options, "outage-ballot-1"))
    assert again.status_code == 200
    assert await ballots_in(day, step) == 1


async def test_a_stalled_database_connection_answers_503_within_seconds_not_minutes(
    day_behind_proxy: tuple[Day, TcpProxy],
) -> None:
    day, proxy = day_behind_proxy
    phone, panel, step, options = await a_phone_at_an_open_vote(day)

    proxy.set("stall")
    started = time.monotonic()
    response = await phone.post(f"/p/{panel.id}/ballot", ballot(options, "stalled-ballot-1"))
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert waited < 15, f"a stalled database held the phone for {waited:.1f} s"

    proxy.set("up")
    response = await phone.post(f"/p/{panel.id}/ballot", ballot(options, "stalled-ballot-1"))
    assert response.status_code == 200, response.text
    assert await ballots_in(day, step) == 1
