"""Change within the same people: before–after pairs, their mean change and its tests.

Pairs are formed item by item (pairwise deletion): a respondent counts for an item when
they gave a value on it both times, whatever they did on other items. Dropping everyone
who missed any item (listwise) would shrink a small panel for every item at once; the
price of pairwise deletion is that the number of pairs differs between items, so each
result reports its pairs and who was dropped and why.

For the differences d = after − before over n pairs:

- mean change d̄ = Σd / n, sd s = √(Σ(d − d̄)² / (n − 1)), se = s / √n;
- paired t = d̄ / se with n − 1 degrees of freedom, 95 % interval d̄ ± t_{0.975, n−1} · se;
- Cohen's dz = d̄ / s, the change in units of how much people's changes vary;
- Wilcoxon's signed-rank test, because a 0–10 scale is ordinal and small panels are
  far from normal (see `facilitation.analysis.signed_rank`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from facilitation.analysis.common import (
    NO_AFTER,
    NO_BEFORE,
    NOBODY,
    K,
    Result,
    Score,
    TTest,
    Unavailable,
    mean,
    mean_or_none,
    share,
    t_test,
    unavailable,
    variance,
)
from facilitation.analysis.signed_rank import SignedRank, signed_rank
from facilitation.errors import N_

MIN_PAIRS = 2


@dataclass(frozen=True)
class Dropped(Result):
    """Respondents left out of the pairs, each under the first reason that applies.

    In order: no answer at all before (they joined late or skipped it), none after (they
    left early), "don't know" or "prefer not" before, the same after. A non-answer has
    no place on the scale, so a pair with one cannot say how far someone moved.
    """

    no_answer_before: int = 0
    no_answer_after: int = 0
    non_answer_before: int = 0
    non_answer_after: int = 0

    @property
    def total(self) -> int:
        return (
            self.no_answer_before
            + self.no_answer_after
            + self.non_answer_before
            + self.non_answer_after
        )


@dataclass(frozen=True)
class ChangeEstimate(Result):
    """The paired t-test of the mean change, its interval, the sd of changes and dz."""

    sd: float
    dz: float
    test: TTest


@dataclass(frozen=True)
class PairedChange(Result):
    pairs: int
    dropped: Dropped
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None
    up: int
    down: int
    same: int
    share_up: float | None
    share_down: float | None
    share_same: float | None
    estimate: ChangeEstimate | Unavailable
    wilcoxon: SignedRank | Unavailable


def pair_up(
    before: Mapping[K, Score | None], after: Mapping[K, Score | None]
) -> tuple[list[tuple[K, Score, Score]], Dropped]:
    """Pairs of values per respondent; None stands for "don't know" or "prefer not"."""
    pairs: list[tuple[K, Score, Score]] = []
    reasons = [0, 0, 0, 0]
    for respondent in [*before, *(key for key in after if key not in before)]:
        if respondent not in before:
            reasons[0] += 1
        elif respondent not in after:
            reasons[1] += 1
        else:
            first, second = before[respondent], after[respondent]
            if first is None:
                reasons[2] += 1
            elif second is None:
                reasons[3] += 1
            else:
                pairs.append((respondent, first, second))
    return pairs, Dropped(*reasons)


def paired_change(
    before: Mapping[K, Score | None], after: Mapping[K, Score | None]
) -> PairedChange:
    pairs, dropped = pair_up(before, after)
    firsts = [first for _, first, _ in pairs]
    seconds = [second for _, _, second in pairs]
    diffs = [second - first for _, first, second in pairs]
    n = len(diffs)
    up = sum(1 for diff in diffs if diff > 0)
    down = sum(1 for diff in diffs if diff < 0)
    too_few = _too_few(n, before, after)
    return PairedChange(
        pairs=n,
        dropped=dropped,
        mean_before=mean_or_none(firsts),
        mean_after=mean_or_none(seconds),
        mean_change=mean_or_none(diffs),
        up=up,
        down=down,
        same=n - up - down,
        share_up=share(up, n),
        share_down=share(down, n),
        share_same=share(n - up - down, n),
        estimate=too_few or _estimate(diffs),
        wilcoxon=too_few or _signed_rank(diffs),
    )


def _too_few(n: int, before: Mapping[K, object], after: Mapping[K, object]) -> Unavailable | None:
    if n >= MIN_PAIRS:
        return None
    if not before and not after:
        return unavailable(NOBODY)
    if not before:
        return unavailable(NO_BEFORE)
    if not after:
        return unavailable(NO_AFTER)
    return unavailable(
        N_(
            "Too few people answered both before and after the discussion: %(pairs)s, "
            "and at least %(needed)s are needed."
        ),
        pairs=n,
        needed=MIN_PAIRS,
    )


def _estimate(diffs: Sequence[Score]) -> ChangeEstimate | Unavailable:
    spread = variance(diffs)
    if spread == 0:
        if diffs[0] == 0:
            return unavailable(
                N_("Nobody changed their answer, so there is no spread for a t-test or interval.")
            )
        return unavailable(
            N_(
                "Everyone changed their answer by the same amount (%(change)s), so there is "
                "no spread for a t-test or interval."
            ),
            change=round(float(diffs[0]), 2),
        )
    n = len(diffs)
    centre = mean(diffs)
    sd = math.sqrt(spread)
    return ChangeEstimate(sd=sd, dz=float(centre) / sd, test=t_test(centre, spread / n, n - 1))


def _signed_rank(diffs: Sequence[Score]) -> SignedRank | Unavailable:
    ranked = sum(1 for diff in diffs if diff != 0)
    if ranked == 0:
        return unavailable(
            N_("Nobody changed their answer, so the signed-rank test has nothing to rank.")
        )
    return signed_rank(diffs)
