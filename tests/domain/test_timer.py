"""The step timer: start, pause, resume, add time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from facilitation import timer as rules
from facilitation.errors import Refused
from facilitation.timer import Timer

NOW = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


def test_a_started_timer_counts_down_from_its_end_time() -> None:
    timer = rules.start(NOW, 300)
    assert timer.running
    assert timer.seconds_left(NOW + timedelta(seconds=100)) == 200
    assert timer.seconds_left(NOW + timedelta(seconds=999)) == 0


def test_pausing_keeps_what_was_left_and_resuming_continues_from_there() -> None:
    paused = rules.pause(rules.start(NOW, 300), NOW + timedelta(seconds=60))
    assert paused.paused and paused.remaining == 240
    resumed = rules.resume(paused, NOW + timedelta(hours=1))
    assert resumed.seconds_left(NOW + timedelta(hours=1)) == 240


def test_adding_a_minute_works_while_running_and_while_paused() -> None:
    running = rules.add(rules.start(NOW, 60), NOW, 60)
    assert running.seconds_left(NOW) == 120
    paused = rules.add(Timer(remaining=30), NOW, 60)
    assert paused.remaining == 90 and paused.paused
    assert rules.add(Timer(remaining=30), NOW, -60).remaining == 0


def test_refusals_name_what_to_do_instead() -> None:
    with pytest.raises(Refused, match="between 1 second and 6 hours"):
        rules.start(NOW, 0)
    with pytest.raises(Refused, match="not running"):
        rules.pause(Timer(), NOW)
    with pytest.raises(Refused, match="not paused"):
        rules.resume(rules.start(NOW, 10), NOW)
    with pytest.raises(Refused, match="time is up"):
        rules.resume(Timer(remaining=0), NOW)
    with pytest.raises(Refused, match="Start the timer first"):
        rules.add(Timer(), NOW, 60)
