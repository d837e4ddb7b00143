"""Steps of the agenda: what kinds exist and what makes a step well formed.

The agenda is data: an ordered list of steps, each of a kind with its own settings.
Later capabilities (surveys, discussion, questions, votes, results) fill in their own
settings; every kind shares a title, a Markdown text and an optional timer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from facilitation.errors import N_, Refused

TITLE_MAX = 120
BODY_MAX = 20_000
TIMER_MAX_SECONDS = 6 * 60 * 60


class StepKind(StrEnum):
    INFO = "info"
    SURVEY = "survey"
    DISCUSSION = "discussion"
    QUESTIONS = "questions"
    VOTE = "vote"
    RESULTS = "results"
    RECOMMENDATIONS = "recommendations"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    title: str
    body: str = ""
    timer_seconds: int = 0
    settings: dict[str, Any] = field(default_factory=dict)


# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the BOM.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF], None)
_NOTHING_TO_SEE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs"})


def clean_text(text: str) -> str:
    """Normalise typed text, the organiser's and the participant's alike.

    NFC; no control characters except line breaks and tabs, no lone surrogates (they
    cannot be stored as UTF-8), no byte-order marks and no bidirectional overrides,
    which can make a title on the projector read backwards. Joiners and variation
    selectors stay, because emoji need them. Text that would show as blank (spaces,
    zero-width characters) becomes "", so a required field refuses it.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(
        ch
        for ch in text.translate(_BIDI_CONTROLS)
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()
    return text if says_something(text) else ""


def says_something(text: str) -> bool:
    """False for text that would show as blank: spaces, zero-width characters and such."""
    return any(unicodedata.category(ch) not in _NOTHING_TO_SEE for ch in text)


def parse_kind(value: str) -> StepKind:
    try:
        return StepKind(value)
    except ValueError:
        raise Refused(N_("Unknown kind of step: %(kind)s."), kind=value) from None


def checked_step(kind: str, title: str, body: str = "", timer_minutes: str | int = 0) -> Step:
    """Build a step from form input, refusing anything that does not fit."""
    step_kind = parse_kind(kind)
    clean_title = clean_text(title)
    if not clean_title:
        raise Refused(N_("A step needs a title."))
    if len(clean_title) > TITLE_MAX:
        raise Refused(N_("A title can be at most %(max)s characters."), max=TITLE_MAX)
    clean_body = clean_text(body)
    if len(clean_body) > BODY_MAX:
        raise Refused(N_("The text can be at most %(max)s characters."), max=BODY_MAX)
    return Step(step_kind, clean_title, clean_body, parse_timer_minutes(timer_minutes))


def parse_timer_minutes(value: str | int) -> int:
    """Minutes as typed by an organiser (blank means no timer) → seconds."""
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
        if not value:
            return 0
        try:
            minutes = float(value)
        except ValueError:
            raise Refused(N_("The timer must be a number of minutes.")) from None
    else:
        minutes = float(value)
    # "inf" and "nan" are floats too: compare before rounding, which they would crash.
    if not 0 <= minutes * 60 <= TIMER_MAX_SECONDS:
        raise Refused(N_("The timer must be between 0 and %(max)s minutes."), max=360)
    return round(minutes * 60)
