"""The facilitator's tablet: run the agenda, the timer and the tables."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from facilitation import timer as timer_rules
from facilitation.agenda import FACILITATOR_ACTIONS
from facilitation.errors import N_, Refused
from facilitation.steps import parse_timer_minutes
from server.db.models import Participant
from server.live import audiences as aud
from server.ops import agenda, joining, timer
from server.ops.events import Actor
from server.routes.roles import route, socket
from server.screens.registry import render_screen
from server.services import Services
from server.web import live
from server.web.access import (
    Forbidden,
    LoginRequired,
    Missing,
    require_staff,
    services_of,
)
from server.web.csrf import checked_form, csrf_token
from server.web.numbers import whole_number
from server.web.respond import done, language_of, page, t

DEFAULT_TIMER_SECONDS = 5 * 60


async def run(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    services = services_of(request)
    language = language_of(request)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
        fragments = await render_screen(
            services.renderer, language, view, (aud.FACILITATORS,), csrf_token(request)
        )
        tables = await view.tables()
    return page(
        request,
        "facilitator/run.html",
        language=language,
        panel=panel,
        fragments=fragments,
        seq=panel.seq,
        access=access,
        tables=tables,
    )


async def agenda_action(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    action = request.path_params["action"]
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    if action not in FACILITATOR_ACTIONS:
        raise Refused(N_("Unknown agenda action."))
    index = whole_number(form.get("index"), high=1000) if action == "go_to" else None
    if action == "go_to" and index is None:
        raise Refused(N_("Choose a step to open."))
    await agenda.transition(
        services_of(request).units, panel_id, Actor.account(access.account.id), action, index
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


async def timer_action(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    action = request.path_params["action"]
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    if action not in timer_rules.ACTIONS:
        raise Refused(N_("Unknown timer action."))
    seconds = 0
    if action == "start":
        # Blank means the step's own timer (shown as the field's placeholder).
        seconds = _minutes_to_seconds(str(form.get("minutes", ""))) or await _step_timer(
            services_of(request), panel_id
        )
    elif action == "add":
        seconds = whole_number(form.get("seconds"), high=6 * 3600) or 60
    await timer.control(
        services_of(request).units, panel_id, Actor.account(access.account.id), action, seconds
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


async def move_participant(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    number = whole_number(form.get("number"))
    table_id = whole_number(form.get("table"))
    if number is None or table_id is None:
        raise Refused(N_("Give the participant's number and the table to move them to."))
    services = services_of(request)
    participant_id = await _participant_by_number(services, panel_id, number)
    await joining.move(
        services.units, panel_id, Actor.account(access.account.id), participant_id, table_id
    )
    return done(
        request,
        t(request, "Participant %(number)s was moved.", number=number),
        f"/panels/{panel_id}/run",
    )


async def facilitator_socket(websocket: WebSocket) -> None:
    panel_id = int(websocket.path_params["panel_id"])
    if not live.same_origin(websocket):
        return await live.refuse(websocket)
    try:
        await require_staff(websocket, panel_id)
    except (LoginRequired, Forbidden, Missing):
        return await live.refuse(websocket)

    async def refresh() -> tuple[str, ...] | None:
        """Still on the team? A facilitator removed from the panel is disconnected."""
        try:
            await require_staff(websocket, panel_id)
        except (LoginRequired, Forbidden, Missing):
            return None
        return (aud.FACILITATORS,)

    await live.serve(
        websocket, panel_id, (aud.FACILITATORS,), language_of(websocket), refresh=refresh
    )


async def _participant_by_number(services: Services, panel_id: int, number: int) -> int:
    async with services.db.reading() as session:
        found = await session.scalar(
            select(Participant.id).where(
                Participant.panel_id == panel_id, Participant.number == number
            )
        )
    if found is None:
        raise Refused(N_("There is no participant number %(number)s."), number=number)
    return int(found)


async def _step_timer(services: Services, panel_id: int) -> int:
    async with services.hub.view(panel_id) as view:
        step = await view.current_step()
    return step.timer_seconds if step and step.timer_seconds else DEFAULT_TIMER_SECONDS


def _minutes_to_seconds(value: str) -> int:
    return parse_timer_minutes(value)


routes = [
    route("/panels/{panel_id:id}/run", run, serves="staff"),
    route(
        "/panels/{panel_id:id}/agenda/{action}", agenda_action, serves="staff", methods=("POST",)
    ),
    route("/panels/{panel_id:id}/timer/{action}", timer_action, serves="staff", methods=("POST",)),
    route("/panels/{panel_id:id}/move", move_participant, serves="staff", methods=("POST",)),
    socket("/ws/f/{panel_id:id}", facilitator_socket, serves="staff"),
]
