"""Recruitment and seating in a real browser: WCAG 2.1 AA (axe), 320 px, uploads, the job.

The draw's card polls while it runs and the page reloads itself when the draw ends;
the upload forms post the file with the session's CSRF token like any other form.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from facilitation.recruitment.synthetic import synthetic_people_csv, synthetic_shares_csv
from server.db.models import PanelMember
from tests.support.accessibility import axe_violations, horizontal_overflow
from tests.support.browser import NARROW_PHONE, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day, PanelInfo
from tests.support.recruitment import (
    codes_by_external_id,
    confirm_everyone_and_issue_codes,
    join_with_code,
    start_draw,
    upload_synthetic,
    wait_for_draw,
)

pytestmark = pytest.mark.browser


async def _check(page: Page, name: str, *, narrow: bool = False) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    if narrow:
        assert await horizontal_overflow(page) == 0, f"{name} is wider than 320 px"


async def _log_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/panels")


async def _recruited(day: Day) -> tuple[PanelInfo, str]:
    panel = await day.panel(tables=3)
    organiser = await day.staff("organiser")
    await upload_synthetic(organiser, panel, pool=120, size=12)
    assert (await wait_for_draw(day, await start_draw(organiser, panel))).state == "finished"
    await organiser.post(
        f"/panels/{panel.id}/recruitment/split",
        {"scope": "panel", "strata": ["gender", "age"], "control_percent": "25", "seed": "3"},
    )
    await confirm_everyone_and_issue_codes(day, organiser, panel)
    for code in list((await codes_by_external_id(day, panel, "participant")).values())[:6]:
        await join_with_code(day, code)
    await organiser.post(
        f"/panels/{panel.id}/seating/plans", {"diversify": ["gender", "age"], "seed": "1"}
    )
    return panel, organiser.account.email  # type: ignore[attr-defined]


async def test_the_recruitment_screens_pass_axe_and_fit_320_px(
    live_day: Day, artifacts: Path
) -> None:
    panel, email = await _recruited(live_day)
    facilitator = await live_day.account("facilitator")
    async with live_day.services.db.writing() as session:
        session.add(PanelMember(panel_id=panel.id, account_id=facilitator.id))
    async with chromium() as browser:
        _, laptop = await screen(browser, live_day.base_url, TABLET)
        await _log_in(laptop, email)
        base = f"/panels/{panel.id}"
        await laptop.goto(f"{base}/recruitment")
        await connected(laptop)
        await _check(laptop, "recruitment")
        await laptop.screenshot(path=artifacts / "recruitment.png", full_page=True)
        draw_link = laptop.get_by_role(
            "link", name="Details of this draw, with every person's chance"
        )
        await draw_link.click()
        await laptop.wait_for_selector("text=Every person's chance of selection")
        await _check(laptop, "draw")
        for path, name in (
            ("/recruitment/people", "the pool"),
            ("/seating", "seating"),
            ("/recruitment/letters", "letters"),
        ):
            await laptop.goto(base + path)
            await _check(laptop, name)
            if path == "/seating":
                await laptop.screenshot(path=artifacts / "seating.png", full_page=True)

        _, small = await screen(browser, live_day.base_url, NARROW_PHONE)
        await small.context.add_cookies(await laptop.context.cookies())
        for path, name in (("/recruitment", "recruitment"), ("/seating", "seating")):
            await small.goto(base + path)
            await _check(small, f"{name} at 320 px", narrow=True)

        _, tablet = await screen(browser, live_day.base_url, NARROW_PHONE)
        await _log_in(tablet, facilitator.email)
        await tablet.goto(f"{base}/recruitment")
        await connected(tablet)
        await _check(tablet, "facilitator's recruitment at 320 px", narrow=True)
        assert await tablet.get_by_text("Representativeness").count() == 1
        assert await tablet.get_by_text("Upload the pool").count() == 0


async def test_a_broken_upload_lists_its_problems_and_the_job_reloads_when_stopped(
    live_day: Day, tmp_path: Path
) -> None:
    panel = await live_day.panel()
    organiser = await live_day.account("organiser")
    broken = tmp_path / "people.csv"
    broken.write_bytes(b"id,gender,age\np1,female,16-29\np1,robot,30-44\n")
    shares = tmp_path / "shares.csv"
    shares.write_bytes(synthetic_shares_csv())
    pool = tmp_path / "pool.csv"
    pool.write_bytes(synthetic_people_csv(2000, seed=7))
    async with chromium() as browser:
        _, laptop = await screen(browser, live_day.base_url, TABLET)
        await _log_in(laptop, organiser.email)
        await laptop.goto(f"/panels/{panel.id}/recruitment")
        await laptop.get_by_label("Targets or population shares (CSV)").set_input_files(shares)
        await laptop.get_by_label("Panel size").fill("120")
        await laptop.get_by_role("button", name="Upload targets").click()
        await laptop.wait_for_selector("text=The targets were saved.")

        await laptop.get_by_label("People who answered the invitation (CSV)").set_input_files(
            broken
        )
        await laptop.get_by_role("button", name="Upload the pool").click()
        alert = laptop.get_by_role("alert").filter(has_text="Nothing was imported")
        await alert.wait_for()
        text = await alert.inner_text()
        assert "Line 3, column id: the id p1 is used twice" in text
        assert "Line 3, column gender: robot is not a value of gender" in text
        assert "Line 1: the column district is missing." in text
        await _check(laptop, "upload problems")

        await laptop.get_by_label("People who answered the invitation (CSV)").set_input_files(pool)
        rule = laptop.get_by_label("At most one person per household (recommended)")
        assert await rule.is_checked()  # the household column is found in the file
        await laptop.get_by_role("button", name="Upload the pool").click()
        await laptop.wait_for_selector("text=The pool was imported: 2000 people.")
        await laptop.wait_for_selector("text=At most one person per household (column address).")
        await laptop.get_by_label("Test draw: nobody's status changes").uncheck()
        await laptop.get_by_role("button", name="Start the draw").click()
        await laptop.wait_for_selector(
            "text=Searching for the fairest lottery: step", timeout=60_000
        )
        first = await laptop.locator(".draw-phase").inner_text()
        await laptop.wait_for_function(
            "(before) => document.querySelector('.draw-phase')?.innerText !== before", arg=first
        )  # the card updates by itself
        await _check(laptop, "a running draw")
        await laptop.get_by_role("button", name="Stop the draw").click()
        await laptop.wait_for_selector(".draw-job.state-cancelled", timeout=30_000)
        assert "Nobody was selected" in await laptop.locator(".draw-job").inner_text()
