"""What each group thinks of each statement (polismath `repness.clj` and `conversation.clj`).

Per group and statement: agree, disagree and pass counts, and Pol.is's smoothed shares
``p = (count + 1) / (seen + 2)`` (a Laplace prior, so one vote never reads as 100 %).

- Representativeness (Pol.is "repness"): how much likelier this group is to agree (or
  disagree) than everyone else, ``ra = pa_group / pa_rest``, with a two-proportion z-test
  ``rat`` of the same comparison and a one-proportion z-test ``pat`` of ``pa`` against
  one half. A statement represents a group when both tests pass 90 % (z > 1.2816) for
  agree or for disagree; they are ranked by ``repness · z · p · z_p`` and at most five
  are kept, agreements first (polismath's `select-rep-comments`).
- Group-informed consensus: the product over groups of ``(agree + 1) / (seen + 2)``;
  high only when every group agrees, however small.
- Divisive: the spread of the groups' smoothed agree shares (largest minus smallest).
  Pol.is has no single "divisive" figure; this one is zero when the groups agree
  alike and near one when one group agrees and another disagrees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitation.opinion.matrix import VoteMatrix

Z_90 = 1.2816
REPRESENTATIVE_LIMIT = 5


@dataclass(frozen=True)
class GroupVotes:
    """One group's votes on one statement."""

    agree: int
    disagree: int
    passed: int

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def p_agree(self) -> float:
        return (self.agree + 1) / (self.seen + 2)

    @property
    def p_disagree(self) -> float:
        return (self.disagree + 1) / (self.seen + 2)


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart, with Pol.is's figures."""

    statement: int
    direction: str  # "agree" or "disagree"
    share: float  # p_agree or p_disagree of the group
    ratio: float  # repness: the share over the rest's share
    z: float  # the two-proportion test of the group against the rest


def prop_test(successes: int, n: int) -> float:
    """polismath's one-proportion z against one half, with its +1 on both counts."""
    s, m = successes + 1, n + 1
    return 2 * math.sqrt(m) * (s / m - 0.5)


