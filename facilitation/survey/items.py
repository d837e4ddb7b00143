"""Survey items: what an organiser may ask before (T1) and after (T2) the discussion.

A deliberative poll measures change, so the same opinion items are asked in both
waves and a T2 item names the T1 item it repeats (`pairs_with`); that link, not the
wording, is what lets answers pair per respondent. Opinion items follow the Bergen
convention: a 0–10 scale with a neutral middle (5) and a label at each end, optionally
in the balanced form ("Some say … Others say … What do you think?") so the question
itself does not lean. Every item also accepts "don't know" and "prefer not to answer"
(see `facilitation.survey.answers`). There is no skip logic and no required item:
people may leave anything blank, and the analysis says how many did.

Items round-trip through `item_to_dict` / `item_from_dict`, and `item_from_dict` is
`validate_item`, so stored items obey the same rules as freshly typed ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from facilitation.errors import N_, Refused
from facilitation.steps import clean_text

KEY_MAX = 40
QUESTION_MAX = 1_000
SIDE_MAX = 1_000
LABEL_MAX = 60
OPTION_MAX = 200
OPTIONS_MIN = 2
OPTIONS_MAX = 20
_KEY = re.compile(r"[a-z][a-z0-9_]*")


class ItemKind(StrEnum):
    OPINION = "opinion"
    AGREEMENT = "agreement"
    SINGLE = "single"
    MULTIPLE = "multiple"
    KNOWLEDGE = "knowledge"
    TEXT = "text"


class Wave(StrEnum):
    BEFORE = "T1"
    AFTER = "T2"


@dataclass(frozen=True)
class Scale:
    """The points of a rating scale and its middle, which counts as taking no side."""

    low: int
    high: int
    neutral: int

    @property
    def points(self) -> range:
        return range(self.low, self.high + 1)

    @property
    def low_side(self) -> range:
        """The points below the middle: leaning towards the low end (0–4 on 0–10)."""
        return range(self.low, self.neutral)

    @property
    def high_side(self) -> range:
        """The points above the middle: leaning towards the high end (6–10 on 0–10)."""
        return range(self.neutral + 1, self.high + 1)


OPINION_SCALE = Scale(0, 10, 5)
AGREEMENT_SCALE = Scale(1, 5, 3)
SCALES = {ItemKind.OPINION: OPINION_SCALE, ItemKind.AGREEMENT: AGREEMENT_SCALE}
CHOICE_KINDS = frozenset({ItemKind.SINGLE, ItemKind.MULTIPLE, ItemKind.KNOWLEDGE})


@dataclass(frozen=True)
class SurveyItem:
    """One question of a survey, valid by construction when built by `validate_item`.

    `key` names the item within the panel (and the form field on the phone).
    `some_say`/`others_say` hold the two sides of a balanced opinion item, both or
    neither. `correct` is the index of the right option of a knowledge item.
    """

    key: str
    kind: ItemKind
    wave: Wave
    question: str
    some_say: str = ""
    others_say: str = ""
    low_label: str = ""
    high_label: str = ""
    options: tuple[str, ...] = ()
    correct: int | None = None
    max_choices: int | None = None
    pairs_with: str | None = None

    @property
    def scale(self) -> Scale | None:
        """The rating scale of an opinion or agreement item; None for other kinds."""
        return SCALES.get(self.kind)

    @property
    def balanced(self) -> bool:
        return bool(self.some_say)


_FIELDS = frozenset(field.name for field in fields(SurveyItem))


def validate_item(raw: Mapping[str, Any]) -> SurveyItem:
    """Build an item from an organiser's definition, refusing anything that does not fit.

    Fields that do not belong to the kind must be blank rather than silently dropped:
    text the organiser typed and then saw vanish would be a worse surprise than a
    refusal that names it.
    """
    for name in raw:
        if name not in _FIELDS:
            raise Refused(N_("Unknown field in the question: %(field)s."), field=name)
    key = _key(raw, "key")
    if key is None:
        raise Refused(N_("A question needs a key."))
    kind = _kind(_text(raw, "kind", KEY_MAX).lower())
    wave = _wave(_text(raw, "wave", KEY_MAX))
    question = _text(raw, "question", QUESTION_MAX, one_line=False)
    if not question:
        raise Refused(N_("A question needs its text."))
    some_say, others_say = _balanced_sides(raw, kind)
    low_label, high_label = _end_labels(raw, kind)
    options = _options(raw, kind)
    correct = _correct(raw, kind, options)
    max_choices = _max_choices(raw, kind, options)
    pairs_with = _key(raw, "pairs_with")
    if pairs_with is not None and wave is not Wave.AFTER:
        raise Refused(N_("Only a question after the discussion can repeat an earlier one."))
    return SurveyItem(
        key,
        kind,
        wave,
        question,
        some_say,
        others_say,
        low_label,
        high_label,
        options,
        correct,
        max_choices,
        pairs_with,
    )


def item_to_dict(item: SurveyItem) -> dict[str, Any]:
    """A compact JSON-able form: empty and absent fields are left out."""
    data: dict[str, Any] = {
        "key": item.key,
        "kind": item.kind.value,
        "wave": item.wave.value,
        "question": item.question,
    }
    for name in ("some_say", "others_say", "low_label", "high_label"):
        if getattr(item, name):
            data[name] = getattr(item, name)
    if item.options:
        data["options"] = list(item.options)
    for name in ("correct", "max_choices", "pairs_with"):
        if getattr(item, name) is not None:
            data[name] = getattr(item, name)
    return data


# Stored items pass the same checks as typed ones, so a stale rule cannot hide.
item_from_dict = validate_item


def _text(raw: Mapping[str, Any], name: str, limit: int, *, one_line: bool = True) -> str:
    """Cleaned text of a field; one-line fields also get their runs of spaces collapsed."""
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused(N_("The field %(field)s must be text."), field=name)
    text = clean_text(value)
    if one_line:
        text = " ".join(text.split())
    if len(text) > limit:
        raise Refused(
            N_("The field %(field)s can be at most %(max)s characters."), field=name, max=limit
        )
    return text


def _key(raw: Mapping[str, Any], name: str) -> str | None:
    key = _text(raw, name, KEY_MAX).lower()
    if not key:
        return None
    if not _KEY.fullmatch(key):
        raise Refused(
            N_(
                "A question key starts with a letter and has only letters a–z, digits and "
                "underscores: %(key)s."
            ),
            key=key,
        )
    return key


def _kind(value: str) -> ItemKind:
    if not value:
        raise Refused(N_("Choose the kind of question."))
    try:
        return ItemKind(value)
    except ValueError:
        raise Refused(N_("Unknown kind of question: %(kind)s."), kind=value) from None


def _wave(value: str) -> Wave:
    try:
        return Wave(value.upper())
    except ValueError:
        raise Refused(
            N_("A question belongs to the survey before (T1) or after (T2) the discussion.")
        ) from None


def _balanced_sides(raw: Mapping[str, Any], kind: ItemKind) -> tuple[str, str]:
    some_say = _text(raw, "some_say", SIDE_MAX, one_line=False)
    others_say = _text(raw, "others_say", SIDE_MAX, one_line=False)
    if (some_say or others_say) and kind is not ItemKind.OPINION:
        raise Refused(N_("Only opinion questions have the balanced form (Some say … Others say)."))
    if bool(some_say) != bool(others_say):
        raise Refused(N_("Write both sides of the balanced question, or neither."))
    return some_say, others_say


def _end_labels(raw: Mapping[str, Any], kind: ItemKind) -> tuple[str, str]:
    low = _text(raw, "low_label", LABEL_MAX)
    high = _text(raw, "high_label", LABEL_MAX)
    if kind is not ItemKind.OPINION:
        if low or high:
            raise Refused(N_("Only opinion questions have labels at the ends of the scale."))
        return "", ""
    if not (low and high):
        raise Refused(N_("An opinion scale needs a label at 0 and at 10."))
    return low, high


def _options(raw: Mapping[str, Any], kind: ItemKind) -> tuple[str, ...]:
    value = raw.get("options")
    if value is None:
        value = ""
    if isinstance(value, str):
        lines: Sequence[object] = value.splitlines()
    elif isinstance(value, Sequence) and all(isinstance(line, str) for line in value):
        lines = value
    else:
        raise Refused(N_("The options must be text, one option per line."))
    options = tuple(
        text for text in (" ".join(clean_text(str(line)).split()) for line in lines) if text
    )
    if kind not in CHOICE_KINDS:
        if options:
            raise Refused(N_("Only choice and knowledge questions have options."))
        return ()
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        raise Refused(
            N_("A choice question has between %(min)s and %(max)s options."),
            min=OPTIONS_MIN,
            max=OPTIONS_MAX,
        )
    for option in options:
        if len(option) > OPTION_MAX:
            raise Refused(N_("An option can be at most %(max)s characters."), max=OPTION_MAX)
    folded = [option.casefold() for option in options]
    if len(set(folded)) != len(folded):
        raise Refused(N_("Two options have the same text."))
    return options


def _number(raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Refused(N_("The field %(field)s must be a whole number."), field=name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise Refused(N_("The field %(field)s must be a whole number."), field=name)


def _correct(raw: Mapping[str, Any], kind: ItemKind, options: tuple[str, ...]) -> int | None:
    correct = _number(raw, "correct")
    if kind is not ItemKind.KNOWLEDGE:
        if correct is not None:
            raise Refused(N_("Only knowledge questions have a correct answer."))
        return None
    if correct is None:
        raise Refused(N_("Mark which option of the knowledge question is correct."))
    if not 0 <= correct < len(options):
        raise Refused(N_("The correct answer must be one of the options."))
    return correct


def _max_choices(raw: Mapping[str, Any], kind: ItemKind, options: tuple[str, ...]) -> int | None:
    limit = _number(raw, "max_choices")
    if limit is None:
        return None
    if kind is not ItemKind.MULTIPLE:
        raise Refused(N_("Only multiple-choice questions have a limit on choices."))
    if not 1 <= limit <= len(options):
        raise Refused(
            N_("The limit on choices must be between 1 and the number of options (%(max)s)."),
            max=len(options),
        )
    return limit
