"""The council's answers as files: CSV (one row per answer, history included) and JSON.

Recommendations are named by a portable key, `R1`, `R2` … in agenda order, never by
row id, so the files of an imported panel read the same.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from server.db.models import Step as StepRow
from server.read.recommendations import Card

COLUMNS = (
    "recommendation",
    "title",
    "text",
    "outcome",
    "answer",
    "status",
    "reason",
    "decided_on",
    "link",
    "recorded_at",
)


def numbered(steps: list[tuple[StepRow, list[Card]]]) -> Iterator[tuple[str, Card]]:
    """Every recommendation still in play, with its portable key."""
    n = 0
    for _step, cards in steps:
        for card in cards:
            if card.active:
                n += 1
                yield f"R{n}", card


def answers_csv(steps: list[tuple[StepRow, list[Card]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for key, card in numbered(steps):
        for number, answer in enumerate(card.answers, start=1):
            writer.writerow(
                [
                    key,
                    card.recommendation.title,
                    card.recommendation.text,
                    card.row.outcome or "",
                    number,
                    answer.status,
                    answer.reason,
                    answer.decided_on.isoformat(),
                    answer.link,
                    answer.recorded_at.isoformat(),
                ]
            )
    return out.getvalue()


def answers_data(steps: list[tuple[StepRow, list[Card]]]) -> list[dict[str, Any]]:
    return [
        {
            "recommendation": key,
            "title": card.recommendation.title,
            "text": card.recommendation.text,
            "outcome": card.row.outcome,
            "answers": [
                {
                    "status": a.status,
                    "reason": a.reason,
                    "decided_on": a.decided_on.isoformat(),
                    "link": a.link,
                    "recorded_at": a.recorded_at.isoformat(),
                }
                for a in card.answers
            ],
        }
        for key, card in numbered(steps)
        if card.row.outcome == "adopted"
    ]


def answers_json(steps: list[tuple[StepRow, list[Card]]]) -> str:
    return json.dumps(answers_data(steps), ensure_ascii=False, indent=2)
