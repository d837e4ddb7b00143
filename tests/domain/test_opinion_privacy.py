"""Small groups are never shown on their own, on the map or at the tables."""

from __future__ import annotations

import pytest

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.errors import Refused
from facilitation.opinion.groups import OpinionGroups, compute_opinion_groups
from facilitation.opinion.privacy import (
    parse_min_group,
    shown_groups,
    table_groups,
    table_statements,
)
from server.screens.opinion_map import NEUTRAL, opinion_map

A, D = VoteChoice.AGREE, VoteChoice.DISAGREE


def lopsided() -> OpinionGroups:
    """26 people vote one way on 8 statements, 4 the opposite way."""
    votes = [
        StatementVote(p, s, (A if s % 2 else D) if p < 26 else (D if s % 2 else A))
        for p in range(30)
        for s in range(8)
    ]
    result = compute_opinion_groups(votes)
    assert isinstance(result, OpinionGroups)
    assert sorted(result.sizes.values()) == [4, 26]
    return result


def test_a_group_under_the_minimum_is_left_out_and_its_dots_are_neutral() -> None:
    result = lopsided()
    small = next(g for g, n in result.sizes.items() if n == 4)
    assert small not in shown_groups(result, 5)
    drawn = opinion_map(result, shown_groups(result, 5))
    assert sum(1 for d in drawn.dots if d.group == NEUTRAL) == 4
    assert small in shown_groups(result, 4)


def test_a_tables_count_below_the_minimum_is_folded_into_other() -> None:
    result = lopsided()
    big = next(g for g, n in result.sizes.items() if n == 26)
    seating = {p: (1 if p < 6 else 2) for p in range(30)}
    assert table_groups(result, seating, 1, 5).counts == {big: 6}
    seating = {p: (1 if p < 3 else 2) for p in range(30)}
    row = table_groups(result, seating, 1, 5)
    assert row.counts == {}
    assert row.elsewhere == 3


@pytest.mark.parametrize("value", ["two", "2", "51"])
def test_an_impossible_minimum_is_refused(value: str) -> None:
    with pytest.raises(Refused):
        parse_min_group(value)
    assert parse_min_group("7") == 7


def two_camps() -> OpinionGroups:
    """30 people agree with the even statements, 30 with the odd; all agree with 0."""
    votes = [
        StatementVote(p, s, A if s == 0 or s % 2 == p % 2 else D)
        for p in range(60)
        for s in range(10)
    ]
    result = compute_opinion_groups(votes)
    assert isinstance(result, OpinionGroups)
    assert sorted(result.sizes.values()) == [30, 30]
    return result


def test_what_unites_and_divides_a_table_comes_from_the_groups_that_reach_the_minimum_there() -> (
    None
):
    result = two_camps()
    # Table 1: five of each camp; table 2: five of camp 0 and two of camp 1; table 3: four.
    seating: dict[int, int | None] = dict.fromkeys(range(60))
    seating.update({p: 1 for p in range(10)})
    seating.update({p: 2 for p in (10, 12, 14, 16, 18, 11, 13)})
    seating.update({p: 3 for p in (20, 21, 22, 23)})
    mixed = table_statements(result, table_groups(result, seating, 1, 5))
    assert mixed.groups == tuple(sorted(result.sizes))
    assert mixed.unites[0] == 0  # the statement everyone agrees with
    assert mixed.divides and 0 not in mixed.divides

    two_of_camp_one = table_statements(result, table_groups(result, seating, 2, 5))
    assert two_of_camp_one.groups == (result.groups[10],)
    assert two_of_camp_one.divides == ()
    # The two people of the other camp change nothing: they are not there to be seen.
    without_them = {**seating, 11: None, 13: None}
    assert table_statements(result, table_groups(result, without_them, 2, 5)) == two_of_camp_one

    assert table_statements(result, table_groups(result, seating, 3, 5)).groups == ()
