"""A fair slate of expert questions: choose k of the tables' questions, proportionally.

When tables send more questions than the experts can answer, the most-upvoted k would
let the largest group of like-minded tables take every place. A proportional rule
gives each group of participants places in proportion to its size instead:

- the Method of Equal Shares (the default): every participant gets an equal share of a
  budget of k questions; a question is bought by those who want it, at the lowest
  equal price each can pay, cheapest first; places left when no question is
  affordable any more are filled by sequential Phragmén from what each has left;
- proportional approval voting (the alternative): the slate with the highest score,
  where a participant counts 1 + 1/2 + … + 1/j for j chosen questions they want.

A participant "wants" (approves) the questions they upvoted and the questions their
own table sent, which they cannot upvote (see `plenary.check_upvote`). Participants
who want nothing do not take part. Ties go to the question sent first: the caller
lists the candidates in that order, which makes every slate reproducible.

Both rules satisfy extended justified representation (EJR): no group of at least
ℓ·n/k participants who all want the same ℓ questions is left with fewer than ℓ of
the questions it wants for every member. `check_ejr` tests any slate for it (exactly,
by searching such groups), so a facilitator's override is checked too.

The definitions follow the `abcvoting` library (Lackner and Skowron), and
tests/domain/test_deliberation_slate.py compares every rule and the check with it.
The library is used only there: it requires gurobipy, whose pip licence allows
evaluation and forbids production use, so the server cannot depend on it. PAV is
solved exactly as an integer programme with HiGHS (already used for the draw).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import lcm

from facilitation.deliberation.text import checked_text
from facilitation.errors import N_, Refused

REASON_MAX = 500


class SlateRule(StrEnum):
    EQUAL_SHARES = "equal_shares"
    PAV = "pav"


@dataclass(frozen=True)
class Voter:
    """One participant's approvals: the questions they want answered."""

    table_id: int
    approved: frozenset[int]


@dataclass(frozen=True)
class EjrCheck:
    """Whether the slate gives EJR; if not, one group it fails (a witness to show)."""

    holds: bool
    size: int = 0  # ℓ: how many questions the group wanted in common
    questions: tuple[int, ...] = ()
    tables: tuple[int, ...] = ()


@dataclass(frozen=True)
class Slate:
    rule: SlateRule
    k: int
    chosen: tuple[int, ...]  # in the order the rule chose them
    ejr: EjrCheck
    serves: Mapping[int, tuple[int, ...]]  # question → tables whose participants want it
    voters: int


def parse_rule(value: str) -> SlateRule:
    try:
        return SlateRule(value)
    except ValueError:
        raise Refused(N_("Unknown rule for choosing the questions.")) from None


def checked_size(k: int | str, candidates: int) -> int:
    """The slate size as typed: a whole number from 1 to the number of questions."""
    try:
        size = int(str(k).strip())
    except ValueError:
        raise Refused(N_("Say how many questions the experts can answer.")) from None
    if candidates == 0:
        raise Refused(N_("There are no questions in the queue to choose from."))
    if not 1 <= size <= candidates:
        raise Refused(
            N_("The slate can have from 1 to %(count)s questions, as many as there are."),
            count=candidates,
        )
    return size


def choose_slate(
    candidates: Sequence[int], voters: Iterable[Voter], k: int | str, rule: SlateRule
) -> Slate:
    """Choose k of `candidates` (listed in tie-break order) for `voters` by `rule`."""
    size = checked_size(k, len(candidates))
    wanting = [
        Voter(v.table_id, v.approved & frozenset(candidates))
        for v in voters
        if v.approved & frozenset(candidates)
    ]
    index = {c: i for i, c in enumerate(candidates)}
    ballots = [frozenset(index[c] for c in v.approved) for v in wanting]
    if rule is SlateRule.EQUAL_SHARES:
        picked = equal_shares(len(candidates), ballots, size)
    else:
        picked = proportional_approval(len(candidates), ballots, size)
    chosen = tuple(candidates[i] for i in picked)
    return Slate(
        rule,
        size,
        chosen,
        check_ejr(candidates, wanting, chosen, size),
        tables_served(chosen, wanting),
        len(wanting),
    )


def tables_served(chosen: Iterable[int], voters: Iterable[Voter]) -> dict[int, tuple[int, ...]]:
    everyone = list(voters)
    return {q: tuple(sorted({v.table_id for v in everyone if q in v.approved})) for q in chosen}


