"""The phone's service worker: it keeps the participant's page and its static files, so
a phone that reloads while the venue's network is down still shows its page and the
writes it kept (static/phone-worker.js says what it caches and what never)."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from starlette.requests import Request
from starlette.responses import Response

from server.render import STATIC, static_url
from server.routes.roles import route

PHONE_ASSETS = (
    "app.css",
    "favicon.svg",
    "vendor/htmx-4.0.1/htmx.min.js",
    "vendor/htmx-4.0.1/hx-ws.min.js",
    "live.js",
)


@cache
def worker_script() -> str:
    """The worker with the digest-stamped URLs of the phone's static files in front; a new
    deploy gives a new script, so phones install it and drop the old files."""
    assets = [static_url(path) for path in PHONE_ASSETS]
    source = (STATIC / "phone-worker.js").read_text()
    version = hashlib.sha256((json.dumps(assets) + source).encode()).hexdigest()[:12]
    return f"var ASSETS = {json.dumps(assets)};\nvar VERSION = {json.dumps(version)};\n{source}"


async def service_worker(request: Request) -> Response:
    return Response(
        worker_script(),
        media_type="text/javascript",
        # Browsers check for a new worker on every visit; no-cache makes them ask us.
        headers={"Cache-Control": "no-cache"},
    )


routes = [route("/p/sw.js", service_worker, serves="public")]
