"""The council's answer: recorded by the organiser, exported, and shown on a public page.

- `GET /panels/{id}/council` (organiser): each adopted recommendation, its answers, a form;
- `POST /panels/{id}/council/{recommendation}` (organiser): a new answer (or an update);
- `GET /panels/{id}/council.csv` and `.json` (organiser): the answers, with their history;
- `GET /follow/{token}` (public, no login): the panel's follow-up page, nothing personal.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.ops import council
from server.ops.events import Actor
from server.ops.follow_up import follow_up_address
from server.read.recommendations import follow_up, recommendation_steps
from server.reporting.council import answers_csv, answers_json
from server.routes.roles import route
from server.web.access import Missing, require_staff, services_of
from server.web.csrf import checked_form
from server.web.respond import done, page, t


async def council_page(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id, organiser=True)
    services = services_of(request)
    token = await follow_up_address(services.units, panel_id)
    async with services.db.reading() as session:
        steps = await recommendation_steps(session, panel_id)
    return page(
        request,
        "staff/council.html",
        account=access.account,
        panel=access.panel,
        steps=steps,
        follow_up_url=f"{services.base_url(request)}/follow/{token}",
    )


async def record_answer(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    recommendation_id = int(request.path_params["recommendation_id"])
    access = await require_staff(request, panel_id, organiser=True)
    form = await checked_form(request)
    await council.answer(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        recommendation_id,
        {k: str(form.get(k, "")) for k in ("status", "reason", "decided_on", "link")},
    )
    return done(
        request, t(request, "The council's answer is recorded."), f"/panels/{panel_id}/council"
    )


async def export_answers(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    kind = request.path_params["kind"]
    await require_staff(request, panel_id, organiser=True)
    async with services_of(request).db.reading() as session:
        steps = await recommendation_steps(session, panel_id)
    if kind == "csv":
        return Response(
            answers_csv(steps),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="council-{panel_id}.csv"'},
        )
    if kind == "json":
        return Response(
            answers_json(steps),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="council-{panel_id}.json"'},
        )
    raise Missing


async def follow_up_page(request: Request) -> Response:
    token = request.path_params["follow_token"]
    if len(token) > 64:
        raise Missing
    async with services_of(request).db.reading() as session:
        found = await follow_up(session, token)
    if found is None:
        raise Missing
    return page(request, "public/follow_up.html", panel=found.panel, steps=found.steps)


routes = [
    route("/panels/{panel_id:id}/council", council_page, serves="organiser"),
    route(
        "/panels/{panel_id:id}/council/{recommendation_id:id}",
        record_answer,
        serves="organiser",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/council.{kind:str}", export_answers, serves="organiser"),
    route("/follow/{follow_token:str}", follow_up_page, serves="public"),
]
