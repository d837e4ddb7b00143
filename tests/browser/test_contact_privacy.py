"""The contact-data card of the recruitment page in a real browser: the retention date
and an erasure with its confirmation, at 320 px and on a laptop, passing axe."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_recruitment_screens import _check, _log_in
from tests.support.browser import NARROW_PHONE, chromium, screen
from tests.support.day import Day
from tests.support.recruitment import (
    confirm_everyone_and_issue_codes,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)

pytestmark = pytest.mark.browser
LAPTOP = {"viewport": {"width": 1440, "height": 900}}


async def test_the_organiser_sets_a_date_and_erases_contact_data_on_a_phone_and_a_laptop(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel()
    organiser = await live_day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=40, size=8)
    assert (await wait_for_draw(live_day, await start_draw(organiser, panel))).state == "finished"
    await confirm_everyone_and_issue_codes(live_day, organiser, panel)
    email = organiser.account.email  # type: ignore[attr-defined]
    page_path = f"/panels/{panel.id}/recruitment"

    async with chromium() as browser:
        _, laptop = await screen(browser, live_day.base_url, LAPTOP)
        await _log_in(laptop, email)
        await laptop.goto(page_path)
        card = laptop.locator(".contact-privacy")
        await card.get_by_label("Erase contact data by").fill("2027-03-31")
        await card.get_by_role("button", name="Save the date").click()
        await laptop.wait_for_selector("text=They will be erased by 31 March 2027.")
        await card.get_by_text("Erase contact data", exact=True).first.click()
        await _check(laptop, "contact data on a laptop")
        await card.scroll_into_view_if_needed()
        await card.screenshot(path=artifacts / "contact-privacy-laptop.png")

        _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        await phone.context.add_cookies(await laptop.context.cookies())
        await phone.goto(page_path)
        small = phone.locator(".contact-privacy")
        await small.get_by_text("Erase contact data", exact=True).first.click()
        await _check(phone, "contact data at 320 px", narrow=True)
        await small.screenshot(path=artifacts / "contact-privacy-320.png")

        # The browser will not send the form without the ticked confirmation.
        await small.get_by_role("button", name="Erase contact data").click()
        assert await phone.locator("text=were erased").count() == 0
        await small.get_by_label(
            "I understand that erased contact data cannot be restored."
        ).check()
        await small.get_by_role("button", name="Erase contact data").click()
        await phone.wait_for_selector("text=people were erased.")
        await phone.goto(f"{page_path}/letters")
        assert await phone.locator("text=cannot be").count() == 0  # not-selected only: letters work
        assert await phone.locator("article.letter").count() >= 8
