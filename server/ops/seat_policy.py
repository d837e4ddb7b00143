"""Where a newcomer sits: the table with the fewest people, unless a seating plan says more.

Kept apart from joining so that recruitment's diverse seating can decide for people
who arrive with a personal invite code, without joining knowing how.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.seating import seat_newcomer
from server.db.models import PanelTable, Participant


async def table_for_newcomer(session: AsyncSession, panel_id: int, *, invite_id: int | None) -> int:
    """The table for someone joining now (the panel row is locked by the caller)."""
    tables = list(
        await session.scalars(
            select(PanelTable.id)
            .where(PanelTable.panel_id == panel_id)
            .order_by(PanelTable.position)
        )
    )
    seated = dict(
        (
            await session.execute(
                select(Participant.table_id, func.count())
                .where(Participant.panel_id == panel_id, Participant.table_id.is_not(None))
                .group_by(Participant.table_id)
            )
        ).all()
    )
    return seat_newcomer(tables, seated)
