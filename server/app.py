"""The application factory: wire settings, database, broker, hub and routes together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from facilitation.errors import Refused
from server import rehearsal
from server.broker import create_broker
from server.db.engine import Database
from server.db.migrate import upgrade
from server.db.rows import NotFound
from server.i18n import keep_compiled, refusal_text
from server.live.wire import KeepRawSend
from server.logs import RequestLog
from server.render import STATIC, Renderer
from server.routes import all_routes
from server.services import Services
from server.settings import Settings
from server.web.access import Forbidden, LoginRequired, Missing
from server.web.csrf import CSRFRefused
from server.web.numbers import BadNumber
from server.web.outage import UNREACHABLE, on_unreachable
from server.web.redirects import came_from
from server.web.respond import is_htmx, language_of, page, refused, t
from server.web.static import StaticAssets
from server.web.throttle import Throttled

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Starlette:
    settings = settings or Settings.from_env()
    keep_compiled(settings.data_dir / "cache" / "locale")
    services = Services(
        settings,
        Database(settings.database_url),
        create_broker(settings.redis_url, settings.redis_namespace),
        Renderer(cache_dir=settings.data_dir / "cache" / "templates"),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if migrate:
            await upgrade(services.db)
        await services.broker.start()
        await services.hub.start()
        await services.draws.start()
        try:
            yield
        finally:
            await rehearsal.stop_all()
            await services.draws.stop()
            await services.ballots.stop()
            await services.hub.stop()
            await services.broker.stop()
            await services.db.dispose()

    app = Borgerpanel(
        routes=[*all_routes(), Mount("/static", StaticAssets(directory=STATIC), name="static")],
        middleware=[
            Middleware(RequestLog),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts)),
            # Pages and fragments compressed on the way out; static files come compressed.
            Middleware(
                GZipMiddleware,
                minimum_size=1024,
                exclude_content_types=("text/event-stream", "application/zip", "application/pdf"),
            ),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="borgerpanel",
                max_age=settings.session_max_age,
                same_site="lax",
                https_only=settings.https,
            ),
        ],
        exception_handlers={
            Refused: on_refused,
            CSRFRefused: on_csrf,
            LoginRequired: on_login_required,
            Forbidden: on_forbidden,
            Missing: on_missing,
            NotFound: on_missing,
            Throttled: on_throttled,
            404: on_missing,
            **dict.fromkeys(UNREACHABLE, on_unreachable),
            500: on_error,
        },
        lifespan=lifespan,
    )
    app.state.services = services
    return app


class Borgerpanel(Starlette):
    """Starlette, with the security headers outside everything else.

    Starlette answers an unexpected error (500) from its outermost layer, outside the
    middleware list; wrapping the whole stack puts the headers on that page too. Outside
    even those, `KeepRawSend` lets live sockets write to their connections directly.
    """

    def build_middleware_stack(self) -> ASGIApp:
        services: Services = self.state.services
        return KeepRawSend(
            SecurityHeaders(super().build_middleware_stack(), services.settings.https)
        )


class SecurityHeaders:
    """Security headers on every answer, error pages included; HSTS when served over TLS.

    A route may set its own Referrer-Policy (the display link says `no-referrer`); the
    default is added only where none is set, so a page never carries two.
    """

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
        ]
        if https:
            self.headers.append((b"strict-transport-security", HSTS.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                names = {name.lower() for name, _ in headers}
                headers += [h for h in self.headers if h[0] not in names]
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"same-origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)  # type: ignore[arg-type]


async def on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    message = refusal_text(language_of(request), exc)
    status = 422 if isinstance(exc, BadNumber) else 409
    back = came_from(request)
    if back is None and request.method != "GET" and not is_htmx(request):
        # A privacy tool stripped the Referer: going "back" to a form's address would
        # land on "Method Not Allowed", so say why here instead.
        return page(request, "error.html", status=status, message=message)
    return refused(request, message, back or request.url.path, status=status)


async def on_csrf(request: Request, exc: Exception) -> Response:
    message = t(request, "This form has expired. Reload the page and try again.")
    if is_htmx(request):
        return refused(request, message, came_from(request) or request.url.path, status=403)
    return page(request, "error.html", status=403, message=message)


async def on_login_required(request: Request, exc: Exception) -> Response:
    if request.method == "GET" and not is_htmx(request):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return refused(request, t(request, "Please log in again."), "/login", status=401)


async def on_forbidden(request: Request, exc: Exception) -> Response:
    message = t(request, "You do not have access to this page.")
    if is_htmx(request) or request.method != "GET":
        return refused(request, message, "/", status=403)
    return page(request, "error.html", status=403, message=message)


async def on_missing(request: Request, exc: Exception) -> Response:
    message = t(request, "This page does not exist.")
    if request.url.path.startswith("/static"):
        return HTMLResponse("Not found", status_code=404)
    return page(request, "error.html", status=404, message=message)


async def on_error(request: Request, exc: Exception) -> Response:
    """Something failed on our side: say so in the person's language, where they look.

    Starlette logs the exception after this answer; if even the answer cannot be drawn
    (no templates, no session), the translated sentence alone is sent."""
    message = t(request, "Something went wrong on our side. Please try again in a moment.")
    try:
        if is_htmx(request):
            return refused(request, message, request.url.path, status=500)
        return page(request, "error.html", status=500, message=message)
    except Exception:
        log.exception("the error page failed too")
        return PlainTextResponse(message, status_code=500)


async def on_throttled(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Throttled)
    message = t(
        request,
        "Too many attempts. Wait %(seconds)s seconds and try again.",
        seconds=exc.retry_after,
    )
    headers = {"Retry-After": str(exc.retry_after)}
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status_code=429, headers=headers)
    response = page(request, "error.html", status=429, message=message)
    response.headers.update(headers)
    return response
