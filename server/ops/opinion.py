"""What the facilitator decides about opinion groups: the map on the display, the
smallest group shown on its own, and whether phones see their own group."""

from __future__ import annotations

from facilitation.errors import N_, Refused
from facilitation.opinion.privacy import parse_min_group
from server.db.models import Step
from server.db.rows import opinion_settings
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units


async def set_opinion(
    units: Units,
    panel_id: int,
    actor: Actor,
    *,
    show: bool | None = None,
    phones: bool | None = None,
    min_group: str | None = None,
) -> None:
    minimum = parse_min_group(min_group) if min_group is not None else None
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        step = (
            await unit.session.get(Step, panel.current_step_id) if panel.current_step_id else None
        )
        if step is None or step.kind != "discussion" or not step.settings.get("statement_votes"):
            raise Refused(N_("Opinion groups belong to a discussion with voting on statements."))
        settings = opinion_settings(step)
        if show is not None:
            settings["show"] = show
        if phones is not None:
            settings["phones"] = phones
        if minimum is not None:
            settings["min_group"] = minimum
        step.settings = {**step.settings, "opinion": settings}
        await unit.record(
            actor,
            "opinion.settings",
            dict(settings),
            topics=("opinion_settings",),
            audiences=(aud.DISPLAY, aud.FACILITATORS, aud.PHONES),
        )
