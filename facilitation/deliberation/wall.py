"""The argument wall on the projector: its order, paging or rotating, and which page.

The facilitator's settings are kept with the discussion step; the tablet and the
projector read them with `wall_settings`, and a change goes through `changed_wall`.
"""

from __future__ import annotations

from collections.abc import Mapping

from facilitation.deliberation.statements import parse_order
from facilitation.errors import N_, Refused

MODES = ("paging", "rotating")
PER_PAGE = 12
"""Arguments on one page of the wall: legible from the back of the room."""
DEFAULT_WALL: dict[str, object] = {"sort": "newest", "mode": "paging", "page": 0}


def page_count(items: int) -> int:
    return max(1, -(-items // PER_PAGE))


def wall_settings(stored: Mapping[str, object] | None) -> dict[str, object]:
    """The wall as set on the step, the defaults for what was never set."""
    return {**DEFAULT_WALL, **(stored or {})}


def changed_wall(
    current: Mapping[str, object],
    *,
    sort: str | None = None,
    mode: str | None = None,
    page: int | None = None,
) -> dict[str, object]:
    """The wall after the facilitator's change; an unknown order or mode is refused."""
    wall = dict(current)
    if sort is not None:
        wall["sort"] = parse_order(sort).value
    if mode is not None:
        if mode not in MODES:
            raise Refused(N_("Choose paging or rotating."))
        wall["mode"] = mode
    if page is not None:
        wall["page"] = max(0, page)
    return wall
