"""Seating arrivals: balanced tables without moving anyone."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.errors import Refused
from facilitation.seating import check_move, seat_newcomer


def test_newcomers_fill_the_emptiest_table_first_in_room_order() -> None:
    assert seat_newcomer([10, 11, 12], {10: 2, 11: 1, 12: 1}) == 11
    assert seat_newcomer([10, 11, 12], {}) == 10


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=200))
def test_arrivals_one_by_one_keep_table_sizes_within_one(tables: int, people: int) -> None:
    ids = list(range(100, 100 + tables))
    seated: Counter[int] = Counter()
    for _ in range(people):
        seated[seat_newcomer(ids, seated)] += 1
    sizes = [seated[t] for t in ids]
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == people


def test_a_panel_without_tables_cannot_seat_anyone() -> None:
    with pytest.raises(Refused, match="no tables"):
        seat_newcomer([], {})


def test_a_move_must_go_to_another_table_of_the_panel() -> None:
    assert check_move([1, 2], 1, 2) == 2
    with pytest.raises(Refused, match="no such table"):
        check_move([1, 2], 1, 3)
    with pytest.raises(Refused, match="already sits"):
        check_move([1, 2], 1, 1)
