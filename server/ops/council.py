"""The council's answers to the panel's adopted recommendations, and the public follow-up page.

An answer is never changed: an update is a new answer, so the history stays. The
follow-up page's address is made once per panel and kept (the report prints it, and it
travels in the export), so it never breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_
from facilitation.recommendations.council import checked_answer
from server.db.models import Panel
from server.db.models import Step as StepRow
from server.db.models_recommendations import CouncilAnswerRow, FollowUpLink, RecommendationRow
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import row_in_panel
from server.ops.events import Actor, record
from server.ops.follow_up import follow_up_token
from server.ops.recommendation_data import Card, cards
from server.services import Services


async def answer(
    services: Services,
    panel_id: int,
    actor: Actor,
    recommendation_id: int,
    fields: dict[str, str],
) -> None:
    async with services.db.writing() as session:
        row = await row_in_panel(
            session,
            RecommendationRow,
            recommendation_id,
            panel_id,
            N_("There is no such recommendation in this panel."),
        )
        made = checked_answer(
            adopted=row.outcome == "adopted" and row.state == "active",
            status=fields.get("status", ""),
            reason=fields.get("reason", ""),
            decided_on=fields.get("decided_on", ""),
            link=fields.get("link", ""),
        )
        saved = CouncilAnswerRow(
            panel_id=panel_id,
            recommendation_id=row.id,
            status=made.status.value,
            reason=made.reason,
            decided_on=made.decided_on,
            link=made.link,
            recorded_at=utcnow(),
            recorded_by=actor.id,
        )
        session.add(saved)
        await session.flush()
        await follow_up_token(session, panel_id)
        change = await record(
            session,
            panel_id,
            actor,
            "council.answer",
            {"recommendation": row.id, "answer": saved.id, "status": made.status.value},
            topics=("council",),
            audiences=(aud.FACILITATORS,),
        )
    await services.announce(change)


@dataclass(frozen=True)
class FollowUp:
    panel: Panel
    steps: list[tuple[StepRow, list[Card]]]


async def follow_up(session: AsyncSession, token: str) -> FollowUp | None:
    """What the public page shows: the panel and its recommendations steps, nothing personal."""
    link = await session.scalar(select(FollowUpLink).where(FollowUpLink.token == token))
    if link is None:
        return None
    panel = await session.get(Panel, link.panel_id)
    if panel is None:
        return None
    return FollowUp(panel, await recommendation_steps(session, panel.id))


async def recommendation_steps(
    session: AsyncSession, panel_id: int
) -> list[tuple[StepRow, list[Card]]]:
    steps = await session.scalars(
        select(StepRow)
        .where(StepRow.panel_id == panel_id, StepRow.kind == "recommendations")
        .order_by(StepRow.position)
    )
    return [(step, await cards(session, step)) for step in steps]
