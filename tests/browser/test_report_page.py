"""The council report in real Chromium: accessible on screen, laid out for print."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.accessibility import axe_violations, horizontal_overflow
from tests.support.browser import NARROW_PHONE, chromium, screen
from tests.support.day import PASSWORD, Day
from tests.support.reporting import council_panel

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 900}}


async def test_the_report_page_reads_well_on_screen_and_on_paper(
    live_day: Day, artifacts: Path
) -> None:
    facts = await council_panel(live_day, title="Bergen sentrum")
    organiser = await live_day.account("organiser")
    async with chromium() as browser:
        _, page = await screen(browser, live_day.base_url, LAPTOP)
        await page.goto(f"/login?next=/panels/{facts.info.id}/report")
        await page.get_by_label("E-mail address").fill(organiser.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_selector("main.report h1")
        assert await page.locator("h1").inner_text() == "Bergen sentrum"
        assert await page.locator("svg.chart-svg").count() == 3
        assert await axe_violations(page) == []
        assert await horizontal_overflow(page) == 0
        await page.screenshot(path=artifacts / "report-page.png", full_page=True)

        await page.emulate_media(media="print")
        assert not await page.locator(".staff-bar").is_visible()
        breaks = await page.locator("section.new-page").evaluate_all(
            "sections => sections.map(s => getComputedStyle(s).breakBefore)"
        )
        assert breaks and set(breaks) == {"page"}
        await page.screenshot(path=artifacts / "report-print.png", full_page=True)

        phone_context, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        await phone_context.add_cookies(await page.context.cookies())
        await phone.goto(f"/panels/{facts.info.id}/report")
        await phone.wait_for_selector("main.report h1")
        assert await horizontal_overflow(phone) == 0
        await phone.screenshot(path=artifacts / "report-phone.png", full_page=True)
