"""Casting ballots from phones and tablets; revealing and closing a vote."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from facilitation.ballots import Raw
from server.i18n import negotiate
from server.ops import voting
from server.ops.events import Actor
from server.ops.idempotency import checked_key
from server.routes.roles import route
from server.screens.participant_vote import mine_context
from server.screens.registry import OOB
from server.web.access import Forbidden, require_staff, seat_of, services_of
from server.web.csrf import checked_form
from server.web.numbers import whole_number
from server.web.respond import done, is_htmx, t

NOT_BALLOT = {"csrf_token", "idempotency_key", "source", "table", "number"}


def raw_ballot(form: FormData) -> Raw:
    """The form as the ballot methods read it: repeated fields become lists."""
    raw: dict[str, str | list[str]] = {}
    for key in form:
        if key in NOT_BALLOT:
            continue
        values = [str(v) for v in form.getlist(key)]
        raw[key] = values if len(values) > 1 else values[0]
    return raw


async def cast(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    # The signed cookie names the seat; voting.cast checks it belongs to this panel.
    participant_id = seat_of(request, panel_id)
    if participant_id is None:
        raise Forbidden
    form = await checked_form(request)
    services = services_of(request)
    counted = await voting.cast(
        services.ballots,
        services.settings.secret_key,
        panel_id,
        participant_id,
        raw_ballot(form),
        checked_key(form.get("idempotency_key")),
    )
    message = t(request, "Your ballot is counted. You can change it until the vote closes.")
    response = done(request, message, f"/p/{panel_id}")
    if is_htmx(request):
        # Show the phone its ballot at once, without waiting for the live socket.
        language = negotiate(
            request.cookies.get("lang"), request.headers.get("accept-language"), counted.language
        )
        mine = services.renderer.render(
            language,
            "participant/_my_ballot.html",
            fragment_id="phone-my-ballot",
            oob_attr=OOB,
            **mine_context(counted.ballot, counted.labels),
        )
        response = HTMLResponse(bytes(response.body).decode() + mine)
    return response


async def enter(request: Request) -> Response:
    """A ballot entered on the tablet: assisted, paper, or a table's answer."""
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    services = services_of(request)
    await voting.cast_for(
        services.units,
        services.settings.secret_key,
        panel_id,
        Actor.account(access.account.id),
        raw_ballot(form),
        source=str(form.get("source", "")),
        table_id=whole_number(form.get("table")),
        number=whole_number(form.get("number")),
    )
    return done(
        request, t(request, "The ballot is entered and counted."), f"/panels/{panel_id}/run"
    )


async def reveal(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    shown = form.get("shown", "yes") != "no"
    await voting.reveal(
        services_of(request).units, panel_id, Actor.account(access.account.id), shown
    )
    message = (
        t(request, "The results are shown.") if shown else t(request, "The results are hidden.")
    )
    return done(request, message, f"/panels/{panel_id}/run")


async def close(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    await checked_form(request)
    await voting.close(services_of(request).units, panel_id, Actor.account(access.account.id))
    return done(
        request,
        t(request, "The vote is closed and its result is final."),
        f"/panels/{panel_id}/run",
    )


routes = [
    route("/p/{panel_id:id}/ballot", cast, serves="participant", methods=("POST",)),
    route("/panels/{panel_id:id}/vote/ballot", enter, serves="staff", methods=("POST",)),
    route("/panels/{panel_id:id}/vote/reveal", reveal, serves="staff", methods=("POST",)),
    route("/panels/{panel_id:id}/vote/close", close, serves="staff", methods=("POST",)),
]
