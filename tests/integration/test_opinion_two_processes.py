"""Opinion groups on two server processes: group A is the same people on both.

Server A computes the groups as the votes come in: camp 0 is the larger at first and
becomes group A, and keeps the letter when camp 1 grows past it. Server B computes
for the first time only then. On its own it would call the larger camp A; starting
from the groups A stored, it calls camp 0 A, as A does.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from server.db.models import StatementVote
from server.ops import arguments, opinion
from server.ops.events import SYSTEM
from tests.integration.test_two_processes import two_servers
from tests.support.day import PanelInfo, page_seq, text_of
from tests.support.deliberation import open_step
from tests.support.externals import REDIS_URL, require_redis
from tests.support.people import Person
from tests.support.reporting import add_participant, add_statements, table_ids

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

STATEMENTS = 12
DEADLINE = 90.0  # the first computation loads numpy and scikit-learn, on a loaded machine


def camp_choices(people: int, camp: int, seed: int) -> list[list[str]]:
    """Camp 0 agrees with the even statements, camp 1 with the odd, everyone with
    statement 0; 10 % of the other votes go the other way (as in
    tests/domain/test_opinion_state.py, whose votes these are)."""
    rng = random.Random(seed)
    out = []
    for _ in range(people):
        row = []
        for s in range(STATEMENTS):
            agree = s == 0 or s % 2 == camp
            if s and rng.random() < 0.1:
                agree = not agree
            row.append("agree" if agree else "disagree")
        out.append(row)
    return out


async def facilitator_sees(person: Person, panel: PanelInfo, words: str) -> str:
    """The run page's text once it shows `words` (the groups are computed in the
    background: the first look starts the computation)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        text = text_of((await person.get(f"/panels/{panel.id}/run")).text)
        if words in text:
            return text
        start = text.find("Opinion groups")
        assert loop.time() < deadline, f"never showed {words!r}: {text[start : start + 600]}"
        await asyncio.sleep(0.3)


async def test_two_processes_give_the_same_people_the_same_group_letter(tmp_path: Path) -> None:
    await require_redis()
    async with two_servers(tmp_path, REDIS_URL) as (on_a, on_b, setup):
        panel = await setup.panel(tables=2)
        step = await open_step(setup, panel, "discussion", statement_votes="on")
        await opinion.set_opinion(setup.services.units, panel.id, SYSTEM, min_group="5")
        first, second = await table_ids(setup, panel)
        author = await add_participant(setup, panel, 1000, first, None)
        statements = await add_statements(setup, panel, step, first, author.id, STATEMENTS)
        number = iter(range(1, 1000))

        async def camp(people: int, which: int, seed: int) -> list[tuple[int, list[str]]]:
            voters = []
            for row in camp_choices(people, which, seed):
                person = await add_participant(setup, panel, next(number), second, None)
                voters.append((person.id, row))
            async with setup.services.db.writing() as session:
                for person_id, row in voters:
                    for argument, choice in zip(statements, row, strict=True):
                        session.add(
                            StatementVote(
                                argument_id=argument, participant_id=person_id, choice=choice
                            )
                        )
            return voters

        await camp(30, 0, 1)
        await camp(15, 1, 2)
        tablet_a = await on_a.staff("facilitator", panel)
        await facilitator_sees(tablet_a, panel, "Group A: 30 people")
        page = await tablet_a.get(f"/panels/{panel.id}/run")
        socket_a = await tablet_a.socket(f"/ws/f/{panel.id}", page_seq(page.text))
        try:
            await socket_a.receive()  # connected: server A now hears the panel's changes
            later = await camp(45, 1, 3)
            # One vote through the server, announced to both processes (the same choice
            # again: the votes stay as written above).
            person_id, row = later[0]
            await arguments.statement_vote(
                setup.services.units, panel.id, person_id, statements[1], row[1]
            )
            on_a_text = await facilitator_sees(tablet_a, panel, "Group B: 60 people")
            assert "Group A: 30 people" in on_a_text

            on_b._accounts = 100  # its account numbers must not clash with on_a's
            tablet_b = await on_b.staff("facilitator", panel)
            on_b_text = await facilitator_sees(tablet_b, panel, "60 people")
            assert "Group A: 30 people" in on_b_text, on_b_text
            assert "Group B: 60 people" in on_b_text
        finally:
            await socket_a.close()
