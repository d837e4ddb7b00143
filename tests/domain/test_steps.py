"""Steps and panel text: what organisers may type, cleaned and checked."""

from __future__ import annotations

import pytest

from facilitation.errors import Refused
from facilitation.panel import checked_panel_text, checked_table_count, table_labels_to_remove
from facilitation.steps import StepKind, checked_step, clean_text, parse_timer_minutes
from facilitation.templates import deliberative_poll


def test_the_default_template_is_the_bergen_deliberative_poll() -> None:
    steps = deliberative_poll(str)
    assert [s.kind for s in steps] == [
        StepKind.SURVEY,
        StepKind.INFO,
        StepKind.DISCUSSION,
        StepKind.QUESTIONS,
        StepKind.INFO,
        StepKind.VOTE,
        StepKind.SURVEY,
        StepKind.RESULTS,
    ]
    assert all(s.title for s in steps)


def test_the_template_speaks_the_language_it_is_given() -> None:
    steps = deliberative_poll(lambda text: text.upper())
    assert steps[1].title == "BRIEFING"


def test_text_is_normalised_and_control_characters_dropped() -> None:
    assert clean_text("  Cafe\u0301\x00\x1b[31m\r\nnext ") == "Café[31m\nnext"


@pytest.mark.parametrize(("typed", "seconds"), [("", 0), ("10", 600), ("2,5", 150), (3, 180)])
def test_timer_minutes_are_read_as_organisers_type_them(typed: str | int, seconds: int) -> None:
    assert parse_timer_minutes(typed) == seconds


@pytest.mark.parametrize("typed", ["ten", "-1", "361"])
def test_impossible_timers_are_refused(typed: str) -> None:
    with pytest.raises(Refused):
        parse_timer_minutes(typed)


def test_a_step_needs_a_known_kind_and_a_title_of_sensible_length() -> None:
    assert checked_step("info", " Welcome ").title == "Welcome"
    with pytest.raises(Refused, match="Unknown kind"):
        checked_step("party", "Welcome")
    with pytest.raises(Refused, match="needs a title"):
        checked_step("info", " \n ")
    with pytest.raises(Refused, match="at most 120"):
        checked_step("info", "x" * 121)


def test_panel_text_and_table_counts_are_checked() -> None:
    assert checked_panel_text(" Byrom ", "", "nn").title == "Byrom"
    with pytest.raises(Refused, match="needs a title"):
        checked_panel_text("", "", "nb")
    with pytest.raises(Refused, match="bokmål"):
        checked_panel_text("T", "", "de")
    assert checked_table_count(" 12 ") == 12
    for bad in ("0", "201", "many"):
        with pytest.raises(Refused):
            checked_table_count(bad)


def test_only_empty_tables_at_the_end_can_be_removed() -> None:
    assert table_labels_to_remove({1: 5}, [1, 2, 3], 1) == [2, 3]
    with pytest.raises(Refused, match="Move them first"):
        table_labels_to_remove({3: 1}, [1, 2, 3], 2)
