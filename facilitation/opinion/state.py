"""One panel's opinion groups, kept where every server process can read them.

Letters are not a property of the votes alone: group A is "the group that was A last
time" (`clustering.stable_letters`), and the number of groups steadies over updates
(`KSmoother`). Two server processes that each kept that history in memory would label
the same people A on one and B on the other. So the state one update hands the next
(`Memory`) is stored as plain JSON, with a fingerprint of the votes it was computed
from and the state it started from:

- a process whose votes have the fingerprint stored recomputes from the stored start,
  which gives exactly the stored groups (the computation is deterministic: fixed
  starts, fixed seeds, one thread);
- a process with newer votes starts from the stored state and stores its own result,
  so the next one builds on it.

Either way every process labels from the same history. Floats go through JSON's
shortest round-trip repr, so the centres come back bit for bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from facilitation.deliberation.statements import StatementVote, latest_votes
from facilitation.opinion.groups import Memory


def votes_fingerprint(votes: Iterable[StatementVote], hidden: Iterable[int] = ()) -> str:
    """The same for the same last votes and hidden statements, whatever their order."""
    last = sorted((p, s, c.value) for (p, s), c in latest_votes(votes).items())
    text = repr((last, sorted(set(hidden))))
    return hashlib.sha256(text.encode()).hexdigest()


def memory_to_json(memory: Memory) -> dict[str, Any]:
    clustering = memory.clustering
    return {
        "clustered": sorted(memory.clustered),
        "loadings": {str(s): list(xy) for s, xy in sorted(memory.loadings.items())},
        "clustering": None
        if clustering is None
        else {
            "groups": {str(p): g for p, g in sorted(clustering.groups.items())},
            "silhouettes": {str(k): v for k, v in sorted(clustering.silhouettes.items())},
            "base_centres": clustering.base_centres.tolist(),
            "group_centres": {str(k): c.tolist() for k, c in clustering.group_centres.items()},
            "smoother": {
                "last_k": clustering.smoother.last_k,
                "last_k_count": clustering.smoother.last_k_count,
                "smoothed_k": clustering.smoother.smoothed_k,
            },
        },
    }


def memory_from_json(data: Mapping[str, Any]) -> Memory:
    """The stored state back; numpy is loaded here, so call it where the computation runs."""
    import numpy as np

    from facilitation.opinion.clustering import Clustering, KSmoother

    stored = data.get("clustering")
    clustering = None
    if stored is not None:
        smoother = stored["smoother"]
        clustering = Clustering(
            groups={int(p): str(g) for p, g in stored["groups"].items()},
            silhouettes={int(k): float(v) for k, v in stored["silhouettes"].items()},
            base_centres=np.array(stored["base_centres"], dtype=np.float64).reshape(-1, 2),
            group_centres={
                int(k): np.array(c, dtype=np.float64).reshape(-1, 2)
                for k, c in stored["group_centres"].items()
            },
            smoother=KSmoother(
                smoother["last_k"], int(smoother["last_k_count"]), smoother["smoothed_k"]
            ),
        )
    return Memory(
        clustered=frozenset(int(p) for p in data["clustered"]),
        loadings={int(s): (float(xy[0]), float(xy[1])) for s, xy in data["loadings"].items()},
        clustering=clustering,
    )
