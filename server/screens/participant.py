"""The phone: panel title, the table, the open step and its timer."""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.view import PanelView
from server.screens.common import step_context, timer_context
from server.screens.registry import fragment


@fragment("phone-header", aud.PHONES, {"panel"}, "participant/_header.html")
async def header(view: PanelView, audience: str) -> dict[str, Any]:
    return {"panel": await view.panel()}


@fragment("phone-table", "table", {"tables"}, "participant/_table.html")
async def table(view: PanelView, audience: str) -> dict[str, Any]:
    return {"table": await view.table(aud.ident(audience))}


@fragment("phone-step", aud.PHONES, {"agenda", "panel", "vote"}, "participant/_step.html")
async def step(view: PanelView, audience: str) -> dict[str, Any]:
    return await step_context(view)


@fragment("phone-timer", aud.PHONES, {"timer", "agenda"}, "partials/timer.html", volatile=True)
async def timer(view: PanelView, audience: str) -> dict[str, Any]:
    return await timer_context(view)
