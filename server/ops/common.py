"""Helpers shared by the operations: locking a panel, reading its agenda, finding its rows."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import Agenda, PanelStatus
from facilitation.errors import N_, Refused
from server.db.models import Panel, Step


class NotFound(LookupError):
    """No such panel (or not one the caller may know about)."""


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


async def steps_of(session: AsyncSession, panel_id: int) -> list[Step]:
    rows = await session.scalars(
        select(Step).where(Step.panel_id == panel_id).order_by(Step.position, Step.id)
    )
    return list(rows)


def agenda_of(panel: Panel, steps: list[Step]) -> Agenda:
    ids = [step.id for step in steps]
    current = ids.index(panel.current_step_id) if panel.current_step_id in ids else None
    resume = ids.index(panel.resume_step_id) if panel.resume_step_id in ids else None
    status = PanelStatus(panel.status)
    if status is PanelStatus.RUNNING and current is None:
        # The open step was deleted under us: treat the panel as waiting in the lobby.
        status = PanelStatus.LOBBY
    return Agenda(status=status, step_count=len(steps), current=current, resume_at=resume)


def require_not_closed(panel: Panel) -> None:
    if panel.status == PanelStatus.CLOSED:
        raise Refused(N_("This panel is closed. Reopen it to make changes."))
