"""The recommendations step and the expert-question slate: phones, tablet and setup."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from server.ops import question_slate, recommendations
from server.ops.events import Actor
from server.ops.idempotency import checked_key
from server.routes.roles import route
from server.web.access import require_participant, require_staff, services_of
from server.web.csrf import checked_form
from server.web.numbers import whole_number
from server.web.respond import done, t

TABLE_ACTIONS = ("edit", "withdraw")
AMENDMENT_ACTIONS = ("open_vote", "close_vote", "decide")


def _id(request: Request, name: str) -> int:
    return int(request.path_params[name])


def _fields(form: object, *names: str) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in names}  # type: ignore[attr-defined]


# Phones.


async def write(request: Request) -> Response:
    panel_id = _id(request, "panel_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await recommendations.draft(
        services_of(request).units,
        panel_id,
        person.id,
        _fields(form, "title", "text", "proposal"),
        checked_key(form.get("idempotency_key")),
    )
    return done(
        request,
        t(request, "Saved. Your table can change it until drafting ends."),
        f"/p/{panel_id}",
    )


async def table_change(request: Request) -> Response:
    panel_id, recommendation_id = _id(request, "panel_id"), _id(request, "recommendation_id")
    action = request.path_params["action"]
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    if action not in TABLE_ACTIONS:
        raise Refused(N_("Unknown action."))
    await recommendations.table_change(
        services_of(request).units,
        panel_id,
        person.id,
        recommendation_id,
        action,
        _fields(form, "title", "text"),
    )
    message = t(request, "Saved.") if action == "edit" else t(request, "Withdrawn.")
    return done(request, message, f"/p/{panel_id}")


async def amend(request: Request) -> Response:
    panel_id, recommendation_id = _id(request, "panel_id"), _id(request, "recommendation_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await recommendations.propose_amendment(
        services_of(request).units,
        panel_id,
        person.id,
        recommendation_id,
        _fields(form, "text", "base_version"),
        checked_key(form.get("idempotency_key")),
    )
    return done(request, t(request, "Your amendment is with the plenary."), f"/p/{panel_id}")


async def amendment_vote(request: Request) -> Response:
    panel_id, amendment_id = _id(request, "panel_id"), _id(request, "amendment_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await recommendations.amendment_vote(
        services_of(request).units, panel_id, person.id, amendment_id, str(form.get("choice", ""))
    )
    return done(request, t(request, "Your answer is counted. You can change it."), f"/p/{panel_id}")


async def give_support(request: Request) -> Response:
    panel_id, recommendation_id = _id(request, "panel_id"), _id(request, "recommendation_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await recommendations.give_support(
        services_of(request).units,
        panel_id,
        person.id,
        recommendation_id,
        str(form.get("level", "")),
    )
    return done(
        request,
        t(request, "Your level of support is counted. You can change it until the round closes."),
        f"/p/{panel_id}",
    )


async def minority(request: Request) -> Response:
    panel_id, recommendation_id = _id(request, "panel_id"), _id(request, "recommendation_id")
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    await recommendations.write_statement(
        services_of(request).units,
        panel_id,
        person.id,
        recommendation_id,
        str(form.get("text", "")),
        signed=form.get("signed") == "yes",
    )
    return done(request, t(request, "Your minority statement is saved."), f"/p/{panel_id}")


# The tablet.


async def phase(request: Request) -> Response:
    panel_id = _id(request, "panel_id")
    access = await require_staff(request, panel_id)
    await checked_form(request)
    await recommendations.advance_phase(
        services_of(request).units, panel_id, Actor.account(access.account.id)
    )
    return done(request, t(request, "The next phase has begun."), f"/panels/{panel_id}/run")


async def merge(request: Request) -> Response:
    panel_id = _id(request, "panel_id")
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    target, other = whole_number(form.get("target")), whole_number(form.get("other"))
    if target is None or other is None:
        raise Refused(N_("Choose two different recommendations to merge."))
    await recommendations.merge(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        target,
        other,
        _fields(form, "title", "text"),
    )
    return done(
        request,
        t(request, "Merged. Both tables are named as its source."),
        f"/panels/{panel_id}/run",
    )


async def decide_amendment(request: Request) -> Response:
    panel_id, amendment_id = _id(request, "panel_id"), _id(request, "amendment_id")
    action = request.path_params["action"]
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    if action not in AMENDMENT_ACTIONS:
        raise Refused(N_("Unknown action."))
    if action == "decide":
        decision = str(form.get("decision", ""))
        if decision not in ("accept", "reject"):
            raise Refused(N_("Unknown action."))
        action = decision
    state = await recommendations.amendment_action(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        amendment_id,
        action,
        reason=str(form.get("reason", "")),
    )
    message = {
        "voting": t(request, "The vote on the amendment is open."),
        "accepted": t(request, "The amendment is accepted; the text is changed."),
        "rejected": t(request, "The amendment is rejected; the text stays."),
    }.get(state.value, t(request, "Saved."))
    return done(request, message, f"/panels/{panel_id}/run")


async def setup(request: Request) -> Response:
    panel_id, step_id = _id(request, "panel_id"), _id(request, "step_id")
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    await recommendations.setup(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        step_id,
        _fields(
            form,
            "support_scale",
            "adoption_rule",
            "minority_signing",
            "recommendations_per_table",
        ),
    )
    return done(request, t(request, "The settings are saved."), f"/panels/{panel_id}/setup")


async def choose_slate(request: Request) -> Response:
    panel_id = _id(request, "panel_id")
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    await question_slate.choose(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        str(form.get("k", "")),
        str(form.get("rule", "equal_shares")),
    )
    return done(request, t(request, "The slate is chosen."), f"/panels/{panel_id}/run")


async def override_slate(request: Request) -> Response:
    panel_id = _id(request, "panel_id")
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    await question_slate.override(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        [str(v) for v in form.getlist("chosen")],
        str(form.get("reason", "")),
    )
    return done(
        request,
        t(request, "Your slate is used, with your reason recorded."),
        f"/panels/{panel_id}/run",
    )


routes = [
    route("/p/{panel_id:id}/recommendations", write, serves="participant", methods=("POST",)),
    route(
        "/p/{panel_id:id}/recommendations/{recommendation_id:id}/amend",
        amend,
        serves="participant",
        methods=("POST",),
    ),
    route(
        "/p/{panel_id:id}/recommendations/{recommendation_id:id}/support",
        give_support,
        serves="participant",
        methods=("POST",),
    ),
    route(
        "/p/{panel_id:id}/recommendations/{recommendation_id:id}/minority",
        minority,
        serves="participant",
        methods=("POST",),
    ),
    route(
        "/p/{panel_id:id}/amendments/{amendment_id:id}/vote",
        amendment_vote,
        serves="participant",
        methods=("POST",),
    ),
    # After the specific actions above: this one matches any last segment.
    route(
        "/p/{panel_id:id}/recommendations/{recommendation_id:id}/{action:str}",
        table_change,
        serves="participant",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/recommendations/phase", phase, serves="staff", methods=("POST",)),
    route("/panels/{panel_id:id}/recommendations/merge", merge, serves="staff", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/amendments/{amendment_id:id}/{action:str}",
        decide_amendment,
        serves="staff",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/recommendation-settings",
        setup,
        serves="staff",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/slate", choose_slate, serves="staff", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/slate/override", override_slate, serves="staff", methods=("POST",)
    ),
]
