"""The projector during deliberation: the argument wall and the question being answered."""

from __future__ import annotations

from collections import Counter
from typing import Any

from facilitation.deliberation.arguments import Stance
from facilitation.deliberation.plenary import queue
from facilitation.deliberation.statements import ordered_statements
from facilitation.deliberation.states import ArgumentState, QuestionState
from facilitation.deliberation.visibility import ArgumentView, argument_views, question_views
from facilitation.deliberation.wall import PER_PAGE, page_count, wall_settings
from server.db.recommendation_rows import SLATE_TOPIC
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.view import PanelView
from server.screens.registry import fragment

STANCES = (Stance.FOR, Stance.AGAINST, Stance.OTHER)


@fragment(
    "display-wall",
    aud.DISPLAY,
    ("arguments", "statement_counts", "wall", "agenda", "panel"),
    "display/_wall.html",
)
async def wall(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    step = await d.discussion()
    if step is None:
        return {"step": None}
    settings = wall_settings(step.settings.get("wall"))
    tallies = await d.tallies(step.id)
    approved = [
        a
        for a in argument_views(await d.arguments(step.id), audience)
        if a.state is ArgumentState.APPROVED
    ]
    ordered = ordered_statements(approved, tallies, str(settings["sort"]))
    pages = [ordered[i : i + PER_PAGE] for i in range(0, len(ordered), PER_PAGE)] or [[]]
    current = min(int(str(settings["page"])), len(pages) - 1)
    titles = await d.proposal_titles()
    counts = Counter((a.proposal_id, a.stance) for a in approved)
    proposals: list[int | None] = [p.id for p in await d.step_proposals(step)] or [None]
    return {
        "step": step,
        "wall": settings,
        "current": current,
        "pages": [_grouped(page, proposals) for page in pages],
        "page_count": page_count(len(ordered)),
        "total": len(ordered),
        "counts": counts,
        "proposals": proposals,
        "titles": titles,
        "stances": STANCES,
        "tallies": tallies,
        "labels": await d.table_labels(),
        "votes_on": bool(step.settings.get("statement_votes")),
    }


def _grouped(
    page: list[ArgumentView], proposals: list[int | None]
) -> list[tuple[int | None, list[tuple[Stance, list[ArgumentView]]]]]:
    """One page's arguments by proposal, then by stance, keeping the chosen order inside."""
    known = set(proposals)
    order = proposals + sorted(
        {a.proposal_id for a in page if a.proposal_id not in known},
        key=lambda p: (p is None, p or 0),
    )
    groups = []
    for proposal in order:
        mine = [a for a in page if a.proposal_id == proposal]
        if mine:
            groups.append(
                (
                    proposal,
                    [
                        (s, [a for a in mine if a.stance is s])
                        for s in STANCES
                        if any(a.stance is s for a in mine)
                    ],
                )
            )
    return groups


@fragment(
    "display-answering",
    aud.DISPLAY,
    ("questions", "question_counts", "agenda", SLATE_TOPIC),
    "display/_answering.html",
)
async def answering(view: PanelView, audience: str) -> dict[str, Any]:
    d = deliberation(view)
    everyone = await d.questions()
    counts = await d.upvotes()
    ordered = question_views(queue(everyone, counts), audience)
    now = [q for q in ordered if q.state is QuestionState.ANSWERING]
    waiting = [q for q in ordered if q.state is QuestionState.QUEUED]
    step = await view.current_step()
    show_queue = step is not None and step.kind == "questions"
    return {
        "question": now[0] if now else None,
        "next": waiting[:3] if show_queue else [],
        "waiting": len(waiting),
        "counts": counts,
        "on_slate": await d.on_slate(),
        "labels": await d.table_labels(),
    }
