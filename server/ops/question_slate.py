"""The fair slate of expert questions: chosen by a proportional rule, or overridden.

The candidates are the questions waiting in the queue of the open questions step, in
the order they were sent (which breaks ties). A participant approves the questions
they upvoted and those their own table sent. Each slate is a new row, so an override
keeps what the rule chose next to the facilitator's choice and reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation.slate import (
    Slate,
    SlateRule,
    Voter,
    checked_override,
    checked_reason,
    choose_slate,
    parse_rule,
)
from facilitation.deliberation.states import QuestionState
from facilitation.errors import N_, Refused
from server.db.models import Panel, Participant, QuestionRow, QuestionUpvote
from server.db.models import Step as StepRow
from server.db.models_recommendations import QuestionSlate
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.arguments import open_step
from server.ops.common import lock_panel
from server.ops.events import Actor, record
from server.services import Services

TOPIC = "slate"


async def _questions_step(session: AsyncSession, panel: Panel) -> StepRow:
    step = await open_step(session, panel)
    if step.kind != "questions":
        raise Refused(N_("Open the questions step to choose the questions for the experts."))
    return step


async def ballots(
    session: AsyncSession, panel_id: int, step_id: int
) -> tuple[list[int], list[Voter]]:
    """The candidates (queued questions, in the order sent) and every participant's approvals."""
    rows = list(
        await session.scalars(
            select(QuestionRow)
            .where(
                QuestionRow.step_id == step_id,
                QuestionRow.state == QuestionState.QUEUED.value,
            )
            .order_by(QuestionRow.sent_at, QuestionRow.id)
        )
    )
    candidates = [r.id for r in rows]
    by_table: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        by_table[r.table_id].add(r.id)
    wants: dict[int, set[int]] = defaultdict(set)
    if candidates:
        for participant_id, question_id in (
            await session.execute(
                select(QuestionUpvote.participant_id, QuestionUpvote.question_id).where(
                    QuestionUpvote.question_id.in_(candidates)
                )
            )
        ).all():
            wants[participant_id].add(question_id)
    seated = (
        await session.execute(
            select(Participant.id, Participant.table_id).where(
                Participant.panel_id == panel_id, Participant.table_id.is_not(None)
            )
        )
    ).all()
    voters = [
        Voter(int(table_id), frozenset(wants[pid] | by_table[table_id])) for pid, table_id in seated
    ]
    return candidates, voters


def _stored(slate: Slate, step_id: int, panel_id: int, actor: Actor) -> QuestionSlate:
    return QuestionSlate(
        panel_id=panel_id,
        step_id=step_id,
        rule=slate.rule.value,
        size=slate.k,
        chosen=list(slate.chosen),
        rule_chose=list(slate.chosen),
        serves={str(q): list(t) for q, t in slate.serves.items()},
        ejr={
            "holds": slate.ejr.holds,
            "size": slate.ejr.size,
            "questions": list(slate.ejr.questions),
            "tables": list(slate.ejr.tables),
        },
        voters=slate.voters,
        override_reason="",
        created_at=utcnow(),
        created_by=actor.id,
    )


async def choose(
    services: Services, panel_id: int, actor: Actor, k: str, rule: str
) -> QuestionSlate:
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        step = await _questions_step(session, panel)
        candidates, voters = await ballots(session, panel_id, step.id)
        slate = choose_slate(candidates, voters, k, parse_rule(rule))
        row = _stored(slate, step.id, panel_id, actor)
        session.add(row)
        await session.flush()
        change = await record(
            session,
            panel_id,
            actor,
            "slate.choose",
            {"slate": row.id, "rule": slate.rule.value, "k": slate.k, "chosen": list(slate.chosen)},
            topics=(TOPIC,),
            audiences=(aud.FACILITATORS,),
        )
    await services.announce(change)
    return row


async def override(
    services: Services, panel_id: int, actor: Actor, chosen: Sequence[str], reason: str
) -> QuestionSlate:
    """The facilitator's own slate, next to the rule's; the reason is recorded."""
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        step = await _questions_step(session, panel)
        latest = await latest_slate(session, step.id)
        if latest is None:
            raise Refused(N_("Let the rule choose a slate first; then change it if you must."))
        candidates, voters = await ballots(session, panel_id, step.id)
        picked = [int(c) for c in chosen if c.isdigit()]
        slate = checked_override(SlateRule(latest.rule), candidates, voters, picked, reason)
        row = _stored(slate, step.id, panel_id, actor)
        row.rule_chose = list(latest.rule_chose)
        row.override_reason = checked_reason(reason)
        session.add(row)
        await session.flush()
        change = await record(
            session,
            panel_id,
            actor,
            "slate.override",
            {"slate": row.id, "chosen": list(slate.chosen), "reason": row.override_reason},
            topics=(TOPIC,),
            audiences=(aud.FACILITATORS,),
        )
    await services.announce(change)
    return row


async def latest_slate(session: AsyncSession, step_id: int) -> QuestionSlate | None:
    row: QuestionSlate | None = await session.scalar(
        select(QuestionSlate)
        .where(QuestionSlate.step_id == step_id)
        .order_by(QuestionSlate.id.desc())
        .limit(1)
    )
    return row


def describe(row: QuestionSlate) -> dict[str, Any]:
    """The slate as the report and the export give it."""
    return {
        "rule": row.rule,
        "k": row.size,
        "chosen": list(row.chosen),
        "rule_chose": list(row.rule_chose),
        "serves": dict(row.serves),
        "ejr": dict(row.ejr),
        "voters": row.voters,
        "override_reason": row.override_reason,
    }
