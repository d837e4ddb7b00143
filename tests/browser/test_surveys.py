"""Survey screens in Chromium: 320 px, keyboard only, axe-core, and the opinion chart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from server.db.models import SurveyAnswer
from tests.support.accessibility import axe_violations, horizontal_overflow, too_small_for_the_room
from tests.support.browser import NARROW_PHONE, PROJECTOR, chromium, connected, screen
from tests.support.day import Day
from tests.support.surveys import at_home, invite, open_step, steps_of, with_surveys

pytestmark = pytest.mark.browser


async def fits_and_passes_axe(page: Page, name: str) -> None:
    assert await axe_violations(page) == [], name
    assert await horizontal_overflow(page) == 0, f"{name} is wider than 320 px"


async def saved_answers(day: Day) -> dict[str, dict[str, object]]:
    async with day.services.db.reading() as session:
        rows = await session.scalars(select(SurveyAnswer))
        return {row.item_key: row.answer for row in rows}


async def until(read: Callable[[], Awaitable[object]], expected: object) -> None:
    """Wait (up to 5 s) until what the database holds is what the screen said it saved."""
    for _ in range(50):
        if await read() == expected:
            return
        await asyncio.sleep(0.1)
    assert await read() == expected


async def test_a_phone_answers_the_survey_by_keyboard_at_320_px(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel()
    organiser = await live_day.staff("organiser")
    before, _after = await with_surveys(live_day, panel, organiser)
    await open_step(live_day, panel, before)
    async with chromium() as browser:
        _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        await phone.goto(f"/j/{panel.code}")
        await phone.get_by_role("button", name="Join the panel").click()
        await connected(phone)
        await phone.wait_for_selector(".survey-form")
        await fits_and_passes_axe(phone, "survey on the phone")
        # Keyboard only: into the 0–10 scale, arrows to 7; the form saves by itself.
        await phone.locator("input[name=cars][value='0']").focus()
        for _ in range(7):
            await phone.keyboard.press("ArrowRight")
        await phone.wait_for_selector(".survey-status >> text=Saved")
        # "Don't know" belongs to the same radio group, so Tab moves to the next question.
        await phone.keyboard.press("Tab")
        await phone.keyboard.press("ArrowDown")
        await expect(phone.locator("input[name=buses][value='1']")).to_be_checked()
        await phone.get_by_role("button", name="Save my answers").press("Enter")
        await until(lambda: saved_answers(live_day), {"cars": {"v": 7}, "buses": {"v": 1}})
        await phone.screenshot(path=artifacts / "survey-phone.png", full_page=True)
        # A reload (a dropped connection, a locked phone) finds the answers again.
        await phone.reload()
        await phone.wait_for_selector(".survey-form")
        assert await phone.locator("input[name=cars][value='7']").is_checked()


async def test_an_invite_holder_answers_at_home_at_320_px(live_day: Day) -> None:
    panel = await live_day.panel()
    organiser = await live_day.staff("organiser")
    before, _after = await with_surveys(live_day, panel, organiser)
    await at_home(live_day, panel, organiser, before)
    code = await invite(live_day, panel)
    async with chromium() as browser:
        _, home = await screen(browser, live_day.base_url, NARROW_PHONE)
        await home.goto(f"/i/{code}")
        await fits_and_passes_axe(home, "the invite's page")
        await home.get_by_role("link", name="Survey before the discussion").click()
        await home.wait_for_selector(".survey-form")
        await fits_and_passes_axe(home, "the survey at home")
        await home.get_by_label("3", exact=True).first.check()
        await home.get_by_role("button", name="Save my answers").click()
        await home.wait_for_selector(".survey-status >> text=Saved")
        await until(lambda: saved_answers(live_day), {"cars": {"v": 3}})


async def test_the_projector_shows_the_opinion_change(live_day: Day, artifacts: Path) -> None:
    panel = await live_day.panel()
    organiser = await live_day.staff("organiser")
    before, after = await with_surveys(live_day, panel, organiser)
    [results] = await steps_of(live_day, panel, "results")
    phones = [await live_day.phone(panel) for _ in range(6)]
    await open_step(live_day, panel, before)
    for phone, value in zip(phones, "234456", strict=True):
        await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": value})
    await open_step(live_day, panel, after)
    for phone, value in zip(phones, "458679", strict=True):
        await phone.post(f"/p/{panel.id}/survey/{after}", {"cars_t2": value})
    await open_step(live_day, panel, results)
    tablet = await live_day.staff("facilitator", panel)
    async with chromium() as browser:
        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)
        await tablet.post(f"/panels/{panel.id}/steps/{results}/results", {"items": "cars"})
        chart = projector.locator(".opinion-chart")
        await chart.wait_for()
        assert await axe_violations(projector) == []
        assert await too_small_for_the_room(projector) == ""
        await projector.screenshot(path=artifacts / "opinion-change-display.png")
        box = await chart.locator("svg").bounding_box()
        assert box is not None and box["width"] > 800  # readable from the back of the room
