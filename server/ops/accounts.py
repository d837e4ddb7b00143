"""Organiser and facilitator accounts: argon2 password hashes, nothing reversible."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from facilitation.errors import N_, Refused
from server.db.models import Account
from server.db.models_security import LoginLock
from server.db.types import utcnow
from server.ops.events import SYSTEM, Actor
from server.ops.staff_sessions import end_all_in
from server.ops.unit import Units

ROLES = ("organiser", "facilitator")
PASSWORD_MIN = 10
_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown e-mail as slow as a wrong
# password, so response times do not reveal which addresses have accounts. It is the
# hash of a public nonsense sentence, written out rather than hashed on import: hashing
# costs a restarting server 0.1-0.3 s before it can answer a phone. It must carry the
# hasher's current cost parameters (tests/test_startup.py checks it does).
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$ztBdDD/FD01uvWDKmRmg/g"
    "$E1qlMMJfrYsm91R347Romyo4Ti6LWvoLy/kntLLGwxg"
)


def normalise_email(email: str) -> str:
    clean = email.strip().lower()
    if "@" not in clean or len(clean) > 254 or clean.startswith("@") or clean.endswith("@"):
        raise Refused(N_("Type a valid e-mail address."))
    return clean


async def create_account(
    units: Units,
    email: str,
    name: str,
    password: str,
    role: str,
    actor: Actor = SYSTEM,
) -> Account:
    address = normalise_email(email)
    if role not in ROLES:
        raise Refused(N_("The role must be organiser or facilitator."))
    if len(password) < PASSWORD_MIN:
        raise Refused(N_("A password needs at least %(min)s characters."), min=PASSWORD_MIN)
    async with units.begin() as unit:
        if await unit.session.scalar(select(Account.id).where(Account.email == address)):
            raise Refused(
                N_("An account with the e-mail address %(email)s already exists."), email=address
            )
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        account = Account(
            email=address,
            name=name.strip() or address,
            role=role,
            password_hash=password_hash,
            created_at=utcnow(),
        )
        unit.session.add(account)
        await unit.session.flush()
        await unit.record_global(actor, "account.create", {"account": account.id, "role": role})
    return account


async def authenticate(units: Units, email: str, password: str) -> Account | None:
    address = email.strip().lower()
    async with units.reading() as session:
        account = await session.scalar(select(Account).where(Account.email == address))
    # argon2 is deliberately slow: keep it off the event loop.
    if account is None or not account.active:
        await asyncio.to_thread(_verify, DUMMY_HASH, password)
        return None
    if not await asyncio.to_thread(_verify, account.password_hash, password):
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        async with units.begin() as unit:
            stored = await unit.session.get(Account, account.id)
            if stored is not None:
                stored.password_hash = await asyncio.to_thread(_hasher.hash, password)
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


async def set_password(units: Units, email: str, password: str) -> Account | None:
    """Give an existing account a new password; None when there is no such account."""
    if len(password) < PASSWORD_MIN:
        raise Refused(N_("A password needs at least %(min)s characters."), min=PASSWORD_MIN)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with units.begin() as unit:
        account = await unit.session.scalar(
            select(Account).where(Account.email == normalise_email(email))
        )
        if account is not None:
            account.password_hash = password_hash
            # Whoever knew the old password may hold a session: end them all, and a
            # new password lifts a lock on the account.
            await end_all_in(unit.session, account.id, "password")
            await unit.session.execute(delete(LoginLock).where(LoginLock.account_id == account.id))
            await unit.record_global(SYSTEM, "account.password", {"account": account.id})
    return account
