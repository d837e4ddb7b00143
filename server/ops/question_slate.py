"""The fair slate of expert questions: chosen by a proportional rule, or overridden.

The candidates are the questions waiting in the queue of the open questions step, in
the order they were sent (which breaks ties). A participant approves the questions
they upvoted and those their own table sent. Each slate is a new row, so an override
keeps what the rule chose next to the facilitator's choice and reason. Whichever slate
is used goes to the top of the queue the experts work through, in its order.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation.plenary import slate_first
from facilitation.deliberation.slate import (
    Slate,
    SlateRule,
    checked_override,
    checked_reason,
    choose_slate,
    parse_rule,
)
from facilitation.errors import N_, Refused
from server.db.models import Panel
from server.db.models import Step as StepRow
from server.db.models_recommendations import QuestionSlate
from server.db.recommendation_rows import SLATE_TOPIC, latest_slate, slate_ballots
from server.db.records import store_question
from server.db.types import utcnow
from server.ops.common import open_step
from server.ops.events import Actor
from server.ops.questions import EVERYONE, TOPIC, rearrange
from server.ops.unit import Unit, Units


async def _questions_step(session: AsyncSession, panel: Panel) -> StepRow:
    step = await open_step(session, panel)
    if step.kind != "questions":
        raise Refused(N_("Open the questions step to choose the questions for the experts."))
    return step


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


async def _put_first(unit: Unit, panel_id: int, chosen: Sequence[int]) -> None:
    """The slate's questions lead the queue, in the slate's order; the rest follow."""
    arranged = await rearrange(unit.session, panel_id, lambda now: slate_first(now, chosen))
    for row, after in arranged:
        store_question(row, after)


async def choose(units: Units, panel_id: int, actor: Actor, k: str, rule: str) -> QuestionSlate:
    async with units.panel(panel_id) as unit:
        session = unit.session
        panel = unit.panel
        step = await _questions_step(session, panel)
        candidates, voters = await slate_ballots(session, panel_id, step.id)
        slate = choose_slate(candidates, voters, k, parse_rule(rule))
        row = _stored(slate, step.id, panel_id, actor)
        session.add(row)
        await session.flush()
        await _put_first(unit, panel_id, slate.chosen)
        await unit.record(
            actor,
            "slate.choose",
            {"slate": row.id, "rule": slate.rule.value, "k": slate.k, "chosen": list(slate.chosen)},
            topics=(SLATE_TOPIC, TOPIC),
            audiences=EVERYONE,
        )
    return row


async def override(
    units: Units, panel_id: int, actor: Actor, chosen: Sequence[str], reason: str
) -> QuestionSlate:
    """The facilitator's own slate, next to the rule's; the reason is recorded."""
    async with units.panel(panel_id) as unit:
        session = unit.session
        panel = unit.panel
        step = await _questions_step(session, panel)
        latest = await latest_slate(session, step.id)
        if latest is None:
            raise Refused(N_("Let the rule choose a slate first; then change it if you must."))
        candidates, voters = await slate_ballots(session, panel_id, step.id)
        picked = [int(c) for c in chosen if c.isdigit()]
        slate = checked_override(SlateRule(latest.rule), candidates, voters, picked, reason)
        row = _stored(slate, step.id, panel_id, actor)
        row.rule_chose = list(latest.rule_chose)
        row.override_reason = checked_reason(reason)
        session.add(row)
        await session.flush()
        await _put_first(unit, panel_id, slate.chosen)
        await unit.record(
            actor,
            "slate.override",
            {"slate": row.id, "chosen": list(slate.chosen), "reason": row.override_reason},
            topics=(SLATE_TOPIC, TOPIC),
            audiences=EVERYONE,
        )
    return row
