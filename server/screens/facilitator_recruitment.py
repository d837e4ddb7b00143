"""Representativeness for facilitators and organisers, live as invite codes join.

Facilitators see shares and gaps per category value, never anyone's row: the numbers
come from `server.ops.representation`, which reads category values only.
"""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.view import PanelView
from server.read.representation import gap_level, representation_table
from server.screens.registry import fragment


@fragment(
    "fac-representation",
    aud.FACILITATORS,
    {"tables", "recruitment"},
    "facilitator/_representation.html",
)
async def representativeness(view: PanelView, audience: str) -> dict[str, Any]:
    table = await representation_table(view.session, view.panel_id)
    groups: list[tuple[str, list[Any]]] = []
    if table is not None:
        for row in table.rows:
            if not groups or groups[-1][0] != row.feature:
                groups.append((row.feature, []))
            groups[-1][1].append(row)
    return {"table": table, "groups": groups, "gap_level": gap_level}
