"""The tablet's controls for opinion groups."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.ops import opinion
from server.ops.events import Actor
from server.routes.roles import route
from server.web.access import require_staff, services_of
from server.web.csrf import checked_form
from server.web.respond import done, t


def _flag(value: object) -> bool | None:
    return None if value is None else str(value) == "1"


async def steer_opinion(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    minimum = form.get("min_group")
    await opinion.set_opinion(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        show=_flag(form.get("show")),
        phones=_flag(form.get("phones")),
        min_group=str(minimum) if minimum is not None else None,
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


routes = [
    route("/panels/{panel_id:id}/opinion", steer_opinion, serves="staff", methods=("POST",)),
]
