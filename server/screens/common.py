"""Context shared by the screens: the step on show, the timer, the join link."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

from facilitation.ballots import result_from_dict
from server.db.models import Step as StepRow
from server.live.deliberation_view import deliberation
from server.live.view import Memo, PanelView
from server.live.vote_view import votes
from server.read import survey_data
from server.screens.opinion_chart import OpinionChart, opinion_chart
from server.screens.vote_chart import chart


async def step_context(view: PanelView) -> dict[str, Any]:
    panel = await view.panel()
    steps = await view.steps()
    step = await view.current_step()
    index = await view.current_index()
    proposals = (
        await deliberation(view).step_proposals(step)
        if step is not None and step.kind == "discussion"
        else []
    )
    vote = await vote_context(view, step) if step is not None else {}
    return {
        "panel": panel,
        "step": step,
        "proposals": proposals,
        **vote,
        "step_number": (index + 1) if index is not None else None,
        "step_count": len(steps),
        # When this key changes, phones move focus to the new step (for screen readers).
        "step_key": f"{panel.status}:{step.id}:{step.revision}" if step else panel.status,
    }


async def vote_context(view: PanelView, step: StepRow) -> dict[str, Any]:
    """What a vote or results step shows: the ballot's options, or the closed votes."""
    reader = votes(view)
    if step.kind == "results":
        closed = []
        for vote_step, settings, result in await reader.closed_votes():
            labels = await reader.labels(settings)
            closed.append((vote_step, result, chart(result_from_dict(result.result), labels)))
        return {"closed_votes": closed, "opinion_charts": await opinion_charts(view, step)}
    if step.kind != "vote":
        return {}
    vote = reader.settings(step)
    if vote is None:
        return {"vote": None}
    frozen = await reader.frozen(step.id)
    revealed = bool(step.settings.get("vote_revealed")) or frozen is not None
    return {
        "vote": vote,
        "labels": await reader.labels(vote),
        "closed": frozen is not None,
        "revealed": revealed,
    }


async def opinion_charts(view: PanelView, step: StepRow) -> list[OpinionChart]:
    """The opinion questions the facilitator chose for this results step, in their order."""
    keys = step.settings.get("opinion_items") or []
    if not keys:
        return []

    async def load() -> dict[str, OpinionChart]:
        data = await survey_data.load(view.session, view.panel_id)
        return {
            item.key: opinion_chart(item, result)
            for item, result in survey_data.opinion_results(data)
        }

    charts = await view.once(Memo[dict[str, OpinionChart]]("opinion_charts"), load)
    return [charts[key] for key in keys if key in charts]


async def timer_context(view: PanelView) -> dict[str, Any]:
    timer = await view.timer()
    return {
        "timer_running": timer.running,
        "timer_paused": timer.paused,
        "timer_left": timer.seconds_left(view.now),
        "timer_ends_ms": int(timer.ends_at.timestamp() * 1000) if timer.ends_at else None,
    }


def join_url(view: PanelView, code: str) -> str:
    return f"{view.base_url}/j/{code}"


@lru_cache(maxsize=64)
def qr_svg(url: str, label: str) -> Markup:
    """The join QR as inline SVG: crisp at any size on a projector, no image request."""
    import segno  # at use: a restarted server answers phones before it draws a QR code

    qr = segno.make(url, error="m")
    return Markup(
        qr.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff", title=label)
    )
