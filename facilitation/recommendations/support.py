"""The support round, adoption, and minority statements.

Every participant gives each recommendation one level on the panel's scale; giving it
again replaces the earlier level (the last counts). A recommendation is adopted when
the panel's rule holds for the share of supporting levels among those who answered;
the gauge shows that share live against the rule's mark, and the close freezes it.

Whoever holds the last level ("cannot support") may add a minority statement, which
travels with the recommendation into the report: signed with their table's number
or anonymous, as the panel allows. Changing one's level away from "cannot support"
withdraws the statement, so every statement printed stands for a "cannot support".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused
from facilitation.recommendations.drafts import Recommendation, RecommendationState
from facilitation.recommendations.settings import Phase, RecommendationSettings, Signing

STATEMENT_MAX = 1000


@dataclass(frozen=True)
class SupportTally:
    """Answers per level (in scale order), the supporting share and whether it adopts."""

    counts: tuple[int, ...]
    answered: int
    supporting: int
    share: Fraction | None
    adopted: bool

    @property
    def percent(self) -> float | None:
        return None if self.share is None else float(self.share * 100)


def check_support(
    settings: RecommendationSettings, recommendation: Recommendation, level: str
) -> str:
    if settings.phase is not Phase.SUPPORT:
        raise Refused(N_("The support round is not open."))
    if recommendation.state is not RecommendationState.ACTIVE:
        raise Refused(N_("This recommendation is no longer in play."))
    if level not in settings.scale.levels:
        raise Refused(N_("Choose one of the levels of support."))
    return level


def tally_support(settings: RecommendationSettings, levels: Iterable[str]) -> SupportTally:
    """`levels`: each participant's latest level on one recommendation."""
    scale = settings.scale
    counted = Counter(level for level in levels if level in scale.levels)
    counts = tuple(counted.get(level, 0) for level in scale.levels)
    answered = sum(counts)
    supporting = sum(counts[: scale.supporting])
    share = Fraction(supporting, answered) if answered else None
    return SupportTally(
        counts, answered, supporting, share, settings.rule.holds(supporting, answered)
    )


@dataclass(frozen=True)
class Statement:
    text: str
    table_id: int | None  # None: anonymous


def check_statement(
    settings: RecommendationSettings,
    recommendation: Recommendation,
    *,
    level: str | None,
    table_id: int | None,
    text: str,
    signed: bool,
) -> Statement:
    """A minority statement by someone whose last level on the recommendation is "cannot
    support": written during the support round, or after it on an adopted recommendation,
    with which it travels into the report (a rejected one needs no dissent recorded)."""
    if settings.phase not in (Phase.SUPPORT, Phase.CLOSED):
        raise Refused(N_("Minority statements can be written from the support round on."))
    if recommendation.state is not RecommendationState.ACTIVE:
        raise Refused(N_("This recommendation is no longer in play."))
    if recommendation.adopted is False:
        raise Refused(
            N_("The panel did not adopt this recommendation, so it takes no minority statement.")
        )
    if level != settings.scale.cannot:
        raise Refused(
            N_("A minority statement is for those who cannot support the recommendation.")
        )
    clean = checked_text(
        text,
        STATEMENT_MAX,
        empty=N_("Write the statement before saving it."),
        too_long=N_(
            "A statement can be at most %(max)s characters; this one is %(over)s too long."
        ),
    )
    if settings.signing is Signing.ANONYMOUS:
        signed = False
    elif settings.signing is Signing.TABLE:
        signed = True
    return Statement(clean, table_id if signed else None)
