"""The answer when the database is out of reach: 503, Retry-After, words a phone can show.

A venue's network or a database host can fail mid-session. The server does not crash
and does not answer with Starlette's plain-English "Internal Server Error" (which htmx
would put on a Norwegian phone): it says the database is out of reach, that what was
sent is kept on the phone, and when to try again. Nothing was written, so the phone's
retry, with the same idempotency key, is counted once. The database calls themselves
have timeouts (`server/db/engine.py`), so a stalled connection gets this answer within
seconds instead of hanging the request.
"""

from __future__ import annotations

import logging

from sqlalchemy import exc as sa
from starlette.requests import Request
from starlette.responses import Response

from server.web.access import services_of
from server.web.respond import is_htmx, language_of, page, t

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset on the way to the database
    TimeoutError,  # connecting or a statement took longer than its timeout
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,  # no pooled connection came free in time
)
"""Exceptions that mean "the database cannot be reached", as the drivers raise them."""


async def on_unreachable(request: Request, exc: Exception) -> Response:
    log.warning("database out of reach for %s %s: %r", request.method, request.url.path, exc)
    message = t(
        request,
        "The server cannot reach its database right now. Nothing was lost: try again in a moment.",
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_htmx(request):
        html = services_of(request).renderer.render(
            language_of(request), "partials/flash.html", message=message, ok=False
        )
        return Response(html, status_code=503, headers=headers, media_type="text/html")
    response = page(request, "error.html", status=503, message=message)
    response.headers.update(headers)
    return response
