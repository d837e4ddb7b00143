"""Shaping answers: full pages, htmx fragments, and the flash line that says what happened."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server.db.models import Panel
from server.i18n import negotiate, translate
from server.web.access import services_of
from server.web.csrf import csrf_token


def language_of(connection: HTTPConnection, panel: Panel | None = None) -> str:
    return negotiate(
        connection.cookies.get("lang"),
        connection.headers.get("accept-language"),
        panel.language if panel is not None else None,
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    language = language or language_of(request)
    services = services_of(request)
    html = services.renderer.render(
        language,
        template,
        request=request,
        csrf_token=csrf_token(request),
        flash=request.session.pop("flash", None),
        path=request.url.path,
        server_now_ms=int(time.time() * 1000),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def t(request: Request, message: str, language: str | None = None, **params: Any) -> str:
    text = translate(language or language_of(request), message)
    return text % params if params else text


def done(request: Request, message: str, back_to: str, *, language: str | None = None) -> Response:
    """The action worked. htmx gets the flash line; a plain form post is sent back."""
    return _flash(request, message, back_to, ok=True, status=200, language=language)


def refused(
    request: Request,
    message: str,
    back_to: str,
    *,
    status: int = 409,
    language: str | None = None,
) -> Response:
    """The action was refused and nothing changed; say why where the person is looking."""
    return _flash(request, message, back_to, ok=False, status=status, language=language)


def _flash(
    request: Request,
    message: str,
    back_to: str,
    *,
    ok: bool,
    status: int,
    language: str | None,
) -> Response:
    if is_htmx(request):
        html = services_of(request).renderer.render(
            language or language_of(request), "partials/flash.html", message=message, ok=ok
        )
        return HTMLResponse(html, status_code=status)
    request.session["flash"] = {"message": message, "ok": ok}
    return RedirectResponse(back_to, status_code=303)
