"""The council's answer to each adopted recommendation, and its later updates.

A panel is worth its trouble when it is answered: the organiser records, for each
adopted recommendation, what the council did with it (accepted, partly accepted, not
accepted, under consideration), why, when, and a link to the decision. An answer is
never overwritten; an update is a new answer, so the follow-up page can show the
history. Only adopted recommendations are answered: the council answers the panel,
not each draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused

REASON_MAX = 4000
LINK_MAX = 500


class CouncilStatus(StrEnum):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    NOT_ACCEPTED = "not_accepted"
    UNDER_CONSIDERATION = "under_consideration"


@dataclass(frozen=True)
class CouncilAnswer:
    status: CouncilStatus
    reason: str
    decided_on: date
    link: str


def checked_answer(
    *, adopted: bool, status: str, reason: str, decided_on: str, link: str
) -> CouncilAnswer:
    if not adopted:
        raise Refused(N_("Only a recommendation the panel adopted can be answered."))
    try:
        kind = CouncilStatus(status)
    except ValueError:
        raise Refused(N_("Choose what the council decided.")) from None
    clean = checked_text(
        reason,
        REASON_MAX,
        empty=N_("Give the council's reason."),
        too_long=N_("A reason can be at most %(max)s characters; this one is %(over)s too long."),
    )
    try:
        day = date.fromisoformat(decided_on.strip())
    except ValueError:
        raise Refused(N_("Give the date of the decision as a date, like 2026-05-31.")) from None
    return CouncilAnswer(kind, clean, day, checked_link(link))


def checked_link(link: str) -> str:
    """Blank, or an http(s) address: the link is shown to the public, so nothing else."""
    link = link.strip()
    if not link:
        return ""
    if len(link) > LINK_MAX:
        raise Refused(N_("A link can be at most %(max)s characters."), max=LINK_MAX)
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in link):
        raise Refused(N_("A link must be a web address starting with https:// or http://."))
    return link
