"""Opinion groups live: 60 phones vote on 20 statements, and within 5 s of the last
vote the facilitator's tablet shows the groups and the projector the opinion map.

The phones talk HTTP to a real server (as in tests/live); the tablet and the projector
are real Chromium pages on their live sockets, checked with axe-core and saved as
screenshots under tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from server.db.models import Participant
from server.ops import arguments, opinion, panels
from server.ops.events import SYSTEM
from tests.support.accessibility import axe_violations, horizontal_overflow
from tests.support.browser import NARROW_PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day
from tests.support.deliberation import open_step, stored_arguments
from tests.support.people import Person

pytestmark = pytest.mark.browser

PHONES, TABLES, STATEMENTS = 60, 6, 20
WITHIN = 5.0
LONG_WORD = "Kommunesammenslåingsutredningsarbeidsgruppemedlemmenes"


def choice(number: int, statement: int) -> str:
    """Two camps by participant number; both agree with statement 0."""
    if statement == 0:
        return "agree"
    return "agree" if statement % 2 == number % 2 else "disagree"


async def test_sixty_phones_vote_and_the_tablet_and_projector_show_groups_within_five_seconds(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=TABLES, title="Bergen sentrum")
    await open_step(live_day, panel, "discussion", statement_votes="on")
    facilitator = await live_day.account("facilitator")
    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)
    phones = [await live_day.phone(panel) for _ in range(PHONES)]
    async with live_day.services.db.reading() as session:
        people = list(
            await session.scalars(select(Participant).where(Participant.panel_id == panel.id))
        )
    number_of = {p.number: p for p in people}
    for i in range(STATEMENTS):
        # One statement a Norwegian compound long enough to overflow a narrow screen.
        text = f"{LONG_WORD} Statement number {i}" if i == 0 else f"Statement number {i}"
        response = await phones[i].post(f"/p/{panel.id}/arguments", {"text": text, "stance": "for"})
        assert response.status_code == 200
    stored = await stored_arguments(live_day, panel)
    for argument in stored:
        await arguments.moderate(live_day.services.units, panel.id, SYSTEM, argument.id, "approve")
    index = {a.id: int(a.text.rsplit(" ", 1)[1]) for a in stored}
    table_of_argument = {a.id: a.table_id for a in stored}
    await opinion.set_opinion(live_day.services.units, panel.id, SYSTEM, show=True, phones=True)

    async with chromium() as browser:
        _, tablet = await screen(browser, live_day.base_url, TABLET)
        await tablet.goto(f"/login?next=/panels/{panel.id}/run")
        await tablet.get_by_label("E-mail address").fill(facilitator.email)
        await tablet.get_by_label("Password").fill(PASSWORD)
        await tablet.get_by_role("button", name="Log in").click()
        await connected(tablet)
        await tablet.wait_for_selector("#fac-opinion >> text=Groups appear when at least 10")
        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)
        await projector.wait_for_selector("#display-opinion >> text=Groups appear when")
        await projector.screenshot(path=artifacts / "opinion-too-few.png")

        semaphore = asyncio.Semaphore(20)

        async def vote(number: int, phone: Person) -> None:
            me = number_of[number]
            for argument_id, i in index.items():
                if table_of_argument[argument_id] == me.table_id:
                    continue  # nobody votes on their own table's arguments
                async with semaphore:
                    response = await phone.post(
                        f"/p/{panel.id}/statements/{argument_id}",
                        {"choice": choice(number, i)},
                    )
                assert response.status_code == 200, response.text

        await asyncio.gather(*(vote(n + 1, phone) for n, phone in enumerate(phones)))
        last_vote = time.monotonic()

        await tablet.wait_for_selector(
            "#fac-opinion >> text=Group B: 30 people", timeout=WITHIN * 1000
        )
        await projector.wait_for_selector(
            "#display-opinion svg circle.dot-B", timeout=WITHIN * 1000
        )
        elapsed = time.monotonic() - last_vote
        assert elapsed < WITHIN, f"groups took {elapsed:.1f} s after the last vote"
        assert await tablet.locator("#fac-opinion >> text=Group A: 30 people").count() == 1
        assert await projector.locator("#display-opinion circle").count() == PHONES
        # Statement 0 unites the room; the display names it and has no label on any dot.
        await projector.wait_for_selector(
            "#display-opinion .opinion-statements >> text=Statement number 0"
        )
        assert await projector.locator("#display-opinion circle title").count() == 0
        assert (
            await projector.locator("#display-opinion a, #display-opinion circle[tabindex]").count()
            == 0
        )

        assert await axe_violations(tablet) == []
        assert await axe_violations(projector) == []
        await tablet.screenshot(path=artifacts / "opinion-tablet.png", full_page=True)
        await tablet.locator("#fac-opinion").screenshot(
            path=artifacts / "opinion-tablet-groups.png"
        )
        # Phones are seated in turn, so each table of ten is one camp: one group there.
        first_table = tablet.locator("#fac-opinion details.opinion-table").first
        await first_table.locator("summary").click()
        assert "Table 1: group " in await first_table.locator("summary").inner_text()
        await first_table.get_by_text("What unites them").wait_for()
        await first_table.get_by_text("Only one group has 5 people or more here.").wait_for()
        assert await axe_violations(tablet) == []
        await first_table.screenshot(path=artifacts / "opinion-tablet-table.png")
        await tablet.set_viewport_size({"width": 320, "height": 640})
        assert await first_table.evaluate("e => e.scrollWidth <= e.clientWidth")
        await first_table.screenshot(path=artifacts / "opinion-tablet-table-320.png")
        # The whole page fits a 320 px screen: the groups-at-the-tables table scrolls in
        # its own box (which says so), long statements wrap.
        assert await horizontal_overflow(tablet) == 0, "the facilitator's page is wider than 320 px"
        scroll = tablet.get_by_role("region", name="Groups at the tables")
        assert await scroll.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        assert await axe_violations(tablet) == []
        await tablet.locator("#fac-opinion").screenshot(path=artifacts / "opinion-tablet-320.png")
        await tablet.set_viewport_size({"width": 1920, "height": 1080})
        await tablet.screenshot(path=artifacts / "opinion-tablet-1920.png")
        await projector.screenshot(path=artifacts / "opinion-projector.png")

        host = urlparse(live_day.base_url).hostname or "127.0.0.1"
        context, phone_page = await screen(browser, live_day.base_url, NARROW_PHONE)
        await context.add_cookies(
            [
                {"name": c.name, "value": c.value or "", "domain": host, "path": "/"}
                for c in phones[0].http.cookies.jar
            ]
        )
        await phone_page.goto(f"/p/{panel.id}")
        await phone_page.wait_for_selector("#phone-opinion >> text=You vote most like group")
        assert await axe_violations(phone_page) == []
        assert await horizontal_overflow(phone_page) == 0
        await phone_page.screenshot(path=artifacts / "opinion-phone.png", full_page=True)
