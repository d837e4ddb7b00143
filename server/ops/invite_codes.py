"""Personal invite codes for confirmed participants and the control group, and their letters.

A code links a person's surveys and seat; it reveals nothing about them. Only the
letters and the mail merge put it beside a name, and only organisers see those.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.invites import new_invite_code, new_invite_codes
from facilitation.recruitment.lifecycle import (
    HOLDS_A_SEAT,
    Arm,
    Status,
)
from server.db.models import Invite
from server.db.models_recruitment import (
    Recruit,
)
from server.db.rows import recruits_of
from server.db.types import utcnow
from server.ops.events import Actor
from server.ops.recruitment import AUDIENCES, TOPICS, contacts_of
from server.ops.unit import Units


def invite_role(recruit: Recruit) -> str | None:
    """Who gets a code: every control who holds a seat, every confirmed participant."""
    status = Status(recruit.status)
    if recruit.arm == Arm.CONTROL.value:
        return "control" if status in HOLDS_A_SEAT else None
    return "participant" if status == Status.CONFIRMED else None


async def issue_invites(units: Units, panel_id: int, actor: Actor) -> int:
    """Codes for everyone who should have one and has none yet; returns how many are new."""
    async with units.panel(panel_id) as unit:
        recruits = await recruits_of(unit.session, panel_id)
        existing = {
            invite.recruit_id: invite
            for invite in await unit.session.scalars(
                select(Invite).where(Invite.panel_id == panel_id)
            )
        }
        wanted = [(r, role) for r in recruits if (role := invite_role(r)) is not None]
        changed = 0
        for recruit, role in wanted:
            invite = existing.get(recruit.id)
            if invite is not None and invite.role != role:
                invite.role = role
                changed += 1
        missing = [(r, role) for r, role in wanted if r.id not in existing]
        if not missing and not changed:
            raise Refused(
                N_(
                    "Everyone who should have an invite code has one. Codes go to confirmed "
                    "participants and to the control group."
                )
            )
        codes = new_invite_codes(len(missing))
        taken = set(await unit.session.scalars(select(Invite.code).where(Invite.code.in_(codes))))
        for index, code in enumerate(codes):
            if code in taken:  # another panel holds it: astronomically unlikely, but draw again
                codes[index] = new_invite_code({*codes, *taken})
        for (recruit, role), code in zip(missing, codes, strict=True):
            unit.session.add(
                Invite(
                    panel_id=panel_id,
                    code=code,
                    role=role,
                    pseudonym=secrets.token_hex(8),
                    recruit_id=recruit.id,
                    created_at=utcnow(),
                )
            )
        await unit.record(
            actor,
            "recruitment.invites",
            {
                "issued": len(missing),
                "participants": sum(1 for _, role in missing if role == "participant"),
                "controls": sum(1 for _, role in missing if role == "control"),
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return len(missing)


@dataclass(frozen=True)
class Letter:
    """One invite code with the person it goes to (organiser only: carries contacts)."""

    recruit: Recruit
    invite: Invite
    contacts: Mapping[str, str]


async def letters(session: AsyncSession, panel_id: int) -> list[Letter]:
    """Every invite of the panel with its recruit and contact columns, participants first."""
    contacts = await contacts_of(session, panel_id)
    rows = await session.execute(
        select(Invite, Recruit)
        .join(Recruit, Recruit.id == Invite.recruit_id)
        .where(Invite.panel_id == panel_id)
        .order_by(Invite.role.desc(), Recruit.external_id)
    )
    return [Letter(recruit, invite, contacts.get(recruit.id, {})) for invite, recruit in rows.all()]
