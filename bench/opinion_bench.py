"""How long one recomputation of opinion groups takes, at 500 people × 100 statements.

    .venv/bin/python bench/opinion_bench.py [--people 500] [--statements 100] [--runs 5]

Synthetic votes: three camps with their own leanings, each person seeing a random 30 to
100 of the statements, 15 % of votes passes or against their camp. Times a fresh
computation (no earlier update) and updates that start from the previous one (what the
live server does after each burst of votes, one new vote each time). The goal is under
one second per recomputation. Wall-clock and CPU time are both printed: on a machine
shared with other work the wall clock includes waiting for a core. Not a test: it
prints the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.opinion.groups import OpinionGroups, compute_opinion_groups

CHOICES = (VoteChoice.AGREE, VoteChoice.DISAGREE, VoteChoice.PASS)


def synthetic_votes(people: int, statements: int, seed: int = 7) -> list[StatementVote]:
    rng = random.Random(seed)
    leaning = [[rng.choice((1, -1)) for _ in range(statements)] for _ in range(3)]
    votes = []
    for person in range(people):
        camp = leaning[person % 3]
        seen = rng.sample(range(statements), rng.randint(min(30, statements), statements))
        for s in seen:
            roll = rng.random()
            if roll < 0.08:
                choice = VoteChoice.PASS
            elif roll < 0.15:
                choice = VoteChoice.DISAGREE if camp[s] > 0 else VoteChoice.AGREE
            else:
                choice = VoteChoice.AGREE if camp[s] > 0 else VoteChoice.DISAGREE
            votes.append(StatementVote(person, s, choice))
    return votes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    votes = synthetic_votes(args.people, args.statements)
    print(f"{args.people} people × {args.statements} statements, {len(votes)} votes")

    fresh, fresh_cpu = [], []
    result = None
    for _ in range(args.runs):
        began, cpu = time.perf_counter(), time.process_time()
        result = compute_opinion_groups(votes)
        fresh.append(time.perf_counter() - began)
        fresh_cpu.append(time.process_time() - cpu)
    assert isinstance(result, OpinionGroups)
    print(f"groups: {result.sizes}; silhouettes {result.silhouettes}")
    print(
        f"fresh computation: median {statistics.median(fresh):.3f} s, max {max(fresh):.3f} s "
        f"(CPU median {statistics.median(fresh_cpu):.3f} s)"
    )

    updates, updates_cpu = [], []
    rng = random.Random(1)
    for _ in range(args.runs):
        votes.append(
            StatementVote(
                rng.randrange(args.people), rng.randrange(args.statements), rng.choice(CHOICES)
            )
        )
        began, cpu = time.perf_counter(), time.process_time()
        result = compute_opinion_groups(votes, earlier=result.memory)
        updates.append(time.perf_counter() - began)
        updates_cpu.append(time.process_time() - cpu)
        assert isinstance(result, OpinionGroups)
    print(
        f"update from the previous one: median {statistics.median(updates):.3f} s, "
        f"max {max(updates):.3f} s, CPU median {statistics.median(updates_cpu):.3f} s "
        "(goal < 1 s)"
    )


if __name__ == "__main__":
    main()
