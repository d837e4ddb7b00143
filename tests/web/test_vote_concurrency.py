"""200 phones vote at once, retry and change their minds: one ballot each, an exact tally."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select

from facilitation.ballots import ballot_from_dict, tally
from facilitation.votes import VoteSettings
from server.db.models import Ballot, BallotReceipt, Step
from server.live.view import PanelView
from server.live.vote_view import votes
from tests.support.day import Day
from tests.support.voting import open_vote

PHONES = 200


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_day(request: pytest.FixtureRequest) -> Day:
    day: Day = request.getfixturevalue("day" if request.param == "sqlite" else "pg_day")
    return day


async def test_two_hundred_phones_at_once_one_ballot_each_and_an_exact_tally(
    any_day: Day,
) -> None:
    day = any_day
    panel = await day.panel(tables=20)
    step, options = await open_vote(day, panel, "borda", "A", "B", "C", "D")
    phones = await asyncio.gather(*(day.phone(panel) for _ in range(PHONES)))
    rng = random.Random(7)
    first = [rng.sample(options, len(options)) for _ in phones]
    second = [rng.sample(options, 2) for _ in phones]

    def ballot(order: list[str], key: str) -> dict[str, str]:
        return {**{f"rank:{n}": o for n, o in enumerate(order, start=1)}, "idempotency_key": key}

    async def vote(i: int, order: list[str], key: str) -> int:
        response = await phones[i].post(f"/p/{panel.id}/ballot", ballot(order, key))
        return response.status_code

    sends = [vote(i, first[i], f"first-ballot-{i:04d}") for i in range(PHONES)]
    sends += [vote(i, first[i], f"first-ballot-{i:04d}") for i in range(0, PHONES, 3)]  # retries
    assert set(await asyncio.gather(*sends)) == {200}
    changers = range(0, PHONES, 2)
    changes = [vote(i, second[i], f"second-ballot-{i:04d}") for i in changers]
    changes += [vote(i, second[i], f"second-ballot-{i:04d}") for i in changers]  # retried too
    assert set(await asyncio.gather(*changes)) == {200}
    # A late retry of the first ballot must not undo the change.
    assert await vote(0, first[0], "first-ballot-0000") == 200

    async with day.services.db.reading() as session:
        rows = list(await session.scalars(select(Ballot).where(Ballot.step_id == step)))
        receipts = await session.scalar(select(func.count()).select_from(BallotReceipt))
        settings = VoteSettings.from_dict((await session.get(Step, step)).settings["vote"])
        live = await votes(PanelView(session, panel.id)).tally(
            await session.get(Step, step), settings
        )
    assert len(rows) == PHONES and receipts == PHONES
    expected = sorted([tuple(second[i]) if i % 2 == 0 else tuple(first[i]) for i in range(PHONES)])
    assert sorted(tuple(r.content["ranking"]) for r in rows) == expected
    recount = tally(settings.config, settings.options, [ballot_from_dict(r.content) for r in rows])
    assert live.to_dict() == recount.to_dict()
    assert recount.ballots == PHONES
