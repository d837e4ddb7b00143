"""Moving a panel through its agenda."""

from __future__ import annotations

from facilitation import agenda as rules
from facilitation.agenda import Agenda, PanelStatus
from server.db.rows import agenda_of, steps_of
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units

EVERYONE = (aud.PHONES, aud.FACILITATORS, aud.DISPLAY)


async def transition(
    units: Units, panel_id: int, actor: Actor, action: str, index: int | None = None
) -> None:
    """Apply one agenda transition; a refused one raises and changes nothing."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        steps = await steps_of(unit.session, panel_id)
        before = agenda_of(panel, steps)
        after = rules.transition(before, action, index)
        panel.status = after.status.value
        step = steps[after.current] if after.current is not None else None
        panel.current_step_id = step.id if step else None
        panel.resume_step_id = steps[after.resume_at].id if after.resume_at is not None else None
        if before.current != after.current:
            # A new step starts without a running clock; the facilitator starts it
            # (the step's own duration is offered as the default).
            panel.timer_ends_at = None
            panel.timer_remaining = None
        await unit.record(
            actor,
            f"agenda.{action}",
            {"from": _describe(before), "to": _describe(after), "step": step.id if step else None},
            topics=("agenda", "timer"),
            audiences=EVERYONE,
        )


def _describe(agenda: Agenda) -> str:
    if agenda.status is PanelStatus.RUNNING:
        return f"step {agenda.current}"
    return agenda.status.value
