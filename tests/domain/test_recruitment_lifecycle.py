"""Confirmations, withdrawals, which draw comes next, and the arms of replacements."""

from __future__ import annotations

from fractions import Fraction

import pytest

from facilitation.errors import Refused
from facilitation.recruitment.lifecycle import (
    Arm,
    Status,
    check_status_change,
    next_draw,
    parse_status,
    replacement_arms,
)


def test_a_selected_person_confirms_or_withdraws_and_mistakes_can_be_undone() -> None:
    assert check_status_change(Status.SELECTED, Status.CONFIRMED, free_seats=0) == Status.CONFIRMED
    assert check_status_change(Status.CONFIRMED, Status.WITHDRAWN, free_seats=0) == Status.WITHDRAWN
    assert check_status_change(Status.CONFIRMED, Status.SELECTED, free_seats=0) == Status.SELECTED
    assert check_status_change(Status.WITHDRAWN, Status.SELECTED, free_seats=1) == Status.SELECTED


@pytest.mark.parametrize(
    ("current", "wanted", "free", "says"),
    [
        (Status.POOL, Status.CONFIRMED, 5, "not drawn"),
        (Status.SELECTED, Status.SELECTED, 5, "already has this status"),
        (Status.WITHDRAWN, Status.CONFIRMED, 5, "not possible"),
        (Status.WITHDRAWN, Status.SELECTED, 0, "filled by a replacement"),
    ],
)
def test_impossible_changes_are_refused_with_the_reason(
    current: Status, wanted: Status, free: int, says: str
) -> None:
    with pytest.raises(Refused) as refused:
        check_status_change(current, wanted, free_seats=free)
    assert says in str(refused.value)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(Refused):
        parse_status("promoted")


def test_the_first_draw_fills_the_panel_and_later_ones_the_freed_seats() -> None:
    assert next_draw([Status.POOL] * 30, 10) == ("draw", 10)
    drawn = [Status.CONFIRMED] * 7 + [Status.WITHDRAWN] * 3 + [Status.POOL] * 20
    assert next_draw(drawn, 10) == ("replacement", 3)
    with pytest.raises(Refused):
        next_draw([Status.SELECTED] * 10 + [Status.POOL] * 5, 10)


def _people(count: int) -> dict[str, dict[str, str]]:
    return {f"n{i}": {"age": "young" if i % 2 else "old"} for i in range(count)}


def test_replacements_restore_the_control_groups_share() -> None:
    # 20 hold seats, 8 of them controls; 4 new: half of 24 is 12, so 4 more controls.
    arms = replacement_arms(
        _people(4), ["age"], control_share=Fraction(1, 2), holding=20, holding_controls=8, seed=1
    )
    assert sorted(arms.values()) == [Arm.CONTROL] * 4
    # 20 hold seats, 10 controls; 4 new: 12 controls wanted, so 2 of the 4.
    arms = replacement_arms(
        _people(4), ["age"], control_share=Fraction(1, 2), holding=20, holding_controls=10, seed=1
    )
    assert sorted(arms.values()).count(Arm.CONTROL) == 2
    # Controls already above their share: every replacement is a participant.
    arms = replacement_arms(
        _people(3), ["age"], control_share=Fraction(1, 2), holding=20, holding_controls=12, seed=1
    )
    assert set(arms.values()) == {Arm.PARTICIPANT}


def test_replacements_are_split_alike_on_the_strata_and_by_the_seed() -> None:
    people = _people(8)
    first = replacement_arms(
        people, ["age"], control_share=Fraction(1, 2), holding=8, holding_controls=4, seed=7
    )
    again = replacement_arms(
        people, ["age"], control_share=Fraction(1, 2), holding=8, holding_controls=4, seed=7
    )
    assert first == again
    controls = [key for key, arm in first.items() if arm == Arm.CONTROL]
    assert len(controls) == 4
    assert sorted(people[key]["age"] for key in controls) == ["old", "old", "young", "young"]
