"""Group commit for ballots: casts that arrive together are checked and written in one
transaction.

A vote is the one moment the whole room writes at once. Handled one by one, every
ballot pays for its own queries and takes the panel's row lock (PostgreSQL) or SQLite's
write lock in turn, and the room waits in line behind Python's per-statement costs.
The writer takes whatever queued up while its previous transaction ran, reads the
voters' seats and the open votes with one query, checks each ballot against the rules
of `facilitation.ballots`, writes the valid ones with one statement per table, takes
the panel's event numbers as one range and announces the batch once. Each ballot keeps
its own idempotency key, receipt and audit event, and each phone gets its own answer
or its own refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, exists, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.ballots import Ballot, Raw, validate
from facilitation.casting import checked_cast, option_labels
from facilitation.errors import N_, Refused
from facilitation.votes import VoteSettings
from server import metrics
from server.db.models import (
    Ballot as BallotRow,
)
from server.db.models import (
    BallotReceipt,
    IdempotencyKey,
    Panel,
    Participant,
    Proposal,
    VoteResult,
)
from server.db.models import Step as StepRow
from server.db.types import utcnow
from server.db.upsert import upsert_many
from server.live import audiences as aud
from server.live.ballot_book import HeldBallot
from server.ops.events import Actor
from server.ops.fingerprints import FINGERPRINT, KeyReused, replay
from server.ops.unit import Units

log = logging.getLogger(__name__)

BATCH_MAX = 500
# The keys' table itself: a Core insert of many rows skips the ORM's bookkeeping.
_KEYS = cast(Table, IdempotencyKey.__table__)


@dataclass(frozen=True)
class Cast:
    """A ballot as counted, with what the phone needs to show it back."""

    step_id: int
    ballot: Ballot
    vote: VoteSettings
    labels: dict[str, str]
    language: str


@dataclass(eq=False)
class BallotRequest:
    panel_id: int
    participant_id: int
    raw: Raw
    key: str | None
    voter_of: Callable[[int, int], str]
    sent: str | None = None
    """The fingerprint of `raw` (see `server.ops.idempotency`), with a key."""
    done: asyncio.Future[Cast] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def scope(self) -> str:
        return f"ballot:{self.participant_id}"


@dataclass(eq=False)
class _Checked:
    request: BallotRequest
    cast: Cast
    table_id: int | None
    voter: str
    revealed: bool
    replay: bool = False


Stored = Callable[[int, int, list[HeldBallot]], None]
"""Told of ballots committed here: panel, the seq they are announced as, the ballots."""


class BallotWriter:
    def __init__(self, units: Units, stored: Stored | None = None) -> None:
        self._units = units
        # The live tally counts them without reading the step again (server.live.hub).
        self._stored = stored
        self._queue: list[BallotRequest] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def cast(self, request: BallotRequest) -> Cast:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ballot-writer")
        self._queue.append(request)
        self._wake.set()
        return await request.done

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
                await self._write_with_retry(batch)

    async def _write_with_retry(self, batch: list[BallotRequest]) -> None:
        for attempt in (1, 2):
            try:
                written, stored = await self._write(batch)
                break
            except IntegrityError:
                # Another process stored one of these keys at the same moment: the second
                # attempt finds it and replays it, like a single retried request would.
                if attempt == 2:
                    self._fail(batch, RuntimeError("ballots could not be stored"))
                    return
            except Exception as error:
                log.exception("writing %s ballots failed", len(batch))
                self._fail(batch, error)
                return
        metrics.ballots_stored(stored)
        for item in written:
            if not item.request.done.done():
                item.request.done.set_result(item.cast)

    @staticmethod
    def _fail(batch: list[BallotRequest], error: Exception) -> None:
        for request in batch:
            if not request.done.done():
                request.done.set_exception(error)

    async def _write(self, batch: list[BallotRequest]) -> tuple[list[_Checked], int]:
        """Write the batch in one unit; it is announced (once per panel) when this returns.
        Gives back every ballot as checked and how many were stored (retries are not)."""
        async with self._units.begin() as unit:
            session = unit.session
            panels = sorted({r.panel_id for r in batch})
            # Closing a vote takes this lock too: no ballot slips in after the freeze.
            await session.execute(
                select(Panel.id).where(Panel.id.in_(panels)).order_by(Panel.id).with_for_update()
            )
            checked = await self._checked(session, batch)
            todo = self._not_replays(checked)
            if not todo:
                return checked, 0
            # Within one batch the latest ballot of a voter wins, as it would one by one.
            latest = {(c.cast.step_id, c.voter): c for c in todo}
            await store_ballots(
                session,
                [
                    ballot_row(
                        c.request.panel_id,
                        c.cast.step_id,
                        c.voter,
                        c.cast.ballot.to_dict(),
                        "phone",
                    )
                    for c in latest.values()
                ],
            )
            receipts = {(c.cast.step_id, c.request.participant_id): c for c in todo}
            await upsert_many(
                session,
                BallotReceipt,
                [
                    {
                        "step_id": c.cast.step_id,
                        "participant_id": c.request.participant_id,
                        "table_id": c.table_id,
                        "assisted": False,
                    }
                    for c in receipts.values()
                ],
                conflict=("step_id", "participant_id"),
                update=("assisted",),
            )
            keyed = {(c.request.scope, c.request.key): c for c in todo if c.request.key is not None}
            if keyed:
                now = utcnow()
                await session.execute(
                    _KEYS.insert(),
                    [
                        {
                            "scope": scope,
                            "key": key,
                            "result": {"step": c.cast.step_id, FINGERPRINT: c.request.sent},
                            "created_at": now,
                        }
                        for (scope, key), c in keyed.items()
                    ],
                )
            for panel_id in sorted({c.request.panel_id for c in todo}):
                mine = [c for c in todo if c.request.panel_id == panel_id]
                # The audit log says that someone voted, never what.
                entries = [
                    (
                        Actor.participant(c.request.participant_id),
                        "ballot.cast",
                        {"step": c.cast.step_id},
                    )
                    for c in mine
                ]
                revealed = any(c.revealed for c in mine)
                change = await unit.record_batch(
                    entries,
                    topics=("tally",),
                    audiences=(aud.FACILITATORS, aud.DISPLAY, *((aud.PHONES,) if revealed else ())),
                    panel_id=panel_id,
                )
                if self._stored is not None:
                    held = [
                        HeldBallot(c.cast.step_id, c.voter, c.cast.ballot, "phone", None)
                        for c in latest.values()
                        if c.request.panel_id == panel_id
                    ]
                    unit.after_commit(partial(self._stored, panel_id, change.seq, held))
        return checked, len(todo)

    async def _checked(self, session: AsyncSession, batch: list[BallotRequest]) -> list[_Checked]:
        """Every ballot checked against the vote open now; refusals answered at once."""
        rows = (
            await session.execute(
                select(
                    Participant.id,
                    Participant.panel_id,
                    Participant.table_id,
                    Panel.status,
                    Panel.language,
                    StepRow.id,
                    StepRow.kind,
                    StepRow.settings,
                    exists().where(VoteResult.step_id == StepRow.id),
                )
                .join(Panel, Panel.id == Participant.panel_id)
                .outerjoin(StepRow, StepRow.id == Panel.current_step_id)
                .where(Participant.id.in_({r.participant_id for r in batch}))
            )
        ).all()
        seats = {row[0]: row for row in rows}
        replayed = await self._replayed(session, batch)
        titles: dict[int, dict[int, str]] = {}
        for panel_id in {r.panel_id for r in batch}:
            titles[panel_id] = dict(
                (
                    await session.execute(
                        select(Proposal.id, Proposal.title).where(Proposal.panel_id == panel_id)
                    )
                ).all()
            )
        checked = []
        for request in batch:
            seat: tuple[Any, ...] | None = (
                tuple(seats[request.participant_id]) if request.participant_id in seats else None
            )
            earlier = replayed.get((request.scope, request.key))
            try:
                if earlier is not None:
                    counted_in, stored = earlier
                    replay(stored, request.sent)  # the same key with another ballot: refused
                    if seat is not None and counted_in is not None:
                        # A retry of a ballot already counted (the phone never heard the
                        # answer): answer it as it was counted, even if that vote has
                        # closed meanwhile.
                        step_id, kind, settings = counted_in
                        seat = (*seat[:3], "running", seat[4], step_id, kind, settings, False)
                item = self._check(request, seat, titles.get(request.panel_id, {}))
                item.replay = earlier is not None
                checked.append(item)
            except Refused as refusal:
                request.done.set_exception(refusal)
        return checked

    @staticmethod
    async def _replayed(
        session: AsyncSession, batch: list[BallotRequest]
    ) -> dict[
        tuple[str, str | None], tuple[tuple[int, str, dict[str, Any]] | None, dict[str, Any]]
    ]:
        """By key, the vote each retried ballot was counted in (None if that step is gone)
        and the result stored with the key (with the fingerprint of what was sent)."""
        keyed = [(r.scope, r.key) for r in batch if r.key is not None]
        if not keyed:
            return {}
        stored = (
            await session.execute(
                select(IdempotencyKey.scope, IdempotencyKey.key, IdempotencyKey.result).where(
                    tuple_(IdempotencyKey.scope, IdempotencyKey.key).in_(keyed)
                )
            )
        ).all()
        step_ids = {int(result["step"]) for _, _, result in stored if "step" in result}
        steps = (
            {
                row.id: row
                for row in (
                    await session.scalars(select(StepRow).where(StepRow.id.in_(step_ids)))
                ).all()
            }
            if step_ids
            else {}
        )
        replayed: dict[
            tuple[str, str | None], tuple[tuple[int, str, dict[str, Any]] | None, dict[str, Any]]
        ] = {}
        for scope, key, result in stored:
            step = steps.get(int(result.get("step", 0)))
            counted_in = None if step is None else (step.id, step.kind, step.settings)
            replayed[(scope, key)] = (counted_in, result)
        return replayed

    @staticmethod
    def _check(request: BallotRequest, seat: Any, titles: dict[int, str]) -> _Checked:
        if seat is None or seat[1] != request.panel_id:
            raise Refused(N_("You are not part of this panel."))
        _, _, table_id, status, language, step_id, kind, settings, closed = seat
        vote = checked_cast(
            running=status == "running" and step_id is not None,
            kind=kind,
            closed=closed,
            settings=settings or {},
            source="phone",
        )
        ballot = validate(vote.config, vote.options, request.raw)
        labels = option_labels(vote, titles)
        return _Checked(
            request,
            Cast(step_id, ballot, vote, labels, language),
            table_id,
            request.voter_of(step_id, request.participant_id),
            bool(settings.get("vote_revealed")),
        )

    @staticmethod
    def _not_replays(checked: list[_Checked]) -> list[_Checked]:
        """Ballots whose key was used before (or earlier in this batch) are answered
        without writing them again; the same key with another ballot earlier in the batch
        is refused (KeyReused), so a phone never shows a choice that was not kept."""
        seen: dict[tuple[str, str], str | None] = {}
        todo = []
        for item in checked:
            if item.replay:
                continue  # a retry: answered with the ballot as it was counted
            if item.request.key is not None:
                key = (item.request.scope, item.request.key)
                if key in seen:
                    if seen[key] != item.request.sent and not item.request.done.done():
                        item.request.done.set_exception(KeyReused())
                    continue
                seen[key] = item.request.sent
            todo.append(item)
        return todo


def ballot_row(
    panel_id: int,
    step_id: int,
    voter: str,
    content: dict[str, Any],
    source: str,
    *,
    table_id: int | None = None,
    entered_by: int | None = None,
) -> dict[str, Any]:
    """A ballot as stored: under its voter key, with a random id and no timestamp."""
    return {
        "id": secrets.token_hex(16),
        "panel_id": panel_id,
        "step_id": step_id,
        "voter": voter,
        "content": content,
        "source": source,
        "table_id": table_id,
        "entered_by": entered_by,
    }


async def store_ballots(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write ballots; a voter's new ballot replaces their earlier one in the same step."""
    await upsert_many(
        session,
        BallotRow,
        rows,
        conflict=("step_id", "voter"),
        update=("content", "source", "entered_by"),
    )
