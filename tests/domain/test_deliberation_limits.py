"""How much and how fast: per-step limits as organisers type them, and the rate rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.deliberation.limits import (
    RateRule,
    check_rate,
    checked_limit,
    reached,
    seconds_to_wait,
)
from facilitation.errors import Refused

NOW = datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
RULE = RateRule(count=3, seconds=60)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_submissions_under_the_rate_pass() -> None:
    check_rate(RULE, [ago(10), ago(20)], NOW)
    check_rate(RULE, [], NOW)


def test_old_submissions_outside_the_window_do_not_count() -> None:
    check_rate(RULE, [ago(60), ago(61), ago(300), ago(5), ago(6)], NOW)


def test_one_too_many_is_refused_with_the_wait_until_the_oldest_leaves_the_window() -> None:
    with pytest.raises(Refused) as refused:
        check_rate(RULE, [ago(5), ago(45.5), ago(20)], NOW)
    assert refused.value.params == {"seconds": 15}
    assert "wait 15 seconds" in str(refused.value)


def test_the_wait_counts_from_the_submission_that_must_leave_not_the_oldest_of_all() -> None:
    # Five in the window, rule allows three: the third newest must leave first.
    recent = [ago(50), ago(40), ago(30), ago(20), ago(10)]
    assert seconds_to_wait(RULE, recent, NOW) == 60 - 30


def test_times_in_the_future_from_a_skewed_clock_count_and_the_wait_stays_bounded() -> None:
    future = NOW + timedelta(seconds=30)
    assert seconds_to_wait(RULE, [future] * 3, NOW) == 60


def test_a_rate_rule_must_allow_something() -> None:
    with pytest.raises(ValueError):
        RateRule(count=0, seconds=60)
    with pytest.raises(ValueError):
        RateRule(count=1, seconds=0)


@given(st.lists(st.floats(min_value=0, max_value=600), max_size=40))
def test_accepting_only_when_no_wait_never_lets_more_than_the_rule_into_any_window(
    offsets: list[float],
) -> None:
    accepted: list[datetime] = []
    for offset in sorted(offsets):
        moment = NOW + timedelta(seconds=offset)
        if seconds_to_wait(RULE, accepted, moment) == 0:
            accepted.append(moment)
    for start in accepted:
        inside = [t for t in accepted if timedelta(0) <= t - start < timedelta(seconds=60)]
        assert len(inside) <= RULE.count


@given(st.lists(st.floats(min_value=0, max_value=120), max_size=20))
def test_waiting_as_told_is_always_enough(offsets: list[float]) -> None:
    recent = [ago(o) for o in offsets]
    wait = seconds_to_wait(RULE, recent, NOW)
    assert seconds_to_wait(RULE, recent, NOW + timedelta(seconds=wait)) == 0


@pytest.mark.parametrize(("typed", "limit"), [("", None), (None, None), (" 3 ", 3), (100, 100)])
def test_limits_are_read_as_organisers_type_them(
    typed: str | int | None, limit: int | None
) -> None:
    assert checked_limit(typed) == limit


@pytest.mark.parametrize("typed", ["0", "-2", "101", "three", "2.5"])
def test_impossible_limits_are_refused(typed: str) -> None:
    with pytest.raises(Refused, match="limit"):
        checked_limit(typed)


def test_no_limit_is_never_reached() -> None:
    assert not reached(None, 10_000)
    assert reached(2, 2) and not reached(2, 1)
