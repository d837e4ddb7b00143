"""How long a panel keeps its pool's contact data, and what was erased when.

Contact data (`recruit_contacts`) exist to send the letters; afterwards they must go.
A panel's `ContactRetention` row holds the date the organiser promised to erase them by
and, once they are erased, when, by whom, which people and how many. The erasure itself
is also in the audit log; this row lets the letters and the mail merge say why they are
no longer available.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base


class ContactRetention(Base):
    """`erased`: null until contacts were erased, then `all` or `not_selected` (the last)."""

    __tablename__ = "contact_retention"
    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    keep_until: Mapped[date | None] = mapped_column(Date, default=None)
    erased: Mapped[str | None] = mapped_column(String(12), default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    erased_count: Mapped[int] = mapped_column(Integer, default=0)
