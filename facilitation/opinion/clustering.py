"""Base clusters, then groups, then a steady number of groups (polismath `clusters.clj`).

Pol.is does not cluster people directly. It first gathers the clustered participants'
points into about 100 *base clusters* (k-means), then clusters the base clusters'
centres into 2…5 *groups* with k-means weighted by each base cluster's size, and keeps
the number of groups whose silhouette (over the base clusters' centres) is best. The
most groups it tries is ``min(5, 2 + base clusters // 12)``, so a small room is split
into at most as many groups as it can bear.

Updates build on the last one, as in Pol.is: both k-means start from the previous
centres, the number of groups changes only after the same new best has won
``K_BUFFER`` (4) updates in a row, and a group keeps its letter while it keeps most of
its people, so group A stays group A when a vote comes in.

scikit-learn's `KMeans` and `silhouette_score` do the arithmetic. Without an earlier
clustering, polismath starts k-means from the first distinct points; that start often
ends in a poor local optimum, and Pol.is only escapes it over many warm-started updates.
A fresh computation here instead takes the best of ten k-means++ starts for the groups
(one for the ~100 base clusters, where the start hardly matters), with a fixed seed so
the same votes always give the same groups; it lands where Pol.is's long-run
clustering does on the public conversations we test against.
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from facilitation.opinion.matrix import FloatMatrix
from facilitation.opinion.parameters import BASE_CLUSTERS, K_BUFFER, MAX_GROUPS

ITERATIONS = 100
DECIMALS = 9
LABELS = string.ascii_uppercase

Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class KSmoother:
    """polismath's `group-k-smoother`: the best k of the last updates and how often it won."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def after(self, best_k: int, buffer: int = K_BUFFER) -> KSmoother:
        count = self.last_k_count + 1 if best_k == self.last_k else 1
        smoothed = best_k if count >= buffer or self.smoothed_k is None else self.smoothed_k
        return KSmoother(last_k=best_k, last_k_count=count, smoothed_k=smoothed)


@dataclass(frozen=True)
class Clustering:
    """The groups of one update and what the next update starts from."""

    groups: dict[int, str]
    """Clustered participant id → group letter."""
    silhouettes: dict[int, float]
    """Silhouette of each number of groups tried."""
    base_centres: FloatMatrix
    group_centres: dict[int, FloatMatrix] = field(default_factory=dict)
    """Per number of groups tried, its group centres (where the next update starts)."""
    smoother: KSmoother = KSmoother()


