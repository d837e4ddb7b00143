"""Contact data of the pool: the date they are kept until, and erasing them.

Erasing deletes rows of `recruit_contacts` only. Everything a draw, the report and the
export rest on (ids, category values, households, statuses, invites, answers) stays, so
the report and the export are the same before and after. The audit event records who
erased whose data and how many people's, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.retention import ErasureScope, checked_keep_until, overdue
from server.db.models import Invite
from server.db.models_privacy import ContactRetention
from server.db.models_recruitment import Recruit, RecruitContact
from server.db.types import utcnow
from server.ops.events import Actor
from server.ops.invite_codes import invite_role
from server.ops.recruitment import AUDIENCES, TOPICS
from server.ops.unit import Units


@dataclass(frozen=True)
class Retention:
    """What the recruitment page and the letters say about a panel's contact data."""

    keep_until: date | None
    stored: int  # people whose contact data are stored now
    erased: str | None
    erased_at: datetime | None
    erased_count: int
    overdue: bool


async def retention_of(session: AsyncSession, panel_id: int) -> Retention:
    row = await session.get(ContactRetention, panel_id)
    stored = await session.scalar(select(func.count()).where(RecruitContact.panel_id == panel_id))
    keep_until = row.keep_until if row else None
    return Retention(
        keep_until=keep_until,
        stored=stored or 0,
        erased=row.erased if row else None,
        erased_at=row.erased_at if row else None,
        erased_count=row.erased_count if row else 0,
        overdue=bool(stored) and overdue(keep_until, utcnow().date()),
    )


async def _row(session: AsyncSession, panel_id: int) -> ContactRetention:
    row = await session.get(ContactRetention, panel_id)
    if row is None:
        row = ContactRetention(panel_id=panel_id, erased_count=0)
        session.add(row)
    return row


async def _invited(session: AsyncSession, panel_id: int) -> list[int]:
    """Recruits who have, or are due, an invitation: their letters need an address."""
    invited = set(
        await session.scalars(
            select(Invite.recruit_id).where(
                Invite.panel_id == panel_id, Invite.recruit_id.is_not(None)
            )
        )
    )
    recruits = await session.scalars(select(Recruit).where(Recruit.panel_id == panel_id))
    return [r.id for r in recruits if r.id in invited or invite_role(r) is not None]


async def set_keep_until(units: Units, panel_id: int, actor: Actor, text: str) -> date:
    keep_until = checked_keep_until(text, utcnow().date())
    async with units.panel(panel_id) as unit:
        row = await _row(unit.session, panel_id)
        before = row.keep_until
        row.keep_until = keep_until
        await unit.record(
            actor,
            "recruitment.contacts_keep_until",
            {
                "from": before.isoformat() if before else None,
                "to": keep_until.isoformat(),
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return keep_until


async def erase_contacts(units: Units, panel_id: int, actor: Actor, scope: ErasureScope) -> int:
    """Delete the contact data of everyone, or of everyone who gets no invitation.

    Returns how many people's contact data were erased.
    """
    async with units.panel(panel_id) as unit:
        session = unit.session
        which = [RecruitContact.panel_id == panel_id]
        if scope is ErasureScope.NOT_SELECTED:
            which.append(RecruitContact.recruit_id.not_in(await _invited(session, panel_id)))
        count = await session.scalar(select(func.count()).where(*which)) or 0
        if not count:
            raise Refused(N_("There are no contact data of these people to erase."))
        await session.execute(delete(RecruitContact).where(*which))
        row = await _row(session, panel_id)
        row.erased = scope.value
        row.erased_at = utcnow()
        row.erased_count = (row.erased_count or 0) + count
        await unit.record(
            actor,
            "recruitment.contacts_erased",
            {"scope": scope.value, "people": count},
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return count
