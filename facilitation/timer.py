"""The step timer that every screen counts down.

The server stores only when the timer runs out (or how much was left when paused);
each screen counts down by itself, so a timer costs no messages while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from facilitation.errors import N_, Refused

MAX_SECONDS = 6 * 60 * 60


@dataclass(frozen=True)
class Timer:
    """Running when `ends_at` is set; paused when `remaining` is set; else idle."""

    ends_at: datetime | None = None
    remaining: int | None = None

    @property
    def running(self) -> bool:
        return self.ends_at is not None

    @property
    def paused(self) -> bool:
        return self.ends_at is None and self.remaining is not None

    def seconds_left(self, now: datetime) -> int | None:
        if self.ends_at is not None:
            return max(0, round((self.ends_at - now).total_seconds()))
        return self.remaining


def start(now: datetime, seconds: int) -> Timer:
    if not 0 < seconds <= MAX_SECONDS:
        raise Refused(N_("Set a timer between 1 second and 6 hours."))
    return Timer(ends_at=now + timedelta(seconds=seconds))


def pause(timer: Timer, now: datetime) -> Timer:
    if not timer.running:
        raise Refused(N_("The timer is not running."))
    return Timer(remaining=timer.seconds_left(now))


def resume(timer: Timer, now: datetime) -> Timer:
    if not timer.paused or timer.remaining is None:
        raise Refused(N_("The timer is not paused."))
    if timer.remaining == 0:
        raise Refused(N_("The time is up. Start the timer again instead."))
    return Timer(ends_at=now + timedelta(seconds=timer.remaining))


def add(timer: Timer, now: datetime, seconds: int) -> Timer:
    """Give a table a little more time (or less, with a negative number)."""
    left = timer.seconds_left(now)
    if left is None:
        raise Refused(N_("Start the timer first."))
    new_left = max(0, min(MAX_SECONDS, left + seconds))
    if timer.running:
        return Timer(ends_at=now + timedelta(seconds=new_left))
    return Timer(remaining=new_left)


def stop(timer: Timer) -> Timer:
    return Timer()


ACTIONS = ("start", "pause", "resume", "add", "stop")


def control(timer: Timer, now: datetime, action: str, seconds: int = 0) -> Timer:
    """The timer after the facilitator's `action`; `seconds` for start and add."""
    if action == "start":
        return start(now, seconds)
    if action == "pause":
        return pause(timer, now)
    if action == "resume":
        return resume(timer, now)
    if action == "add":
        return add(timer, now, seconds)
    if action == "stop":
        return stop(timer)
    raise Refused(N_("Unknown timer action."))
