"""The council's answers to the panel's adopted recommendations.

An answer is never changed: an update is a new answer, so the history stays. The
follow-up page's address is made once per panel and kept (the report prints it, and it
travels in the export), so it never breaks; the page itself is read by
`server/read/recommendations.py`.
"""

from __future__ import annotations

from facilitation.errors import N_
from facilitation.recommendations.council import checked_answer
from server.db.models_recommendations import CouncilAnswerRow, RecommendationRow
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import row_in_panel
from server.ops.events import Actor
from server.ops.follow_up import follow_up_token
from server.ops.unit import Units


async def answer(
    units: Units,
    panel_id: int,
    actor: Actor,
    recommendation_id: int,
    fields: dict[str, str],
) -> None:
    async with units.panel(panel_id, lock=False) as unit:
        session = unit.session
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
        await unit.record(
            actor,
            "council.answer",
            {"recommendation": row.id, "answer": saved.id, "status": made.status.value},
            topics=("council",),
            audiences=(aud.FACILITATORS,),
        )
