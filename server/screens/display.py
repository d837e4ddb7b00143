"""The projector: join QR and code, how many have joined, the open step, the timer."""

from __future__ import annotations

from typing import Any

from facilitation.codes import format_join_code
from server.i18n import translate
from server.live import audiences as aud
from server.live.view import PanelView
from server.screens.common import join_url, qr_svg, step_context, timer_context
from server.screens.registry import fragment


@fragment("display-join", aud.DISPLAY, {"agenda", "panel"}, "display/_join.html")
async def join(view: PanelView, audience: str) -> dict[str, Any]:
    panel = await view.panel()
    url = join_url(view, panel.join_code)
    label = translate(panel.language, "Scan to join the panel")
    return {
        "panel": panel,
        "join_url": url,
        "short_url": url.split("://", 1)[-1],
        "code": format_join_code(panel.join_code),
        "qr": qr_svg(url, label),
    }


@fragment(
    "display-count", aud.DISPLAY, {"tables", "presence"}, "display/_count.html", volatile=True
)
async def count(view: PanelView, audience: str) -> dict[str, Any]:
    return {"joined": await view.joined_count(), "connected": len(view.presence)}


@fragment("display-step", aud.DISPLAY, {"agenda", "panel", "vote"}, "display/_step.html")
async def step(view: PanelView, audience: str) -> dict[str, Any]:
    return await step_context(view)


@fragment("display-timer", aud.DISPLAY, {"timer", "agenda"}, "partials/timer.html", volatile=True)
async def timer(view: PanelView, audience: str) -> dict[str, Any]:
    return await timer_context(view)
