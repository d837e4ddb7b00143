"""What is known about respondents' backgrounds (gender, age band, district, …).

Surveys and the council report break opinion change down by subgroup where this is
known. It comes from recruitment: the registrant an invite code was made for. Only
the category values of the targets' features are returned, never contact details
(and not the extra seating columns either, such as hearing needs).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Invite
from server.db.models_recruitment import Recruit
from server.db.rows import recruitment_of


async def demographics(session: AsyncSession, panel_id: int) -> dict[str, dict[str, str]]:
    """Category values per respondent (`i:<invite id>`), e.g. {"gender": "woman"}.

    Empty until recruitment links invite codes to registrants.
    """
    recruitment = await recruitment_of(session, panel_id)
    if recruitment is None:
        return {}
    features = [feature for feature, _ in recruitment.targets]
    rows = await session.execute(
        select(Invite.id, Recruit.features)
        .join(Recruit, Recruit.id == Invite.recruit_id)
        .where(Invite.panel_id == panel_id, Recruit.panel_id == panel_id)
    )
    return {
        f"i:{invite_id}": {f: str(values[f]) for f in features if f in values}
        for invite_id, values in rows.all()
    }
