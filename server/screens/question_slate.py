"""The tablet during the questions step: choosing a fair slate of questions for the experts."""

from __future__ import annotations

from typing import Any

from facilitation.deliberation.slate import SlateRule
from server.db.recommendation_rows import SLATE_TOPIC, latest_slate, slate_ballots
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.view import PanelView
from server.screens.registry import fragment


@fragment(
    "fac-slate",
    aud.FACILITATORS,
    (SLATE_TOPIC, "questions", "question_counts", "agenda"),
    "facilitator/_slate.html",
)
async def slate_panel(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.questions_step()
    if step is None:
        return {"step": None}
    candidates, voters = await slate_ballots(view.session, view.panel_id, step.id)
    texts = {q.id: q for q in await d.questions()}
    labels = await d.table_labels()
    slate = await latest_slate(view.session, step.id)

    def named(tables: list[int]) -> str:
        return ", ".join(labels.get(int(t), "?") for t in tables)

    return {
        "step": step,
        "candidates": [texts[c] for c in candidates if c in texts],
        "voters": len([v for v in voters if v.approved]),
        "slate": slate,
        "texts": texts,
        "labels": labels,
        "ejr_tables": named(slate.ejr.get("tables", [])) if slate else "",
        "serves": {int(q): named(t) for q, t in slate.serves.items()} if slate else {},
        "counts": await d.upvotes(),
        "rules": list(SlateRule),
    }
