"""The recommendations step and the expert-question slate: phones, tablet and setup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from server.ops import question_slate, recommendations
from server.ops.events import Actor
from server.ops.idempotency import checked_key
from server.ops.unit import Units
from server.routes.roles import route
from server.web.access import require_participant, require_staff, services_of
from server.web.csrf import checked_form
from server.web.numbers import whole_number
from server.web.respond import done, t

P = ParamSpec("P")
R = TypeVar("R")

TABLE_ACTIONS = ("edit", "withdraw")
AMENDMENT_ACTIONS = ("open_vote", "close_vote", "decide")


@dataclass(frozen=True)
class Post:
    """One checked POST of this step: whose screen sent it, its form, where to go back."""

    request: Request
    units: Units
    panel_id: int
    form: FormData
    back: str

    def number(self, name: str) -> int:
        """A number from the path (its route pattern has made sure it is one)."""
        return int(self.request.path_params[name])

    def field(self, name: str, default: str = "") -> str:
        return str(self.form.get(name, default))

    def fields(self, *names: str) -> dict[str, str]:
        return {name: self.field(name) for name in names}

    def action(self, allowed: tuple[str, ...], value: str | None = None) -> str:
        """The action the path (or `value`) names, if it is one of `allowed`."""
        action = str(self.request.path_params["action"]) if value is None else value
        if action not in allowed:
            raise Refused(N_("Unknown action."))
        return action

    def key(self) -> str | None:
        """The idempotency key a phone sends with a write it may retry."""
        return checked_key(self.form.get("idempotency_key"))

    async def run(
        self,
        command: Callable[Concatenate[Units, int, P], Awaitable[R]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run a command of this panel's."""
        return await command(self.units, self.panel_id, *args, **kwargs)

    def done(self, message: str) -> Response:
        return done(self.request, t(self.request, message), self.back)


async def _from_phone(request: Request) -> tuple[Post, int]:
    """The participant's post and their id; their seat is checked before the form."""
    panel_id = int(request.path_params["panel_id"])
    person = await require_participant(request, panel_id)
    form = await checked_form(request)
    return Post(request, services_of(request).units, panel_id, form, f"/p/{panel_id}"), person.id


async def _from_tablet(request: Request, back: str = "run") -> tuple[Post, Actor]:
    """The facilitator's post and who they are; their access is checked before the form."""
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    form = await checked_form(request)
    post = Post(request, services_of(request).units, panel_id, form, f"/panels/{panel_id}/{back}")
    return post, Actor.account(access.account.id)


# Phones.


async def write(request: Request) -> Response:
    post, person = await _from_phone(request)
    await post.run(
        recommendations.draft,
        person,
        post.fields("title", "text", "proposal"),
        post.key(),
    )
    return post.done(N_("Saved. Your table can change it until drafting ends."))


async def table_change(request: Request) -> Response:
    post, person = await _from_phone(request)
    action = post.action(TABLE_ACTIONS)
    await post.run(
        recommendations.table_change,
        person,
        post.number("recommendation_id"),
        action,
        post.fields("title", "text"),
    )
    return post.done(N_("Saved.") if action == "edit" else N_("Withdrawn."))


async def amend(request: Request) -> Response:
    post, person = await _from_phone(request)
    await post.run(
        recommendations.propose_amendment,
        person,
        post.number("recommendation_id"),
        post.fields("text", "base_version"),
        post.key(),
    )
    return post.done(N_("Your amendment is with the plenary."))


async def amendment_vote(request: Request) -> Response:
    post, person = await _from_phone(request)
    await post.run(
        recommendations.amendment_vote, person, post.number("amendment_id"), post.field("choice")
    )
    return post.done(N_("Your answer is counted. You can change it."))


async def give_support(request: Request) -> Response:
    post, person = await _from_phone(request)
    await post.run(
        recommendations.give_support, person, post.number("recommendation_id"), post.field("level")
    )
    return post.done(
        N_("Your level of support is counted. You can change it until the round closes.")
    )


async def minority(request: Request) -> Response:
    post, person = await _from_phone(request)
    await post.run(
        recommendations.write_statement,
        person,
        post.number("recommendation_id"),
        post.field("text"),
        signed=post.field("signed") == "yes",
    )
    return post.done(N_("Your minority statement is saved."))


# The tablet.


async def phase(request: Request) -> Response:
    post, actor = await _from_tablet(request)
    await post.run(recommendations.advance_phase, actor)
    return post.done(N_("The next phase has begun."))


async def merge(request: Request) -> Response:
    post, actor = await _from_tablet(request)
    target, other = whole_number(post.form.get("target")), whole_number(post.form.get("other"))
    if target is None or other is None:
        raise Refused(N_("Choose two different recommendations to merge."))
    await post.run(recommendations.merge, actor, target, other, post.fields("title", "text"))
    return post.done(N_("Merged. Both tables are named as its source."))


async def decide_amendment(request: Request) -> Response:
    post, actor = await _from_tablet(request)
    action = post.action(AMENDMENT_ACTIONS)
    if action == "decide":
        action = post.action(("accept", "reject"), post.field("decision"))
    state = await post.run(
        recommendations.amendment_action,
        actor,
        post.number("amendment_id"),
        action,
        reason=post.field("reason"),
    )
    return post.done(
        {
            "voting": N_("The vote on the amendment is open."),
            "accepted": N_("The amendment is accepted; the text is changed."),
            "rejected": N_("The amendment is rejected; the text stays."),
        }.get(state.value, N_("Saved."))
    )


async def setup(request: Request) -> Response:
    post, actor = await _from_tablet(request, back="setup")
    await post.run(
        recommendations.setup,
        actor,
        post.number("step_id"),
        post.fields(
            "support_scale", "adoption_rule", "minority_signing", "recommendations_per_table"
        ),
    )
    return post.done(N_("The settings are saved."))


async def choose_slate(request: Request) -> Response:
    post, actor = await _from_tablet(request)
    await post.run(
        question_slate.choose, actor, post.field("k"), post.field("rule", "equal_shares")
    )
    return post.done(N_("The slate is chosen."))


async def override_slate(request: Request) -> Response:
    post, actor = await _from_tablet(request)
    await post.run(
        question_slate.override,
        actor,
        [str(v) for v in post.form.getlist("chosen")],
        post.field("reason"),
    )
    return post.done(N_("Your slate is used, with your reason recorded."))


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
