"""How a route is declared: its path, its endpoint and the role it serves.

Every route says which role it serves (`serves`); `tests/web/test_access.py` walks
them all and asks each role's question of each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route, WebSocketRoute

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
