"""The draw as a background job: start it, watch it, stop it, and what an observer needs to
replay it (its inputs and every person's chance)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.db import rows
from server.db.models_recruitment import Draw
from server.ops import draws
from server.ops.events import Actor
from server.routes.recruitment import BASE, back_to, csv_download, job_context, organiser_only
from server.routes.roles import route
from server.web.access import services_of
from server.web.csrf import checked_form
from server.web.csv_safe import csv_text
from server.web.respond import done, is_htmx, language_of, page, t

# -- the draw -----------------------------------------------------------------------


async def start_draw(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    form = await checked_form(request)
    draw_id = await draws.start_draw(
        services_of(request).units,
        services_of(request).draws,
        panel_id,
        Actor.account(access.account.id),
        str(form.get("algorithm", "maximin")),
        str(form.get("seed", ""))[:40],
        form.get("test") == "on",
    )
    return done(
        request,
        t(request, "The draw has started. You may leave this page; it keeps running."),
        f"/panels/{panel_id}/recruitment/draws/{draw_id}",
    )


async def _draw(request: Request, panel_id: int) -> Draw | None:
    draw_id = int(request.path_params["draw_id"])
    async with services_of(request).db.reading() as session:
        draw = await session.get(Draw, draw_id)
    return draw if draw is not None and draw.panel_id == panel_id else None


def _no_such_draw(request: Request, panel_id: int) -> Response:
    request.session["flash"] = {"message": t(request, "There is no such draw."), "ok": False}
    return RedirectResponse(back_to(panel_id), status_code=303)


async def draw_page(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    services = services_of(request)
    await draws.mark_orphans(services.units, services.draws, panel_id)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    language = language_of(request)
    async with services.db.reading() as session:
        people = await rows.recruits_of(session, panel_id)
        rec = await rows.recruitment_of(session, panel_id)
    result = draw.result or {}
    chances = result.get("probabilities") or {}
    chosen = set(result.get("selected") or [])
    excluded = set(result.get("excluded_housemates") or [])
    unreachable = set(result.get("unreachable") or [])
    features = [feature for feature, _ in rec.targets] if rec else []
    people_rows = [
        {
            "id": person.external_id,
            "features": [person.features.get(f, "") for f in features],
            "chance": chances.get(person.external_id),
            "selected": person.external_id in chosen,
            "excluded": person.external_id in excluded,
            "unreachable": person.external_id in unreachable,
        }
        for person in people
        if person.external_id in chances or person.external_id in chosen
    ]
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    return page(
        request,
        "staff/draw.html",
        language=language,
        panel=panel,
        account=access.account,
        features=features,
        rows=people_rows,
        **job_context(language, draw),
    )


async def draw_status(request: Request) -> Response:
    """The job's card alone, for the page to poll while the draw runs."""
    panel_id, _access = await organiser_only(request)
    services = services_of(request)
    await draws.mark_orphans(services.units, services.draws, panel_id)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    language = language_of(request)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    html = services.renderer.render(
        language,
        "staff/_draw_job.html",
        panel=panel,
        csrf_token=request.session.get("csrf", ""),
        **job_context(language, draw),
    )
    headers = {"Cache-Control": "no-store"}
    if is_htmx(request) and draw.state != draws.ACTIVE:
        headers["HX-Refresh"] = "true"  # the draw ended: show the whole page as it is now
    return HTMLResponse(html, headers=headers)


async def cancel_draw(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    await checked_form(request)
    draw_id = int(request.path_params["draw_id"])
    services = services_of(request)
    await draws.cancel(
        services.units, services.draws, panel_id, Actor.account(access.account.id), draw_id
    )
    return done(
        request,
        t(request, "The draw is stopping. Nobody will be selected by it."),
        f"/panels/{panel_id}/recruitment/draws/{draw_id}",
    )


async def draw_inputs(request: Request) -> Response:
    """What the draw saw, byte for byte: its SHA-256 is the digest shown with the draw."""
    panel_id, _access = await organiser_only(request)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    async with services_of(request).db.reading() as session:
        document = await session.scalar(select(Draw.inputs).where(Draw.id == draw.id))
    return Response(
        (document or "").encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="draw-{draw.id}-inputs.json"',
            "Cache-Control": "no-store",
        },
    )


async def draw_result_csv(request: Request) -> Response:
    """Every pool member's chance and whether they were drawn (no contact columns)."""
    panel_id, _access = await organiser_only(request)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    async with services_of(request).db.reading() as session:
        people = {r.external_id: r for r in await rows.recruits_of(session, panel_id)}
        rec = await rows.recruitment_of(session, panel_id)
    features = [feature for feature, _ in rec.targets] if rec else []
    result = draw.result or {}
    chosen = set(result.get("selected") or [])
    chances = result.get("probabilities") or {}
    lines = []
    for key in sorted(set(chances) | chosen):
        person = people.get(key)
        values = [person.features.get(f, "") if person else "" for f in features]
        chance = chances.get(key)
        lines.append([key, *values, "" if chance is None else f"{chance:.6f}", int(key in chosen)])
    text = csv_text(["id", *features, "probability", "selected"], lines)
    return csv_download(text, f"draw-{draw.id}-result.csv")


routes = [
    route(BASE + "/draws", start_draw, serves="organiser", methods=("POST",)),
    route(BASE + "/draws/{draw_id:id}", draw_page, serves="organiser"),
    route(BASE + "/draws/{draw_id:id}/status", draw_status, serves="organiser"),
    route(
        BASE + "/draws/{draw_id:id}/cancel",
        cancel_draw,
        serves="organiser",
        methods=("POST",),
    ),
    route(BASE + "/draws/{draw_id:id}/inputs.json", draw_inputs, serves="organiser"),
    route(BASE + "/draws/{draw_id:id}/result.csv", draw_result_csv, serves="organiser"),
]
