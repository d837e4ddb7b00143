"""The states submitted text passes through, and the vocabulary of moderation.

Kept apart from the rules that move between states so that arguments, questions and
their visibility can all name a state without importing each other.
"""

from __future__ import annotations

from enum import StrEnum

from facilitation.deliberation.text import cleaned
from facilitation.errors import N_, Refused

HIDE_NOTE_MAX = 200


class ModerationMode(StrEnum):
    """Chosen per panel by the organiser.

    Pre-moderation suits panels where a council member or the press watches the
    projector; post-moderation keeps a big, fast room moving and relies on hiding.
    """

    PRE = "pre"
    POST = "post"


class ArgumentState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class QuestionState(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    QUEUED = "queued"
    ANSWERING = "answering"
    ANSWERED = "answered"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"


class HideReason(StrEnum):
    """Why text was hidden, from a short fixed list.

    A fixed list rather than free text because the table that wrote it is told the
    reason in its own language, and a facilitator in a busy room should not have to type.
    """

    OFF_TOPIC = "off_topic"
    OFFENSIVE = "offensive"
    PERSONAL_INFORMATION = "personal_information"
    DUPLICATE = "duplicate"
    OTHER = "other"


def parse_moderation_mode(value: str) -> ModerationMode:
    try:
        return ModerationMode(value)
    except ValueError:
        raise Refused(N_("Choose pre-moderation or post-moderation.")) from None


def parse_hide_reason(value: str | HideReason) -> HideReason:
    try:
        return HideReason(value)
    except ValueError:
        raise Refused(N_("Choose why the text is hidden.")) from None


def checked_hide_note(note: str) -> str:
    """A facilitator's private note on a hide, for the record; may be left blank."""
    clean = cleaned(note)
    if len(clean) > HIDE_NOTE_MAX:
        raise Refused(
            N_("A note can be at most %(max)s characters; this one is %(over)s too long."),
            max=HIDE_NOTE_MAX,
            over=len(clean) - HIDE_NOTE_MAX,
        )
    return clean
