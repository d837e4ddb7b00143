"""Where a newcomer sits: the table with the fewest people, unless a seating plan says more.

Kept apart from joining so that recruitment's diverse seating can decide for people
who arrive with a personal invite code, without joining knowing how: once a seating
plan has been applied, someone whose code links to a known registrant sits where they
add most to the mix (`seating_plans.table_for_late_arrival`), moving nobody.
Everyone else, and everyone before a plan exists, gets the least full table.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.seating import seat_newcomer
from server.db.models import PanelTable, Participant
from server.ops.seating_plans import table_for_late_arrival


async def table_for_newcomer(session: AsyncSession, panel_id: int, *, invite_id: int | None) -> int:
    """The table for someone joining now (the panel row is locked by the caller)."""
    tables = list(
        await session.scalars(
            select(PanelTable.id)
            .where(PanelTable.panel_id == panel_id)
            .order_by(PanelTable.position)
        )
    )
    if invite_id is not None:
        planned = await table_for_late_arrival(session, panel_id, invite_id, tables)
        if planned is not None:
            return planned
    rows = await session.execute(
        select(Participant.table_id, func.count())
        .where(Participant.panel_id == panel_id, Participant.table_id.is_not(None))
        .group_by(Participant.table_id)
    )
    seated = {table: count for table, count in rows.all() if table is not None}
    return seat_newcomer(tables, seated)
