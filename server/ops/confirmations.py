"""Confirmations: each drawn person moves selected → confirmed / withdrawn, and back.

A withdrawal frees the seat for a replacement draw and revokes the person's unused
invite code; undoing it needs a free seat.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_
from facilitation.recruitment.lifecycle import (
    HOLDS_A_SEAT,
    Status,
    check_status_change,
    parse_status,
)
from server.db.models import Invite, Participant, SurveyAnswer
from server.db.models_recruitment import (
    Recruit,
)
from server.db.rows import recruitment_of
from server.db.types import utcnow
from server.ops.common import row_in_panel
from server.ops.events import Actor
from server.ops.recruitment import AUDIENCES, TOPICS, refuse_while_drawing
from server.ops.unit import Units


async def _holding(session: AsyncSession, panel_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Recruit.panel_id == panel_id,
            Recruit.status.in_([status.value for status in HOLDS_A_SEAT]),
        )
    )
    return int(count or 0)


async def _invite_is_used(session: AsyncSession, invite: Invite) -> bool:
    joined = await session.scalar(
        select(Participant.id).where(Participant.invite_id == invite.id).limit(1)
    )
    answered = await session.scalar(
        select(SurveyAnswer.id).where(SurveyAnswer.respondent == f"i:{invite.id}").limit(1)
    )
    return joined is not None or answered is not None


async def change_status(
    units: Units, panel_id: int, actor: Actor, recruit_id: int, wanted_text: str
) -> Recruit:
    """Selected → confirmed / withdrawn (and back, to undo a mistake).

    A withdrawn person's invite code stops working unless it has been used already
    (their answers are kept, linked to the code).
    """
    wanted = parse_status(wanted_text)
    async with units.panel(panel_id) as unit:
        recruit = await row_in_panel(
            unit.session, Recruit, recruit_id, panel_id, N_("There is no such person in this pool.")
        )
        recruitment = await recruitment_of(unit.session, panel_id)
        assert recruitment is not None
        current = Status(recruit.status)
        free = recruitment.panel_size - await _holding(unit.session, panel_id)
        check_status_change(current, wanted, free_seats=free)
        seat_changes = (current in HOLDS_A_SEAT) != (wanted in HOLDS_A_SEAT)
        if seat_changes:
            await refuse_while_drawing(unit.session, panel_id)
            recruitment.version += 1
        revoked = False
        if wanted == Status.WITHDRAWN:
            for invite in await unit.session.scalars(
                select(Invite).where(Invite.panel_id == panel_id, Invite.recruit_id == recruit.id)
            ):
                if not await _invite_is_used(unit.session, invite):
                    await unit.session.delete(invite)
                    revoked = True
        recruit.status = wanted.value
        recruit.status_at = utcnow()
        await unit.record(
            actor,
            "recruitment.status",
            {"recruit": recruit.id, "from": current.value, "to": wanted.value, "revoked": revoked},
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return recruit
