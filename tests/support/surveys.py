"""Surveys in a test: the default agenda's survey steps, questions, and personal codes."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from facilitation.recruitment.invites import new_invite_code
from server.db.models import Invite, Step
from server.ops import agenda
from server.ops.events import SYSTEM
from tests.support.day import Day, PanelInfo
from tests.support.people import Person

OPINION = {
    "key": "cars",
    "kind": "opinion",
    "question": "Should cars be banned from the city centre?",
    "some_say": "Cars bring customers to the shops.",
    "others_say": "Cars make the centre noisy and unsafe.",
    "low_label": "Keep the cars",
    "high_label": "Ban the cars",
}
KNOWLEDGE = {
    "key": "buses",
    "kind": "knowledge",
    "question": "How many bus lines cross the centre?",
    "options": "2\n5\n9",
    "correct": "2",  # organisers count options from 1
}


async def steps_of(day: Day, panel: PanelInfo, kind: str) -> list[int]:
    async with day.services.db.reading() as session:
        return list(
            await session.scalars(
                select(Step.id)
                .where(Step.panel_id == panel.id, Step.kind == kind)
                .order_by(Step.position)
            )
        )


async def index_of(day: Day, panel: PanelInfo, step_id: int) -> int:
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step.id).where(Step.panel_id == panel.id).order_by(Step.position)
            )
        )
    return steps.index(step_id)


async def open_step(day: Day, panel: PanelInfo, step_id: int) -> None:
    await agenda.transition(
        day.services.units, panel.id, SYSTEM, "go_to", await index_of(day, panel, step_id)
    )


async def with_surveys(day: Day, panel: PanelInfo, organiser: Person) -> tuple[int, int]:
    """The default agenda's two surveys with an opinion and a knowledge question, the
    after-survey repeating both; (before, after) step ids."""
    before, after = await steps_of(day, panel, "survey")
    for item in (OPINION, KNOWLEDGE):
        added = await organiser.post(f"/panels/{panel.id}/steps/{before}/items", item)
        assert added.status_code == 200, added.text
    repeated = await organiser.post(
        f"/panels/{panel.id}/steps/{after}/items/repeat", {"repeat": ["cars", "buses"]}
    )
    assert repeated.status_code == 200, repeated.text
    return before, after


async def invite(day: Day, panel: PanelInfo, role: str = "participant") -> str:
    """A personal code as the recruitment would issue it (its code, unformatted)."""
    code = new_invite_code()
    async with day.services.db.writing() as session:
        session.add(Invite(panel_id=panel.id, code=code, role=role, pseudonym=secrets.token_hex(8)))
    return code


async def at_home(day: Day, panel: PanelInfo, organiser: Person, *step_ids: int) -> None:
    """Let invite holders answer these surveys at home."""
    async with day.services.db.reading() as session:
        waves = {
            s.id: s.settings.get("wave", "T1")
            for s in await session.scalars(select(Step).where(Step.id.in_(step_ids)))
        }
    for step_id in step_ids:
        response = await organiser.post(
            f"/panels/{panel.id}/steps/{step_id}/survey",
            {"wave": waves[step_id], "at_home": "on"},
        )
        assert response.status_code == 200, response.text
