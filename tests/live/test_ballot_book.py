"""The live tally's ballots kept between draws: always the same count as a recount."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from facilitation.ballots import SingleBallot, SingleChoice, ballot_from_dict, tally
from facilitation.votes import VoteSettings
from server.db.models import Ballot, PanelTable, Step
from server.live import audiences as aud
from server.live.ballot_book import BallotBook, HeldBallot
from server.live.change import Change
from server.live.vote_view import votes
from server.ops import voting
from server.ops.events import SYSTEM
from tests.support.day import Day
from tests.support.settle import settled
from tests.support.voting import open_vote

STEP = 7
OPTIONS = ("a", "b", "c")
CONFIG = SingleChoice()


def held(voter: str, choice: str, step: int = STEP) -> HeldBallot:
    return HeldBallot(step, voter, SingleBallot(choice), "phone", None)


def tally_change(seq: int) -> Change:
    return Change(1, seq, ("tally",), (aud.DISPLAY,))


async def never_read() -> list[HeldBallot]:
    raise AssertionError("the book read the database although it held the ballots")


def counts(ballots: list[HeldBallot]) -> dict[str, object]:
    return tally(CONFIG, OPTIONS, [b.ballot for b in ballots]).to_dict()


async def test_ballots_written_here_are_counted_without_reading_the_step_again() -> None:
    book = BallotBook()
    stored = [held("v1", "a")]

    async def read() -> list[HeldBallot]:
        return list(stored)

    await book.ballots(STEP, read)
    book.stored(2, [held("v2", "b"), held("v1", "c")])
    book.heard(tally_change(2))
    step = await book.ballots(STEP, never_read)
    assert step.tally(CONFIG, OPTIONS).to_dict() == counts([held("v1", "c"), held("v2", "b")])


async def test_a_tally_change_written_elsewhere_makes_the_book_read_again() -> None:
    book = BallotBook()
    reads = 0

    async def read() -> list[HeldBallot]:
        nonlocal reads
        reads += 1
        return [held("v1", "a")]

    await book.ballots(STEP, read)
    book.heard(Change(1, 3, ("tables",), (aud.DISPLAY,)))
    await book.ballots(STEP, read)
    assert reads == 1
    book.heard(tally_change(4))
    await book.ballots(STEP, read)
    assert reads == 2


async def test_ballots_committed_while_the_book_reads_are_kept() -> None:
    book = BallotBook()

    async def read() -> list[HeldBallot]:
        # The database answered before these commits: v1's old ballot, no v2.
        await asyncio.sleep(0)
        book.stored(5, [held("v2", "b"), held("v1", "c")])
        book.stored(6, [held("x", "a", step=STEP + 1)])  # another step: not this one's
        return [held("v1", "a")]

    step = await book.ballots(STEP, read)
    assert step.tally(CONFIG, OPTIONS).to_dict() == counts([held("v1", "c"), held("v2", "b")])


@pytest.mark.parametrize("seed", range(20))
async def test_after_any_sequence_of_ballots_the_book_counts_as_a_recount(seed: int) -> None:
    """Casts, changes, replays, ballots written elsewhere, lost messages, in any order."""
    rng = random.Random(seed)
    database: dict[str, HeldBallot] = {}
    book = BallotBook()
    seq = 0

    async def read() -> list[HeldBallot]:
        return list(database.values())

    for _ in range(300):
        seq += 1
        what = rng.choice(["here", "here", "here", "replay", "elsewhere", "lost", "other"])
        voter = f"v{rng.randrange(40)}"
        if what == "replay" and voter in database:
            book.stored(seq, [database[voter]])  # the same ballot written again
        elif what in ("here", "replay"):
            database[voter] = held(voter, rng.choice(OPTIONS))
            book.stored(seq, [database[voter]])
        elif what == "elsewhere":
            database[voter] = held(voter, rng.choice(OPTIONS))
        elif what == "lost":
            book.forget()
            continue
        if what != "other" or rng.random() < 0.5:
            book.heard(tally_change(seq) if what != "other" else Change(1, seq, ("agenda",), ()))
        if rng.random() < 0.3:
            step = await book.ballots(STEP, read)
            assert step.tally(CONFIG, OPTIONS).to_dict() == counts(list(database.values()))
    step = await book.ballots(STEP, read)
    assert step.tally(CONFIG, OPTIONS).to_dict() == counts(list(database.values()))


async def test_the_live_tally_follows_phones_and_tablets_without_rereading(day: Day) -> None:
    """Through the app: phones cast, retry and change their ballots, a paper ballot comes
    from the tablet; the channel's count equals a recount of the stored ballots."""
    panel = await day.panel(tables=2)
    step_id, options = await open_vote(day, panel, "single", "A", "B", "C")
    hub = day.services.hub
    channel = hub.channel(panel.id)
    await channel.ready.wait()

    async def live_tally() -> dict[str, object]:
        async with hub.view(panel.id) as view:
            view.ballots = channel.ballots
            reader = votes(view)
            step = await reader.step()
            assert step is not None
            vote = reader.settings(step)
            assert vote is not None
            return (await reader.tally(step, vote)).to_dict()

    async def recount() -> dict[str, object]:
        async with day.services.db.reading() as session:
            rows = await session.scalars(select(Ballot.content).where(Ballot.step_id == step_id))
            step = await session.get(Step, step_id)
            assert step is not None
            vote = VoteSettings.from_dict(step.settings["vote"])
            return tally(vote.config, vote.options, [ballot_from_dict(r) for r in rows]).to_dict()

    await live_tally()  # the channel now holds the step's ballots
    phones = [await day.phone(panel) for _ in range(12)]
    rng = random.Random(3)
    for round_ in range(3):
        for i, phone in enumerate(phones):
            key = f"ballot-{i}-{round_}"
            choice = {"choice": rng.choice(options), "idempotency_key": key}
            assert (await phone.post(f"/p/{panel.id}/ballot", choice)).status_code == 200
            if rng.random() < 0.3:  # the phone never heard the answer and retries
                assert (await phone.post(f"/p/{panel.id}/ballot", choice)).status_code == 200
    await settled(day, panel.id)
    assert await channel.ballots.ballots(step_id, never_read) is not None
    assert await live_tally() == await recount()

    async with day.services.db.reading() as session:
        table = await session.scalar(select(PanelTable.id).where(PanelTable.panel_id == panel.id))
    await voting.cast_for(
        day.services.units,
        day.services.settings.secret_key,
        panel.id,
        SYSTEM,
        {"choice": options[0]},
        source="paper",
        table_id=table,
    )
    await settled(day, panel.id)
    with pytest.raises(AssertionError, match="read the database"):
        await channel.ballots.ballots(step_id, never_read)  # not written by the phones
    assert await live_tally() == await recount()
