"""Staff sessions end on the server: a cookie saved before logout no longer works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from server.db.models import AuditEvent
from server.db.models_security import StaffSession
from server.db.types import utcnow
from server.ops import accounts, panels
from tests.support.day import Day
from tests.support.people import Person
from tests.support.servers import running_app, settings_for


def copy_of(person: Person, day: Day) -> Person:
    """Someone who copied the cookie (a shared computer, a stolen tablet)."""
    thief = day.person()
    for cookie in person.http.cookies.jar:
        thief.http.cookies.set(cookie.name, cookie.value)
    return thief


async def can_run(person: Person, panel_id: int) -> bool:
    response = await person.get(f"/panels/{panel_id}/run")
    return response.status_code == 200


async def test_a_cookie_saved_before_logout_does_not_run_the_agenda(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    saved = copy_of(tablet, day)
    assert await can_run(saved, panel.id)
    await tablet.post("/logout", htmx=False)
    assert not await can_run(saved, panel.id)
    before = await day.seq(panel.id)
    refused = await saved.post(f"/panels/{panel.id}/agenda/start")
    assert refused.status_code in (401, 403)
    assert await day.seq(panel.id) == before


async def test_log_out_everywhere_ends_every_browser_of_the_account(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    laptop = copy_of(tablet, day)
    response = await tablet.post("/account/sessions/end", htmx=False)
    assert response.status_code == 303
    assert not await can_run(laptop, panel.id)
    assert not await can_run(tablet, panel.id)


async def test_a_new_password_ends_the_sessions_made_with_the_old_one(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    assert await can_run(tablet, panel.id)
    await accounts.set_password(
        day.services.units,
        tablet.account.email,  # type: ignore[attr-defined]
        "a brand new passphrase",
    )
    assert not await can_run(tablet, panel.id)


async def test_removed_from_the_team_the_facilitator_loses_the_panel_at_once(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    assert await can_run(tablet, panel.id)
    owner = await day._owner(panel.id)
    await panels.remove_member(day.services.units, panel.id, owner, tablet.account.id)  # type: ignore[attr-defined]
    assert not await can_run(tablet, panel.id)


async def test_an_idle_session_ends_before_the_absolute_limit(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    assert await can_run(tablet, panel.id)
    idle = day.services.settings.staff_idle_minutes
    async with day.services.db.writing() as session:
        await session.execute(
            update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=idle + 1))
        )
    response = await tablet.get(f"/panels/{panel.id}/run")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_an_organiser_ends_another_accounts_sessions(day: Day) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    organiser = await day.staff("organiser")
    await organiser.get("/account")
    account_id = tablet.account.id  # type: ignore[attr-defined]
    response = await organiser.post(f"/accounts/{account_id}/sessions/end")
    assert response.status_code == 200
    assert not await can_run(tablet, panel.id)
    async with day.services.db.reading() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "account.sessions_ended")
        )
    assert event is not None
    assert (event.actor_kind, event.actor_id) == ("account", organiser.account.id)  # type: ignore[attr-defined]
    assert event.data == {"account": account_id, "why": "organiser"}


@pytest.fixture
async def strict_day(tmp_path: Path) -> AsyncIterator[Day]:
    """A server whose organiser set short staff sessions."""
    settings = settings_for(
        tmp_path / "data",
        BORGERPANEL_STAFF_IDLE_MINUTES="5",
        BORGERPANEL_STAFF_SESSION_HOURS="1",
    )
    async with running_app(settings) as app:
        day = Day(app.state.services, "http://testserver", app)
        try:
            yield day
        finally:
            await day.close()


async def idle_for(day: Day, minutes: float) -> None:
    """Every staff session's last request was `minutes` ago."""
    async with day.services.db.writing() as session:
        await session.execute(
            update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_the_idle_limit_set_in_the_environment_ends_a_session(strict_day: Day) -> None:
    panel = await strict_day.panel()
    tablet = await strict_day.staff("facilitator", panel)
    await idle_for(strict_day, 4)
    assert await can_run(tablet, panel.id)  # within 5 minutes: still at work
    await idle_for(strict_day, 6)  # the default of 120 minutes would still let it in
    response = await tablet.get(f"/panels/{panel.id}/run")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_the_absolute_limit_set_in_the_environment_ends_a_busy_session(
    strict_day: Day,
) -> None:
    panel = await strict_day.panel()
    tablet = await strict_day.staff("facilitator", panel)
    async with strict_day.services.db.writing() as session:
        await session.execute(
            update(StaffSession).values(created_at=utcnow() - timedelta(minutes=59))
        )
    assert await can_run(tablet, panel.id)
    async with strict_day.services.db.writing() as session:
        await session.execute(
            update(StaffSession).values(created_at=utcnow() - timedelta(minutes=61))
        )
    assert not await can_run(tablet, panel.id)  # busy to the last minute, but past an hour
