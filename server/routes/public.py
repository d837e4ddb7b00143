"""Open to anyone: the front page, joining with a code, language, health."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from facilitation.errors import Refused
from facilitation.panel import LANGUAGES
from server.i18n import refusal_text
from server.ops import joining
from server.routes.roles import route
from server.web.access import remember_seat, seat_of, services_of
from server.web.csrf import checked_form
from server.web.limits import CODE_GUESSES, PANEL_JOIN_PAGES, PANEL_JOINS
from server.web.redirects import local_path
from server.web.respond import language_of, page
from server.web.throttle import check, client_of, count, throttled


async def home(request: Request) -> Response:
    return page(request, "participant/home.html", code="", error=None)


async def join_link(request: Request) -> Response:
    """Where the QR code leads: one tap to join, or straight in if already seated."""
    code = request.path_params["code"]
    client = client_of(request)
    check(CODE_GUESSES, client)  # a client that guessed too much learns nothing more
    try:
        panel = await joining.panel_for_code(services_of(request).units, code)
    except Refused as refusal:
        count(CODE_GUESSES, client)
        return page(
            request,
            "participant/home.html",
            status=404,
            code=code,
            error=refusal_text(language_of(request), refusal),
        )
    if seat_of(request, panel.id) is not None:
        return RedirectResponse(f"/p/{panel.id}", status_code=303)
    count(PANEL_JOIN_PAGES, str(panel.id))
    return page(
        request,
        "participant/join.html",
        panel=panel,
        code=panel.join_code,
        language=language_of(request, panel),
    )


async def join(request: Request) -> Response:
    form = await checked_form(request)
    code = str(form.get("code", ""))[:40]
    services = services_of(request)
    # Venue Wi-Fi puts a whole town hall behind one address: a generous limit for
    # everyone, and a strict one for wrong codes (docs/security.md has the budgets).
    throttled(request, "join", limit=3000, per_seconds=60)
    client = client_of(request)
    check(CODE_GUESSES, client)
    try:
        if joining.looks_like_invite(code):
            # A personal code from an invitation letter: the same seat on any phone.
            participant = await joining.join_with_invite(services.units, code)
        else:
            panel = await joining.panel_for_code(services.units, code)
            count(PANEL_JOINS, str(panel.id))
            participant = await joining.seat(services.units, panel, seat_of(request, panel.id))
    except Refused as refusal:
        count(CODE_GUESSES, client)
        return page(
            request,
            "participant/home.html",
            status=422,
            code=code,
            error=refusal_text(language_of(request), refusal),
        )
    remember_seat(request, participant.panel_id, participant.id)
    return RedirectResponse(f"/p/{participant.panel_id}", status_code=303)


async def choose_language(request: Request) -> Response:
    form = await checked_form(request)
    language = str(form.get("language", ""))
    back = local_path(str(form.get("next", "/"))) or "/"
    response = RedirectResponse(back, status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            "lang",
            language,
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
            secure=services_of(request).settings.https,
        )
    return response


async def healthz(request: Request) -> Response:
    services = services_of(request)
    try:
        async with services.db.reading() as session:
            await session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:
        database = f"error: {type(error).__name__}"
    broker = "ok" if services.broker.healthy else "unavailable"
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": {
            "state": database,
            "backend": "sqlite" if services.db.is_sqlite else "postgresql",
        },
        "broker": {"state": broker, "backend": services.broker.name},
        "live_panels": len(services.hub.channels),
        "live_sockets": sum(len(c.sockets) for c in services.hub.channels.values()),
    }
    return JSONResponse(body, status_code=200 if database == "ok" else 503)


routes = [
    route("/", home, serves="public"),
    route("/j/{code}", join_link, serves="public"),
    route("/join", join, serves="public", methods=("POST",)),
    route("/lang", choose_language, serves="public", methods=("POST",)),
    route("/healthz", healthz, serves="public"),
]
