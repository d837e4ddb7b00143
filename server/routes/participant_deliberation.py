"""What phones send during deliberation: arguments, statement votes, questions, support."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from server.ops import arguments, questions
from server.ops.idempotency import checked_key
from server.routes.roles import route
from server.web.access import require_participant, services_of
from server.web.csrf import checked_form
from server.web.limits import tapped
from server.web.respond import done, t

QUESTION_ACTIONS = ("edit", "withdraw", "send")


def _ids(request: Request, *names: str) -> list[int]:
    return [int(request.path_params[name]) for name in names]


async def send_argument(request: Request) -> Response:
    (panel_id,) = _ids(request, "panel_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    fields = {name: str(form.get(name, "")) for name in ("proposal", "stance", "text")}
    result = await arguments.submit(
        services_of(request).units,
        panel_id,
        person.id,
        fields,
        checked_key(form.get("idempotency_key")),
    )
    message = (
        t(request, "Sent. It appears on the wall when a facilitator approves it.")
        if result["state"] == "pending"
        else t(request, "Sent.")
    )
    return done(request, message, f"/p/{panel_id}")


async def change_argument(request: Request) -> Response:
    panel_id, argument_id = _ids(request, "panel_id", "argument_id")
    action = request.path_params["action"]
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    if action not in ("edit", "withdraw"):
        raise Refused(N_("Unknown action."))
    await arguments.author_change(
        services_of(request).units,
        panel_id,
        person.id,
        argument_id,
        action,
        str(form.get("text", "")),
    )
    message = t(request, "Saved.") if action == "edit" else t(request, "Withdrawn.")
    return done(request, message, f"/p/{panel_id}")


async def vote_on_statement(request: Request) -> Response:
    panel_id, argument_id = _ids(request, "panel_id", "argument_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    tapped(f"p:{person.id}")
    await arguments.statement_vote(
        services_of(request).units, panel_id, person.id, argument_id, str(form.get("choice", ""))
    )
    return done(request, t(request, "Your vote is counted. You can change it."), f"/p/{panel_id}")


async def write_question(request: Request) -> Response:
    (panel_id,) = _ids(request, "panel_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await questions.draft(
        services_of(request).units,
        panel_id,
        person.id,
        str(form.get("text", "")),
        checked_key(form.get("idempotency_key")),
    )
    return done(
        request, t(request, "Saved as a draft. Send it when your table agrees."), f"/p/{panel_id}"
    )


async def change_question(request: Request) -> Response:
    panel_id, question_id = _ids(request, "panel_id", "question_id")
    action = request.path_params["action"]
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    if action not in QUESTION_ACTIONS:
        raise Refused(N_("Unknown action."))
    await questions.table_action(
        services_of(request).units,
        panel_id,
        person.id,
        question_id,
        action,
        str(form.get("text", "")),
    )
    messages = {
        "edit": t(request, "Saved."),
        "withdraw": t(request, "Withdrawn."),
        "send": t(request, "Sent to the expert panel."),
    }
    return done(request, messages[action], f"/p/{panel_id}")


async def support_question(request: Request) -> Response:
    panel_id, question_id = _ids(request, "panel_id", "question_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    on = form.get("upvote", "on") != "off"
    tapped(f"p:{person.id}")
    await questions.upvote(services_of(request).units, panel_id, person.id, question_id, on)
    message = t(request, "Thank you for your support.") if on else t(request, "Support removed.")
    return done(request, message, f"/p/{panel_id}")


routes = [
    route("/p/{panel_id:id}/arguments", send_argument, serves="participant", methods=("POST",)),
    route(
        "/p/{panel_id:id}/arguments/{argument_id:id}/{action}",
        change_argument,
        serves="participant",
        methods=("POST",),
    ),
    route(
        "/p/{panel_id:id}/statements/{argument_id:id}",
        vote_on_statement,
        serves="participant",
        methods=("POST",),
    ),
    route("/p/{panel_id:id}/questions", write_question, serves="participant", methods=("POST",)),
    route(
        "/p/{panel_id:id}/questions/{question_id:id}/upvote",
        support_question,
        serves="participant",
        methods=("POST",),
    ),
    route(
        "/p/{panel_id:id}/questions/{question_id:id}/{action}",
        change_question,
        serves="participant",
        methods=("POST",),
    ),
]
