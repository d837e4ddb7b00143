"""The tablet during a vote: turnout per table, the running tally, reveal and close."""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.view import PanelView
from server.live.vote_view import votes
from server.screens.registry import fragment
from server.screens.vote_chart import chart


@fragment(
    "fac-vote",
    aud.FACILITATORS,
    ("tally", "vote", "agenda", "tables", "panel"),
    "facilitator/_vote.html",
    volatile=True,
)
async def vote_panel(view: PanelView, audience: str) -> dict[str, Any]:
    reader = votes(view)
    step = await reader.step()
    vote = reader.settings(step) if step is not None else None
    if step is None or vote is None:
        return {"step": step, "vote": None}
    labels = await reader.labels(vote)
    frozen = await reader.frozen(step.id)
    return {
        "step": step,
        "vote": vote,
        "labels": labels,
        "chart": chart(await reader.tally(step, vote), labels),
        "turnout": await reader.turnout(step, vote),
        "tables": {t.id: t.label for t in await view.tables()},
        "revealed": bool(step.settings.get("vote_revealed")),
        "closed": frozen,
    }
