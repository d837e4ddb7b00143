"""Change by subgroup on the panel of `test_analysis_opinion`.

Gender: women a b c d e (pairs a–e), men f g h (pair f only), unknown i j.
"""

from __future__ import annotations

import json

import pytest

from facilitation.analysis.common import Unavailable
from facilitation.analysis.opinion import opinion_change
from facilitation.analysis.paired import PairedChange
from facilitation.analysis.subgroups import change_by_subgroup
from tests.domain.test_analysis_opinion import AFTER, BEFORE, ITEM

GENDER: dict[str, str | None] = {
    "a": "woman",
    "b": "woman",
    "c": "woman",
    "d": "woman",
    "e": "woman",
    "f": "man",
    "g": "man",
    "h": "man",
    "i": None,
}


def test_each_subgroup_gets_the_same_paired_change_on_its_own_members() -> None:
    breakdown = change_by_subgroup(ITEM, BEFORE, AFTER, GENDER)
    assert [group.group for group in breakdown.groups] == ["man", "woman"]
    women = breakdown.groups[1].change
    assert isinstance(women, PairedChange)
    # changes +3 +2 0 +3 −2 → mean 6/5
    assert women.pairs == 5
    assert women.mean_change == pytest.approx(6 / 5)
    members = {"a", "b", "c", "d", "e"}
    alone = opinion_change(
        ITEM,
        {k: v for k, v in BEFORE.items() if k in members},
        {k: v for k, v in AFTER.items() if k in members},
    )
    assert women == alone
    # i has None and j no entry at all
    assert breakdown.unknown == 2


def test_a_subgroup_too_small_to_stay_anonymous_is_hidden() -> None:
    men = change_by_subgroup(ITEM, BEFORE, AFTER, GENDER).groups[0].change
    assert isinstance(men, Unavailable)
    assert men.text == (
        "Fewer than 5 people in this group answered both before and after; their result is "
        "not shown to protect their privacy."
    )
    shown = change_by_subgroup(ITEM, BEFORE, AFTER, GENDER, min_pairs=1).groups[0].change
    assert isinstance(shown, PairedChange)
    assert shown.pairs == 1
    assert isinstance(shown.estimate, Unavailable)


def test_no_demographics_gives_no_groups() -> None:
    breakdown = change_by_subgroup(ITEM, BEFORE, AFTER, {})
    assert breakdown.groups == ()
    assert breakdown.unknown == 10
    json.dumps(breakdown.to_dict(), allow_nan=False)
