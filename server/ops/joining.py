"""Phones joining a panel with its code, and facilitators moving people between tables."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import PanelStatus, joinable
from facilitation.codes import JOIN_CODE_LENGTH, normalise_join_code
from facilitation.errors import N_, Refused
from facilitation.recruitment.invites import normalise_invite_code
from facilitation.seating import check_move
from server.db.models import Invite, Panel, PanelTable, Participant
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import row_in_panel
from server.ops.events import Actor
from server.ops.seat_policy import table_for_newcomer
from server.ops.unit import Units


async def panel_for_code(units: Units, typed: str) -> Panel:
    """The panel a join code opens, or a refusal that says why not."""
    code = normalise_join_code(typed)
    async with units.reading() as session:
        panel = await session.scalar(select(Panel).where(Panel.join_code == code))
    if panel is None:
        raise Refused(
            N_(
                "There is no panel with the code %(code)s. Check the code on the "
                "screen and try again."
            ),
            code=code,
        )
    expires = panel.join_code_expires_at
    if expires is not None and expires < utcnow():
        raise Refused(N_("This join code has expired. Ask a facilitator for the new code."))
    if panel.status == PanelStatus.DRAFT:
        raise Refused(N_("This panel has not opened yet. Try again when the facilitator says so."))
    if panel.status == PanelStatus.CLOSED:
        raise Refused(N_("This panel has ended. Thank you for your interest."))
    return panel


def looks_like_invite(typed: str) -> bool:
    """Personal codes are much longer than the six characters on the screen."""
    return len(re.sub(r"[\s\-_.]+", "", typed)) > JOIN_CODE_LENGTH


async def invite_for_code(units: Units, typed: str) -> Invite:
    code = normalise_invite_code(typed)
    async with units.reading() as session:
        invite = await session.scalar(select(Invite).where(Invite.code == code))
    if invite is None:
        raise Refused(N_("There is no invite with this code. Check it against your letter."))
    return invite


async def join_with_invite(units: Units, typed_code: str) -> Participant:
    """Join with a personal code: the same person, the same seat, on any phone.

    A control-group code answers the surveys at home and never joins the live session.
    """
    invite = await invite_for_code(units, typed_code)
    if invite.role == "control":
        raise Refused(
            N_(
                "Your code is for answering the surveys at home. Thank you for "
                "taking part that way; the live session is for the panel only."
            )
        )
    async with units.panel(invite.panel_id) as unit:
        panel = unit.panel
        if not joinable(panel.status):
            raise Refused(N_("This panel is not open for joining."))
        existing = await unit.session.scalar(
            select(Participant).where(Participant.invite_id == invite.id)
        )
        if existing is not None:
            return existing
        table_id = await table_for_newcomer(unit.session, panel.id, invite_id=invite.id)
        participant = await _seat(unit.session, panel.id, table_id, invite.id)
        await unit.record(
            Actor.participant(participant.id),
            "participant.join",
            {"number": participant.number, "table": table_id, "invite": True},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )
    return participant


async def _seat(
    session: AsyncSession, panel_id: int, table_id: int | None, invite_id: int | None
) -> Participant:
    number = (
        await session.scalar(
            select(func.coalesce(func.max(Participant.number), 0)).where(
                Participant.panel_id == panel_id
            )
        )
        or 0
    ) + 1
    participant = Participant(
        panel_id=panel_id,
        number=number,
        table_id=table_id,
        pseudonym=secrets.token_hex(8),
        joined_at=utcnow(),
        invite_id=invite_id,
    )
    session.add(participant)
    await session.flush()
    return participant


async def join(units: Units, typed_code: str, known: int | None) -> Participant:
    """Seat a phone in the panel; the same phone joining again keeps its seat.

    `known` is the participant id the phone's signed cookie already holds for this
    panel, if any.
    """
    return await seat(units, await panel_for_code(units, typed_code), known)


async def seat(units: Units, panel: Panel, known: int | None) -> Participant:
    """`join` for a caller that has just looked the code up (`panel_for_code`): in a
    lobby rush every read saved per phone counts, so the code is not looked up twice.
    Whether the panel still takes people is checked again under the panel's lock."""
    async with units.panel(panel.id, lock=False) as unit:
        if known is not None:
            existing = await unit.session.get(Participant, known)
            if existing is not None and existing.panel_id == panel.id:
                return existing
        panel = await unit.lock()
        if not joinable(panel.status):
            raise Refused(N_("This panel is not open for joining."))
        table_id = await table_for_newcomer(unit.session, panel.id, invite_id=None)
        participant = await _seat(unit.session, panel.id, table_id, None)
        number = participant.number
        await unit.record(
            Actor.participant(participant.id),
            "participant.join",
            {"number": number, "table": table_id},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )
    return participant


async def move(
    units: Units, panel_id: int, actor: Actor, participant_id: int, table_id: int
) -> None:
    async with units.panel(panel_id) as unit:
        participant = await row_in_panel(
            unit.session,
            Participant,
            participant_id,
            panel_id,
            N_("There is no such participant in this panel."),
        )
        tables = list(
            await unit.session.scalars(select(PanelTable.id).where(PanelTable.panel_id == panel_id))
        )
        before = participant.table_id
        participant.table_id = check_move(tables, before, table_id)
        await unit.record(
            actor,
            "participant.move",
            {"participant": participant.number, "from": before, "to": table_id},
            topics=("tables", "seat"),
            audiences=(aud.FACILITATORS, aud.participant(participant_id)),
        )
