"""Per-account login throttling: too many wrong passwords in a row lock the account.

The per-client limit on /login stops one address from guessing; this stops many
addresses guessing one account's password together. After `MAX_FAILURES` wrong
passwords in a row the account is locked for `LOCK_MINUTES` (every further wrong
password while locked starts the lock again); a correct password afterwards, an
organiser lifting the lock, or a new password (CLI) ends it. Kept in the database, so
every server process counts the same attempts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from facilitation.errors import N_, Refused
from server.db.models import Account
from server.db.models_security import LoginLock
from server.db.types import utcnow
from server.ops.accounts import authenticate, normalise_email
from server.ops.events import SYSTEM, Actor
from server.ops.unit import Units

MAX_FAILURES = 10
LOCK_MINUTES = 15


class AccountLocked(Refused):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            N_(
                "This account is locked after too many wrong passwords. Try again in "
                "%(minutes)s minutes, or ask an organiser to unlock it."
            ),
            minutes=minutes,
        )
        self.retry_after = minutes * 60


async def log_in(units: Units, email: str, password: str) -> Account | None:
    """The account if the password is right and it is not locked; counts wrong ones."""
    async with units.reading() as session:
        found = (
            await session.execute(
                select(Account.id, LoginLock.locked_until)
                .outerjoin(LoginLock, LoginLock.account_id == Account.id)
                .where(Account.email == normalise_email(email))
            )
        ).first()
    now = utcnow()
    if found is not None and _locked(found[1], now):
        await _failed(units, found[0], now)  # guessing on does not shorten the lock
        raise AccountLocked(LOCK_MINUTES)
    account = await authenticate(units, email, password)
    if found is None:
        return None
    if account is None:
        await _failed(units, found[0], now)
        return None
    async with units.begin() as unit:
        await unit.session.execute(delete(LoginLock).where(LoginLock.account_id == account.id))
    return account


def _locked(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


async def _failed(units: Units, account_id: int, now: datetime) -> None:
    async with units.begin() as unit:
        lock = await unit.session.get(LoginLock, account_id, with_for_update=True)
        if lock is None:
            lock = LoginLock(account_id=account_id, failures=0)
            unit.session.add(lock)
        lock.failures += 1
        if lock.failures >= MAX_FAILURES:
            was_locked = _locked(lock.locked_until, now)
            lock.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            if not was_locked:
                await unit.record_global(SYSTEM, "account.locked", {"account": account_id})


async def lift(units: Units, account_id: int, actor: Actor) -> bool:
    """An organiser unlocks an account; True if it was locked or counting failures."""
    async with units.begin() as unit:
        result = await unit.session.execute(
            delete(LoginLock).where(LoginLock.account_id == account_id)
        )
        lifted = bool(result.rowcount)  # type: ignore[attr-defined]
        if lifted:
            await unit.record_global(actor, "account.unlocked", {"account": account_id})
    return lifted


async def locked_accounts(units: Units) -> dict[int, datetime]:
    """Accounts locked now, with the time their lock ends."""
    now = utcnow()
    async with units.reading() as session:
        rows = await session.execute(
            select(LoginLock.account_id, LoginLock.locked_until).where(LoginLock.locked_until > now)
        )
    return {account_id: until for account_id, until in rows.all() if until is not None}
