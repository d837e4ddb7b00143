"""What a lottery over panels is and how hard the draw may work: plain data, no solver.

Apart from `maximin.py` so that asking for a draw (`draw.DrawRequest`) does not load
the library and HiGHS.
"""

from __future__ import annotations

from dataclasses import dataclass

LIBRARY_EPS = 0.0005
"""sortition-algorithms' EPS, the tolerance it uses; copied so this module stays light
(tests/domain/test_recruitment_draw.py checks it against the library)."""


@dataclass(frozen=True)
class MaximinEffort:
    """How much work the draw may do; every limit is a count, for reproducibility.

    `max_rounds` None means one round per person in the pool, the library's choice.
    """

    max_rounds: int | None = None
    max_iterations: int = 1_000
    tolerance: float = LIBRARY_EPS
    search_gap: float = 1e-2


@dataclass(frozen=True)
class Lottery:
    """A distribution over valid panels and what is proven about its fairness.

    `lowest` is the smallest selection probability among the `reachable` people (those
    in at least one valid panel); `bound` is proven: no lottery meeting the targets can
    give all of them more. `unreachable` people are in no valid panel at all.
    """

    committees: tuple[frozenset[str], ...]
    probabilities: tuple[float, ...]
    lowest: float
    bound: float
    certified: bool
    rounds: int
    iterations: int
    reachable: frozenset[str]
    unreachable: frozenset[str]
