"""The tablet during a survey (who has answered) and a results step (what it shows)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from server.db import rows
from server.db.models import SurveyAnswer
from server.live import audiences as aud
from server.live.view import PanelView
from server.read import survey_data
from server.screens.registry import fragment


@fragment(
    "fac-survey",
    aud.FACILITATORS,
    ("survey_counts", "agenda", "panel", "tables"),
    "facilitator/_survey.html",
    volatile=True,
)
async def survey_panel(view: PanelView, audience: str) -> dict[str, Any]:
    step = await view.current_step()
    if step is None or step.kind not in ("survey", "results"):
        return {"step": None}
    if step.kind == "results":
        data = await survey_data.load(view.session, view.panel_id)
        choices = [(before or after) for before, after in data.opinion_pairs() if before or after]
        return {"step": step, "choices": choices, "chosen": step.settings.get("opinion_items", [])}
    counts = await view.session.execute(
        select(SurveyAnswer.respondent, func.count())
        .where(SurveyAnswer.step_id == step.id)
        .group_by(SurveyAnswer.respondent)
    )
    answered = dict(counts.all())
    items = len(step.settings.get("items", []))
    people = await view.participants()
    by_table: Counter[int | None] = Counter()
    present: Counter[int | None] = Counter()
    for person in people:
        present[person.table_id] += 1
        if rows.respondent_of(person) in answered:
            by_table[person.table_id] += 1
    at_the_event = {rows.respondent_of(p) for p in people}
    return {
        "step": step,
        "items": items,
        "started": sum(1 for p in people if rows.respondent_of(p) in answered),
        "finished": sum(1 for p in people if answered.get(rows.respondent_of(p), 0) >= items > 0),
        "joined": len(people),
        "at_home": sum(1 for r in answered if r not in at_the_event),
        "by_table": [(t.label, by_table[t.id], present[t.id]) for t in await view.tables()],
    }
