"""A recommendations step in real Chromium: three phones at two tables, a tablet, the projector.

Drafts at both tables, a merge, one amendment accepted by a quick vote and one rejected
by the facilitator with a reason, the support round with its live gauge, adoption, and
a minority statement; axe-core on every screen, and the 320 px phone never scrolls
sideways. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from server.db.models_recommendations import AmendmentRow
from server.ops import panels, recommendations
from server.ops.events import SYSTEM
from tests.support.accessibility import axe_violations, horizontal_overflow, too_small_for_the_room
from tests.support.browser import NARROW_PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day
from tests.support.recommendations import joined, open_recommendations, seats

pytestmark = pytest.mark.browser


async def flash(page: Page, text: str) -> None:
    await page.wait_for_selector(f"#flash >> text={text}", timeout=10_000)


async def clean(page: Page) -> None:
    assert await axe_violations(page) == []


async def test_three_phones_two_tables_draft_merge_amend_support_and_adopt(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=2, title="Byrådet lytter")
    await open_recommendations(live_day, panel, minority_signing="choice")
    facilitator = await live_day.account("facilitator")
    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)
    async with chromium() as browser:
        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)
        _, tablet = await screen(browser, live_day.base_url, TABLET)
        await tablet.goto(f"/login?next=/panels/{panel.id}/run")
        await tablet.get_by_label("E-mail address").fill(facilitator.email)
        await tablet.get_by_label("Password").fill(PASSWORD)
        await tablet.get_by_role("button", name="Log in").click()
        await connected(tablet)

        phones = []
        for _ in range(3):
            _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
            await phone.goto(f"/j/{panel.code}")
            await phone.get_by_role("button", name="Join the panel").click()
            await connected(phone)
            phones.append(phone)
        tables = await seats(live_day, panel)
        assert tables[0] == tables[2] != tables[1]  # two at the first table, one at the other
        first, second, third = phones

        # Drafts: each table writes nearly the same recommendation.
        for phone, text in (
            (first, "Run the buses every ten minutes in the centre."),
            (second, "Run buses every ten minutes in the centre."),
        ):
            await phone.get_by_label("Title").first.fill("Buses")
            await phone.get_by_label("Recommendation", exact=True).fill(text)
            await phone.get_by_role("button", name="Save the recommendation").click()
            await flash(phone, "Saved. Your table can change it")
        await third.wait_for_selector("#phone-recommendations >> text=Run the buses every ten")
        await clean(first)
        assert await horizontal_overflow(first) == 0
        await projector.wait_for_selector(".display-recommendations >> text=from 2 tables")

        # The facilitator merges them, keeping both tables as the source.
        await tablet.wait_for_selector("text=Drafts that read nearly alike")
        await clean(tablet)
        await tablet.screenshot(path=artifacts / "recommendations-merge-tablet.png", full_page=True)
        await tablet.get_by_role("button", name="Merge into the first").click()
        await flash(tablet, "Merged")
        await tablet.get_by_role("button", name="End drafting: on to amendments").click()
        await flash(tablet, "The next phase has begun")

        # Two amendments from the second table and the first.
        for phone, text in (
            (second, "Run the buses every five minutes in the centre."),
            (third, "Make the buses free in the centre."),
        ):
            await phone.wait_for_selector("text=Propose an amendment")
            await phone.get_by_label("The whole text as your table would have it").fill(text)
            await phone.get_by_role("button", name="Propose the amendment").click()
            await phone.wait_for_selector(".amend >> text=Your amendment is with the plenary")
        await projector.wait_for_selector(".display-recommendations .side-by-side")
        await projector.wait_for_selector(".display-recommendations ins >> text=free")
        await clean(projector)
        await projector.screenshot(path=artifacts / "recommendations-amendment-display.png")

        # The first amendment goes to a quick vote: two yes, one no.
        await tablet.get_by_role("button", name="Open a quick vote").first.click()
        await flash(tablet, "The vote on the amendment is open")
        for phone, answer in ((first, "Yes, amend"), (second, "Yes, amend"), (third, "No, keep")):
            await phone.get_by_role("button", name=answer).click()
            await flash(phone, "Your answer is counted")
        await first.wait_for_selector("button[data-choice='yes'][aria-pressed='true']")
        await clean(first)
        await first.screenshot(path=artifacts / "recommendations-vote-phone.png", full_page=True)
        await tablet.wait_for_selector("text=yes 2 · no 1")
        await tablet.get_by_role("button", name="Close the vote").click()
        await flash(tablet, "The amendment is accepted")
        # The second is rejected by the facilitator, with the reason recorded.
        await tablet.wait_for_function(
            "() => document.querySelectorAll('.decide input[name=reason]').length === 1"
        )
        await tablet.get_by_label("Reason (recorded in the report)").fill("Not discussed at tables")
        await tablet.get_by_role("button", name="Reject").click()
        await flash(tablet, "The amendment is rejected")
        await first.wait_for_selector("text=Run the buses every five minutes in the centre.")

        # The support round: the gauge moves on the projector as people answer.
        await tablet.get_by_role("button", name="End amendments: open the support round").click()
        await flash(tablet, "The next phase has begun")
        for phone, level in (
            (first, "Fully support"),
            (second, "Can live with it"),
            (third, "Cannot support"),
        ):
            await phone.get_by_role("button", name=level).click()
            await flash(phone, "Your level of support is counted")
        await projector.wait_for_selector(".display-recommendations >> text=67% support")
        await projector.screenshot(path=artifacts / "recommendations-gauge-display.png")

        # Only the one who cannot support is offered a minority statement.
        assert await first.locator(".minority").is_hidden()
        await third.wait_for_selector(".minority >> text=Add a minority statement")
        await third.get_by_label("Why you cannot support it").fill("Night buses come first.")
        await third.get_by_label("Sign with my table's name").check()
        await third.get_by_role("button", name="Save the statement").click()
        await flash(third, "Your minority statement is saved")
        await clean(third)
        assert await horizontal_overflow(third) == 0
        await third.screenshot(path=artifacts / "recommendations-support-phone.png", full_page=True)

        # Closing the round adopts it (2 of 3 support: exactly two thirds).
        await tablet.evaluate("window.confirm = () => true")
        await tablet.get_by_role("button", name="Close the support round").click()
        await flash(tablet, "The next phase has begun")
        await projector.wait_for_selector(".display-recommendations .badge.adopted")
        await second.wait_for_selector("#phone-recommendations >> text=Night buses come first.")
        await second.wait_for_selector("#phone-follow-up a")
        await clean(projector)
        await clean(second)
        await clean(tablet)
        assert await too_small_for_the_room(projector) == ""
        await projector.screenshot(path=artifacts / "recommendations-adopted-display.png")
        await second.screenshot(
            path=artifacts / "recommendations-adopted-phone.png", full_page=True
        )
        await tablet.screenshot(path=artifacts / "recommendations-tablet.png", full_page=True)

        # The follow-up page needs no login and names nobody.
        await second.get_by_role("link", name="What the council did").click()
        await second.wait_for_selector("text=Adopted by the panel")
        await clean(second)
        assert await horizontal_overflow(second) == 0
        await second.screenshot(path=artifacts / "recommendations-follow-up.png", full_page=True)


async def _amendment_ids(day: Day) -> list[tuple[int, int, str]]:
    async with day.services.db.reading() as session:
        rows = await session.scalars(select(AmendmentRow).order_by(AmendmentRow.id))
        return [(a.id, a.base_version, a.text) for a in rows]


async def test_an_amendment_typed_while_the_text_changes_keeps_the_text_its_author_read(
    live_day: Day, artifacts: Path
) -> None:
    """One phone types an amendment; meanwhile another table's amendment is accepted.

    The live update must not move the open form onto the new text: sending is refused
    beside the form with the new text shown, what was typed stays in the box, and the
    author can then write it against the new text.
    """
    panel = await live_day.panel(tables=2, title="Byrådet lytter")
    await open_recommendations(live_day, panel)
    async with chromium() as browser:
        _, projector = await screen(browser, live_day.base_url, PROJECTOR)
        await projector.goto(f"/d/{panel.display_token}")
        await connected(projector)
        writer, other = [], []
        for phones in (writer, other):
            _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
            await phone.goto(f"/j/{panel.code}")
            await phone.get_by_role("button", name="Join the panel").click()
            await connected(phone)
            phones.append(phone)
        first, second = writer[0], other[0]
        people = [p.id for p in await joined(live_day, panel)]
        await recommendations.draft(
            live_day.services.units,
            panel.id,
            people[0],
            {"title": "Buses", "text": "Run the buses every ten minutes in the centre."},
            None,
        )
        await recommendations.advance_phase(live_day.services.units, panel.id, SYSTEM)

        box = "The whole text as your table would have it"
        await first.wait_for_selector("text=Propose an amendment")
        typed = "Run the buses every five minutes, day and night."
        await first.get_by_label(box).fill(typed)
        # The phone goes down on the table while the room talks: the box loses focus.
        await first.get_by_label(box).evaluate("field => field.blur()")

        # Meanwhile the other table proposes an amendment and the facilitator accepts it.
        await second.wait_for_selector("text=Propose an amendment")
        await second.get_by_label(box).fill("Make the buses free in the centre.")
        await second.get_by_role("button", name="Propose the amendment").click()
        await second.wait_for_selector(".amend >> text=Your amendment is with the plenary")
        [(accepted, _, _)] = await _amendment_ids(live_day)
        await recommendations.amendment_action(
            live_day.services.units, panel.id, SYSTEM, accepted, "accept", "The room agreed"
        )

        # The first phone shows the new text beside its form and keeps what was typed.
        await first.wait_for_selector(".item-text >> text=Make the buses free in the centre.")
        notice = first.locator(".amend [data-changed]")
        await notice.wait_for(state="visible", timeout=10_000)
        assert "Make the buses free in the centre." in await notice.inner_text()
        assert await first.get_by_label(box).input_value() == typed
        await clean(first)
        assert await horizontal_overflow(first) == 0

        # Sending it anyway is refused beside the form, with the text as it now reads.
        await first.get_by_role("button", name="Propose the amendment").click()
        await first.wait_for_selector(".amend >> text=The text changed while you were writing")
        refusal = await first.locator(".amend .flash-error").inner_text()
        assert "Make the buses free in the centre." in refusal
        assert await first.get_by_label(box).input_value() == typed
        assert len(await _amendment_ids(live_day)) == 1
        await first.locator(".amend").screenshot(
            path=artifacts / "amendment-text-changed-phone.png"
        )
        await first.screenshot(path=artifacts / "amendment-text-changed-page.png", full_page=True)

        # Another live update (the other table amends again) leaves the box as it is.
        await second.get_by_label(box).fill("Make the buses free in the whole town.")
        await second.get_by_role("button", name="Propose the amendment").click()
        await first.wait_for_selector(".amendment ins >> text=whole")
        assert await first.get_by_label(box).input_value() == typed
        await notice.wait_for(state="visible", timeout=10_000)

        # A reload (a phone that slept) keeps what was typed and the version it was for.
        await first.reload()
        await connected(first)
        await notice.wait_for(state="visible", timeout=10_000)
        assert await first.get_by_label(box).input_value() == typed

        # The author reads the new text and sends the amendment against it.
        await first.get_by_role("button", name="Write it against the new text").click()
        await notice.wait_for(state="hidden", timeout=10_000)
        assert await first.get_by_label(box).input_value() == typed
        await first.get_by_role("button", name="Propose the amendment").click()
        await first.wait_for_selector(".amend >> text=Your amendment is with the plenary")
        amendments = await _amendment_ids(live_day)
        assert amendments[-1][1:] == (2, typed)
        # Sent, the form starts again from the text as it stands, after a reload too.
        assert await first.get_by_label(box).input_value() == "Make the buses free in the centre."
        await first.reload()
        await connected(first)
        assert await first.get_by_label(box).input_value() == "Make the buses free in the centre."
        await projector.wait_for_selector(".display-recommendations ins >> text=night")
        await clean(projector)
        await projector.screenshot(path=artifacts / "amendment-projector.png")
