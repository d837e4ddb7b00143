"""Phones joining a panel with its code, and facilitators moving people between tables."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from facilitation.agenda import PanelStatus
from facilitation.codes import normalise_join_code
from facilitation.errors import N_, Refused
from facilitation.seating import check_move
from server.db.models import Panel, PanelTable, Participant
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.common import lock_panel
from server.ops.events import Actor, record
from server.ops.seat_policy import table_for_newcomer
from server.services import Services


async def panel_for_code(services: Services, typed: str) -> Panel:
    """The panel a join code opens, or a refusal that says why not."""
    code = normalise_join_code(typed)
    async with services.db.reading() as session:
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


async def join(services: Services, typed_code: str, known: int | None) -> Participant:
    """Seat a phone in the panel; the same phone joining again keeps its seat.

    `known` is the participant id the phone's signed cookie already holds for this
    panel, if any.
    """
    panel = await panel_for_code(services, typed_code)
    async with services.db.writing() as session:
        if known is not None:
            existing = await session.get(Participant, known)
            if existing is not None and existing.panel_id == panel.id:
                return existing
        panel = await lock_panel(session, panel.id)
        if panel.status not in (PanelStatus.LOBBY, PanelStatus.RUNNING):
            raise Refused(N_("This panel is not open for joining."))
        table_id = await table_for_newcomer(session, panel.id, invite_id=None)
        number = (
            await session.scalar(
                select(func.coalesce(func.max(Participant.number), 0)).where(
                    Participant.panel_id == panel.id
                )
            )
            or 0
        ) + 1
        participant = Participant(
            panel_id=panel.id,
            number=number,
            table_id=table_id,
            pseudonym=secrets.token_hex(8),
            joined_at=utcnow(),
        )
        session.add(participant)
        await session.flush()
        change = await record(
            session,
            panel.id,
            Actor.participant(participant.id),
            "participant.join",
            {"number": number, "table": table_id},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )
    await services.announce(change)
    return participant


async def move(
    services: Services, panel_id: int, actor: Actor, participant_id: int, table_id: int
) -> None:
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        participant = await session.get(Participant, participant_id)
        if participant is None or participant.panel_id != panel_id:
            raise Refused(N_("There is no such participant in this panel."))
        tables = list(
            await session.scalars(select(PanelTable.id).where(PanelTable.panel_id == panel_id))
        )
        before = participant.table_id
        participant.table_id = check_move(tables, before, table_id)
        change = await record(
            session,
            panel_id,
            actor,
            "participant.move",
            {"participant": participant.number, "from": before, "to": table_id},
            topics=("tables", "seat"),
            audiences=(aud.FACILITATORS, aud.participant(participant_id)),
        )
    await services.announce(change)
