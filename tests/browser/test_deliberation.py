"""Deliberation in real Chromium: hostile text stays text, screens pass axe at 320 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.ops import panels
from server.ops.events import SYSTEM
from tests.support.accessibility import axe_violations, horizontal_overflow, too_small_for_the_room
from tests.support.browser import NARROW_PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day
from tests.support.deliberation import open_step, with_proposals

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
NORMAL = "Fewer cars make the centre safer for children"


async def test_hostile_text_is_shown_as_text_and_every_screen_passes_axe(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=2, title="Bergen sentrum")
    bus, _ = await with_proposals(live_day, panel, "Car-free centre", "Free buses")
    await open_step(live_day, panel, "discussion", proposals=f"{bus}", statement_votes="on")
    facilitator = await live_day.account("facilitator")
    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)

    async with chromium() as browser:
        _, writer = await screen(browser, live_day.base_url, NARROW_PHONE)
        await writer.goto(f"/j/{panel.code}")
        await writer.get_by_role("button", name="Join the panel").click()
        await connected(writer)
        for text, stance in ((HOSTILE, "Against"), (NORMAL, "For")):
            await writer.get_by_label(stance, exact=True).check()
            await writer.get_by_label("The argument").fill(text)
            async with writer.expect_response(lambda r: r.url.endswith("/arguments")):
                await writer.get_by_role("button", name="Send", exact=True).click()
            await writer.wait_for_function(
                "() => document.querySelector('#argument-text').value === ''"
            )
        await writer.wait_for_selector(f"#phone-table-arguments >> text={NORMAL}")
        await _accessible(writer, "phone with its table's arguments")

        _, tablet = await screen(browser, live_day.base_url, TABLET)
        await tablet.goto(f"/login?next=/panels/{panel.id}/run")
        await tablet.get_by_label("E-mail address").fill(facilitator.email)
        await tablet.get_by_label("Password").fill(PASSWORD)
        await tablet.get_by_role("button", name="Log in").click()
        await connected(tablet)
        await tablet.wait_for_selector(f"#fac-moderation >> text={NORMAL}")
        await _accessible(tablet, "moderation queue", narrow=False)
        await tablet.screenshot(path=artifacts / "moderation.png", full_page=True)

        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)

        queue = tablet.locator("#fac-moderation")
        for text in (NORMAL, HOSTILE):
            item = queue.locator("li.state-pending", has_text=text)
            await item.get_by_role("button", name="Approve").click()
            await item.wait_for(state="detached")
        await projector.wait_for_selector(f"#display-wall >> text={NORMAL}")
        await projector.wait_for_selector("#display-wall .wall-text >> text=<img src=x")
        assert await projector.evaluate("document.querySelector('#display-wall img') === null")
        await _accessible(projector, "argument wall", narrow=False)
        assert await too_small_for_the_room(projector) == ""
        await projector.screenshot(path=artifacts / "wall.png")

        _, voter = await screen(browser, live_day.base_url, NARROW_PHONE)
        await voter.goto(f"/j/{panel.code}")
        await voter.get_by_role("button", name="Join the panel").click()
        await connected(voter)
        await voter.wait_for_selector(f"#phone-statements >> text={NORMAL}")
        statement = voter.locator("#phone-statements li", has_text=NORMAL)
        await statement.get_by_role("button", name="Agree", exact=True).click()
        # The answer is shown beside the buttons just pressed, not at the top of the page.
        await statement.locator("[data-send-status]", has_text="Your vote is counted").wait_for()
        agree = statement.get_by_role("button", name="Agree", exact=True)
        await voter.wait_for_function(
            "el => el.getAttribute('aria-pressed') === 'true'", arg=await agree.element_handle()
        )
        await _accessible(voter, "phone with statements to vote on")
        await voter.screenshot(path=artifacts / "statements.png", full_page=True)
        await writer.screenshot(path=artifacts / "discussion-phone.png", full_page=True)


async def _accessible(page: object, name: str, narrow: bool = True) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    violations = await axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    if narrow:
        assert await horizontal_overflow(page) == 0, f"{name} is wider than 320 px"
