"""The step timer that every screen counts down."""

from __future__ import annotations

from facilitation import timer as rules
from facilitation.timer import Timer
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units


async def control(units: Units, panel_id: int, actor: Actor, action: str, seconds: int = 0) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        now = utcnow()
        timer = Timer(ends_at=panel.timer_ends_at, remaining=panel.timer_remaining)
        new = rules.control(timer, now, action, seconds)
        panel.timer_ends_at, panel.timer_remaining = new.ends_at, new.remaining
        await unit.record(
            actor,
            f"timer.{action}",
            {"seconds": new.seconds_left(now)},
            topics=("timer",),
            audiences=(aud.PHONES, aud.FACILITATORS, aud.DISPLAY),
        )
