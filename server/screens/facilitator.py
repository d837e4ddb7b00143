"""The facilitator's tablet: the agenda and its controls, the timer, the tables."""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.view import PanelView
from server.render import minutes
from server.screens.common import step_context, timer_context
from server.screens.registry import fragment


@fragment("fac-agenda", aud.FACILITATORS, {"agenda", "panel"}, "facilitator/_agenda.html")
async def agenda(view: PanelView, audience: str) -> dict[str, Any]:
    context = await step_context(view)
    context["steps"] = await view.steps()
    return context


@fragment(
    "fac-timer",
    aud.FACILITATORS,
    {"timer", "agenda", "panel"},
    "facilitator/_timer.html",
    volatile=True,
)
async def timer(view: PanelView, audience: str) -> dict[str, Any]:
    context = await timer_context(view)
    step = await view.current_step()
    context["panel"] = await view.panel()
    context["default_minutes"] = minutes(step.timer_seconds) if step and step.timer_seconds else "5"
    return context


@fragment(
    "fac-tables",
    aud.FACILITATORS,
    {"tables", "presence"},
    "facilitator/_tables.html",
    volatile=True,
)
async def tables(view: PanelView, audience: str) -> dict[str, Any]:
    participants = await view.seats()
    by_table: dict[int | None, list[Any]] = {}
    for person in participants:
        by_table.setdefault(person.table_id, []).append(person)
    return {
        "panel": await view.panel(),
        "tables": [(t, by_table.get(t.id, [])) for t in await view.tables()],
        "unseated": by_table.get(None, []),
        "connected": view.presence,
        "joined": len(participants),
        "connected_count": sum(1 for p in participants if p.id in view.presence),
    }
