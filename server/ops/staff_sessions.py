"""Staff sessions that the server can end: logout, new password, "log out everywhere".

The signed cookie holds a random token; the database holds only its SHA-256, so a
copy of the database cannot be turned into a working cookie. A session ends when its
person logs out, after `staff_session_hours` (absolute), after `staff_idle_minutes`
without a request (idle), and for every browser at once when the password changes or
someone asks to log out everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Account
from server.db.models_security import StaffSession
from server.db.types import utcnow
from server.ops.events import Actor
from server.ops.unit import Units
from server.settings import Settings

SEEN_EVERY = timedelta(minutes=1)
"""How stale `last_seen_at` may be before a request writes it again (one write a minute)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(units: Units, account_id: int) -> str:
    """A new session for a login; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with units.begin() as unit:
        unit.session.add(
            StaffSession(id=_digest(token), account_id=account_id, created_at=now, last_seen_at=now)
        )
    return token


async def account_for(units: Units, settings: Settings, token: str) -> Account | None:
    """The active account whose live session this token names, else None."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    async with units.reading() as session:
        found = (
            await session.execute(
                select(StaffSession, Account)
                .join(Account, Account.id == StaffSession.account_id)
                .where(StaffSession.id == _digest(token))
            )
        ).first()
    if found is None:
        return None
    row, account = found
    if row.ended_at is not None or not account.active:
        return None
    if now - row.created_at > timedelta(hours=settings.staff_session_hours):
        await end(units, token, "expired")
        return None
    if now - row.last_seen_at > timedelta(minutes=settings.staff_idle_minutes):
        await end(units, token, "idle")
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        async with units.begin() as unit:
            await unit.session.execute(
                update(StaffSession).where(StaffSession.id == row.id).values(last_seen_at=now)
            )
    return account


async def end(units: Units, token: str, why: str) -> None:
    async with units.begin() as unit:
        await unit.session.execute(
            update(StaffSession)
            .where(StaffSession.id == _digest(token), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_why=why)
        )


async def end_all(units: Units, account_id: int, actor: Actor, why: str) -> int:
    """End every session of an account (all its browsers); returns how many were live."""
    async with units.begin() as unit:
        ended = await end_all_in(unit.session, account_id, why)
        await unit.record_global(
            actor, "account.sessions_ended", {"account": account_id, "why": why}
        )
    return ended


async def end_all_in(session: AsyncSession, account_id: int, why: str) -> int:
    """The same inside a unit that also does something else (a new password)."""
    result = await session.execute(
        update(StaffSession)
        .where(StaffSession.account_id == account_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_why=why)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
