"""The facilitator chooses what a results step shows on the phones and the projector."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.ops import surveys
from server.ops.events import Actor
from server.routes.roles import route
from server.web.access import require_staff, services_of
from server.web.csrf import checked_form
from server.web.respond import done, t


async def choose_opinion_items(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    await surveys.show_results(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        int(request.path_params["step_id"]),
        [str(key) for key in form.getlist("items")],
    )
    return done(request, t(request, "Shown on the screens."), f"/panels/{panel_id}/run")


routes = [
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/results",
        choose_opinion_items,
        serves="staff",
        methods=("POST",),
    ),
]
