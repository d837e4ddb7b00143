"""The ballots of a panel's open vote as this process knows them, for the live tally.

During a vote the projector and the tablets are drawn up to twenty times a second with
the running tally and turnout. Read from the database, every draw loaded and parsed
every ballot of the step, so each ballot cost more than the one before it: at 2,000
ballots a draw read 2,000 rows, twenty times a second.

A panel's channel keeps one book: the parsed ballots of the vote step it last drew,
by voter. Ballots this process writes are added when they commit, before their change
is announced (`stored`, from the ballot writer). Any other change of the tally that
reaches the channel (another process's ballots, a tablet's paper ballot, a reveal)
drops the book (`heard`), as does a resync, and the next draw reads the step from the
database again. So the book never holds other than what the database held at some
moment since, it only learns this process's own ballots sooner, and a restart or a
resync starts from the database. Counting stays with `facilitation.ballots.tally`;
the book only keeps that count until the ballots change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from facilitation.ballots import Ballot, Config, Result, tally
from server.live.change import Change

OURS_MAX = 10_000
"""Changes written here but not heard back (a broker that lost them) are forgotten
beyond this many, with the ballots: the next draw reads the database."""


class HeldBallot(NamedTuple):
    """One stored ballot as the live screens count it."""

    step_id: int
    voter: str
    ballot: Ballot
    source: str
    table_id: int | None


@dataclass
class StepBallots:
    """The ballots of one vote step, by voter (a later ballot replaces the earlier)."""

    step_id: int
    by_voter: dict[str, HeldBallot] = field(default_factory=dict)
    _counted: tuple[Config, tuple[str, ...], Result] | None = None

    def put(self, held: HeldBallot) -> None:
        self.by_voter[held.voter] = held
        self._counted = None

    def tally(self, config: Config, options: Iterable[str]) -> Result:
        """The count of these ballots, made once until a ballot (or the vote) changes."""
        wanted = tuple(options)
        if self._counted is None or self._counted[:2] != (config, wanted):
            ballots = [held.ballot for held in self.by_voter.values()]
            self._counted = (config, wanted, tally(config, wanted, ballots))
        return self._counted[2]


class BallotBook:
    """One panel's ballots of its open vote step, kept by the panel's channel."""

    def __init__(self) -> None:
        self._step: StepBallots | None = None
        self._loading: list[HeldBallot] | None = None
        self._ours: set[int] = set()

    def stored(self, seq: int, ballots: Iterable[HeldBallot]) -> None:
        """Ballots this process committed, announced as the change ending at `seq`."""
        if len(self._ours) >= OURS_MAX:
            self.forget()
        self._ours.add(seq)
        for held in ballots:
            if self._step is not None and self._step.step_id == held.step_id:
                self._step.put(held)
            if self._loading is not None:
                self._loading.append(held)

    def heard(self, change: Change) -> None:
        """A change reached the channel: one of the tally not written here drops the book."""
        if "tally" not in change.topics:
            return
        if change.seq in self._ours:
            self._ours.discard(change.seq)
            return
        self.forget()

    def forget(self) -> None:
        """Read the ballots from the database at the next draw (a resync, a gap)."""
        self._step = None
        self._ours.clear()

    async def ballots(
        self, step_id: int, load: Callable[[], Awaitable[list[HeldBallot]]]
    ) -> StepBallots:
        """The step's ballots, read with `load` unless the book holds them.

        Ballots that commit while `load` runs are put in after it: the database may
        or may not have shown them to `load`, and putting one again changes nothing.
        """
        if self._step is not None and self._step.step_id == step_id:
            return self._step
        self._loading = []
        try:
            loaded = await load()
        finally:
            during, self._loading = self._loading, None
        step = StepBallots(step_id, {held.voter: held for held in loaded})
        for held in during:
            if held.step_id == step_id:
                step.put(held)
        self._step = step
        return step
