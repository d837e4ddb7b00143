"""Every screen of the live panel at 320 px and against axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.accessibility import axe_violations, horizontal_overflow
from tests.support.browser import NARROW_PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day

pytestmark = pytest.mark.browser


async def test_the_participant_pages_fit_320_px_and_pass_axe(live_day: Day) -> None:
    panel = await live_day.panel()
    tablet = await live_day.staff("facilitator", panel)
    async with chromium() as browser:
        _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        await phone.goto("/")
        await _check(phone, "front page")
        await phone.fill("#code", "WRONG")
        await phone.get_by_role("button", name="Join").click()
        await phone.wait_for_selector(".field-error")
        await _check(phone, "front page with an error")
        await phone.goto(f"/j/{panel.code}")
        await _check(phone, "join page")
        await phone.get_by_role("button", name="Join the panel").click()
        await connected(phone)
        await _check(phone, "phone in the lobby")
        await tablet.post(f"/panels/{panel.id}/agenda/start")
        await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": "5"})
        await phone.wait_for_selector("#phone-step h1 >> text=Survey before")
        await _check(phone, "phone during a step")
        for language in ("Bokmål", "Nynorsk"):
            await phone.get_by_role("button", name=language).click()
            await connected(phone)
            await _check(phone, f"phone in {language}")


async def test_the_staff_and_display_screens_pass_axe(live_day: Day, artifacts: Path) -> None:
    panel = await live_day.panel()
    organiser = await live_day.account("organiser")
    async with chromium() as browser:
        _, laptop = await screen(browser, live_day.base_url, TABLET)
        await laptop.goto("/login")
        await _check(laptop, "login", width_limit=False)
        await laptop.get_by_label("E-mail address").fill(organiser.email)
        await laptop.get_by_label("Password").fill(PASSWORD)
        await laptop.get_by_role("button", name="Log in").click()
        await laptop.wait_for_url("**/panels")
        await _check(laptop, "panel list", width_limit=False)
        await laptop.goto("/panels/new")
        await _check(laptop, "new panel", width_limit=False)
        await laptop.goto("/account")
        await _check(laptop, "account", width_limit=False)
        await laptop.screenshot(path=artifacts / "account-tablet.png", full_page=True)
        await laptop.goto(f"/panels/{panel.id}")
        await _check(laptop, "setup", width_limit=False)
        await laptop.goto(f"/panels/{panel.id}/run")
        await connected(laptop)
        await _check(laptop, "run", width_limit=False)
        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)
        await _check(projector, "display", width_limit=False)
        # Each of them fits a 320 px phone as well: staff carry phones.
        _, small = await screen(browser, live_day.base_url, NARROW_PHONE)
        await small.goto("/login")
        assert await horizontal_overflow(small) == 0, "the login page is wider than 320 px"
        await small.context.add_cookies(await laptop.context.cookies())
        pages = {
            "panel list": "/panels",
            "new panel": "/panels/new",
            "account": "/account",
            "setup": f"/panels/{panel.id}",
            "run": f"/panels/{panel.id}/run",
            "display": f"/d/{panel.display_token}",
        }
        for name, path in pages.items():
            await small.goto(path)
            assert await horizontal_overflow(small) == 0, f"{name} is wider than 320 px"
            if name == "account":
                await small.screenshot(path=artifacts / "account-320.png", full_page=True)


async def _check(page: object, name: str, width_limit: bool = True) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    violations = await axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    if width_limit:
        assert await horizontal_overflow(page) == 0, f"{name} is wider than the phone"
