"""Survey items as organisers define them: what is accepted, and every way it is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from facilitation.errors import Refused
from facilitation.survey.items import (
    AGREEMENT_SCALE,
    OPINION_SCALE,
    ItemKind,
    SurveyItem,
    Wave,
    item_from_dict,
    item_to_dict,
    validate_item,
)
from facilitation.survey.pairing import repeat_after, validate_survey


def opinion(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "key": "bybane",
        "kind": "opinion",
        "wave": "T1",
        "question": "What do you think about the light rail across the city centre?",
        "low_label": "Strongly against",
        "high_label": "Strongly for",
    }
    raw.update(changes)
    return {name: value for name, value in raw.items() if value is not None}


def choice(kind: str = "single", **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "key": "transport",
        "kind": kind,
        "wave": "T1",
        "question": "How do you usually travel to work?",
        "options": "Car\nBus\nBicycle\n",
    }
    raw.update(changes)
    return {name: value for name, value in raw.items() if value is not None}


def refused(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(Refused) as caught:
        validate_item(raw)
    assert fragment in str(caught.value)


def test_an_opinion_item_uses_the_bergen_scale_with_labelled_ends() -> None:
    item = validate_item(opinion())
    assert item.kind is ItemKind.OPINION
    assert item.wave is Wave.BEFORE
    assert item.scale == OPINION_SCALE
    assert (item.scale.low, item.scale.neutral, item.scale.high) == (0, 5, 10)
    assert (item.low_label, item.high_label) == ("Strongly against", "Strongly for")
    assert not item.balanced


def test_a_balanced_opinion_item_keeps_both_sides_beside_the_question() -> None:
    item = validate_item(
        opinion(
            some_say="Some say the light rail should go through Bryggen.",
            others_say="Others say it should go through a tunnel.",
            question="What do you think?",
        )
    )
    assert item.balanced
    assert item.some_say.startswith("Some say")
    assert item.others_say.startswith("Others say")


def test_text_is_cleaned_and_one_line_fields_lose_extra_spaces() -> None:
    item = validate_item(
        opinion(key=" Bybane ", question="Line one\r\nline\x00 two ", low_label=" Very \t against ")
    )
    assert item.key == "bybane"
    assert item.question == "Line one\nline two"
    assert item.low_label == "Very against"


def test_agreement_items_use_a_five_point_scale_with_a_middle() -> None:
    item = validate_item({"key": "trust", "kind": "agreement", "wave": "t2", "question": "I trust"})
    assert item.scale == AGREEMENT_SCALE
    assert item.wave is Wave.AFTER
    assert list(item.scale.points) == [1, 2, 3, 4, 5]


def test_options_come_as_lines_or_a_list_and_blank_lines_are_dropped() -> None:
    from_text = validate_item(choice(options="Car\n\n  Bus \nBicycle"))
    from_list = validate_item(choice(options=["Car", "Bus", " ", "Bicycle"]))
    assert from_text.options == from_list.options == ("Car", "Bus", "Bicycle")
    assert from_text.scale is None


def test_a_knowledge_item_names_its_correct_option_by_index() -> None:
    item = validate_item(choice("knowledge", correct="1"))
    assert item.correct == 1
    assert validate_item(choice("knowledge", correct=2)).correct == 2


def test_a_multiple_choice_item_may_limit_the_choices() -> None:
    assert validate_item(choice("multiple", max_choices="2")).max_choices == 2
    assert validate_item(choice("multiple", max_choices="")).max_choices is None


def test_a_text_item_has_only_its_question() -> None:
    item = validate_item({"key": "wish", "kind": "text", "wave": "T2", "question": "Anything?"})
    assert item.kind is ItemKind.TEXT
    assert item.options == ()


def test_a_later_item_may_repeat_an_earlier_one() -> None:
    item = validate_item(opinion(key="bybane_after", wave="T2", pairs_with="bybane"))
    assert item.pairs_with == "bybane"


def test_items_round_trip_through_compact_json() -> None:
    items = [
        validate_item(opinion(some_say="Some say A.", others_say="Others say B.")),
        validate_item(choice("knowledge", correct=0)),
        validate_item(choice("multiple", max_choices=2)),
        validate_item(opinion(key="later", wave="T2", pairs_with="bybane")),
    ]
    for item in items:
        data = json.loads(json.dumps(item_to_dict(item)))
        assert item_from_dict(data) == item
    assert "options" not in item_to_dict(items[0])
    assert "low_label" not in item_to_dict(items[1])


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (opinion(colour="red"), "Unknown field"),
        (opinion(key=""), "needs a key"),
        (opinion(key="1st"), "starts with a letter"),
        (opinion(key="by bane"), "starts with a letter"),
        (opinion(key="x" * 41), "at most"),
        (opinion(kind=""), "Choose the kind"),
        (opinion(kind="poll"), "Unknown kind of question"),
        (opinion(wave="T3"), "before (T1) or after (T2)"),
        (opinion(wave=""), "before (T1) or after (T2)"),
        (opinion(question=" \x00 "), "needs its text"),
        (opinion(question=7), "must be text"),
        (opinion(question="x" * 1001), "at most"),
        (opinion(some_say="Some say A."), "both sides"),
        (opinion(others_say="Others say B."), "both sides"),
        (opinion(low_label=""), "label at 0 and at 10"),
        (opinion(high_label=""), "label at 0 and at 10"),
        (opinion(low_label="x" * 61), "at most"),
        (opinion(options="A\nB"), "Only choice and knowledge"),
        (opinion(correct=0), "Only knowledge questions"),
        (opinion(max_choices=2), "Only multiple-choice"),
        (opinion(pairs_with="earlier"), "Only a question after the discussion"),
        (opinion(wave="T2", pairs_with="Earlier one"), "starts with a letter"),
        (choice(some_say="Some say A.", others_say="Others say B."), "Only opinion questions"),
        (choice(low_label="No"), "labels at the ends"),
        (choice(options="Only one"), "between 2 and 20 options"),
        (choice(options="\n".join(f"Option {n}" for n in range(21))), "between 2 and 20"),
        (choice(options=None), "between 2 and 20 options"),
        (choice(options=["Car", 3]), "one option per line"),
        (choice(options={"Car": 1}), "one option per line"),
        (choice(options=["Car", "x" * 201]), "at most 200"),
        (choice(options="Car\ncar"), "same text"),
        (choice("knowledge"), "Mark which option"),
        (choice("knowledge", correct=3), "must be one of the options"),
        (choice("knowledge", correct=-1), "must be one of the options"),
        (choice("knowledge", correct="first"), "whole number"),
        (choice("knowledge", correct=True), "whole number"),
        (choice("knowledge", correct=1.0), "whole number"),
        (choice("single", correct=1), "Only knowledge questions"),
        (choice("single", max_choices=1), "Only multiple-choice"),
        (choice("multiple", max_choices=0), "between 1 and the number of options"),
        (choice("multiple", max_choices=4), "between 1 and the number of options"),
    ],
)
def test_a_badly_defined_item_is_refused_with_a_clear_message(
    raw: dict[str, Any], fragment: str
) -> None:
    refused(raw, fragment)


def test_the_refusal_names_the_offending_field_and_limit() -> None:
    with pytest.raises(Refused) as caught:
        validate_item(opinion(question="x" * 1001))
    assert caught.value.params == {"field": "question", "max": 1000}


def survey_refused(items: list[SurveyItem], fragment: str) -> None:
    with pytest.raises(Refused) as caught:
        validate_survey(items)
    assert fragment in str(caught.value)


def test_a_survey_with_sound_pairs_is_accepted() -> None:
    before = validate_item(opinion())
    after = validate_item(opinion(key="bybane_after", wave="T2", pairs_with="bybane"))
    assert validate_survey([before, after]) == (before, after)


def test_a_survey_refuses_duplicate_keys() -> None:
    survey_refused([validate_item(opinion()), validate_item(opinion(wave="T2"))], "Two questions")


def test_a_survey_refuses_a_repeat_of_a_missing_or_later_item() -> None:
    later = validate_item(opinion(key="after", wave="T2", pairs_with="bybane"))
    survey_refused([later], "not asked before the discussion")
    other_later = validate_item(opinion(key="bybane", wave="T2"))
    survey_refused([other_later, later], "not asked before the discussion")


def test_a_survey_refuses_a_repeat_of_another_kind_or_other_options() -> None:
    before = validate_item(choice())
    as_multiple = validate_item(choice("multiple", key="again", wave="T2", pairs_with="transport"))
    survey_refused([before, as_multiple], "same kind and options")
    other_options = validate_item(
        choice(key="again", wave="T2", pairs_with="transport", options="Car\nTrain")
    )
    survey_refused([before, other_options], "same kind and options")


def test_a_survey_refuses_a_repeated_knowledge_item_with_another_correct_answer() -> None:
    before = validate_item(choice("knowledge", correct=0))
    after = validate_item(
        choice("knowledge", key="k2", wave="T2", pairs_with="transport", correct=1)
    )
    survey_refused([before, after], "same correct answer")


def test_a_survey_refuses_two_repeats_of_one_item() -> None:
    before = validate_item(opinion())
    first = validate_item(opinion(key="a", wave="T2", pairs_with="bybane"))
    second = validate_item(opinion(key="b", wave="T2", pairs_with="bybane"))
    survey_refused([before, first, second], "Two questions repeat")


def test_repeating_after_copies_the_question_under_a_free_key_paired_with_it() -> None:
    before = validate_item(opinion())
    knowledge = validate_item(choice("knowledge", correct=2))
    copies = repeat_after([before, knowledge], ["bybane", "transport"], ["bybane_t2"])
    assert [(c.key, c.wave.value, c.pairs_with) for c in copies] == [
        ("bybane_t2_2", "T2", "bybane"),
        ("transport_t2", "T2", "transport"),
    ]
    assert copies[0].question == before.question and copies[1].correct == 2
    assert validate_survey([before, knowledge, *copies])


def test_repeating_after_refuses_what_was_not_asked_before() -> None:
    later = validate_item(opinion(wave="T2"))
    with pytest.raises(Refused) as caught:
        repeat_after([later], ["bybane"], [])
    assert "no question bybane before" in str(caught.value)
    with pytest.raises(Refused) as too_long:
        repeat_after([validate_item(opinion(key="k" * 40))], ["k" * 40], [])
    assert "40" in str(too_long.value)
