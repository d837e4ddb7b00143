"""The address of a panel's public follow-up page: made once, then kept for good.

The report prints it and participants' phones link to it after the day, so it must
never change; it travels in the export so an imported panel keeps it too.
"""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models_recommendations import FollowUpLink


async def follow_up_token(session: AsyncSession, panel_id: int) -> str:
    """The panel's follow-up token, made the first time it is needed."""
    existing = await session.get(FollowUpLink, panel_id)
    if existing is not None:
        return existing.token
    token = secrets.token_urlsafe(18)
    session.add(FollowUpLink(panel_id=panel_id, token=token))
    await session.flush()
    return token


async def known_token(session: AsyncSession, panel_id: int) -> str | None:
    existing = await session.get(FollowUpLink, panel_id)
    return existing.token if existing is not None else None
