"""The address of a panel's public follow-up page: made once, then kept for good.

The report prints it and participants' phones link to it after the day, so it must
never change; it travels in the export so an imported panel keeps it too.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models_recommendations import FollowUpLink, RecommendationRow
from server.ops.unit import Units


async def follow_up_token(session: AsyncSession, panel_id: int) -> str:
    """The panel's follow-up token, made in this unit's session the first time it is needed."""
    existing = await session.get(FollowUpLink, panel_id)
    if existing is not None:
        return existing.token
    token = secrets.token_urlsafe(18)
    session.add(FollowUpLink(panel_id=panel_id, token=token))
    await session.flush()
    return token


async def follow_up_address(units: Units, panel_id: int) -> str:
    """The token for a page that shows the address (the council's page)."""
    async with units.panel(panel_id, lock=False) as unit:
        return await follow_up_token(unit.session, panel_id)


async def report_address(units: Units, panel_id: int) -> str | None:
    """The token the report prints, once the panel has recommendations (None before):
    the address exists from the first report on."""
    async with units.panel(panel_id, lock=False) as unit:
        any_recommendation = await unit.session.scalar(
            select(RecommendationRow.id).where(RecommendationRow.panel_id == panel_id).limit(1)
        )
        if any_recommendation is None:
            return None
        return await follow_up_token(unit.session, panel_id)
