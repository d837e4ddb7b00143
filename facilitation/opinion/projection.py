"""Two dimensions for the opinion map, as Pol.is projects participants (polismath `pca.clj`).

Pol.is fills each unseen vote with the statement's mean vote, fits two principal
components on all participants, then projects each participant using only the votes
they cast and scales the point by ``sqrt(statements / votes cast)``. Filling with the
mean puts someone who saw little near the centre; the scaling pushes them back out, so
a person who voted on five of fifty statements is placed as decisively as their votes
are, instead of crowding the middle. scikit-learn's PCA gives the same components as
polismath's power iteration (up to sign, which no later step depends on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

from facilitation.opinion.matrix import FloatMatrix, VoteMatrix


@dataclass(frozen=True)
class Projection:
    points: FloatMatrix
    """One row (x, y) per participant, in the matrix's row order."""
    loadings: dict[int, tuple[float, float]]
    """Each statement's weight on the two axes (kept to orient the next update)."""


def project(
    matrix: VoteMatrix, earlier: Mapping[int, tuple[float, float]] | None = None
) -> Projection:
    rating = matrix.rating
    n_rows, n_cols = rating.shape
    seen = ~np.isnan(rating)
    counts = seen.sum(axis=0)
    means = np.divide(np.nansum(rating, axis=0), counts, out=np.zeros(n_cols), where=counts > 0)
    filled = np.where(seen, rating, means)
    components = np.zeros((2, n_cols))
    if n_rows >= 2 and n_cols >= 1:
        n_components = min(2, n_rows, n_cols)
        pca = PCA(n_components=n_components, svd_solver="full").fit(filled)
        components[:n_components] = pca.components_
    components = _oriented(components, matrix.statements, earlier or {})
    centred = np.where(seen, rating - means, 0.0)
    votes = np.maximum(seen.sum(axis=1), 1)
    scale = np.sqrt(n_cols / votes)[:, np.newaxis]
    loadings = {
        s: (float(components[0, j]), float(components[1, j]))
        for j, s in enumerate(matrix.statements)
    }
    return Projection(points=(centred @ components.T) * scale, loadings=loadings)


def _oriented(
    components: FloatMatrix,
    statements: tuple[int, ...],
    earlier: Mapping[int, tuple[float, float]],
) -> FloatMatrix:
    """Flip each axis to point the way it did last time, so the map does not mirror itself.

    A principal component's sign is arbitrary; polismath avoids flips by starting its
    power iteration from the last components. Here each axis is turned to agree with
    the earlier one over the statements both updates know.
    """
    oriented = components.copy()
    for axis in range(2):
        dot = sum(
            components[axis, j] * earlier[s][axis] for j, s in enumerate(statements) if s in earlier
        )
        if dot < 0:
            oriented[axis] = -components[axis]
    return oriented