def checked_override(
    rule: SlateRule,
    candidates: Sequence[int],
    voters: Iterable[Voter],
    chosen: Sequence[int],
    reason: str,
) -> Slate:
    """The facilitator's own slate instead of `rule`'s: any of the candidates, with a reason.

    It is checked for EJR like the rule's, so the facilitator sees what the change costs.
    """
    checked_reason(reason)
    picked = list(dict.fromkeys(chosen))
    unknown = [c for c in picked if c not in candidates]
    if unknown:
        raise Refused(N_("Only questions in the queue can be on the slate."))
    size = checked_size(len(picked), len(candidates))
    wanting = [v for v in voters if v.approved & frozenset(candidates)]
    order = {c: i for i, c in enumerate(candidates)}
    ordered = tuple(sorted(picked, key=order.__getitem__))
    return Slate(
        rule,
        size,
        ordered,
        check_ejr(candidates, wanting, ordered, size),
        tables_served(ordered, wanting),
        len(wanting),
    )


def checked_reason(reason: str) -> str:
    return checked_text(
        reason,
        REASON_MAX,
        empty=N_("Say why you choose other questions than the rule did."),
        too_long=N_("A reason can be at most %(max)s characters; this one is %(over)s too long."),
    )


# The Method of Equal Shares with sequential Phragmén completion (abcvoting's default).


def equal_shares(m: int, ballots: Sequence[frozenset[int]], k: int) -> list[int]:
    """Candidates 0..m-1 chosen for `ballots`, in the order chosen; ties to the lowest."""
    n = len(ballots)
    if n == 0:
        return list(range(k))
    budget = [Fraction(k, n)] * n
    chosen: list[int] = []
    while len(chosen) < k:
        prices = {
            c: q
            for c in range(m)
            if c not in chosen and (q := _equal_price(c, ballots, budget)) is not None
        }
        if not prices:
            break
        cheapest = min(prices.values())
        pick = min(c for c, q in prices.items() if q == cheapest)
        for v, ballot in enumerate(ballots):
            if pick in ballot:
                budget[v] -= min(budget[v], cheapest)
        chosen.append(pick)
    return _phragmen(m, ballots, k, chosen, [-b for b in budget])


def _equal_price(
    c: int, ballots: Sequence[frozenset[int]], budget: list[Fraction]
) -> Fraction | None:
    """The least share ρ with Σ min(budget, ρ) = 1 over c's supporters; None if unaffordable."""
    rich = {v for v, ballot in enumerate(ballots) if c in ballot}
    poor: set[int] = set()
    while rich:
        price = (1 - sum((budget[v] for v in poor), Fraction(0))) / len(rich)
        newly_poor = {v for v in rich if budget[v] < price}
        if not newly_poor:
            return price
        rich -= newly_poor
        poor |= newly_poor
    return None


def _phragmen(
    m: int, ballots: Sequence[frozenset[int]], k: int, chosen: list[int], load: list[Fraction]
) -> list[int]:
    """Fill the slate by sequential Phragmén, starting from the given loads."""
    chosen = list(chosen)
    supporters = [[v for v, ballot in enumerate(ballots) if c in ballot] for c in range(m)]
    while len(chosen) < k:
        best: tuple[Fraction, int] | None = None
        for c in range(m):
            if c in chosen:
                continue
            backers = supporters[c]
            if backers:
                max_load = (sum((load[v] for v in backers), Fraction(0)) + 1) / len(backers)
            else:
                max_load = Fraction(k + 1)
            if best is None or max_load < best[0]:
                best = (max_load, c)
        assert best is not None
        max_load, pick = best
        for v in supporters[pick]:
            load[v] = max_load
        chosen.append(pick)
    return chosen


# Proportional approval voting, exactly, by integer programming.


def pav_score(ballots: Iterable[frozenset[int]], committee: Iterable[int]) -> Fraction:
    chosen = frozenset(committee)
    return sum(
        (
            sum((Fraction(1, j) for j in range(1, len(b & chosen) + 1)), Fraction(0))
            for b in ballots
        ),
        Fraction(0),
    )


