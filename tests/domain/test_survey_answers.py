"""Answers as phones send them: values, the two non-answers, blanks and every refusal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from facilitation.errors import Refused
from facilitation.survey.answers import (
    TEXT_MAX,
    Answer,
    NonAnswer,
    answer_from_dict,
    answer_to_dict,
    parse_answer,
)
from facilitation.survey.items import SurveyItem, validate_item

OPINION = validate_item(
    {
        "key": "bybane",
        "kind": "opinion",
        "wave": "T1",
        "question": "The light rail?",
        "low_label": "Against",
        "high_label": "For",
    }
)
AGREEMENT = validate_item({"key": "trust", "kind": "agreement", "wave": "T1", "question": "?"})
SINGLE = validate_item(
    {"key": "travel", "kind": "single", "wave": "T1", "question": "?", "options": "Car\nBus"}
)
MULTIPLE = validate_item(
    {
        "key": "reasons",
        "kind": "multiple",
        "wave": "T1",
        "question": "?",
        "options": "Cost\nNoise\nTime\nSafety",
        "max_choices": 2,
    }
)
KNOWLEDGE = validate_item(
    {
        "key": "length",
        "kind": "knowledge",
        "wave": "T1",
        "question": "How long is the line?",
        "options": "10 km\n20 km\n30 km",
        "correct": 1,
    }
)
TEXT = validate_item({"key": "wish", "kind": "text", "wave": "T2", "question": "Anything?"})
ALL_ITEMS = [OPINION, AGREEMENT, SINGLE, MULTIPLE, KNOWLEDGE, TEXT]


def test_a_point_on_the_opinion_scale_is_its_value() -> None:
    assert parse_answer(OPINION, "0") == Answer(value=0)
    assert parse_answer(OPINION, ["10"]) == Answer(value=10)
    assert parse_answer(OPINION, " 5 ") == Answer(value=5)
    assert parse_answer(AGREEMENT, "1") == Answer(value=1)


def test_a_choice_is_the_index_of_the_option() -> None:
    assert parse_answer(SINGLE, "1") == Answer(value=1)
    assert parse_answer(KNOWLEDGE, ["2"]) == Answer(value=2)


def test_multiple_choices_are_kept_sorted() -> None:
    assert parse_answer(MULTIPLE, ["3", "0"]) == Answer(choices=(0, 3))


def test_free_text_is_normalised_and_stripped_of_control_characters() -> None:
    answer = parse_answer(TEXT, "  Cafe\u0301 \x1b[31mred\x00 \r\nok ")
    assert answer == Answer(text="Café [31mred \nok")


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda item: item.kind.value)
def test_every_item_accepts_dont_know_and_prefer_not_apart_from_its_values(
    item: SurveyItem,
) -> None:
    assert parse_answer(item, "dont_know") == Answer(non_answer=NonAnswer.DONT_KNOW)
    assert parse_answer(item, ["prefer_not"]) == Answer(non_answer=NonAnswer.PREFER_NOT)
    assert parse_answer(item, ["dont_know", "dont_know"]) == Answer(non_answer=NonAnswer.DONT_KNOW)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda item: item.kind.value)
@pytest.mark.parametrize("raw", ["", "  ", [], ["", " "]])
def test_a_blank_item_gives_no_answer_since_no_item_is_required(
    item: SurveyItem, raw: str | list[str]
) -> None:
    assert parse_answer(item, raw) is None


def test_text_that_cleans_away_to_nothing_is_blank() -> None:
    assert parse_answer(TEXT, "\x00\x07") is None


@pytest.mark.parametrize(
    ("item", "raw", "fragment"),
    [
        (OPINION, ["dont_know", "prefer_not"], "Choose either"),
        (OPINION, ["7", "dont_know"], "not both"),
        (TEXT, ["I think so", "prefer_not"], "not both"),
        (MULTIPLE, ["0", "dont_know"], "not both"),
        (OPINION, ["3", "4"], "one point on the scale"),
        (OPINION, "11", "from 0 to 10"),
        (OPINION, "-1", "from 0 to 10"),
        (OPINION, "5.5", "from 0 to 10"),
        (OPINION, "five", "from 0 to 10"),
        (OPINION, "\u0665", "from 0 to 10"),
        (AGREEMENT, "0", "from 1 to 5"),
        (AGREEMENT, "6", "from 1 to 5"),
        (SINGLE, ["0", "1"], "only one option"),
        (SINGLE, "2", "not one of the options"),
        (SINGLE, "Car", "not one of the options"),
        (KNOWLEDGE, "-1", "not one of the options"),
        (MULTIPLE, ["4"], "not one of the options"),
        (MULTIPLE, ["1", "1"], "chosen twice"),
        (MULTIPLE, ["0", "1", "2"], "at most 2"),
        (TEXT, ["one", "two"], "one text answer"),
        (TEXT, "x" * (TEXT_MAX + 1), "at most 500"),
    ],
)
def test_a_wrong_answer_is_refused_with_a_clear_message(
    item: SurveyItem, raw: str | Sequence[str], fragment: str
) -> None:
    with pytest.raises(Refused) as caught:
        parse_answer(item, raw)
    assert fragment in str(caught.value)


def test_text_at_the_limit_is_accepted() -> None:
    assert parse_answer(TEXT, "x" * TEXT_MAX) == Answer(text="x" * TEXT_MAX)


def test_an_answer_holds_a_value_or_a_non_answer_never_both() -> None:
    with pytest.raises(ValueError):
        Answer(value=3, non_answer=NonAnswer.DONT_KNOW)
    with pytest.raises(ValueError):
        Answer()


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        (Answer(value=7), {"v": 7}),
        (Answer(value=0), {"v": 0}),
        (Answer(choices=(0, 2)), {"v": [0, 2]}),
        (Answer(text="Ja"), {"v": "Ja"}),
        (Answer(non_answer=NonAnswer.DONT_KNOW), {"na": "dont_know"}),
        (Answer(non_answer=NonAnswer.PREFER_NOT), {"na": "prefer_not"}),
    ],
)
def test_answers_round_trip_through_compact_json(answer: Answer, stored: dict[str, Any]) -> None:
    assert answer_to_dict(answer) == stored
    assert answer_from_dict(json.loads(json.dumps(stored))) == answer


@pytest.mark.parametrize(
    "stored",
    [{}, {"v": 1, "na": "dont_know"}, {"na": "maybe"}, {"v": True}, {"v": 1.5}, {"v": ["0"]}],
)
def test_a_damaged_stored_answer_is_a_bug_not_a_refusal(stored: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        answer_from_dict(stored)
