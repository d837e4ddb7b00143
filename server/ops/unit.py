"""The unit of work every command runs in: one transaction, its events, one announcement.

A command changes the panel in one write transaction, appends an audit event for each
thing it did (bumping the panel's `seq`), and after the commit tells every server
process which screens to re-render. Written by hand in each command, that protocol
was easy to get subtly wrong: an announcement forgotten (screens wait for the two-second
gap resync), or sent although the transaction rolled back. The unit does it once, in
the spirit of Zulip's `send_event_on_commit`: events recorded on the unit are announced
once after a successful commit, and never when the block raises (`Refused` from a
`facilitation` rule, or anything else), in which case nothing is written either.

How a command is written::

    async def rename_table(
        units: Units, panel_id: int, actor: Actor, table_id: int, label: str
    ) -> None:
        clean = checked_table_label(label)           # check the input with the rule first
        async with units.panel(panel_id) as unit:    # the panel row is locked until commit
            table = await unit.row(PanelTable, table_id, N_("There is no such table ..."))
            table.label = clean
            await unit.record(actor, "tables.rename", {"table": table_id},
                              topics=("tables",), audiences=(aud.FACILITATORS,))
        # here the change is committed and announced

- `units.panel(panel_id)` locks the panel row (`unit.panel`) because most rules depend
  on the panel's current state; pass `lock=False` when the rule reads nothing of it.
- `units.begin()` opens a unit without a panel (creating one, accounts).
- `units.once(panel_id, scope, key, work, content=...)` is the same for a write a phone
  may retry with an idempotency key: `work(unit)` runs at most once per key, a retry of
  the same `content` gets the first result back, and the key with other content is
  refused (`KeyReused`).
- Commands take `Units` (and settings they need), never the whole `Services`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.engine import Database
from server.db.models import IdempotencyKey, Panel
from server.db.types import utcnow
from server.live.change import Change
from server.ops.common import lock_panel, row_in_panel
from server.ops.events import Actor, record, record_batch, record_global
from server.ops.fingerprints import FINGERPRINT, fingerprint, replay

Row = TypeVar("Row")


class Unit:
    """One write transaction of a command, and the events it recorded so far."""

    def __init__(self, session: AsyncSession, panel_id: int | None, panel: Panel | None) -> None:
        self.session = session
        self.panel_id = panel_id
        self._panel = panel
        self._changes: list[Change] = []
        self._committed: list[Callable[[], None]] = []

    @property
    def panel(self) -> Panel:
        """The panel, locked until commit (only for a unit opened with the lock)."""
        if self._panel is None:
            raise RuntimeError("this unit was opened without locking its panel")
        return self._panel

    async def lock(self, panel_id: int | None = None) -> Panel:
        """Lock the unit's panel now: one opened without the lock, or, for a unit begun
        on no panel, the panel it turned out to be about (`panel_id`)."""
        if panel_id is not None:
            self.panel_id = panel_id
        self._panel = await lock_panel(self.session, self._panel_id(None))
        return self._panel

    def _panel_id(self, panel_id: int | None) -> int:
        chosen = panel_id if panel_id is not None else self.panel_id
        if chosen is None:
            raise RuntimeError("this unit has no panel: say which panel the event belongs to")
        return chosen

    async def record(
        self,
        actor: Actor,
        action: str,
        data: dict[str, Any] | None = None,
        *,
        topics: tuple[str, ...] = (),
        audiences: tuple[str, ...] = (),
        panel_id: int | None = None,
    ) -> Change:
        """Append an audit event (the panel's next `seq`), to be announced after commit."""
        change = await record(
            self.session,
            self._panel_id(panel_id),
            actor,
            action,
            data,
            topics=topics,
            audiences=audiences,
        )
        self._changes.append(change)
        return change

    async def record_batch(
        self,
        entries: list[tuple[Actor, str, dict[str, Any]]],
        *,
        topics: tuple[str, ...],
        audiences: tuple[str, ...],
        panel_id: int | None = None,
    ) -> Change:
        """Many events at once: one range of `seq`s, announced with the rest."""
        change = await record_batch(
            self.session, self._panel_id(panel_id), entries, topics=topics, audiences=audiences
        )
        self._changes.append(change)
        return change

    async def record_global(
        self, actor: Actor, action: str, data: dict[str, Any] | None = None
    ) -> None:
        """An event outside any panel (accounts): logged, nothing to announce."""
        await record_global(self.session, actor, action, data)

    async def row(self, model: type[Row], row_id: int, refusal: str) -> Row:
        """The row with this id if it belongs to the unit's panel; `Refused` if not."""
        return await row_in_panel(self.session, model, row_id, self._panel_id(None), refusal)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction committed, before it is announced: what
        this process keeps of the change (the live tally's ballots) is then in place
        when the announcement reaches its screens. Never called when the block raises."""
        self._committed.append(callback)

    def committed(self) -> None:
        for callback in self._committed:
            callback()

    def announcement(self) -> list[Change]:
        """One change per panel covering every event recorded (their seqs are consecutive:
        the first event takes the panel's row lock until commit)."""
        by_panel: dict[int, list[Change]] = {}
        for change in self._changes:
            by_panel.setdefault(change.panel_id, []).append(change)
        merged = []
        for panel_id, changes in by_panel.items():
            if len(changes) == 1:
                merged.append(changes[0])
                continue
            first = min(c.seqs.start for c in changes)
            merged.append(
                Change(
                    panel_id,
                    max(c.seq for c in changes),
                    tuple(dict.fromkeys(t for c in changes for t in c.topics)),
                    tuple(dict.fromkeys(a for c in changes for a in c.audiences)),
                    first=first,
                )
            )
        return merged


Work = Callable[[Unit], Awaitable[dict[str, Any]]]


class Announce(Protocol):
    """Tells every server process what changed (`server.live.announce.Announcer`)."""

    async def __call__(self, *changes: Change) -> None: ...


class Units:
    """Opens units of work: the database to write to, the announcer to tell after commit."""

    def __init__(self, db: Database, announce: Announce, secret: str = "") -> None:
        self._db = db
        self._announce = announce
        # Keys the fingerprints of what retried writes sent (`server.ops.fingerprints`).
        self._secret = secret

    def reading(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session, for a command that looks before it opens its unit."""
        return self._db.reading()

    @asynccontextmanager
    async def panel(self, panel_id: int, *, lock: bool = True) -> AsyncIterator[Unit]:
        """A unit on one panel; `NotFound` if there is no such panel (with the lock)."""
        async with self._db.writing() as session:
            panel = await lock_panel(session, panel_id) if lock else None
            unit = Unit(session, panel_id, panel)
            yield unit
        unit.committed()
        await self._announce(*unit.announcement())

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Unit]:
        """A unit on no panel yet: events name their panel (`record(..., panel_id=)`)."""
        async with self._db.writing() as session:
            unit = Unit(session, None, None)
            yield unit
        unit.committed()
        await self._announce(*unit.announcement())

    async def once(
        self,
        panel_id: int,
        scope: str,
        key: str | None,
        work: Work,
        *,
        lock: bool = True,
        content: Any = None,
    ) -> dict[str, Any]:
        """Run `work` in a unit unless `key` was already used in `scope`.

        A phone that lost its answer on a weak network sends the same request again with
        the same key. The key is stored in the same transaction as the write, so a retry
        either finds it and gets the first result back (with `"replayed": True`) or, if
        both arrive at once on PostgreSQL, the second fails on the key's primary key and
        is replayed from the first. Without a key the write is simply not deduplicated.
        The stored result keeps a fingerprint of `content` (what was sent): the same key
        with other content raises `KeyReused` instead of answering as if it were stored.
        """
        sent = fingerprint(self._secret, scope, content) if key else None
        for attempt in (1, 2):
            try:
                async with self.panel(panel_id, lock=False) as unit:
                    if key is not None:
                        seen = await unit.session.scalar(
                            select(IdempotencyKey.result).where(
                                IdempotencyKey.scope == scope, IdempotencyKey.key == key
                            )
                        )
                        if seen is not None:
                            return {**replay(seen, sent), "replayed": True}
                    if lock:
                        await unit.lock()
                    result = await work(unit)
                    if key is not None:
                        await unit.session.execute(
                            insert(IdempotencyKey).values(
                                scope=scope,
                                key=key,
                                result={**result, FINGERPRINT: sent},
                                created_at=utcnow(),
                            )
                        )
                return result
            except IntegrityError:
                if key is None or attempt == 2:
                    raise
        raise AssertionError("unreachable")
