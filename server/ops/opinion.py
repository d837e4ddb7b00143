"""What the facilitator decides about opinion groups: the map on the display, the
smallest group shown on its own, and whether phones see their own group; and the
groups a server process computed, stored for the others (`keep_groups`)."""

from __future__ import annotations

from typing import Any

from facilitation.errors import N_, Refused
from facilitation.opinion.privacy import parse_min_group
from server.db.models import OpinionState, Step
from server.db.rows import opinion_settings
from server.db.types import utcnow
from server.db.upsert import upsert
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


async def keep_groups(
    units: Units,
    panel_id: int,
    step_id: int,
    votes: str,
    started: dict[str, Any] | None,
    memory: dict[str, Any],
) -> None:
    """Store the groups one process computed, so that every process labels alike.

    A cache of what the votes imply, not a decision: nothing is recorded or announced
    (the computing process tells the screens itself). Two processes storing at once
    both started from the same stored state, so the last one kept is as good a start.
    """
    async with units.panel(panel_id, lock=False) as unit:
        await upsert(
            unit.session,
            OpinionState,
            {
                "step_id": step_id,
                "votes": votes,
                "started": started,
                "memory": memory,
                "updated_at": utcnow(),
            },
            conflict=("step_id",),
            update=("votes", "started", "memory", "updated_at"),
        )
