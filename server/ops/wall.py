"""How the projector shows the argument wall: order, paging or rotating, which page."""

from __future__ import annotations

from facilitation.deliberation.statements import parse_order
from facilitation.errors import N_, Refused
from server.db.models import Step
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units

MODES = ("paging", "rotating")
PER_PAGE = 12
"""Arguments on one page of the wall: legible from the back of the room."""
DEFAULT_WALL = {"sort": "newest", "mode": "paging", "page": 0}


def page_count(items: int) -> int:
    return max(1, -(-items // PER_PAGE))


def wall_of(step: Step | None) -> dict[str, object]:
    wall = dict(DEFAULT_WALL)
    if step is not None:
        wall.update(step.settings.get("wall") or {})
    return wall


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
        wall = wall_of(step)
        if sort is not None:
            wall["sort"] = parse_order(sort).value
        if mode is not None:
            if mode not in MODES:
                raise Refused(N_("Choose paging or rotating."))
            wall["mode"] = mode
        if page is not None:
            wall["page"] = max(0, page)
        step.settings = {**step.settings, "wall": wall}
        await unit.record(
            actor,
            "wall.settings",
            dict(wall),
            topics=("wall",),
            audiences=(aud.DISPLAY, aud.FACILITATORS),
        )
