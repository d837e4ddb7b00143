"""The participant's phone: one page that follows the panel live."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from server.db.models import Participant
from server.live import audiences as aud
from server.routes.roles import route, socket
from server.screens.registry import render_screen
from server.web import live
from server.web.access import (
    Forbidden,
    require_participant_and_panel,
    seat_of,
    services_of,
)
from server.web.csrf import csrf_token
from server.web.respond import language_of, page


def phone_audiences(participant: Participant) -> tuple[str, ...]:
    audiences = [aud.PHONES, aud.participant(participant.id)]
    if participant.table_id is not None:
        audiences.append(aud.table(participant.table_id))
    return tuple(audiences)


async def phone(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    participant_id = seat_of(request, panel_id)
    if participant_id is None:
        raise Forbidden
    services = services_of(request)
    # The seat is checked in the same read as the screen: one session per page, which
    # counts when a whole room loads the page at once.
    async with services.hub.view(panel_id) as view:
        participant = await view.participant(participant_id)
        if participant is None:
            raise Forbidden
        panel = await view.panel()
        language = language_of(request, panel)
        fragments = await render_screen(
            services.renderer, language, view, phone_audiences(participant), csrf_token(request)
        )
    return page(
        request,
        "participant/phone.html",
        language=language,
        panel=panel,
        fragments=fragments,
        seq=panel.seq,
    )


async def phone_socket(websocket: WebSocket) -> None:
    panel_id = int(websocket.path_params["panel_id"])
    if not live.same_origin(websocket):
        return await live.refuse(websocket)
    try:
        participant, panel = await require_participant_and_panel(websocket, panel_id)
    except Forbidden:
        return await live.refuse(websocket)
    services = services_of(websocket)
    language = language_of(websocket, panel)
    participant_id = participant.id

    async def refresh() -> tuple[str, ...] | None:
        async with services.db.reading() as session:
            current = await session.get(Participant, participant_id)
        if current is None or current.panel_id != panel_id:
            return None
        return phone_audiences(current)

    await live.serve(
        websocket, panel_id, phone_audiences(participant), language, participant_id, refresh
    )


routes = [
    route("/p/{panel_id:id}", phone, serves="participant"),
    socket("/ws/p/{panel_id:id}", phone_socket, serves="participant"),
]
