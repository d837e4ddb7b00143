"""What the tablet does during deliberation: moderate, merge, run the queue, steer the wall."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from server.ops import arguments, questions, wall
from server.ops.events import Actor
from server.routes.roles import route
from server.web.access import require_staff, services_of
from server.web.csrf import checked_form
from server.web.numbers import whole_number, whole_numbers
from server.web.respond import done, t

ARGUMENT_ACTIONS = ("approve", "hide", "restore", "edit")
QUESTION_ACTIONS = (
    "approve",
    "hide",
    "restore",
    "edit",
    "answer_now",
    "put_back",
    "answered",
    "move",
)


async def moderate_argument(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    argument_id = int(request.path_params["argument_id"])
    action = request.path_params["action"]
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    actor = Actor.account(access.account.id)
    if action == "merge":
        duplicates = whole_numbers(form.getlist("duplicates"))
        await arguments.merge(services_of(request).units, panel_id, actor, argument_id, duplicates)
        return done(request, t(request, "Merged."), f"/panels/{panel_id}/run")
    if action not in ARGUMENT_ACTIONS:
        raise Refused(N_("Unknown moderation action."))
    await arguments.moderate(
        services_of(request).units,
        panel_id,
        actor,
        argument_id,
        action,
        reason=str(form.get("reason", "")),
        note=str(form.get("note", "")),
        text=str(form.get("text", "")),
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


async def run_question(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    question_id = int(request.path_params["question_id"])
    action = request.path_params["action"]
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    if action not in QUESTION_ACTIONS:
        raise Refused(N_("Unknown question action."))
    await questions.lead_action(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        question_id,
        action,
        reason=str(form.get("reason", "")),
        note=str(form.get("note", "")),
        text=str(form.get("text", "")),
        to_index=whole_number(form.get("to"), high=10_000),
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


async def steer_wall(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    await wall.set_wall(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        sort=str(form["sort"]) if "sort" in form else None,
        mode=str(form["mode"]) if "mode" in form else None,
        page=whole_number(form.get("page"), high=10_000),
    )
    return done(request, t(request, "Done."), f"/panels/{panel_id}/run")


routes = [
    route(
        "/panels/{panel_id:id}/arguments/{argument_id:id}/{action}",
        moderate_argument,
        serves="staff",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/questions/{question_id:id}/{action}",
        run_question,
        serves="staff",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/wall", steer_wall, serves="staff", methods=("POST",)),
]
