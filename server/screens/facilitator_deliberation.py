"""The tablet during deliberation: the moderation queue, the question queue, table health."""

from __future__ import annotations

from typing import Any

from facilitation.deliberation.duplicates import suggest_duplicates
from facilitation.deliberation.health import activity_from, panel_health
from facilitation.deliberation.plenary import answered_record, queue
from facilitation.deliberation.statements import ordered_statements
from facilitation.deliberation.states import ArgumentState, HideReason, QuestionState
from facilitation.deliberation.visibility import argument_views, question_views
from facilitation.deliberation.wall import PER_PAGE, page_count, wall_settings
from server.db.recommendation_rows import SLATE_TOPIC
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.view import PanelView
from server.screens.registry import fragment


@fragment(
    "fac-moderation",
    aud.FACILITATORS,
    ("arguments", "statement_counts", "agenda", "panel"),
    "facilitator/_moderation.html",
)
async def moderation_queue(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    panel = await view.panel()
    step = await d.discussion()
    arguments = await d.arguments(step.id) if step else []
    shown = argument_views(arguments, audience)
    authors = {a.id: a.author_id for a in arguments} if panel.authors_visible else {}
    numbers = {p.id: p.number for p in await view.participants()} if authors else {}
    live = [a for a in arguments if a.state in (ArgumentState.PENDING, ArgumentState.APPROVED)]
    return {
        "panel": panel,
        "step": step,
        "pending": [a for a in shown if a.state is ArgumentState.PENDING],
        "approved": ordered_statements(
            [a for a in shown if a.state is ArgumentState.APPROVED],
            await d.tallies(step.id) if step else {},
            "newest",
        ),
        "hidden": [a for a in shown if a.state is ArgumentState.HIDDEN],
        "tallies": await d.tallies(step.id) if step else {},
        "duplicates": suggest_duplicates(live)[:20],
        "texts": {a.id: a.text for a in arguments},
        "authors": {a: numbers.get(p) for a, p in authors.items()},
        "labels": await d.table_labels(),
        "proposals": await d.proposal_titles(),
        "reasons": list(HideReason),
    }


@fragment(
    "fac-questions",
    aud.FACILITATORS,
    ("questions", "question_counts", "agenda", SLATE_TOPIC),
    "facilitator/_questions.html",
)
async def question_queue(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    everyone = await d.questions()
    counts = await d.upvotes()
    pending = [q for q in everyone if q.state is QuestionState.PENDING]
    return {
        "panel": await view.panel(),
        "pending": question_views(pending, audience),
        "queue": question_views(queue(everyone, counts), audience),
        "answered": question_views(answered_record(everyone), audience),
        "hidden": question_views(
            [q for q in everyone if q.state is QuestionState.HIDDEN], audience
        ),
        "counts": counts,
        "labels": await d.table_labels(),
        "reasons": list(HideReason),
        "on_slate": await d.on_slate(),
        "any": any(q.state is not QuestionState.DRAFT for q in everyone),
    }


@fragment(
    "fac-health",
    aud.FACILITATORS,
    ("arguments", "questions", "tables", "presence"),
    "facilitator/_health.html",
    volatile=True,
)
async def health(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await view.current_step()
    tables = await view.tables()
    seated = {p.id: p.table_id for p in await view.participants()}
    arguments = await d.arguments(step.id) if step and step.kind == "discussion" else []
    questions = [q for q in await d.questions()] if step and step.kind == "questions" else []
    summary = panel_health(activity_from([t.id for t in tables], seated, arguments, questions))
    return {"step": step, "health": summary, "labels": {t.id: t.label for t in tables}}


@fragment("fac-wall", aud.FACILITATORS, ("wall", "agenda", "arguments"), "facilitator/_wall.html")
async def wall_controls(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.discussion()
    approved = 0
    if step is not None:
        approved = sum(1 for a in await d.arguments(step.id) if a.state is ArgumentState.APPROVED)
    return {
        "panel": await view.panel(),
        "step": step,
        "wall": wall_settings(step.settings.get("wall") if step else None),
        "pages": page_count(approved),
        "per_page": PER_PAGE,
    }
