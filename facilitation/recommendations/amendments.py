"""Amendments: a table proposes new wording; a quick vote or the facilitator decides.

    proposed ──open vote──▶ voting ──close vote──▶ accepted | rejected
    proposed | voting ──facilitator decides (with a reason)──▶ accepted | rejected

An amendment replaces the whole text of the version it was written against
(`base_version`), so the projector can show the two side by side. If the text has
changed since (another amendment accepted, or a merge), the amendment is refused and
the current text is shown; the phone keeps what was typed, so nothing is lost. A
quick vote is one participant, one yes or no, the last answer counting; it carries
when more say yes than no. An accepted amendment makes a new version; a rejected one
is kept with its reason, so the report shows every proposal the plenary weighed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused
from facilitation.recommendations.drafts import (
    Recommendation,
    RecommendationState,
    Version,
    VersionCause,
    checked_wording,
    reworded,
)
from facilitation.recommendations.settings import Phase, RecommendationSettings

REASON_MAX = 500


class AmendmentState(StrEnum):
    PROPOSED = "proposed"
    VOTING = "voting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DecidedBy(StrEnum):
    VOTE = "vote"
    FACILITATOR = "facilitator"


class Choice(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Amendment:
    id: int
    recommendation_id: int
    table_id: int
    base_version: int
    text: str
    state: AmendmentState = AmendmentState.PROPOSED
    decided_by: DecidedBy | None = None
    reason: str = ""
    yes: int = 0
    no: int = 0

    @property
    def open(self) -> bool:
        return self.state in (AmendmentState.PROPOSED, AmendmentState.VOTING)


@dataclass(frozen=True)
class NewAmendment:
    recommendation_id: int
    table_id: int
    base_version: int
    text: str


class TextChanged(Refused):
    """The text an amendment was written against has changed; carries the current text."""

    def __init__(self, current: Recommendation) -> None:
        super().__init__(
            N_(
                "The text changed while you were writing, so your amendment was not sent. "
                "What you typed is still in the box. The text now reads: %(current)s"
            ),
            current=current.text,
        )
        self.current = current


def propose_amendment(
    settings: RecommendationSettings,
    recommendation: Recommendation,
    *,
    table_id: int | None,
    base_version: int,
    text: str,
) -> NewAmendment:
    if table_id is None:
        raise Refused(N_("Sit down at a table before proposing amendments."))
    if settings.phase is not Phase.AMENDING:
        raise Refused(N_("Amendments can be proposed only while the plenary amends."))
    if recommendation.state is not RecommendationState.ACTIVE:
        raise Refused(N_("This recommendation is no longer in play."))
    clean = checked_wording(text)
    if base_version != recommendation.version:
        raise TextChanged(recommendation)
    if clean == recommendation.text:
        raise Refused(N_("The amendment reads the same as the text; change something first."))
    return NewAmendment(recommendation.id, table_id, base_version, clean)


def open_vote(settings: RecommendationSettings, amendment: Amendment) -> Amendment:
    _require_open(settings, amendment)
    if amendment.state is AmendmentState.VOTING:
        raise Refused(N_("The vote on this amendment is already open."))
    return replace(amendment, state=AmendmentState.VOTING)


def check_vote(settings: RecommendationSettings, amendment: Amendment, choice: str) -> Choice:
    if settings.phase is not Phase.AMENDING or amendment.state is not AmendmentState.VOTING:
        raise Refused(N_("There is no vote open on this amendment."))
    try:
        return Choice(choice)
    except ValueError:
        raise Refused(N_("Answer yes or no.")) from None


def close_vote(
    settings: RecommendationSettings,
    amendment: Amendment,
    recommendation: Recommendation,
    *,
    yes: int,
    no: int,
) -> tuple[Amendment, Recommendation | None, Version | None]:
    """The vote's outcome: more yes than no carries. Returns the amendment and any new text."""
    if amendment.state is not AmendmentState.VOTING:
        raise Refused(N_("There is no vote open on this amendment."))
    decided = replace(amendment, decided_by=DecidedBy.VOTE, yes=yes, no=no)
    return _decide(settings, decided, recommendation, accept=yes > no)


def decide(
    settings: RecommendationSettings,
    amendment: Amendment,
    recommendation: Recommendation,
    *,
    accept: bool,
    reason: str,
) -> tuple[Amendment, Recommendation | None, Version | None]:
    """The facilitator decides, with the reason recorded for the report."""
    clean = checked_text(
        reason,
        REASON_MAX,
        empty=N_("Say why, so the panel and the report know."),
        too_long=N_("A reason can be at most %(max)s characters; this one is %(over)s too long."),
    )
    decided = replace(amendment, decided_by=DecidedBy.FACILITATOR, reason=clean)
    return _decide(settings, decided, recommendation, accept=accept)


def _decide(
    settings: RecommendationSettings,
    amendment: Amendment,
    recommendation: Recommendation,
    *,
    accept: bool,
) -> tuple[Amendment, Recommendation | None, Version | None]:
    _require_open(settings, amendment)
    if not accept:
        return replace(amendment, state=AmendmentState.REJECTED), None, None
    if amendment.base_version != recommendation.version:
        raise TextChanged(recommendation)
    if recommendation.state is not RecommendationState.ACTIVE:
        raise Refused(N_("This recommendation is no longer in play."))
    changed, version = reworded(
        recommendation, recommendation.title, amendment.text, VersionCause.AMENDED, amendment.id
    )
    return replace(amendment, state=AmendmentState.ACCEPTED), changed, version


def _require_open(settings: RecommendationSettings, amendment: Amendment) -> None:
    if settings.phase is not Phase.AMENDING:
        raise Refused(N_("Amendments can be decided only while the plenary amends."))
    if not amendment.open:
        raise Refused(N_("This amendment has already been decided."))
