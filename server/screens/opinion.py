"""Opinion groups on the tablet, the projector and (if the panel allows) the phone.

Every screen reads the process's latest groups (`server.live.opinion`); none starts a
computation of its own beyond asking for the first one. What may be shown is decided
by `facilitation.opinion.privacy`: groups under the panel's minimum are never shown on
their own, and the phone sees only its own group, only if the panel allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from facilitation.opinion.groups import OpinionGroups, TooFewVotes
from facilitation.opinion.privacy import (
    TableGroups,
    shown_groups,
    table_groups,
    table_statements,
)
from facilitation.opinion.statistics import GroupVotes, Representative
from server.db.rows import opinion_settings
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.opinion import Latest
from server.live.view import PanelView
from server.screens.opinion_map import opinion_map
from server.screens.registry import fragment

TOPICS = ("opinion", "opinion_settings", "agenda", "panel")
TOP = 5
TABLE_TOP = 3


@dataclass(frozen=True)
class StatementLine:
    statement: int
    text: str
    score: float
    shares: list[tuple[str, int | None]]
    """Per shown group: the share agreeing, in per cent of those who voted on it."""


def _share(votes: GroupVotes) -> int | None:
    return round(100 * votes.agree / votes.seen) if votes.seen else None


def _lines(
    result: OpinionGroups,
    latest: Latest,
    ids: list[int],
    scores: dict[int, float],
    shown: list[str],
) -> list[StatementLine]:
    return [
        StatementLine(
            s,
            latest.texts[s],
            scores[s],
            [(g, _share(result.votes[g][s])) for g in shown],
        )
        for s in ids
        if s in latest.texts
    ]


async def opinion_context(view: PanelView) -> dict[str, Any]:
    """What every opinion screen starts from: the step, its settings, the groups."""
    step = await deliberation(view).discussion()
    if step is None or not step.settings.get("statement_votes"):
        return {"step": None}
    settings = opinion_settings(step)
    latest = view.opinion.latest(view.panel_id, step.id) if view.opinion else None
    context: dict[str, Any] = {"step": step, "settings": settings, "latest": latest}
    if latest is None or isinstance(latest.result, TooFewVotes):
        context["too_few"] = latest.result if latest else None
        return context
    result = latest.result
    minimum = int(str(settings["min_group"]))
    shown = shown_groups(result, minimum)
    ranked_consensus = result.most_consensual(len(result.consensus))
    divisive = result.most_divisive(len(result.divisiveness))
    context.update(
        result=result,
        shown=shown,
        hidden_people=sum(n for g, n in result.sizes.items() if g not in shown),
        unclustered=sum(1 for p in result.points if p.group is None),
        consensus=_lines(result, latest, ranked_consensus, result.consensus, shown)[:TOP],
        divisive=(
            _lines(result, latest, divisive, result.divisiveness, shown)[:TOP]
            if len(shown) >= 2
            else []
        ),
    )
    return context


@dataclass(frozen=True)
class TableView:
    """One table on the tablet: its counts per group, what unites and divides it."""

    label: str
    counts: TableGroups
    groups: tuple[str, ...]
    unites: list[StatementLine]
    divides: list[StatementLine]


def _table_view(result: OpinionGroups, latest: Latest, label: str, row: TableGroups) -> TableView:
    seen = table_statements(result, row, TABLE_TOP)
    groups = list(seen.groups)
    return TableView(
        label,
        row,
        seen.groups,
        _lines(result, latest, list(seen.unites), result.consensus, groups),
        _lines(result, latest, list(seen.divides), result.divisiveness, groups),
    )


@fragment("fac-opinion", aud.FACILITATORS, TOPICS, "facilitator/_opinion.html", volatile=True)
async def facilitator_opinion(view: PanelView, audience: str) -> dict[str, Any]:
    context = await opinion_context(view)
    result = context.get("result")
    if isinstance(result, OpinionGroups):
        minimum = int(str(context["settings"]["min_group"]))
        seating = {p.id: p.table_id for p in await view.participants()}
        tables = [
            _table_view(
                result, context["latest"], t.label, table_groups(result, seating, t.id, minimum)
            )
            for t in await view.tables()
        ]
        represent: dict[str, list[tuple[Representative, str]]] = {
            g: [
                (r, context["latest"].texts[r.statement])
                for r in reps[:3]
                if r.statement in context["latest"].texts
            ]
            for g, reps in result.representative.items()
            if g in context["shown"]
        }
        context.update(tables=tables, represent=represent)
    return context


@fragment("display-opinion", aud.DISPLAY, TOPICS, "display/_opinion.html", volatile=True)
async def display_opinion(view: PanelView, audience: str) -> dict[str, Any]:
    context = await opinion_context(view)
    if context["step"] is None or not context["settings"]["show"]:
        return {"step": None}
    result = context.get("result")
    if isinstance(result, OpinionGroups):
        context["map"] = opinion_map(result, context["shown"])
        context["consensus"] = context["consensus"][:3]
        context["divisive"] = context["divisive"][:3]
    return context


@fragment("phone-opinion", "participant", TOPICS, "participant/_opinion.html", volatile=True)
async def phone_opinion(view: PanelView, audience: str) -> dict[str, Any]:
    step = await deliberation(view).discussion()
    if step is None or not opinion_settings(step)["phones"]:
        return {"group": None}
    context = await opinion_context(view)
    result = context.get("result")
    if not isinstance(result, OpinionGroups):
        return {"group": None}
    mine = result.groups.get(aud.ident(audience))
    if mine is None or mine not in context["shown"]:
        return {"group": None}
    return {
        "group": mine,
        "size": result.sizes[mine],
        "represent": [
            (r, context["latest"].texts[r.statement])
            for r in result.representative.get(mine, [])[:3]
            if r.statement in context["latest"].texts
        ],
    }
