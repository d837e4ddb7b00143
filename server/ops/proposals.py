"""The proposals a panel discusses and votes on, kept by the organiser."""

from __future__ import annotations

from facilitation.errors import N_
from facilitation.proposals import checked_proposal
from server.db.models import Proposal
from server.db.rows import proposals_of
from server.live import audiences as aud
from server.ops.common import require_not_closed, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Units

EVERYONE = (aud.PHONES, aud.FACILITATORS, aud.DISPLAY)


async def add(units: Units, panel_id: int, actor: Actor, title: str, description: str) -> int:
    clean_title, clean_description = checked_proposal(title, description)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        existing = await proposals_of(unit.session, panel_id)
        row = Proposal(
            panel_id=panel_id,
            position=len(existing),
            title=clean_title,
            description=clean_description,
        )
        unit.session.add(row)
        await unit.session.flush()
        await unit.record(
            actor,
            "proposal.add",
            {"proposal": row.id, "title": clean_title},
            topics=("panel",),
            audiences=EVERYONE,
        )
    return row.id


async def edit(
    units: Units, panel_id: int, actor: Actor, proposal_id: int, title: str, description: str
) -> None:
    clean_title, clean_description = checked_proposal(title, description)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        row = await row_in_panel(
            unit.session,
            Proposal,
            proposal_id,
            panel_id,
            N_("There is no such proposal in this panel."),
        )
        before = {"title": row.title, "description": row.description}
        row.title, row.description = clean_title, clean_description
        await unit.record(
            actor,
            "proposal.edit",
            {"proposal": row.id, "before": before},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def delete(units: Units, panel_id: int, actor: Actor, proposal_id: int) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        row = await row_in_panel(
            unit.session,
            Proposal,
            proposal_id,
            panel_id,
            N_("There is no such proposal in this panel."),
        )
        await unit.session.delete(row)
        await unit.record(
            actor,
            "proposal.delete",
            {"proposal": proposal_id, "title": row.title},
            topics=("panel",),
            audiences=EVERYONE,
        )
