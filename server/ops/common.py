"""Helpers shared by the commands: locking a panel, finding a row of it, refusing a closed one."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import PanelStatus
from facilitation.errors import N_, Refused
from server.db.models import Panel
from server.db.models import Step as StepRow
from server.db.rows import NotFound


async def lock_panel(session: AsyncSession, panel_id: int) -> Panel:
    """Load a panel for a change that depends on its state, locking its row.

    On PostgreSQL the row lock makes two facilitators pressing "next" at once
    advance one after the other; on SQLite the write transaction already holds
    the database lock.
    """
    panel = await session.scalar(select(Panel).where(Panel.id == panel_id).with_for_update())
    if panel is None:
        raise NotFound(panel_id)
    return panel


Row = TypeVar("Row")


async def row_in_panel(
    session: AsyncSession, model: type[Row], row_id: int, panel_id: int, refusal: str
) -> Row:
    """The row with this id, if it belongs to this panel; refused (nothing changes) if not.

    Ids come from page addresses and forms, so an id of another panel is treated like
    one that does not exist.
    """
    row = await session.get(model, row_id)
    if row is None or getattr(row, "panel_id", None) != panel_id:
        raise Refused(refusal)
    return row


def require_not_closed(panel: Panel) -> None:
    if panel.status == PanelStatus.CLOSED:
        raise Refused(N_("This panel is closed. Reopen it to make changes."))


async def open_step(session: AsyncSession, panel: Panel) -> StepRow:
    """The step open right now; arguments and questions only go to the open step."""
    if panel.status != "running" or panel.current_step_id is None:
        raise Refused(N_("Nothing is open for answers right now. Wait for the facilitator."))
    step = await session.get(StepRow, panel.current_step_id)
    if step is None:
        raise Refused(N_("Nothing is open for answers right now. Wait for the facilitator."))
    return step
