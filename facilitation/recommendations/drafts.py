"""Recommendations as the tables draft them, and the facilitator's merging of alike drafts.

A recommendation belongs to its table while it is drafted: anyone seated there may edit
or withdraw it. When two tables write nearly the same thing the facilitator merges them
into one, which then names both tables as where it came from (`tables`). Merging is
suggested by the same measure as for arguments (`deliberation.duplicates.similarity`,
on title and text together), and decided by a person.

Every change of wording is a new version; earlier versions are kept, so the report
can show how the panel's text came about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from facilitation.deliberation.duplicates import DUPLICATE_THRESHOLD, similarity
from facilitation.deliberation.limits import reached
from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused
from facilitation.recommendations.settings import Phase, RecommendationSettings

TITLE_MAX = 120
TEXT_MAX = 1500


class RecommendationState(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


class VersionCause(StrEnum):
    DRAFTED = "drafted"
    EDITED = "edited"
    MERGED = "merged"
    AMENDED = "amended"


@dataclass(frozen=True)
class Recommendation:
    id: int
    table_id: int
    title: str
    text: str
    version: int = 1
    proposal_id: int | None = None
    state: RecommendationState = RecommendationState.ACTIVE
    tables: tuple[int, ...] = ()  # every table it came from, its own first
    merged_into: int | None = None
    adopted: bool | None = None  # known once the support round has closed


@dataclass(frozen=True)
class Version:
    """One wording of a recommendation, and what made it."""

    number: int
    title: str
    text: str
    cause: VersionCause
    amendment_id: int | None = None


@dataclass(frozen=True)
class NewRecommendation:
    table_id: int
    title: str
    text: str
    proposal_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class MergeSuggestion:
    first: int
    second: int
    score: float


def checked_title(title: str) -> str:
    return checked_text(
        title,
        TITLE_MAX,
        empty=N_("Give the recommendation a short title."),
        too_long=N_("A title can be at most %(max)s characters; this one is %(over)s too long."),
    )


def checked_wording(text: str) -> str:
    return checked_text(
        text,
        TEXT_MAX,
        empty=N_("Write the recommendation before saving it."),
        too_long=N_(
            "A recommendation can be at most %(max)s characters; this one is %(over)s too long."
        ),
    )


def draft_recommendation(
    settings: RecommendationSettings,
    *,
    table_id: int | None,
    title: str,
    text: str,
    proposal_id: int | None,
    table_drafts: int,
    now: datetime,
) -> NewRecommendation:
    """A table's new draft; `table_drafts` counts the table's active recommendations."""
    if table_id is None:
        raise Refused(N_("Sit down at a table before writing recommendations."))
    _require_drafting(settings)
    if reached(settings.per_table, table_drafts):
        raise Refused(
            N_("Your table has written %(limit)s recommendations, as many as this step allows."),
            limit=settings.per_table,
        )
    return NewRecommendation(
        table_id, checked_title(title), checked_wording(text), proposal_id, now
    )


def edit_draft(
    settings: RecommendationSettings,
    recommendation: Recommendation,
    table_id: int | None,
    title: str,
    text: str,
) -> tuple[Recommendation, Version]:
    _require_own_active(recommendation, table_id)
    _require_drafting(settings)
    clean_title, clean_text = checked_title(title), checked_wording(text)
    if (clean_title, clean_text) == (recommendation.title, recommendation.text):
        raise Refused(N_("The text is unchanged."))
    return reworded(recommendation, clean_title, clean_text, VersionCause.EDITED)


def withdraw_draft(
    settings: RecommendationSettings, recommendation: Recommendation, table_id: int | None
) -> Recommendation:
    _require_own_active(recommendation, table_id)
    _require_drafting(settings)
    return replace(recommendation, state=RecommendationState.WITHDRAWN)


def suggest_merges(
    recommendations: Iterable[Recommendation], threshold: float = DUPLICATE_THRESHOLD
) -> list[MergeSuggestion]:
    """Active drafts from different tables, on the same proposal, that read nearly alike."""
    live = sorted(
        (r for r in recommendations if r.state is RecommendationState.ACTIVE), key=lambda r: r.id
    )
    found = []
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            if a.proposal_id != b.proposal_id or set(a.tables) & set(b.tables):
                continue
            score = similarity(f"{a.title}\n{a.text}", f"{b.title}\n{b.text}")
            if score >= threshold:
                found.append(MergeSuggestion(a.id, b.id, round(score, 1)))
    return sorted(found, key=lambda s: (-s.score, s.first, s.second))


def merge(
    settings: RecommendationSettings,
    target: Recommendation,
    other: Recommendation,
    title: str = "",
    text: str = "",
) -> tuple[Recommendation, Recommendation, Version]:
    """Merge `other` into `target`; a new title or text for the merged one is optional.

    Returns the merged recommendation, the one merged away, and the merged version.
    """
    if settings.phase not in (Phase.DRAFTING, Phase.AMENDING):
        raise Refused(N_("Recommendations can be merged only before the support round."))
    if target.id == other.id:
        raise Refused(N_("Choose two different recommendations to merge."))
    for r in (target, other):
        if r.state is not RecommendationState.ACTIVE:
            raise Refused(N_("Only recommendations still in play can be merged."))
    new_title = checked_title(title) if title.strip() else target.title
    new_text = checked_wording(text) if text.strip() else target.text
    tables = tuple(dict.fromkeys((*target.tables, *other.tables)))
    merged, version = reworded(target, new_title, new_text, VersionCause.MERGED)
    gone = replace(other, state=RecommendationState.MERGED, merged_into=target.id)
    return replace(merged, tables=tables), gone, version


def first_version(new: NewRecommendation) -> Version:
    return Version(1, new.title, new.text, VersionCause.DRAFTED)


def table_may_change(
    settings: RecommendationSettings, recommendation: Recommendation, table_id: int | None
) -> bool:
    """Whether to offer the table its edit and withdraw buttons; the actions check again."""
    return (
        settings.phase is Phase.DRAFTING
        and recommendation.state is RecommendationState.ACTIVE
        and table_id == recommendation.table_id
    )


def reworded(
    recommendation: Recommendation,
    title: str,
    text: str,
    cause: VersionCause,
    amendment_id: int | None = None,
) -> tuple[Recommendation, Version]:
    number = recommendation.version + 1
    return (
        replace(recommendation, title=title, text=text, version=number),
        Version(number, title, text, cause, amendment_id),
    )


def _require_drafting(settings: RecommendationSettings) -> None:
    if settings.phase is not Phase.DRAFTING:
        raise Refused(N_("Drafting is over; the recommendations are now with the plenary."))


def _require_own_active(recommendation: Recommendation, table_id: int | None) -> None:
    if table_id is None or table_id != recommendation.table_id:
        raise Refused(N_("Only the table that wrote a recommendation can change it."))
    if recommendation.state is not RecommendationState.ACTIVE:
        raise Refused(N_("This recommendation is no longer in play."))
