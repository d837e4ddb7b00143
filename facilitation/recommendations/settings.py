"""What a recommendations step allows: its phase, the support scale, the adoption rule.

The organiser chooses the scale and the rule before the day, because a panel that
changes its rule after seeing the numbers loses the trust the rule is for. The
default scale is a five-point gradient of agreement; the three levels from "fully
support" to "can live with it" count as supporting, as in consent-based decision
making; the last level, "cannot support", is the one whose holders may write a
minority statement. The default rule is at least two thirds of those who answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from facilitation.deliberation.limits import checked_limit
from facilitation.errors import N_, Refused

E = TypeVar("E", bound=StrEnum)


class Phase(StrEnum):
    DRAFTING = "drafting"
    AMENDING = "amending"
    SUPPORT = "support"
    CLOSED = "closed"


PHASES = tuple(Phase)


@dataclass(frozen=True)
class Scale:
    """Levels from most to least support; the first `supporting` of them count as support."""

    key: str
    levels: tuple[str, ...]
    labels: tuple[str, ...]
    supporting: int

    @property
    def cannot(self) -> str:
        """The last level: whoever holds it may write a minority statement."""
        return self.levels[-1]

    def label(self, level: str) -> str:
        return self.labels[self.levels.index(level)]


SCALES = {
    "gradient5": Scale(
        "gradient5",
        ("full", "reservations", "live_with", "serious", "cannot"),
        (
            N_("Fully support"),
            N_("Support with reservations"),
            N_("Can live with it"),
            N_("Serious reservations"),
            N_("Cannot support"),
        ),
        3,
    ),
    "three": Scale(
        "three",
        ("support", "live_with", "cannot"),
        (N_("Support"), N_("Can live with it"), N_("Cannot support")),
        2,
    ),
}
SCALE_NAMES = {
    "gradient5": N_("Five levels, from fully support to cannot support"),
    "three": N_("Three levels: support, can live with it, cannot support"),
}


@dataclass(frozen=True)
class AdoptionRule:
    """Adopted when the supporting share is at least (or, if `strict`, above) `share`."""

    key: str
    share: Fraction
    strict: bool = False

    def holds(self, supporting: int, answered: int) -> bool:
        if answered == 0:
            return False
        share = Fraction(supporting, answered)
        return share > self.share if self.strict else share >= self.share

    @property
    def percent(self) -> float:
        return float(self.share * 100)


RULES = {
    "majority": AdoptionRule("majority", Fraction(1, 2), strict=True),
    "two_thirds": AdoptionRule("two_thirds", Fraction(2, 3)),
    "three_quarters": AdoptionRule("three_quarters", Fraction(3, 4)),
    "consensus": AdoptionRule("consensus", Fraction(1)),
}
RULE_NAMES = {
    "majority": N_("More than half support"),
    "two_thirds": N_("At least two thirds support"),
    "three_quarters": N_("At least three quarters support"),
    "consensus": N_("Everyone who answers supports"),
}


class Signing(StrEnum):
    """How minority statements may be signed, as the panel allows."""

    ANONYMOUS = "anonymous"
    TABLE = "table"
    CHOICE = "choice"  # each writer chooses


@dataclass(frozen=True)
class RecommendationSettings:
    phase: Phase = Phase.DRAFTING
    scale: Scale = SCALES["gradient5"]
    rule: AdoptionRule = RULES["two_thirds"]
    signing: Signing = Signing.CHOICE
    per_table: int | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RecommendationSettings:
        return cls(
            phase=_choice(Phase, settings.get("recommendation_phase", "drafting")),
            scale=SCALES[_key(SCALES, settings.get("support_scale", "gradient5"))],
            rule=RULES[_key(RULES, settings.get("adoption_rule", "two_thirds"))],
            signing=_choice(Signing, settings.get("minority_signing", "choice")),
            per_table=checked_limit(settings.get("recommendations_per_table")),
        )

    def to_settings(self) -> dict[str, Any]:
        return {
            "recommendation_phase": self.phase.value,
            "support_scale": self.scale.key,
            "adoption_rule": self.rule.key,
            "minority_signing": self.signing.value,
            "recommendations_per_table": self.per_table,
        }


def checked_setup(
    scale: str, rule: str, signing: str, per_table: str | int | None
) -> dict[str, Any]:
    """The organiser's form → settings (blank: the default); the phase is the facilitator's."""
    return {
        "support_scale": _key(SCALES, scale or "gradient5"),
        "adoption_rule": _key(RULES, rule or "two_thirds"),
        "minority_signing": _choice(Signing, signing or "choice").value,
        "recommendations_per_table": checked_limit(per_table),
    }


def next_phase(current: Phase) -> Phase:
    """Drafting → amending → support → closed; the close makes the outcome final."""
    if current is Phase.CLOSED:
        raise Refused(N_("The recommendations are closed; their outcome is final."))
    return PHASES[PHASES.index(current) + 1]


def _key(options: Mapping[str, object], value: object) -> str:
    if not isinstance(value, str) or value not in options:
        raise Refused(N_("Choose one of the options offered."))
    return value


def _choice(kind: type[E], value: object) -> E:
    try:
        return kind(str(value))
    except ValueError:
        raise Refused(N_("Choose one of the options offered.")) from None
