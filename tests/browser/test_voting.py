"""A vote in real Chromium: three phones vote, the display counts, the facilitator reveals."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.ops import panels
from server.ops.events import SYSTEM
from tests.support.accessibility import (
    axe_violations,
    horizontal_overflow,
    too_small_for_the_room,
)
from tests.support.browser import NARROW_PHONE, PROJECTOR, TABLET, chromium, connected, screen
from tests.support.day import PASSWORD, Day
from tests.support.voting import open_vote

pytestmark = pytest.mark.browser


async def test_three_phones_vote_and_the_revealed_chart_reaches_the_display(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=2, title="Prioriteringer")
    await open_vote(
        live_day,
        panel,
        "agreement",
        "Car-free centre",
        "Free buses",
        "More bike lanes",
        adopt_percent="60",
    )
    facilitator = await live_day.account("facilitator")
    await panels.add_member(live_day.services.units, panel.id, SYSTEM, facilitator.email)
    answers = [("4", "5", "2"), ("5", "4", "1"), ("2", "5", "3")]
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
        for n, scores in enumerate(answers, start=1):
            _, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
            await phone.goto(f"/j/{panel.code}")
            await phone.get_by_role("button", name="Join the panel").click()
            await connected(phone)
            for fieldset, score in zip(
                await phone.locator("fieldset.likert").all(), scores, strict=True
            ):
                await fieldset.locator(f"input[value='{score}']").check()
            if n == 1:
                assert await axe_violations(phone) == []
                assert await horizontal_overflow(phone) == 0
            await phone.get_by_role("button", name="Cast my ballot").click()
            await phone.wait_for_selector("#phone-my-ballot >> text=Your ballot is counted")
            await projector.wait_for_selector(f".turnout >> text={n}")
            phones.append(phone)
        await projector.wait_for_selector(".display-vote >> text=3 of 3 have voted")
        assert await projector.locator(".display-vote .chart").count() == 0  # not yet revealed

        await tablet.get_by_role("button", name="Reveal the results").click()
        await projector.wait_for_selector(".display-vote .agreement-row >> text=Free buses")
        await projector.wait_for_selector(".display-vote .badge.adopted")
        await phones[0].wait_for_selector("#phone-results .agreement-row")
        await phones[0].wait_for_function(
            "() => document.querySelectorAll('#phone-results .agreement-row.is-mine').length === 3"
        )
        assert await axe_violations(projector) == []
        assert await axe_violations(phones[0]) == []
        assert await axe_violations(tablet) == []
        assert await too_small_for_the_room(projector) == ""
        await projector.screenshot(path=artifacts / "vote-display.png")
        await phones[0].screenshot(path=artifacts / "vote-phone.png", full_page=True)
        await tablet.screenshot(path=artifacts / "vote-tablet.png", full_page=True)
