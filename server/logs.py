"""Logs: one line per request with a request id, as text or as JSON lines.

A request is logged by its route's pattern (`/i/{code}`, `/p/{panel_id}/ballot`), never
by its address, because addresses carry secrets and keys (a personal invite code, the
projector's link); forms and bodies are never logged. Every record written while a
request runs carries its request id, taken from the proxy's `X-Request-ID` when it
sends a sane one, so nginx's log and ours can be joined.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_CONVERTER = re.compile(r":\w+}")
log = logging.getLogger("borgerpanel.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    FIELDS = ("method", "route", "status", "duration_ms", "kind")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(json_lines: bool, level: str = "info") -> None:
    """Send every logger (uvicorn's too) through one handler on standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our request line replaces uvicorn's access log, which prints whole addresses.
    logging.getLogger("uvicorn.access").disabled = True
    # aiosqlite's debug lines carry the statements' parameters (what people typed), and
    # httpx's the addresses it calls.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    logging.getLogger("httpx").setLevel(max(root.level, logging.WARNING))


def route_of(scope: Scope) -> str:
    """The pattern of the route that served this request (the router notes it in the scope)."""
    route = scope.get("route")
    if route is not None:
        return _CONVERTER.sub("}", str(getattr(route, "path", "?")))
    return "(no route)"


class RequestLog:
    """Give every request an id, keep it in the context, log one line when answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.fullmatch(given) else secrets.token_hex(8)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            # A live socket sends thousands of frames and has no response headers: its
            # frames skip the wrapper.
            await self.app(scope, receive, sending if scope["type"] == "http" else send)
        finally:
            if scope["type"] == "http" and not scope["path"].startswith("/static/"):
                route = route_of(scope)
                duration = round((time.perf_counter() - started) * 1000, 1)
                log.info(
                    "%s %s %s %sms",
                    scope["method"],
                    route,
                    status,
                    duration,
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": duration,
                    },
                )
            REQUEST_ID.reset(token)