def two_prop_test(succ_in: int, succ_out: int, n_in: int, n_out: int) -> float:
    """polismath's two-proportion z (group against the rest), with +1 on every count."""
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, n_in + 1, n_out + 1
    pooled = (s1 + s2) / (n1 + n2)
    if pooled >= 1.0:
        return 0.0
    return (s1 / n1 - s2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


def group_votes(matrix: VoteMatrix, groups: Mapping[int, str]) -> dict[str, dict[int, GroupVotes]]:
    """group letter → statement → counts, over the clustered participants, hidden left out."""
    import numpy as np  # here, not at the top: screens read this module's figures

    row = {p: i for i, p in enumerate(matrix.participants)}
    result: dict[str, dict[int, GroupVotes]] = {}
    for letter in sorted(set(groups.values())):
        rows = [row[p] for p, g in groups.items() if g == letter]
        block = matrix.raw[rows]
        agree = np.sum(block == 1.0, axis=0)
        disagree = np.sum(block == -1.0, axis=0)
        passed = np.sum(block == 0.0, axis=0)
        result[letter] = {
            s: GroupVotes(int(agree[j]), int(disagree[j]), int(passed[j]))
            for j, s in enumerate(matrix.statements)
            if s not in matrix.hidden
        }
    return result


def consensus(votes: Mapping[str, Mapping[int, GroupVotes]]) -> dict[int, float]:
    """Group-informed consensus per statement (polismath's `group-aware-consensus`)."""
    statements = {s for per in votes.values() for s in per}
    return {s: math.prod(per[s].p_agree for per in votes.values() if s in per) for s in statements}


def divisiveness(votes: Mapping[str, Mapping[int, GroupVotes]]) -> dict[int, float]:
    statements = {s for per in votes.values() for s in per}
    result: dict[int, float] = {}
    for s in statements:
        shares = [per[s].p_agree for per in votes.values() if s in per and per[s].seen]
        result[s] = max(shares) - min(shares) if len(shares) >= 2 else 0.0
    return result


def representative(
    votes: Mapping[str, Mapping[int, GroupVotes]], limit: int = REPRESENTATIVE_LIMIT
) -> dict[str, list[Representative]]:
    """The statements that represent each group, by polismath's `select-rep-comments`."""
    return {letter: _select(letter, votes, limit) for letter in votes}


@dataclass(frozen=True)
class _Stats:
    statement: int
    na: int
    nd: int
    ns: int
    pa: float
    pd: float
    pat: float
    pdt: float
    ra: float
    rd: float
    rat: float
    rdt: float

    def final(self, agree: bool = False) -> Representative:
        if agree or self.rat > self.rdt:
            return Representative(self.statement, "agree", self.pa, self.ra, self.rat)
        return Representative(self.statement, "disagree", self.pd, self.rd, self.rdt)

    def metric(self) -> float:
        r = self.final()
        test = self.pat if r.direction == "agree" else self.pdt
        return r.ratio * r.z * r.share * test


def _stats(letter: str, statement: int, votes: Mapping[str, Mapping[int, GroupVotes]]) -> _Stats:
    own = votes[letter][statement]
    rest = [per[statement] for g, per in votes.items() if g != letter and statement in per]
    ra_n = sum(v.agree for v in rest)
    rd_n = sum(v.disagree for v in rest)
    rs_n = sum(v.seen for v in rest)
    # Pol.is counts "seen" as votes cast, passes included.
    return _Stats(
        statement=statement,
        na=own.agree,
        nd=own.disagree,
        ns=own.seen,
        pa=own.p_agree,
        pd=own.p_disagree,
        pat=prop_test(own.agree, own.seen),
        pdt=prop_test(own.disagree, own.seen),
        ra=own.p_agree / ((1 + ra_n) / (2 + rs_n)),
        rd=own.p_disagree / ((1 + rd_n) / (2 + rs_n)),
        rat=two_prop_test(own.agree, ra_n, own.seen, rs_n),
        rdt=two_prop_test(own.disagree, rd_n, own.seen, rs_n),
    )


def _select(
    letter: str, votes: Mapping[str, Mapping[int, GroupVotes]], limit: int
) -> list[Representative]:
    sufficient: list[_Stats] = []
    best: _Stats | None = None
    best_agree: _Stats | None = None
    for statement in sorted(votes[letter]):
        st = _stats(letter, statement, votes)
        if (st.rat > Z_90 and st.pat > Z_90) or (st.rdt > Z_90 and st.pdt > Z_90):
            sufficient.append(st)
        if not sufficient and (best is None or max(st.rat, st.rdt) > max(best.rat, best.rdt)):
            best = st
        if _beats_best_agree(st, best_agree):
            best_agree = st
    head: list[_Stats] = [best_agree] if best_agree else ([best] if best else [])
    if not sufficient:
        chosen: Sequence[_Stats] = head
    else:
        rest = sorted(
            (s for s in sufficient if best_agree is None or s.statement != best_agree.statement),
            key=lambda s: -s.metric(),
        )
        chosen = ([best_agree] if best_agree else []) + rest
        chosen = chosen[:limit]
    # polismath marks its best-agree statement `:best-agree` and shows it as an agreement
    # even where its z for agreeing is no larger than for disagreeing (a statement all
    # groups agree with); finalising it as "disagree" would read backwards.
    finals = [s.final(agree=s is best_agree) for s in chosen]
    return [r for r in finals if r.direction == "agree"] + [
        r for r in finals if r.direction == "disagree"
    ]


def _beats_best_agree(st: _Stats, current: _Stats | None) -> bool:
    """polismath's `beats-best-agr?`: a statement the group clearly agrees with."""
    if st.na == 0 and st.nd == 0:
        return False
    if current is not None and current.ra > 1.0:
        return st.ra * st.rat * st.pa * st.pat > current.ra * current.rat * current.pa * current.pat
    if current is not None:
        return st.pa * st.pat > current.pa * current.pat
    return st.pat > Z_90 or (st.ra > 1.0 and st.pa > 0.5)
