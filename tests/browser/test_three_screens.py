"""A phone, a facilitator tablet and a projector in real Chromium, changing together live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Route

from tests.support.browser import PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day

pytestmark = pytest.mark.browser


async def test_the_facilitator_advances_and_phone_and_display_follow_without_reload(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=3, title="Bergen byrom")
    facilitator = await live_day.account("facilitator")
    from server.ops import panels
    from server.ops.events import SYSTEM

    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)
    async with chromium() as browser:
        _, phone = await screen(browser, live_day.base_url, PHONE)
        await phone.goto(f"/j/{panel.code}")
        await phone.get_by_role("button", name="Join the panel").click()
        await phone.wait_for_url(f"**/p/{panel.id}")
        await connected(phone)

        _, tablet = await screen(browser, live_day.base_url, TABLET)
        await tablet.goto(f"/login?next=/panels/{panel.id}/run")
        await tablet.get_by_label("E-mail address").fill(facilitator.email)
        await tablet.get_by_label("Password").fill(PASSWORD)
        await tablet.get_by_role("button", name="Log in").click()
        await tablet.wait_for_url(f"**/panels/{panel.id}/run")
        await connected(tablet)

        _, display = await screen(browser, live_day.base_url, PROJECTOR)
        await display.goto(f"/d/{panel.display_token}")
        await connected(display)
        await display.wait_for_selector(".display-count >> text=1 have joined")
        # In the lobby the room must see the QR, the code and the count without scrolling.
        for part in (".display-join .qr", ".join-code", ".display-count"):
            box = await display.locator(part).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 1080, f"{part} is off screen"
        await display.screenshot(path=artifacts / "display-lobby.png")

        for page in (phone, display):  # a mark that a reload would wipe
            await page.evaluate("window.__sameDocument = true")
        await tablet.get_by_role("button", name="Start the first step").click()

        await phone.wait_for_selector("#phone-step h1 >> text=Survey before the discussion")
        await display.wait_for_selector("#display-step h1 >> text=Survey before the discussion")
        for page in (phone, display):
            assert await page.evaluate("window.__sameDocument === true"), "the page reloaded"
        await tablet.wait_for_selector("#fac-agenda li.is-current >> text=Survey before")
        await tablet.wait_for_selector("#fac-tables .person.is-online")

        await tablet.get_by_role("button", name="Next step →").click()
        await phone.wait_for_selector("#phone-step h1 >> text=Briefing")
        await display.wait_for_selector("#display-step h1 >> text=Briefing")

        await phone.screenshot(path=artifacts / "phone.png", full_page=True)
        await tablet.screenshot(path=artifacts / "tablet.png", full_page=True)
        await display.screenshot(path=artifacts / "display.png")


async def test_a_screen_connects_even_when_the_websocket_extension_arrives_last(
    live_day: Day,
) -> None:
    """On a weak network the scripts arrive in any order; the projector must still go live.

    A deferred htmx used to start as soon as it ran, and a page it processed before the
    WebSocket extension arrived never opened its socket.
    """
    panel = await live_day.panel()

    async def late(route: Route) -> None:
        await asyncio.sleep(0.5)
        await route.continue_()

    async with chromium() as browser:
        _, display = await screen(browser, live_day.base_url, PROJECTOR)
        await display.route("**/hx-ws.min.js*", late)
        await display.goto(f"/d/{panel.display_token}")
        await connected(display)
