"""The organiser chooses the support scale, the adoption rule and how statements are signed."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Step
from server.ops import steps
from server.ops.events import SYSTEM
from tests.support.day import Day, text_of


async def test_the_setup_page_offers_the_rules_and_refuses_an_unknown_one(day: Day) -> None:
    panel = await day.panel(tables=2, open=False)
    await steps.add_step(day.services.units, panel.id, SYSTEM, "recommendations", "Advice", "", "")
    async with day.services.db.reading() as session:
        step = await session.scalar(select(Step).where(Step.kind == "recommendations"))
    assert step is not None
    organiser = await day.staff("organiser")
    setup = text_of((await organiser.get(f"/panels/{panel.id}")).text)
    assert "Scale of support" in setup and "At least two thirds support" in setup
    url = f"/panels/{panel.id}/steps/{step.id}/recommendation-settings"
    chosen = {
        "support_scale": "three",
        "adoption_rule": "three_quarters",
        "minority_signing": "anonymous",
        "recommendations_per_table": "3",
    }
    saved = await organiser.post(url, chosen)
    assert saved.status_code == 200, saved.text
    bad = await organiser.post(url, {**chosen, "adoption_rule": "most"})
    assert bad.status_code == 409 and "Choose one of the options offered." in text_of(bad.text)
    async with day.services.db.reading() as session:
        step = await session.get(Step, step.id)
    assert step is not None
    assert {k: step.settings[k] for k in chosen} == {
        "support_scale": "three",
        "adoption_rule": "three_quarters",
        "minority_signing": "anonymous",
        "recommendations_per_table": 3,
    }
