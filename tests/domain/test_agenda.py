"""The agenda state machine: draft → lobby → steps → closed, and back again."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation import agenda as rules
from facilitation.agenda import FACILITATOR_ACTIONS, Agenda, PanelStatus, transition
from facilitation.errors import Refused

DRAFT = Agenda(PanelStatus.DRAFT, step_count=3)
LOBBY = Agenda(PanelStatus.LOBBY, step_count=3)


def running(at: int, count: int = 3) -> Agenda:
    return Agenda(PanelStatus.RUNNING, step_count=count, current=at)


def test_a_draft_opens_into_the_lobby_where_people_can_join() -> None:
    opened = rules.open_panel(DRAFT)
    assert opened.status is PanelStatus.LOBBY and opened.current is None
    assert opened.joinable and not DRAFT.joinable


def test_a_panel_without_steps_cannot_be_opened_or_started() -> None:
    with pytest.raises(Refused, match="at least one step"):
        rules.open_panel(Agenda(PanelStatus.DRAFT, step_count=0))
    with pytest.raises(Refused):
        rules.start(Agenda(PanelStatus.LOBBY, step_count=0))


def test_start_opens_the_first_step_and_advance_walks_forward() -> None:
    state = rules.start(LOBBY)
    assert state == running(0)
    assert rules.advance(state) == running(1)
    assert rules.advance(rules.advance(state)) == running(2)


def test_advance_from_the_lobby_starts_the_panel() -> None:
    assert rules.advance(LOBBY) == running(0)


def test_advancing_past_the_last_step_is_refused_with_advice_to_close() -> None:
    with pytest.raises(Refused, match="last step"):
        rules.advance(running(2))


def test_back_from_the_first_step_returns_to_the_lobby() -> None:
    assert rules.back(running(1)) == running(0)
    assert rules.back(running(0)) == Agenda(PanelStatus.LOBBY, step_count=3)


def test_go_to_opens_any_step_but_not_a_missing_one_or_the_open_one() -> None:
    assert rules.go_to(running(0), 2) == running(2)
    assert rules.go_to(LOBBY, 1) == running(1)
    with pytest.raises(Refused, match="no step number 4"):
        rules.go_to(running(0), 3)
    with pytest.raises(Refused, match="already open"):
        rules.go_to(running(1), 1)
    with pytest.raises(Refused):
        rules.go_to(DRAFT, 0)


def test_closing_remembers_the_step_and_reopening_returns_there() -> None:
    closed = rules.close(running(1))
    assert closed.status is PanelStatus.CLOSED and closed.current is None
    assert not closed.joinable
    assert rules.reopen(closed) == running(1)


def test_a_panel_closed_from_the_lobby_reopens_into_the_lobby() -> None:
    assert rules.reopen(rules.close(LOBBY)) == Agenda(PanelStatus.LOBBY, step_count=3)


def test_reopening_when_the_remembered_step_was_deleted_returns_to_the_lobby() -> None:
    closed = Agenda(PanelStatus.CLOSED, step_count=1, resume_at=2)
    assert rules.reopen(closed).status is PanelStatus.LOBBY


@pytest.mark.parametrize(
    ("transition", "state"),
    [
        (rules.open_panel, LOBBY),
        (rules.open_panel, running(0)),
        (rules.start, DRAFT),
        (rules.start, running(0)),
        (rules.advance, DRAFT),
        (rules.advance, Agenda(PanelStatus.CLOSED, 3)),
        (rules.back, LOBBY),
        (rules.back, DRAFT),
        (rules.close, DRAFT),
        (rules.close, Agenda(PanelStatus.CLOSED, 3)),
        (rules.reopen, running(0)),
        (rules.reopen, LOBBY),
    ],
)
def test_invalid_transitions_are_refused(transition: object, state: Agenda) -> None:
    assert callable(transition)
    with pytest.raises(Refused):
        transition(state)


OPERATIONS = [rules.open_panel, rules.start, rules.advance, rules.back, rules.close, rules.reopen]


@given(
    st.lists(st.sampled_from(range(len(OPERATIONS))), max_size=40),
    st.integers(min_value=1, max_value=6),
)
def test_any_sequence_of_operations_keeps_the_agenda_consistent(
    sequence: list[int], steps: int
) -> None:
    state = Agenda(PanelStatus.DRAFT, step_count=steps)
    for index in sequence:
        with contextlib.suppress(Refused):  # refused: unchanged, we carry on from it
            state = OPERATIONS[index](state)
        if state.status is PanelStatus.RUNNING:
            assert state.current is not None and 0 <= state.current < steps
        else:
            assert state.current is None


def test_every_agenda_action_goes_through_one_rule() -> None:
    lobby = Agenda(status=PanelStatus.LOBBY, step_count=3)
    assert transition(lobby, "start").current == 0
    assert transition(lobby, "go_to", 2).current == 2
    with pytest.raises(Refused, match="Choose a step"):
        transition(lobby, "go_to")
    with pytest.raises(Refused, match="Unknown agenda action"):
        transition(lobby, "jump")
    assert "open" not in FACILITATOR_ACTIONS  # opening a draft is the organiser's
