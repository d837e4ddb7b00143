"""Answers that phones submit to survey items, checked against the item.

"Don't know" and "prefer not to answer" are kept apart from the scale: a "don't know"
is not a 5, and averaging it in would pull every mean towards the middle. So an answer
is either a value or one of the two non-answers, never both. Leaving an item blank is
allowed (no item is required) and gives no answer at all.

On the phone each item is one form field named by the item's key. Its values are the
scale point ("0"–"10", "1"–"5"), the option index ("0", "1", …; several for multiple
choice), or the text typed; the non-answers are the values `dont_know` and
`prefer_not` in the same field (a radio button or checkbox beside the others); a text
answer that is exactly one of those words counts as that non-answer.

Stored compactly as `{"v": 7}`, `{"v": [0, 2]}`, `{"v": "text"}` or `{"na": "dont_know"}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from facilitation.errors import N_, Refused
from facilitation.steps import clean_text
from facilitation.survey.items import ItemKind, SurveyItem

TEXT_MAX = 500


class NonAnswer(StrEnum):
    DONT_KNOW = "dont_know"
    PREFER_NOT = "prefer_not"


@dataclass(frozen=True)
class Answer:
    """One respondent's answer to one item: exactly one of the fields is set.

    `value` is the scale point (opinion, agreement) or the chosen option's index
    (single choice, knowledge); `choices` the chosen indices of a multiple-choice item,
    sorted; `text` a free-text answer; `non_answer` says "don't know" or "prefer not
    to answer" instead of any of them.
    """

    value: int | None = None
    choices: tuple[int, ...] = ()
    text: str = ""
    non_answer: NonAnswer | None = None

    def __post_init__(self) -> None:
        given = (self.value is not None) + bool(self.choices) + bool(self.text)
        given += self.non_answer is not None
        if given != 1:
            raise ValueError("an answer has exactly one of value, choices, text or non_answer")


def dont_know() -> Answer:
    return Answer(non_answer=NonAnswer.DONT_KNOW)


def prefer_not() -> Answer:
    return Answer(non_answer=NonAnswer.PREFER_NOT)


def parse_answer(item: SurveyItem, raw: str | Sequence[str]) -> Answer | None:
    """Check what a phone sent for `item`; None means the item was left blank.

    `raw` is the field's value, or its list of values (`form.getlist(item.key)`).
    """
    values = [value.strip() for value in ([raw] if isinstance(raw, str) else raw)]
    values = [value for value in values if value]
    if not values:
        return None
    non_answers = {value for value in values if value in _NON_ANSWERS}
    if non_answers:
        if len(non_answers) > 1:
            raise Refused(N_("Choose either “don't know” or “prefer not to answer”."))
        if len(values) != values.count(next(iter(non_answers))):
            raise Refused(
                N_("Give an answer or choose “don't know” or “prefer not to answer”, not both.")
            )
        return Answer(non_answer=NonAnswer(non_answers.pop()))
    if item.kind is ItemKind.TEXT:
        return _text_answer(values)
    if item.kind is ItemKind.MULTIPLE:
        return _choices_answer(item, values)
    if len(values) > 1:
        if item.scale is not None:
            raise Refused(N_("Choose one point on the scale."))
        raise Refused(N_("Choose only one option."))
    if item.scale is not None:
        point = _index(values[0])
        if point is None or point not in item.scale.points:
            raise Refused(
                N_("Choose a point on the scale from %(low)s to %(high)s."),
                low=item.scale.low,
                high=item.scale.high,
            )
        return Answer(value=point)
    return Answer(value=_option(item, values[0]))


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    if answer.non_answer is not None:
        return {"na": answer.non_answer.value}
    if answer.value is not None:
        return {"v": answer.value}
    if answer.choices:
        return {"v": list(answer.choices)}
    return {"v": answer.text}


def answer_from_dict(data: Mapping[str, Any]) -> Answer:
    """Read a stored answer back; stored data is trusted to have passed `parse_answer`.

    A malformed record is a bug or a damaged database, not a participant's mistake, so
    it raises ValueError rather than a refusal meant for a person.
    """
    if set(data) == {"na"}:
        return Answer(non_answer=NonAnswer(data["na"]))
    if set(data) != {"v"}:
        raise ValueError(f"not a stored answer: {data!r}")
    value = data["v"]
    if isinstance(value, bool):
        raise ValueError(f"not a stored answer: {data!r}")
    if isinstance(value, int):
        return Answer(value=value)
    if isinstance(value, str):
        return Answer(text=value)
    if isinstance(value, list) and all(
        isinstance(index, int) and not isinstance(index, bool) for index in value
    ):
        return Answer(choices=tuple(value))
    raise ValueError(f"not a stored answer: {data!r}")


_NON_ANSWERS = frozenset(NonAnswer)


def _index(value: str) -> int | None:
    """A small non-negative whole number in ASCII digits, or None."""
    if value.isascii() and value.isdigit() and len(value) <= 3:
        return int(value)
    return None


def _option(item: SurveyItem, value: str) -> int:
    index = _index(value)
    if index is None or index >= len(item.options):
        raise Refused(N_("That is not one of the options."))
    return index


def _choices_answer(item: SurveyItem, values: list[str]) -> Answer:
    chosen = [_option(item, value) for value in values]
    if len(set(chosen)) != len(chosen):
        raise Refused(N_("The same option was chosen twice."))
    if item.max_choices is not None and len(chosen) > item.max_choices:
        raise Refused(N_("Choose at most %(max)s options."), max=item.max_choices)
    return Answer(choices=tuple(sorted(chosen)))


def _text_answer(values: list[str]) -> Answer | None:
    if len(values) > 1:
        raise Refused(N_("Send one text answer."))
    text = clean_text(values[0])
    if not text:
        return None
    if len(text) > TEXT_MAX:
        raise Refused(N_("The answer can be at most %(max)s characters."), max=TEXT_MAX)
    return Answer(text=text)
