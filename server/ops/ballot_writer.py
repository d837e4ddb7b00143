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
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import exists, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.ballots import Ballot, Raw, validate
from facilitation.errors import N_, Refused
from facilitation.votes import VoteSettings, proposal_of
from server.db.engine import Database
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
from server.live.change import Change
from server.ops.events import Actor, record_batch
from server.ops.fingerprints import FINGERPRINT, KeyReused, replay

log = logging.getLogger(__name__)

BATCH_MAX = 500


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


class BallotWriter:
    def __init__(self, db: Database, announce: Callable[..., Awaitable[None]]) -> None:
        self._db = db
        self._announce = announce
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
                written, changes = await self._write(batch)
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
        await self._announce(*changes)
        for item in written:
            if not item.request.done.done():
                item.request.done.set_result(item.cast)

    @staticmethod
    def _fail(batch: list[BallotRequest], error: Exception) -> None:
        for request in batch:
            if not request.done.done():
                request.done.set_exception(error)

    async def _write(self, batch: list[BallotRequest]) -> tuple[list[_Checked], list[Change]]:
        async with self._db.writing() as session:
            panels = sorted({r.panel_id for r in batch})
            # Closing a vote takes this lock too: no ballot slips in after the freeze.
            await session.execute(
                select(Panel.id).where(Panel.id.in_(panels)).order_by(Panel.id).with_for_update()
            )
            checked = await self._checked(session, batch)
            todo = await self._not_replays(session, checked)
            if not todo:
                return checked, []
            # Within one batch the latest ballot of a voter wins, as it would one by one.
            latest = {(c.cast.step_id, c.voter): c for c in todo}
            await upsert_many(
                session,
                BallotRow,
                [
                    {
                        "id": secrets.token_hex(16),
                        "panel_id": c.request.panel_id,
                        "step_id": c.cast.step_id,
                        "voter": c.voter,
                        "content": c.cast.ballot.to_dict(),
                        "source": "phone",
                        "table_id": None,
                        "entered_by": None,
                    }
                    for c in latest.values()
                ],
                conflict=("step_id", "voter"),
                update=("content", "source", "entered_by"),
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
                    IdempotencyKey.__table__.insert(),
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
            changes = []
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
                changes.append(
                    await record_batch(
                        session,
                        panel_id,
                        entries,
                        topics=("tally",),
                        audiences=(
                            aud.FACILITATORS,
                            aud.DISPLAY,
                            *((aud.PHONES,) if revealed else ()),
                        ),
                    )
                )
            return checked, changes

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
            try:
                checked.append(
                    self._check(
                        request, seats.get(request.participant_id), titles.get(request.panel_id, {})
                    )
                )
            except Refused as refusal:
                request.done.set_exception(refusal)
        return checked

    @staticmethod
    def _check(request: BallotRequest, seat: Any, titles: dict[int, str]) -> _Checked:
        if seat is None or seat[1] != request.panel_id:
            raise Refused(N_("You are not part of this panel."))
        _, _, table_id, status, language, step_id, kind, settings, closed = seat
        if status != "running" or step_id is None:
            raise Refused(N_("Nothing is open for answers right now. Wait for the facilitator."))
        if kind != "vote":
            raise Refused(N_("No vote is open right now."))
        if closed:
            raise Refused(N_("This vote has closed. The results are final."))
        vote = vote_settings(settings)
        if vote.scope == "table":
            raise Refused(
                N_("In this vote each table gives one answer, entered by its facilitator.")
            )
        ballot = validate(vote.config, vote.options, request.raw)
        labels = dict(vote.labels)
        for option in vote.options:
            proposal = proposal_of(option)
            if proposal is not None:
                labels[option] = titles.get(proposal, "?")
        return _Checked(
            request,
            Cast(step_id, ballot, vote, labels, language),
            table_id,
            request.voter_of(step_id, request.participant_id),
            bool(settings.get("vote_revealed")),
        )

    @staticmethod
    async def _not_replays(session: AsyncSession, checked: list[_Checked]) -> list[_Checked]:
        """Ballots whose key was used before are answered without writing them again.

        A retry of the same ballot is answered as counted; the same key with another
        ballot is refused (KeyReused), so a phone never shows a choice that was not kept.
        """
        keyed = [(c.request.scope, c.request.key) for c in checked if c.request.key is not None]
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        if keyed:
            rows = await session.execute(
                select(IdempotencyKey.scope, IdempotencyKey.key, IdempotencyKey.result).where(
                    tuple_(IdempotencyKey.scope, IdempotencyKey.key).in_(keyed)
                )
            )
            seen = {(scope, key): result for scope, key, result in rows.all()}
        todo = []
        for item in checked:
            key = (item.request.scope, item.request.key)
            if item.request.key is not None and key in seen:
                try:
                    replay(seen[key], item.request.sent)
                except KeyReused as refusal:
                    if not item.request.done.done():
                        item.request.done.set_exception(refusal)
                continue  # a retry of the same ballot: answered as counted
            if item.request.key is not None:
                seen[key] = {FINGERPRINT: item.request.sent}
            todo.append(item)
        return todo


def vote_settings(settings: dict[str, Any]) -> VoteSettings:
    """A step's vote settings, parsed once per distinct setting (every ballot reads them)."""
    stored = settings.get("vote")
    if not stored:
        raise Refused(N_("This vote is not set up yet. Ask the organiser to choose the options."))
    return _parsed(json.dumps(stored, sort_keys=True))


@lru_cache(maxsize=256)
def _parsed(stored: str) -> VoteSettings:
    return VoteSettings.from_dict(json.loads(stored))
