"""How much and how fast people may submit.

Per-step limits keep one talkative table from filling the wall; the rate rule stops a
stuck button or a script from flooding the moderators. Both are pure: the caller counts
what is stored and passes in the recent submission times.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from facilitation.errors import N_, Refused
from facilitation.numbers import parse_whole

LIMIT_MAX = 100


@dataclass(frozen=True)
class RateRule:
    """At most `count` submissions by one participant in any `seconds`-long window."""

    count: int
    seconds: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds < 1:
            raise ValueError("a rate rule needs a positive count and window")


# Generous for a table typing together on one phone, tight for anything automatic.
SUBMISSION_RATE = RateRule(count=12, seconds=60)


def seconds_to_wait(rule: RateRule, recent: Iterable[datetime], now: datetime) -> int:
    """How long until one more submission fits the rule; 0 when it fits now.

    `recent` may hold older times too; only those inside the window count. Times a
    little in the future (clocks of two server processes disagree) count as inside.
    """
    window = sorted(t for t in recent if (now - t).total_seconds() < rule.seconds)
    if len(window) < rule.count:
        return 0
    # The submission that has to leave the window before one more fits.
    leaving = window[len(window) - rule.count]
    wait = rule.seconds - (now - leaving).total_seconds()
    return min(rule.seconds, max(1, math.ceil(wait)))


def check_rate(rule: RateRule, recent: Iterable[datetime], now: datetime) -> None:
    wait = seconds_to_wait(rule, recent, now)
    if wait:
        raise Refused(
            N_("You are sending very fast. Please wait %(seconds)s seconds and try again."),
            seconds=wait,
        )


def checked_limit(value: str | int | None) -> int | None:
    """A limit as an organiser types it: blank means no limit."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        number = parse_whole(value)
        if number is None:
            raise Refused(N_("A limit must be a whole number, or blank for no limit."))
        value = number
    if not 1 <= value <= LIMIT_MAX:
        raise Refused(
            N_("A limit must be between 1 and %(max)s, or blank for no limit."), max=LIMIT_MAX
        )
    return value


def reached(limit: int | None, count: int) -> bool:
    return limit is not None and count >= limit
