"""What is known about respondents' backgrounds (gender, age band, district, …).

Surveys and the council report break opinion change down by subgroup where this is
known. It comes from recruitment: the registrant an invite code was made for. Only
the category values are returned, never contact details.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def demographics(session: AsyncSession, panel_id: int) -> dict[str, dict[str, str]]:
    """Category values per respondent (`i:<invite id>`), e.g. {"gender": "woman"}.

    Empty until recruitment links invite codes to registrants.
    """
    return {}
