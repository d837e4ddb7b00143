"""The draw's inputs in one canonical form, and its SHA-256 digest.

The draw sorts its inputs before it starts (features and values by name, people by
id), so the same targets and pool give the same panel however the files were
ordered, and the digest names exactly what the draw saw. Household tokens are
renumbered by first appearance in id order, so the digest says who lives together
but carries no address. The seed is deliberately left out: an organiser can publish
the digest *before* the seed is drawn in public, which shows that the pool was not
changed after the seed was known. With the digest, the seed, the algorithm, its
effort settings and the library version, an observer with the same files can replay
the draw and check the panel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from facilitation.recruitment.pool import Registrant
from facilitation.recruitment.targets import Target, Targets

FORMAT = "borgerpanel-draw-inputs/1"


def sorted_targets(targets: Targets) -> dict[str, dict[str, Target]]:
    return {
        feature: {value: targets[feature][value] for value in sorted(targets[feature])}
        for feature in sorted(targets)
    }


def sorted_pool(pool: Sequence[Registrant]) -> tuple[Registrant, ...]:
    return tuple(sorted(pool, key=lambda person: person.id))


def _people(
    people: Sequence[Registrant], features: Sequence[str], households: dict[str, int]
) -> list[object]:
    rows: list[object] = []
    for person in sorted_pool(people):
        group = None
        if person.household is not None:
            group = households.setdefault(person.household, len(households) + 1)
        rows.append([person.id, [person.features[feature] for feature in features], group])
    return rows


def canonical_inputs(
    targets: Targets,
    pool: Sequence[Registrant],
    panel_size: int,
    confirmed: Sequence[Registrant],
    settings: dict[str, object],
) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: the same inputs give the same bytes."""
    ordered = sorted_targets(targets)
    features = list(ordered)
    households: dict[str, int] = {}
    document = {
        "format": FORMAT,
        "panel_size": panel_size,
        "settings": settings,
        "targets": [
            [
                feature,
                [[value, t.min, t.max, t.min_flex, t.max_flex] for value, t in values.items()],
            ]
            for feature, values in ordered.items()
        ],
        "pool": _people(pool, features, households),
        "confirmed": _people(confirmed, features, households),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()
