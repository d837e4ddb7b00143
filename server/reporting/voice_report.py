"""The report's appendix on the panel's voice: recommendations, the question slate, the council.

Everything comes from the record (`server.reporting.voice`), so the report of an
imported panel says the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitation.recommendations.settings import RULE_NAMES, RecommendationSettings
from server.reporting.record import PanelRecord
from server.reporting.voice import RecommendationRecord, SlateRecord


@dataclass(frozen=True)
class RecommendationView:
    record: RecommendationRecord
    tables: str
    proposal: str | None
    levels: tuple[tuple[str, int], ...]  # (label message id, count)
    rule: str  # message id
    threshold: int
    share: int | None  # per cent supporting


@dataclass(frozen=True)
class SlateView:
    record: SlateRecord
    chosen: tuple[tuple[str, str, str], ...]  # (text, table, tables served)
    rule_chose: tuple[str, ...]
    left_out: str  # tables of an EJR witness


@dataclass(frozen=True)
class VoiceSection:
    recommendations: tuple[RecommendationView, ...]
    slates: tuple[SlateView, ...]
    follow_up: str | None
    labels: dict[int, str]

    @property
    def empty(self) -> bool:
        return not self.recommendations and not self.slates


def voice_section(record: PanelRecord, follow_up: str | None) -> VoiceSection:
    steps = record.definition.steps

    def tables(numbers: tuple[int, ...] | list[int]) -> str:
        return ", ".join(record.table_label(n) or "?" for n in numbers)

    recs = []
    for r in record.voice.recommendations:
        if r.state != "active":
            continue
        settings = RecommendationSettings.from_settings(steps[r.step - 1].settings)
        counts = list(r.support["counts"]) + [0] * len(settings.scale.levels)
        answered = r.support["answered"]
        proposals = record.definition.proposals
        recs.append(
            RecommendationView(
                r,
                tables(r.tables),
                proposals[r.proposal - 1].title if r.proposal else None,
                tuple(zip(settings.scale.labels, counts, strict=False)),
                RULE_NAMES[settings.rule.key],
                round(settings.rule.percent),
                round(100 * r.support["supporting"] / answered) if answered else None,
            )
        )
    texts = {q.number: q for q in record.questions}
    slates = []
    latest = {s.step: s for s in record.voice.slates}  # the one in force in each step
    for s in latest.values():

        def text(n: int) -> str:
            return texts[n].text if n in texts else "?"

        slates.append(
            SlateView(
                s,
                tuple(
                    (
                        text(q),
                        record.table_label(texts[q].table) or "" if q in texts else "",
                        tables(list(s.serves.get(str(q), ()))),
                    )
                    for q in s.chosen
                ),
                tuple(text(q) for q in s.rule_chose),
                tables(list(s.ejr.get("tables", []))),
            )
        )
    labels = {n: label for n, label in enumerate(record.definition.tables, start=1)}
    return VoiceSection(tuple(recs), tuple(slates), follow_up, labels)