def proportional_approval(m: int, ballots: Sequence[frozenset[int]], k: int) -> list[int]:
    """The PAV slate; among equally good slates the one with the earliest candidates.

    The best score is found first; then each candidate in order is kept in if some
    optimal slate still contains the ones kept so far and it, which picks the
    lexicographically first optimal slate. Scores are scaled by lcm(1..k) to whole
    numbers, so "as good as the best" is exact.
    """
    scale = lcm(*range(1, k + 1))
    groups: dict[frozenset[int], int] = {}
    for ballot in ballots:
        if ballot:
            groups[ballot] = groups.get(ballot, 0) + 1
    if not groups:
        return list(range(k))
    best = _best_pav(m, groups, k, scale, forced_in=(), forced_out=())
    assert best is not None
    kept: list[int] = []
    dropped: list[int] = []
    for c in range(m):
        if len(kept) == k:
            break
        score = _best_pav(m, groups, k, scale, forced_in=(*kept, c), forced_out=tuple(dropped))
        if score is not None and score >= best:
            kept.append(c)
        else:
            dropped.append(c)
    return kept


def _best_pav(
    m: int,
    groups: Mapping[frozenset[int], int],
    k: int,
    scale: int,
    *,
    forced_in: Sequence[int],
    forced_out: Sequence[int],
) -> int | None:
    """The best scaled PAV score with these candidates forced in and out; None if none fits."""
    # Loaded here, with the first check of a slate: the serving app starts without them.
    import highspy
    import numpy as np

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.silent()
    h.setOptionValue("mip_rel_gap", 0.0)
    lower = [1.0 if c in forced_in else 0.0 for c in range(m)]
    upper = [0.0 if c in forced_out else 1.0 for c in range(m)]
    h.addVars(m, lower, upper)
    integer = np.full(m, int(highspy.HighsVarType.kInteger), dtype=np.uint8)
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), integer)
    # y[g, j] = 1 when group g has at least j chosen: worth count · scale / j.
    costs: list[float] = []
    for count in groups.values():
        costs.extend(count * scale / j for j in range(1, k + 1))
    first_y = m
    h.addVars(len(costs), [0.0] * len(costs), [1.0] * len(costs))
    h.changeColsCost(len(costs), list(range(first_y, first_y + len(costs))), costs)
    h.addRow(k, k, m, list(range(m)), [1.0] * m)
    for g, ballot in enumerate(groups):
        ys = [first_y + g * k + j for j in range(k)]
        xs = sorted(ballot)
        h.addRow(-highspy.kHighsInf, 0.0, k + len(xs), ys + xs, [1.0] * k + [-1.0] * len(xs))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = h.getSolution().col_value
    committee = [c for c in range(m) if values[c] > 0.5]
    return int(pav_score(groups_expanded(groups), committee) * scale)


def groups_expanded(groups: Mapping[frozenset[int], int]) -> list[frozenset[int]]:
    return [ballot for ballot, count in groups.items() for _ in range(count)]


# Extended justified representation.


def check_ejr(
    candidates: Sequence[int], voters: Sequence[Voter], chosen: Iterable[int], k: int
) -> EjrCheck:
    """Whether `chosen` gives EJR to `voters` for a slate of k; exact.

    A violation is a size ℓ, ℓ questions and at least ℓ·n/k participants who all want
    those ℓ and each have fewer than ℓ of what they want on the slate. For each ℓ the
    search adds questions one at a time, keeping only participants who want all so far,
    and gives up on a branch as soon as the group is too small.
    """
    slate = frozenset(chosen)
    n = len(voters)
    for size in range(1, k + 1):
        unhappy = [v for v in voters if len(v.approved & slate) < size]
        found = _cohesive(candidates, unhappy, size, Fraction(size * n, k))
        if found is not None:
            questions, group = found
            return EjrCheck(False, size, questions, tuple(sorted({v.table_id for v in group})))
    return EjrCheck(True)


def _cohesive(
    candidates: Sequence[int], voters: list[Voter], size: int, quota: Fraction
) -> tuple[tuple[int, ...], list[Voter]] | None:
    def search(
        start: int, picked: tuple[int, ...], group: list[Voter]
    ) -> tuple[tuple[int, ...], list[Voter]] | None:
        if len(group) < quota:
            return None
        if len(picked) == size:
            return picked, group
        for i in range(start, len(candidates) - (size - len(picked)) + 1):
            c = candidates[i]
            narrowed = [v for v in group if c in v.approved]
            found = search(i + 1, (*picked, c), narrowed)
            if found is not None:
                return found
        return None

    return search(0, (), voters)
