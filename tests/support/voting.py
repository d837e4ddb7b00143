"""Setting up a vote step: method, options, who votes and when results show."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Step
from server.ops import agenda
from server.ops import steps as agenda_steps
from server.ops.events import SYSTEM
from tests.support.day import Day, PanelInfo
from tests.support.deliberation import with_proposals


async def open_vote(
    day: Day, panel: PanelInfo, method: str, *titles: str, **settings: str
) -> tuple[int, list[str]]:
    """Proposals `titles` on the ballot of the panel's vote step, opened; (step, options)."""
    proposals = await with_proposals(day, panel, *titles)
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel.id).order_by(Step.position)
            )
        )
    index = next(i for i, s in enumerate(steps) if s.kind == "vote")
    values = {"method": method, "scope": "individual", "results": "reveal", **settings}
    await agenda_steps.edit_step_settings(
        day.services.units, panel.id, SYSTEM, steps[index].id, [str(p) for p in proposals], values
    )
    await agenda.transition(day.services.units, panel.id, SYSTEM, "go_to", index)
    return steps[index].id, [f"p{p}" for p in proposals]
