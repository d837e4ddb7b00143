"""Setting up a recommendations step: a step added to the agenda and opened, people seated."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import Participant, Step
from server.db.models_recommendations import RecommendationRow
from server.ops import agenda, recommendations
from server.ops.events import SYSTEM
from server.ops.steps import add_step
from tests.support.day import Day, PanelInfo


async def open_recommendations(day: Day, panel: PanelInfo, **settings: str) -> int:
    """Add a recommendations step at the end of the agenda, set it up and open it."""
    await add_step(day.services.units, panel.id, SYSTEM, "recommendations", "Our advice", "", "")
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel.id).order_by(Step.position)
            )
        )
    step = steps[-1]
    if settings:
        await recommendations.setup(day.services.units, panel.id, SYSTEM, step.id, settings)
    await agenda.transition(day.services.units, panel.id, SYSTEM, "go_to", len(steps) - 1)
    return step.id


async def joined(day: Day, panel: PanelInfo) -> list[Participant]:
    """The participants, in the order they joined."""
    async with day.services.db.reading() as session:
        rows = await session.scalars(
            select(Participant).where(Participant.panel_id == panel.id).order_by(Participant.number)
        )
        return list(rows)


async def seats(day: Day, panel: PanelInfo) -> list[int | None]:
    """The table of each participant, in the order they joined."""
    return [p.table_id for p in await joined(day, panel)]


async def stored(day: Day) -> list[RecommendationRow]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(RecommendationRow).order_by(RecommendationRow.id)))
