"""The organiser's proposals, moderation settings and the settings of discussion steps."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.ops import panels, proposals
from server.ops import steps as agenda_steps
from server.routes.organiser import organiser_form
from server.routes.roles import route
from server.web.access import services_of
from server.web.respond import done, t


def _back(panel_id: int) -> str:
    return f"/panels/{panel_id}"


async def add_proposal(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await proposals.add(
        services_of(request).units,
        panel_id,
        actor,
        str(form.get("title", "")),
        str(form.get("description", "")),
    )
    return done(request, t(request, "Proposal added."), _back(panel_id))


async def edit_proposal(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await proposals.edit(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["proposal_id"]),
        str(form.get("title", "")),
        str(form.get("description", "")),
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def delete_proposal(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await proposals.delete(
        services_of(request).units, panel_id, actor, int(request.path_params["proposal_id"])
    )
    return done(request, t(request, "Proposal deleted."), _back(panel_id))


async def panel_settings(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await panels.update_settings(
        services_of(request).units,
        panel_id,
        actor,
        str(form.get("moderation", "")),
        form.get("authors_visible") == "on",
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def step_settings(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    values = {key: str(value) for key, value in form.items() if key != "proposals"}
    await agenda_steps.edit_step_settings(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        [str(v) for v in form.getlist("proposals")],
        values,
    )
    return done(request, t(request, "Saved."), _back(panel_id))


routes = [
    route("/panels/{panel_id:id}/proposals", add_proposal, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/proposals/{proposal_id:id}",
        edit_proposal,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/proposals/{proposal_id:id}/delete",
        delete_proposal,
        serves="organiser",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/settings", panel_settings, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/settings",
        step_settings,
        serves="organiser",
        methods=("POST",),
    ),
]
