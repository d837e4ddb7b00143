"""The participant × statement vote matrix that every later step reads.

Pol.is codes agree 1, disagree −1, pass 0 and leaves a statement a participant never
saw missing (NaN here). A statement moderated out after people voted on it keeps its
column but is set to 0 for everyone, as polismath's `zero-out-columns` does: it then
moves nobody in the picture yet still counts as a column in the sparsity scaling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from facilitation.deliberation.statements import StatementVote, VoteChoice, latest_votes

FloatMatrix = npt.NDArray[np.float64]

VALUE = {VoteChoice.AGREE: 1.0, VoteChoice.DISAGREE: -1.0, VoteChoice.PASS: 0.0}


@dataclass(frozen=True)
class VoteMatrix:
    """Rows are participants (ascending id), columns statements (ascending id)."""

    participants: tuple[int, ...]
    statements: tuple[int, ...]
    raw: FloatMatrix
    """The votes as cast; NaN where a participant has not seen the statement."""
    hidden: frozenset[int]
    """Statements moderated out: zeroed in `rating`, left out of every statistic."""

    @property
    def rating(self) -> FloatMatrix:
        """`raw` with hidden statements' columns set to 0 for everyone (Pol.is's rating-mat)."""
        rating = self.raw.copy()
        for j, statement in enumerate(self.statements):
            if statement in self.hidden:
                rating[:, j] = 0.0
        return rating

    @property
    def votes_cast(self) -> npt.NDArray[np.int64]:
        """Votes per participant on any statement, hidden ones included (Pol.is counts them)."""
        counts: npt.NDArray[np.int64] = np.sum(~np.isnan(self.raw), axis=1).astype(np.int64)
        return counts


def vote_matrix(votes: Iterable[StatementVote], hidden: Iterable[int] = ()) -> VoteMatrix:
    """Each participant's last vote per statement, as a matrix."""
    last = latest_votes(votes)
    participants = tuple(sorted({p for p, _ in last}))
    statements = tuple(sorted({s for _, s in last}))
    row = {p: i for i, p in enumerate(participants)}
    col = {s: j for j, s in enumerate(statements)}
    raw = np.full((len(participants), len(statements)), np.nan)
    for (participant, statement), choice in last.items():
        raw[row[participant], col[statement]] = VALUE[choice]
    return VoteMatrix(participants, statements, raw, frozenset(hidden) & set(statements))


def from_rows(
    participants: Iterable[int],
    statements: Iterable[int],
    raw: FloatMatrix,
    hidden: Iterable[int] = (),
) -> VoteMatrix:
    """A matrix read from a table of votes (a Pol.is export), rows and columns in that order."""
    cols = tuple(statements)
    return VoteMatrix(
        tuple(participants), cols, np.asarray(raw, dtype=np.float64), frozenset(hidden) & set(cols)
    )
