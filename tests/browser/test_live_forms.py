"""Live updates and reconnects never wipe what someone is typing; phones say when offline."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.browser import PHONE, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day

pytestmark = pytest.mark.browser


async def close_every_socket(day: Day, code: int = 1012) -> None:
    """What a server restart or a network blip does to every live screen."""
    for channel in day.services.hub.channels.values():
        for socket in channel.sockets:
            await socket.websocket.close(code)


async def test_typed_input_survives_updates_and_a_reconnect(live_day: Day) -> None:
    panel = await live_day.panel()
    facilitator = await live_day.account("facilitator")
    from server.ops import panels
    from server.ops.events import SYSTEM

    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)
    colleague = await live_day.staff("facilitator", panel)
    async with chromium() as browser:
        _, tablet = await screen(browser, live_day.base_url, TABLET)
        await tablet.goto(f"/login?next=/panels/{panel.id}/run")
        await tablet.get_by_label("E-mail address").fill(facilitator.email)
        await tablet.get_by_label("Password").fill(PASSWORD)
        await tablet.get_by_role("button", name="Log in").click()
        await tablet.wait_for_url(f"**/panels/{panel.id}/run")
        await connected(tablet)

        minutes = tablet.locator("#timer-minutes")
        await minutes.fill("7")  # typed, not sent
        # The colleague changes things that re-render the very fragment holding the field.
        await colleague.post(f"/panels/{panel.id}/agenda/start")
        await tablet.wait_for_selector("#fac-agenda li.is-current >> text=Survey before")
        await colleague.post(f"/panels/{panel.id}/timer/start", {"minutes": "2"})
        await tablet.wait_for_selector("#fac-timer .timer.is-running")
        await live_day.phone(panel)
        await tablet.wait_for_selector("#fac-tables >> text=1 joined")
        assert await minutes.input_value() == "7"

        # The connection drops, things change meanwhile, the tablet reconnects and resyncs.
        await close_every_socket(live_day)
        await colleague.post(f"/panels/{panel.id}/agenda/advance")
        await tablet.wait_for_selector("#fac-agenda li.is-current >> text=Briefing", timeout=15_000)
        assert await minutes.input_value() == "7"
        await tablet.get_by_role("button", name="Start").first.click()
        await tablet.wait_for_selector("#fac-timer .timer-clock >> text=/^[67]:\\d\\d$/")


async def test_a_phone_shows_reconnecting_and_catches_up_by_itself(live_day: Day) -> None:
    panel = await live_day.panel()
    tablet = await live_day.staff("facilitator", panel)
    async with chromium() as browser:
        context, phone = await screen(browser, live_day.base_url, PHONE)
        await phone.goto(f"/j/{panel.code}")
        await phone.get_by_role("button", name="Join the panel").click()
        await connected(phone)
        banner = phone.locator("#connection")
        assert await banner.is_hidden()

        await context.set_offline(True)
        await close_every_socket(live_day, 1001)
        await banner.wait_for(state="visible")
        assert await banner.inner_text() == "Reconnecting…"
        await tablet.post(f"/panels/{panel.id}/agenda/start")  # missed while offline
        await asyncio.sleep(0.5)  # a deliberate network outage: the phone stays offline a while
        await context.set_offline(False)
        await phone.wait_for_selector(
            "#phone-step h1 >> text=Survey before the discussion", timeout=15_000
        )
        await banner.wait_for(state="hidden")


async def test_phones_are_back_soon_after_a_restarting_server_is_ready(
    live_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that closes with 1012 ("restarting") is tried again in short steps (at most
    0.75 s apart) instead of a backoff that grows to 8 s, so a phone is back within about
    a second of the server being ready, however long the restart took."""
    from starlette.websockets import WebSocket

    from server.routes import participant

    panel = await live_day.panel()
    real = participant.require_participant_and_panel
    restarting = True

    async def not_yet(connection: object, panel_id: int) -> object:
        if restarting and isinstance(connection, WebSocket):
            raise RuntimeError("the server is still starting")
        return await real(connection, panel_id)  # type: ignore[arg-type]

    async with chromium() as browser:
        _, phone = await screen(browser, live_day.base_url, PHONE)
        await phone.goto(f"/j/{panel.code}")
        await phone.get_by_role("button", name="Join the panel").click()
        await connected(phone)
        monkeypatch.setattr(participant, "require_participant_and_panel", not_yet)
        await close_every_socket(live_day, 1012)
        await phone.wait_for_selector("#live:not([data-connected])", state="attached")
        await asyncio.sleep(5)  # the restart takes a while; the phone keeps knocking
        restarting = False
        ready = time.monotonic()
        await connected(phone)
        assert time.monotonic() - ready < 2.0
        await phone.locator("#connection").wait_for(state="hidden")
