"""Answering surveys: on the phone at the event, or at home through a personal code."""

from __future__ import annotations

from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from facilitation.errors import N_, Refused
from facilitation.recruitment.invites import format_invite_code
from server.db import rows
from server.db.models import Invite, Panel, Step
from server.i18n import refusal_text
from server.ops import joining, surveys
from server.routes.roles import route
from server.web.access import Missing, require_participant, services_of
from server.web.csrf import checked_form
from server.web.limits import CODE_GUESSES, tapped
from server.web.respond import is_htmx, language_of, page, refused, t
from server.web.throttle import check, client_of, count


def _values(form: FormData) -> dict[str, list[str]]:
    return {key: [str(v) for v in form.getlist(key)] for key in form if key != "csrf_token"}


async def _step(request: Request, panel_id: int) -> Step:
    async with services_of(request).db.reading() as session:
        step = await session.get(Step, int(request.path_params["step_id"]))
    if step is None or step.panel_id != panel_id or step.kind != "survey":
        raise Missing
    return step


def _saved(request: Request, count: int, language: str) -> Response:
    message = (
        t(request, "Saved.", language) if count else t(request, "Nothing to save yet.", language)
    )
    return HTMLResponse(f'<span class="saved">{message}</span>')


async def phone_survey(request: Request) -> Response:
    """This phone's own survey form, with what it answered so far (fetched by the step)."""
    panel_id = int(request.path_params["panel_id"])
    person = await require_participant(request, panel_id)
    step = await _step(request, panel_id)
    async with services_of(request).db.reading() as session:
        panel = await session.get(Panel, panel_id)
        assert panel is not None
        # Read as answered: the survey open now, or one the organiser opened at home.
        if panel.current_step_id != step.id and not step.settings.get("at_home"):
            raise Refused(N_("This survey is not open right now."))
        answers = await surveys.answers_of(session, step.id, rows.respondent_of(person))
    return page(
        request,
        "participant/survey.html",
        language=language_of(request, panel),
        step=step,
        items=surveys.items_of(step),
        answers=answers,
        action=f"/p/{panel_id}/survey/{step.id}",
        full_page=not is_htmx(request),
        back=f"/p/{panel_id}",
    )


async def phone_answer(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    person = await require_participant(request, panel_id)
    step = await _step(request, panel_id)
    form = await checked_form(request)
    tapped(f"p:{person.id}")
    saved = await surveys.answer(
        services_of(request).units, panel_id, step.id, _values(form), participant_id=person.id
    )
    return _saved(request, saved, language_of(request))


async def _invite(request: Request) -> tuple[str, Invite]:
    """The invite the personal link names: the code is the key, like the display link."""
    client = client_of(request)
    check(CODE_GUESSES, client)
    try:
        invite = await joining.invite_for_code(
            services_of(request).units, request.path_params["code"]
        )
    except Refused:
        count(CODE_GUESSES, client)
        raise Missing from None
    return invite.code, invite


async def invite_home(request: Request) -> Response:
    """Where the QR code on the invitation letter leads."""
    code, invite = await _invite(request)
    services = services_of(request)
    async with services.db.reading() as session:
        panel = await session.get(Panel, invite.panel_id)
        assert panel is not None
        steps = list(
            await session.scalars(
                select(Step)
                .where(Step.panel_id == panel.id, Step.kind == "survey")
                .order_by(Step.position)
            )
        )
        listed = []
        for step in steps:
            if step.settings.get("at_home"):
                answered = await surveys.answers_of(session, step.id, f"i:{invite.id}")
                listed.append((step, len(answered), len(step.settings.get("items", []))))
    return page(
        request,
        "invite/home.html",
        language=language_of(request, panel),
        panel=panel,
        invite=invite,
        code=format_invite_code(code),
        surveys=listed,
    )


async def invite_survey(request: Request) -> Response:
    code, invite = await _invite(request)
    step = await _step(request, invite.panel_id)
    if not step.settings.get("at_home"):
        raise Missing
    async with services_of(request).db.reading() as session:
        panel = await session.get(Panel, step.panel_id)
        answers = await surveys.answers_of(session, step.id, f"i:{invite.id}")
    return page(
        request,
        "participant/survey.html",
        language=language_of(request, panel),
        step=step,
        items=surveys.items_of(step),
        answers=answers,
        action=f"/i/{code}/survey/{step.id}",
        full_page=True,
        back=f"/i/{code}",
    )


async def invite_answer(request: Request) -> Response:
    code, invite = await _invite(request)
    step = await _step(request, invite.panel_id)
    form = await checked_form(request)
    tapped(f"i:{invite.id}")
    try:
        saved = await surveys.answer(
            services_of(request).units, step.panel_id, step.id, _values(form), invite_id=invite.id
        )
    except Refused as refusal:
        return refused(
            request,
            refusal_text(language_of(request), refusal),
            f"/i/{code}/survey/{step.id}",
            status=409,
        )
    if not is_htmx(request):
        request.session["flash"] = {"message": t(request, "Saved."), "ok": True}
        return RedirectResponse(f"/i/{code}", status_code=303)
    return _saved(request, saved, language_of(request))


routes = [
    route("/p/{panel_id:id}/survey/{step_id:id}", phone_survey, serves="participant"),
    route(
        "/p/{panel_id:id}/survey/{step_id:id}",
        phone_answer,
        serves="participant",
        methods=("POST",),
    ),
    route("/i/{code}", invite_home, serves="invite"),
    route("/i/{code}/survey/{step_id:id}", invite_survey, serves="invite"),
    route("/i/{code}/survey/{step_id:id}", invite_answer, serves="invite", methods=("POST",)),
]
