"""The statement counts on screen are counted by the database for speed; the rule that
defines them is `facilitation.deliberation.statements.tally_statements`."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from facilitation.deliberation.statements import StatementVote, VoteChoice, tally_statements
from facilitation.errors import Refused
from server.db.models import Participant
from server.live.deliberation_view import deliberation
from server.ops import arguments, panels
from server.ops.events import SYSTEM
from tests.support.day import Day
from tests.support.deliberation import open_step, send, stored_arguments


@pytest.mark.parametrize("seed", [1, 2022])
async def test_the_counted_tally_is_the_domain_tally_of_the_votes_as_cast(
    day: Day, seed: int
) -> None:
    panel = await day.panel(tables=3)
    await panels.update_settings(day.services.units, panel.id, SYSTEM, "post", False)
    step_id = await open_step(day, panel, "discussion", statement_votes="on")
    phones = [await day.phone(panel) for _ in range(7)]
    for n, phone in enumerate(phones[:4]):
        assert await send(phone, panel, f"Argument number {n} about the car-free centre") == 200
    written = await stored_arguments(day, panel)
    async with day.services.db.reading() as session:
        people = list(
            await session.scalars(select(Participant).where(Participant.panel_id == panel.id))
        )
    rng = random.Random(seed)
    cast: list[StatementVote] = []
    for _ in range(80):
        person, argument = rng.choice(people), rng.choice(written)
        choice = rng.choice(list(VoteChoice))
        try:
            await arguments.statement_vote(
                day.services.units, panel.id, person.id, argument.id, choice.value
            )
        except Refused:
            assert person.table_id == argument.table_id  # one's own table's argument
            continue
        cast.append(StatementVote(person.id, argument.id, choice))
    assert len(cast) > 40
    async with day.services.hub.view(panel.id) as view:
        shown = await deliberation(view).tallies(step_id)
    assert shown == tally_statements(cast)
