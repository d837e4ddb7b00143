"""The three public Pol.is conversations in shared/data/polis (CC BY 4.0, see its README).

The folder sits beside the repository (`../shared`) in CI and the main checkout, and
two levels up from a helper's worktree; the first one found is used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facilitation.opinion.matrix import VoteMatrix, from_rows

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ("football-concussions", "scoop-hivemind.biodiversity", "scoop-hivemind.taxes")


def polis_folder() -> Path:
    for parent in ROOT.parents:
        folder = parent / "shared" / "data" / "polis"
        if folder.is_dir():
            return folder
    raise FileNotFoundError("shared/data/polis is not beside the repository")


@dataclass(frozen=True)
class PolisConversation:
    name: str
    matrix: VoteMatrix
    group_ids: dict[int, int]
    """Pol.is's own group per participant it grouped."""


def load_conversation(name: str) -> PolisConversation:
    folder = polis_folder() / name
    with (folder / "comments.csv").open(newline="") as f:
        moderated = {int(r["comment-id"]): int(r["moderated"]) for r in csv.DictReader(f)}
    with (folder / "participants-votes.csv").open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = sorted(reader, key=lambda r: int(r[0]))
    first_vote = header.index("n-disagree") + 1
    statements = [int(c) for c in header[first_vote:]]
    raw = np.array([[float(v) if v != "" else np.nan for v in r[first_vote:]] for r in rows])
    matrix = from_rows(
        (int(r[0]) for r in rows),
        statements,
        raw,
        hidden=(s for s in statements if moderated.get(s) == -1),
    )
    groups = {int(r[0]): int(r[1]) for r in rows if r[1] != ""}
    return PolisConversation(name, matrix, groups)
