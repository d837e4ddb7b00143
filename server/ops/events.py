"""The audit log and the panel's event counter, written in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditEvent, Panel
from server.db.types import utcnow
from server.live.change import Change


@dataclass(frozen=True)
class Actor:
    """Who did it: an account, a participant, or the system itself."""

    kind: str
    id: int | None = None

    @classmethod
    def account(cls, account_id: int) -> Actor:
        return cls("account", account_id)

    @classmethod
    def participant(cls, participant_id: int) -> Actor:
        return cls("participant", participant_id)


SYSTEM = Actor("system")


async def record(
    session: AsyncSession,
    panel_id: int,
    actor: Actor,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    topics: tuple[str, ...] = (),
    audiences: tuple[str, ...] = (),
) -> Change:
    """Bump the panel's `seq`, append the audit event and return what to announce.

    The UPDATE takes the panel's row lock on PostgreSQL until commit, which orders
    the panel's events; on SQLite the write transaction already holds the lock.
    """
    seq = (
        await session.execute(
            update(Panel)
            .where(Panel.id == panel_id)
            .values(seq=Panel.seq + 1)
            .returning(Panel.seq)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    # A Core insert: the audit log is written on every change, and needs no ORM state.
    await session.execute(
        insert(AuditEvent).values(
            panel_id=panel_id,
            seq=seq,
            at=utcnow(),
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            data=data or {},
        )
    )
    return Change(panel_id, seq, topics, audiences)


async def record_global(
    session: AsyncSession, actor: Actor, action: str, data: dict[str, Any] | None = None
) -> None:
    """An event outside any panel (accounts), kept in the same log."""
    session.add(
        AuditEvent(actor_kind=actor.kind, actor_id=actor.id, action=action, data=data or {})
    )


async def record_batch(
    session: AsyncSession,
    panel_id: int,
    entries: list[tuple[Actor, str, dict[str, Any]]],
    *,
    topics: tuple[str, ...],
    audiences: tuple[str, ...],
) -> Change:
    """Many events of one panel in one go: one row lock, one announcement for them all."""
    last = (
        await session.execute(
            update(Panel)
            .where(Panel.id == panel_id)
            .values(seq=Panel.seq + len(entries))
            .returning(Panel.seq)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    first = last - len(entries) + 1
    now = utcnow()
    await session.execute(
        insert(AuditEvent),
        [
            {
                "panel_id": panel_id,
                "seq": first + n,
                "at": now,
                "actor_kind": actor.kind,
                "actor_id": actor.id,
                "action": action,
                "data": data,
            }
            for n, (actor, action, data) in enumerate(entries)
        ],
    )
    return Change(panel_id, last, topics, audiences, first=first)
