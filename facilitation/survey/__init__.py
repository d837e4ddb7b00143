"""Survey items that organisers define and the answers that phones submit."""

from facilitation.survey.answers import (
    TEXT_MAX,
    Answer,
    NonAnswer,
    answer_from_dict,
    answer_to_dict,
    parse_answer,
)
from facilitation.survey.items import (
    AGREEMENT_SCALE,
    OPINION_SCALE,
    ItemKind,
    Scale,
    SurveyItem,
    Wave,
    item_from_dict,
    item_to_dict,
    validate_item,
)
from facilitation.survey.pairing import opinion_pairs, repeat_after, shown_key, validate_survey

__all__ = [
    "AGREEMENT_SCALE",
    "OPINION_SCALE",
    "TEXT_MAX",
    "Answer",
    "ItemKind",
    "NonAnswer",
    "Scale",
    "SurveyItem",
    "Wave",
    "answer_from_dict",
    "answer_to_dict",
    "item_from_dict",
    "item_to_dict",
    "opinion_pairs",
    "parse_answer",
    "repeat_after",
    "shown_key",
    "validate_item",
    "validate_survey",
]
