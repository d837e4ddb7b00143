"""The projector, opened with the panel's secret read-only display link."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from server.db.models import Panel
from server.live import audiences as aud
from server.routes.roles import route, socket
from server.screens.registry import render_screen
from server.web import live
from server.web.access import Missing, display_panel, services_of
from server.web.respond import language_of, page
from server.web.throttle import Throttled


async def display(request: Request) -> Response:
    panel = await display_panel(request, request.path_params["token"])
    services = services_of(request)
    language = language_of(request, panel)
    async with services.hub.view(panel.id, services.base_url(request)) as view:
        panel = await view.panel()
        fragments = await render_screen(services.renderer, language, view, (aud.DISPLAY,))
    response = page(
        request,
        "display/display.html",
        language=language,
        panel=panel,
        fragments=fragments,
        seq=panel.seq,
        token=request.path_params["token"],
    )
    # The link is the key: keep it out of other sites' logs.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def display_socket(websocket: WebSocket) -> None:
    token = websocket.path_params["token"]
    if not live.same_origin(websocket):
        return await live.refuse(websocket)
    try:
        panel = await display_panel(websocket, token)
    except (Missing, Throttled):
        return await live.refuse(websocket)
    services = services_of(websocket)
    panel_id = panel.id

    async def refresh() -> tuple[str, ...] | None:
        """Still the panel's display link? A renewed link disconnects the old one."""
        async with services.db.reading() as session:
            current = await session.get(Panel, panel_id)
        if current is None or current.display_token != token:
            return None
        return (aud.DISPLAY,)

    await live.serve(
        websocket, panel.id, (aud.DISPLAY,), language_of(websocket, panel), refresh=refresh
    )


routes = [
    route("/d/{token}", display, serves="display"),
    socket("/ws/d/{token}", display_socket, serves="display"),
]
