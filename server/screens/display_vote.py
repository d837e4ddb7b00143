"""The projector during a vote: turnout live, results live or once revealed."""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.view import PanelView
from server.live.vote_view import votes
from server.screens.registry import fragment
from server.screens.vote_chart import chart


@fragment(
    "display-vote", aud.DISPLAY, ("tally", "vote", "agenda"), "display/_vote.html", volatile=True
)
async def vote_display(view: PanelView, audience: str) -> dict[str, Any]:
    reader = votes(view)
    step = await reader.step()
    vote = reader.settings(step) if step is not None else None
    if step is None or vote is None:
        return {"vote": None}
    frozen = await reader.frozen(step.id)
    shown = vote.results == "live" or bool(step.settings.get("vote_revealed")) or frozen
    turnout = await reader.turnout(step, vote)
    return {
        "vote": vote,
        "turnout": turnout,
        "closed": frozen is not None,
        "chart": chart(await reader.tally(step, vote), await reader.labels(vote))
        if shown
        else None,
    }
