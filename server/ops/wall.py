"""How the projector shows the argument wall: order, paging or rotating, which page."""

from __future__ import annotations

from facilitation.deliberation.wall import changed_wall, wall_settings
from facilitation.errors import N_, Refused
from server.db.models import Step
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units


async def set_wall(
    units: Units,
    panel_id: int,
    actor: Actor,
    *,
    sort: str | None = None,
    mode: str | None = None,
    page: int | None = None,
) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        step = (
            await unit.session.get(Step, panel.current_step_id) if panel.current_step_id else None
        )
        if step is None or step.kind != "discussion":
            raise Refused(N_("The argument wall belongs to a table discussion step."))
        wall = changed_wall(
            wall_settings(step.settings.get("wall")), sort=sort, mode=mode, page=page
        )
        step.settings = {**step.settings, "wall": wall}
        await unit.record(
            actor,
            "wall.settings",
            dict(wall),
            topics=("wall",),
            audiences=(aud.DISPLAY, aud.FACILITATORS),
        )
