"""Staff sessions kept on the server, and the lock on an account that is being guessed.

A signed cookie alone cannot be taken back: whoever copied it stays logged in until it
expires. So the cookie only names a row here (by the SHA-256 of a random token), and
logout, a new password, "log out everywhere" or a long idle spell end that row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base
from server.db.types import utcnow


class StaffSession(Base):
    """One login on one browser; the cookie holds the token whose digest is `id`."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_why: Mapped[str | None] = mapped_column(String(20), default=None)


class LoginLock(Base):
    """Failed logins of an account in a row; locked after too many, until lifted or over."""

    __tablename__ = "login_locks"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
