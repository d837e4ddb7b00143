"""Setting up a discussion: proposals, a discussion step open, phones at tables."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import ArgumentRow, Step
from server.ops import agenda, proposals
from server.ops import steps as agenda_steps
from server.ops.events import SYSTEM
from tests.support.day import Day, PanelInfo
from tests.support.people import Person


async def open_step(day: Day, panel: PanelInfo, kind: str, **settings: str) -> int:
    """Open the panel's first step of `kind`, with these settings; returns its id."""
    async with day.services.db.reading() as session:
        steps = list(
            await session.scalars(
                select(Step).where(Step.panel_id == panel.id).order_by(Step.position)
            )
        )
    index = next(i for i, s in enumerate(steps) if s.kind == kind)
    step = steps[index]
    if settings or kind == "discussion":
        chosen = [p.strip() for p in settings.pop("proposals", "").split(",") if p.strip()]
        await agenda_steps.edit_step_settings(
            day.services.units, panel.id, SYSTEM, step.id, chosen, dict(settings)
        )
    await agenda.transition(day.services.units, panel.id, SYSTEM, "go_to", index)
    return step.id


async def with_proposals(day: Day, panel: PanelInfo, *titles: str) -> list[int]:
    return [
        await proposals.add(day.services.units, panel.id, SYSTEM, title, "") for title in titles
    ]


async def send(
    phone: Person,
    panel: PanelInfo,
    text: str,
    stance: str = "for",
    proposal: int | None = None,
    key: str | None = None,
) -> int:
    """A phone sends an argument; returns the HTTP status."""
    form = {"text": text, "stance": stance}
    if proposal is not None:
        form["proposal"] = str(proposal)
    if key is not None:
        form["idempotency_key"] = key
    response = await phone.post(f"/p/{panel.id}/arguments", form)
    return response.status_code


async def stored_arguments(day: Day, panel: PanelInfo) -> list[ArgumentRow]:
    async with day.services.db.reading() as session:
        return list(
            await session.scalars(
                select(ArgumentRow).where(ArgumentRow.panel_id == panel.id).order_by(ArgumentRow.id)
            )
        )
