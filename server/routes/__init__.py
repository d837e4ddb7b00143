"""Routes, one module per screen. Every route says which role it serves (`serves`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute, Route, WebSocketRoute

import server.web.numbers  # noqa: F401  (registers `{name:id}` before any route is made)

ROLES = ("public", "participant", "staff", "organiser", "display", "invite")
"""`display` and `invite` serve whoever holds the secret link (the projector's link, a
personal invite code): the link itself is the key."""


def route(
    path: str,
    endpoint: Callable[..., Any],
    *,
    serves: str,
    methods: tuple[str, ...] = ("GET",),
    max_body_size: int | None = 256 * 1024,
) -> Route:
    assert serves in ROLES
    made = Route(path, endpoint, methods=list(methods), max_body_size=max_body_size)
    made.serves = serves  # type: ignore[attr-defined]
    return made


def socket(path: str, endpoint: Callable[..., Any], *, serves: str) -> WebSocketRoute:
    assert serves in ROLES
    made = WebSocketRoute(path, endpoint)
    made.serves = serves  # type: ignore[attr-defined]
    return made


def all_routes() -> list[BaseRoute]:
    from server.routes import (
        accounts,
        auth,
        display,
        draws,
        facilitator,
        facilitator_deliberation,
        organiser,
        participant,
        participant_deliberation,
        proposals,
        public,
        recruitment,
        recruits,
        report,
        results,
        seating,
        survey_setup,
        surveys,
        voting,
    )

    return [
        *public.routes,
        *auth.routes,
        *accounts.routes,
        *participant.routes,
        *participant_deliberation.routes,
        *facilitator.routes,
        *facilitator_deliberation.routes,
        *organiser.routes,
        *proposals.routes,
        *voting.routes,
        *report.routes,
        *surveys.routes,
        *survey_setup.routes,
        *results.routes,
        *recruitment.routes,
        *draws.routes,
        *recruits.routes,
        *seating.routes,
        *display.routes,
    ]
