"""For the operator's tools: is this process ready for traffic, and its metrics.

`/healthz` (in `public`) says the process is alive; `/readyz` says a load balancer may
send it traffic: the database answers, the broker is connected and the schema is the
one this code expects (a process started before `borgerpanel db upgrade` finished, or
an old one left running after, is not ready).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.db.migrate import heads
from server.routes.roles import route
from server.web.access import services_of
from server.web.metrics import metrics_endpoint

DATABASE_TIMEOUT = 3.0


def head_revision() -> str:
    return ", ".join(sorted(heads()))


async def readyz(request: Request) -> Response:
    services = services_of(request)
    reasons = []

    async def schema() -> frozenset[str]:
        async with services.db.reading() as session:
            found = await session.scalars(text("SELECT version_num FROM alembic_version"))
            return frozenset(found)

    try:
        current = await asyncio.wait_for(schema(), DATABASE_TIMEOUT)
    except Exception as error:
        reasons.append(f"database unreachable ({type(error).__name__})")
    else:
        if current != heads():
            at = ", ".join(sorted(current)) or None
            reasons.append(
                f"migrations not current (database at {at}, code expects {head_revision()})"
            )
    if not services.broker.healthy:
        reasons.append(f"broker unavailable ({services.broker.name})")
    return JSONResponse(
        {"status": "not ready" if reasons else "ready", "reasons": reasons},
        status_code=503 if reasons else 200,
    )


routes = [
    route("/readyz", readyz, serves="public"),
    route("/metrics", metrics_endpoint, serves="public"),
]