def max_groups(base_clusters: int, ceiling: int = MAX_GROUPS) -> int:
    return min(ceiling, 2 + base_clusters // 12)


def cluster(
    participants: Sequence[int],
    points: FloatMatrix,
    earlier: Clustering | None = None,
    base_k: int = BASE_CLUSTERS,
    max_k: int = MAX_GROUPS,
    buffer: int = K_BUFFER,
) -> Clustering | None:
    """Groups of the given participants (rows of `points`); None if everyone voted alike.

    Two distinct points are two groups (a silhouette needs three to compare), as in
    polismath, where a lone point's silhouette counts as 0 and k = 2 is the least tried.
    """
    # Rounded so that people who voted alike are one point, not several a rounding error
    # apart (k-means would then look for more clusters than there are distinct points).
    points = np.round(points, DECIMALS)
    base_centres, base_labels = _base_clusters(
        points, base_k, earlier.base_centres if earlier else None
    )
    n_base = len(base_centres)
    if n_base < 2:
        return None
    if n_base == 2:
        letters = stable_letters(participants, base_labels, 2, earlier.groups if earlier else {})
        groups = {p: letters[int(m)] for p, m in zip(participants, base_labels, strict=True)}
        return Clustering(groups, {2: 0.0}, base_centres, {2: base_centres}, KSmoother(2, 1, 2))
    weights = np.bincount(base_labels, minlength=n_base).astype(np.float64)
    tried: dict[int, tuple[Labels, FloatMatrix]] = {}
    silhouettes: dict[int, float] = {}
    for k in range(2, min(max_groups(n_base, max_k), n_base - 1) + 1):
        start = earlier.group_centres.get(k) if earlier else None
        labels, centres = _kmeans(base_centres, k, start, weights)
        if len(set(labels.tolist())) < 2:
            continue
        tried[k] = (labels, centres)
        silhouettes[k] = float(silhouette_score(base_centres, labels))
    if not tried:
        return None
    best_k = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    smoother = (earlier.smoother if earlier else KSmoother()).after(best_k, buffer)
    k = smoother.smoothed_k if smoother.smoothed_k in tried else best_k
    group_labels, _ = tried[k]
    members = group_labels[base_labels]
    letters = stable_letters(participants, members, k, earlier.groups if earlier else {})
    groups = {p: letters[int(m)] for p, m in zip(participants, members, strict=True)}
    kept = {kk: c for kk, (_, c) in tried.items()}
    return Clustering(groups, silhouettes, base_centres, kept, smoother)


def _base_clusters(
    points: FloatMatrix, base_k: int, earlier: FloatMatrix | None
) -> tuple[FloatMatrix, Labels]:
    distinct = _distinct_rows(points)
    k = min(base_k, len(distinct))
    if k == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    start = _grown(earlier, distinct, k) if earlier is not None and len(earlier) else None
    labels, centres = _kmeans(points, k, start, None, starts=1)
    # A warm start can leave a centre with nobody nearest; polismath drops such empty
    # clusters (`cluster-step`), so an empty base cluster neither weighs nor counts in
    # the silhouette here either.
    used = np.unique(labels)
    if len(used) < len(centres):
        renumbered = np.full(len(centres), -1, dtype=np.int64)
        renumbered[used] = np.arange(len(used))
        labels, centres = renumbered[labels], centres[used]
    return centres, labels


def _kmeans(
    data: FloatMatrix,
    k: int,
    start: FloatMatrix | None,
    weights: npt.NDArray[np.float64] | None,
    starts: int = 10,
) -> tuple[Labels, FloatMatrix]:
    if start is not None and len(start) == k:
        model = KMeans(n_clusters=k, init=start, n_init=1, max_iter=ITERATIONS)
    else:
        model = KMeans(n_clusters=k, n_init=starts, max_iter=ITERATIONS, random_state=0)
    # One thread: a server runs several of these beside its event loop, on few cores,
    # and BLAS/OpenMP threads fighting over them made one computation 5× slower.
    with threadpool_limits(1), warnings.catch_warnings():
        # Fewer distinct clusters than asked for is an outcome here, not a fault: the
        # empty ones are dropped (`_base_clusters`) or the k is not tried (`cluster`).
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(data, sample_weight=weights)
    return model.labels_.astype(np.int64), np.asarray(model.cluster_centers_, dtype=np.float64)


def _distinct_rows(points: FloatMatrix) -> FloatMatrix:
    """The distinct rows, in first-seen order: no more base clusters than distinct points."""
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)]


def _grown(earlier: FloatMatrix, distinct: FloatMatrix, k: int) -> FloatMatrix:
    """The earlier centres, topped up with the points farthest from them (polismath's
    `clean-start-clusters`) or cut down to k."""
    centres = earlier[:k]
    if len(centres) < k:
        nearest = np.min(
            np.linalg.norm(distinct[:, np.newaxis, :] - centres[np.newaxis, :, :], axis=2), axis=1
        )
        far = distinct[np.argsort(-nearest, kind="stable")[: k - len(centres)]]
        centres = np.vstack([centres, far])
    return centres


def stable_letters(
    participants: Sequence[int], members: Labels, k: int, earlier: Mapping[int, str]
) -> dict[int, str]:
    """A letter per new group: the earlier group it shares most people with keeps its letter.

    Matching maximises the people kept in their group (Hungarian assignment); groups
    with no earlier match take the first free letters, largest group first.
    """
    old_letters = sorted(set(earlier.values()))
    overlap = np.zeros((k, len(old_letters)))
    column = {letter: j for j, letter in enumerate(old_letters)}
    for p, m in zip(participants, members, strict=True):
        if p in earlier:
            overlap[int(m), column[earlier[p]]] += 1
    letters: dict[int, str] = {}
    if old_letters:
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        letters = {
            int(r): old_letters[int(c)]
            for r, c in zip(rows, cols, strict=True)
            if overlap[r, c] > 0
        }
    sizes = np.bincount(members, minlength=k)
    free = (letter for letter in LABELS if letter not in letters.values())
    for g in sorted(range(k), key=lambda g: (-int(sizes[g]), g)):
        if g not in letters:
            letters[g] = next(free)
    return letters
