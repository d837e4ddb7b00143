"""The panel's voice in the record: recommendations, the question slates, the council's answers.

Read once with portable ids (step, table, proposal and question numbers, `R1` … for
recommendations), written into the export's `panel.json` under `voice`, read back and
checked by the import, and stored again by `write_voice`. Support is kept as counts per
level, never per person; minority statements carry a table number or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation.states import QuestionState
from facilitation.recommendations.amendments import AmendmentState
from facilitation.recommendations.council import CouncilStatus
from facilitation.recommendations.drafts import RecommendationState, VersionCause
from server.db.models import QuestionRow
from server.db.models import Step as StepRow
from server.db.models_recommendations import (
    AmendmentRow,
    CouncilAnswerRow,
    MinorityStatement,
    QuestionSlate,
    RecommendationRow,
    RecommendationVersion,
)
from server.db.types import utcnow
from server.read.recommendations import cards

ASKED = (QuestionState.ANSWERING, QuestionState.ANSWERED, QuestionState.QUEUED)
TEXT_MAX = 20_000


class VoiceInvalid(ValueError):
    """The `voice` part of an export does not hold together; nothing is imported."""


@dataclass(frozen=True)
class VersionRecord:
    number: int
    title: str
    text: str
    cause: str
    amendment: int | None  # the amendment's number within its recommendation


@dataclass(frozen=True)
class AmendmentRecord:
    number: int
    table: int | None
    base_version: int
    text: str
    state: str
    decided_by: str | None
    reason: str
    yes: int
    no: int


@dataclass(frozen=True)
class StatementRecord:
    text: str
    table: int | None


@dataclass(frozen=True)
class AnswerRecord:
    status: str
    reason: str
    decided_on: str
    link: str
    recorded_at: str


@dataclass(frozen=True)
class RecommendationRecord:
    number: int
    step: int
    table: int | None
    tables: tuple[int, ...]
    proposal: int | None
    title: str
    text: str
    version: int
    state: str
    merged_into: int | None
    outcome: str | None
    support: Mapping[str, Any]
    versions: tuple[VersionRecord, ...] = ()
    amendments: tuple[AmendmentRecord, ...] = ()
    statements: tuple[StatementRecord, ...] = ()
    answers: tuple[AnswerRecord, ...] = ()

    @property
    def key(self) -> str:
        return f"R{self.number}"


@dataclass(frozen=True)
class SlateRecord:
    step: int
    rule: str
    k: int
    chosen: tuple[int, ...]  # question numbers
    rule_chose: tuple[int, ...]
    serves: Mapping[str, tuple[int, ...]]  # question number → table numbers
    ejr: Mapping[str, Any]
    voters: int
    override_reason: str


@dataclass(frozen=True)
class VoiceRecord:
    recommendations: tuple[RecommendationRecord, ...] = ()
    slates: tuple[SlateRecord, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendations": [_plain(r) for r in self.recommendations],
            "slates": [_plain(s) for s in self.slates],
        }


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# Reading from the database.


async def load_voice(
    session: AsyncSession,
    panel_id: int,
    step_number: Mapping[int, int],
    table_number: Mapping[int, int],
    proposal_number: Mapping[int, int],
) -> VoiceRecord:
    steps = list(
        await session.scalars(
            select(StepRow)
            .where(StepRow.panel_id == panel_id, StepRow.kind == "recommendations")
            .order_by(StepRow.position, StepRow.id)
        )
    )
    records: list[RecommendationRecord] = []
    number_of: dict[int, int] = {}
    every = [(step, card) for step in steps for card in await cards(session, step)]
    for n, (_step, card) in enumerate(every, start=1):
        number_of[card.row.id] = n
    for step, card in every:
        row = card.row
        amendment_number = {a.id: i for i, a in enumerate(card.amendments, start=1)}
        tally = card.tally
        records.append(
            RecommendationRecord(
                number=number_of[row.id],
                step=step_number[step.id],
                table=table_number.get(row.table_id),
                tables=tuple(table_number[t] for t in row.tables or () if t in table_number),
                proposal=proposal_number.get(row.proposal_id) if row.proposal_id else None,
                title=row.title,
                text=row.text,
                version=row.version,
                state=row.state,
                merged_into=number_of.get(row.merged_into) if row.merged_into else None,
                outcome=row.outcome,
                support={
                    "counts": list(tally.counts) if tally else [],
                    "answered": tally.answered if tally else 0,
                    "supporting": tally.supporting if tally else 0,
                    "adopted": bool(tally and tally.adopted),
                },
                versions=tuple(
                    VersionRecord(
                        v.number,
                        v.title,
                        v.text,
                        v.cause,
                        amendment_number.get(v.amendment_id) if v.amendment_id else None,
                    )
                    for v in card.versions
                ),
                amendments=tuple(
                    AmendmentRecord(
                        amendment_number[a.id],
                        table_number.get(a.table_id),
                        a.base_version,
                        a.text,
                        a.state.value,
                        a.decided_by.value if a.decided_by else None,
                        a.reason,
                        card.votes[a.id][0],
                        card.votes[a.id][1],
                    )
                    for a in card.amendments
                ),
                statements=tuple(
                    StatementRecord(s.text, table_number.get(s.table_id) if s.table_id else None)
                    for s in card.statements
                ),
                answers=tuple(
                    AnswerRecord(
                        a.status,
                        a.reason,
                        a.decided_on.isoformat(),
                        a.link,
                        a.recorded_at.isoformat(),
                    )
                    for a in card.answers
                ),
            )
        )
    return VoiceRecord(tuple(records), await _slates(session, panel_id, step_number, table_number))


async def _slates(
    session: AsyncSession,
    panel_id: int,
    step_number: Mapping[int, int],
    table_number: Mapping[int, int],
) -> tuple[SlateRecord, ...]:
    """Every slate chosen, in order; questions by their number in the record."""
    asked = list(
        await session.scalars(
            select(QuestionRow.id)
            .where(
                QuestionRow.panel_id == panel_id,
                QuestionRow.state.in_([state.value for state in ASKED]),
            )
            .order_by(QuestionRow.id)
        )
    )
    number = {qid: n for n, qid in enumerate(asked, start=1)}
    out = []
    for row in await session.scalars(
        select(QuestionSlate).where(QuestionSlate.panel_id == panel_id).order_by(QuestionSlate.id)
    ):

        def numbers(ids: list[int]) -> tuple[int, ...]:
            return tuple(number[q] for q in ids if q in number)

        ejr = dict(row.ejr)
        ejr["questions"] = list(numbers(ejr.get("questions", [])))
        ejr["tables"] = [table_number[t] for t in ejr.get("tables", []) if t in table_number]
        out.append(
            SlateRecord(
                step=step_number[row.step_id],
                rule=row.rule,
                k=row.size,
                chosen=numbers(row.chosen),
                rule_chose=numbers(row.rule_chose),
                serves={
                    str(number[int(q)]): tuple(table_number[t] for t in ts if t in table_number)
                    for q, ts in row.serves.items()
                    if int(q) in number
                },
                ejr=ejr,
                voters=row.voters,
                override_reason=row.override_reason,
            )
        )
    return tuple(out)


# Reading from an export.


def voice_from_dict(
    raw: object, *, steps: list[str], tables: int, proposals: int, questions: int
) -> VoiceRecord:
    """The `voice` of a `panel.json`, checked against the panel it comes with."""
    if raw is None:
        return VoiceRecord()
    data = _map(raw)
    recs = tuple(
        _recommendation(_map(r), steps, tables, proposals) for r in _list(data, "recommendations")
    )
    numbers = [r.number for r in recs]
    if numbers != list(range(1, len(recs) + 1)):
        raise VoiceInvalid("recommendations must be numbered 1, 2, 3 … in order")
    for r in recs:
        if r.merged_into is not None and not 1 <= r.merged_into <= len(recs):
            raise VoiceInvalid(f"R{r.number} is merged into a recommendation that is not there")
    slates = tuple(_slate(_map(s), steps, tables, questions) for s in _list(data, "slates"))
    return VoiceRecord(recs, slates)


def _recommendation(
    d: Mapping[str, Any], steps: list[str], tables: int, proposals: int
) -> RecommendationRecord:
    step = _int(d, "step", 1, len(steps))
    if steps[step - 1] != "recommendations":
        raise VoiceInvalid(f"step {step} is not a recommendations step")
    amendments = tuple(
        AmendmentRecord(
            _int(a, "number", 1, 10_000),
            _opt_int(a, "table", 1, tables),
            _int(a, "base_version", 1, 10_000),
            _str(a, "text"),
            _choice(a, "state", [s.value for s in AmendmentState]),
            _opt_choice(a, "decided_by", ["vote", "facilitator"]),
            _str(a, "reason", empty=True),
            _int(a, "yes", 0, 1_000_000),
            _int(a, "no", 0, 1_000_000),
        )
        for a in map(_map, _list(d, "amendments"))
    )
    known = {a.number for a in amendments}
    versions = tuple(
        VersionRecord(
            _int(v, "number", 1, 10_000),
            _str(v, "title"),
            _str(v, "text"),
            _choice(v, "cause", [c.value for c in VersionCause]),
            _opt_int(v, "amendment", 1, 10_000),
        )
        for v in map(_map, _list(d, "versions"))
    )
    if any(v.amendment is not None and v.amendment not in known for v in versions):
        raise VoiceInvalid("a version names an amendment that is not there")
    support = _map(d.get("support", {}))
    counts = support.get("counts", [])
    if not isinstance(counts, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts
    ):
        raise VoiceInvalid("support counts must be whole numbers")
    return RecommendationRecord(
        number=_int(d, "number", 1, 100_000),
        step=step,
        table=_opt_int(d, "table", 1, tables),
        tables=tuple(_int({"t": t}, "t", 1, tables) for t in _list(d, "tables")),
        proposal=_opt_int(d, "proposal", 1, proposals),
        title=_str(d, "title"),
        text=_str(d, "text"),
        version=_int(d, "version", 1, 10_000),
        state=_choice(d, "state", [s.value for s in RecommendationState]),
        merged_into=_opt_int(d, "merged_into", 1, 100_000),
        outcome=_opt_choice(d, "outcome", ["adopted", "not_adopted"]),
        support={
            "counts": list(counts),
            "answered": sum(counts),
            "supporting": _int(support, "supporting", 0, sum(counts)),
            "adopted": bool(support.get("adopted", False)),
        },
        versions=versions,
        amendments=amendments,
        statements=tuple(
            StatementRecord(_str(s, "text"), _opt_int(s, "table", 1, tables))
            for s in map(_map, _list(d, "statements"))
        ),
        answers=tuple(
            AnswerRecord(
                _choice(a, "status", [s.value for s in CouncilStatus]),
                _str(a, "reason"),
                date.fromisoformat(_str(a, "decided_on")).isoformat(),
                _str(a, "link", empty=True),
                datetime.fromisoformat(_str(a, "recorded_at")).isoformat(),
            )
            for a in map(_map, _list(d, "answers"))
        ),
    )


def _slate(d: Mapping[str, Any], steps: list[str], tables: int, questions: int) -> SlateRecord:
    step = _int(d, "step", 1, len(steps))
    if steps[step - 1] != "questions":
        raise VoiceInvalid(f"step {step} is not a questions step")

    def qs(name: str) -> tuple[int, ...]:
        return tuple(_int({"q": q}, "q", 1, questions) for q in _list(d, name))

    serves = {
        str(_int({"q": int(q)}, "q", 1, questions)): tuple(
            _int({"t": t}, "t", 1, tables) for t in ts
        )
        for q, ts in _map(d.get("serves", {})).items()
    }
    ejr = _map(d.get("ejr", {}))
    return SlateRecord(
        step=step,
        rule=_choice(d, "rule", ["equal_shares", "pav"]),
        k=_int(d, "k", 1, max(questions, 1)),
        chosen=qs("chosen"),
        rule_chose=qs("rule_chose"),
        serves=serves,
        ejr={
            "holds": bool(ejr.get("holds", False)),
            "size": _int(ejr, "size", 0, 10_000) if "size" in ejr else 0,
            "questions": [_int({"q": q}, "q", 1, questions) for q in ejr.get("questions", [])],
            "tables": [_int({"t": t}, "t", 1, tables) for t in ejr.get("tables", [])],
        },
        voters=_int(d, "voters", 0, 1_000_000),
        override_reason=_str(d, "override_reason", empty=True),
    )


def _map(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise VoiceInvalid("expected a mapping")
    return value


def _list(d: Mapping[str, Any], name: str) -> list[Any]:
    value = d.get(name, [])
    if not isinstance(value, list):
        raise VoiceInvalid(f"{name} must be a list")
    return value


def _int(d: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = d.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise VoiceInvalid(f"{name} must be a whole number from {low} to {high}")
    return value


def _opt_int(d: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    return None if d.get(name) is None else _int(d, name, low, high)


def _str(d: Mapping[str, Any], name: str, *, empty: bool = False) -> str:
    value = d.get(name, "" if empty else None)
    if not isinstance(value, str) or len(value) > TEXT_MAX or (not empty and not value.strip()):
        raise VoiceInvalid(f"{name} must be a text")
    return value


def _choice(d: Mapping[str, Any], name: str, allowed: list[str]) -> str:
    value = d.get(name)
    if value not in allowed:
        raise VoiceInvalid(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def _opt_choice(d: Mapping[str, Any], name: str, allowed: list[str]) -> str | None:
    return None if d.get(name) is None else _choice(d, name, allowed)


# Writing an imported panel's voice.


async def write_voice(
    session: AsyncSession,
    panel_id: int,
    voice: VoiceRecord,
    *,
    step_ids: list[int],
    table_ids: list[int],
    proposal_ids: list[int],
    question_ids: Mapping[int, int],
) -> None:
    def table(n: int | None) -> int | None:
        return table_ids[n - 1] if n is not None else None

    now = utcnow()
    rows: dict[int, RecommendationRow] = {}
    for r in voice.recommendations:
        row = RecommendationRow(
            panel_id=panel_id,
            step_id=step_ids[r.step - 1],
            table_id=table(r.table) or 0,
            proposal_id=proposal_ids[r.proposal - 1] if r.proposal else None,
            title=r.title,
            text=r.text,
            version=r.version,
            state=r.state,
            tables=[table_ids[t - 1] for t in r.tables],
            outcome=r.outcome,
            # Counts travel, people's levels do not: the stored counts stand for them.
            support={"counts": list(r.support["counts"]), "imported": True},
            created_at=now,
        )
        session.add(row)
        await session.flush()
        rows[r.number] = row
        amendment_ids: dict[int, int] = {}
        for a in r.amendments:
            made = AmendmentRow(
                panel_id=panel_id,
                recommendation_id=row.id,
                table_id=table(a.table) or 0,
                base_version=a.base_version,
                text=a.text,
                state=a.state,
                decided_by=a.decided_by,
                reason=a.reason,
                yes=a.yes,
                no=a.no,
                created_at=now,
            )
            session.add(made)
            await session.flush()
            amendment_ids[a.number] = made.id
        for v in r.versions:
            session.add(
                RecommendationVersion(
                    recommendation_id=row.id,
                    number=v.number,
                    title=v.title,
                    text=v.text,
                    cause=v.cause,
                    amendment_id=amendment_ids.get(v.amendment) if v.amendment else None,
                    created_at=now,
                )
            )
        for s in r.statements:
            session.add(
                MinorityStatement(
                    recommendation_id=row.id,
                    participant_id=None,
                    table_id=table(s.table),
                    text=s.text,
                )
            )
        for answer in r.answers:
            session.add(
                CouncilAnswerRow(
                    panel_id=panel_id,
                    recommendation_id=row.id,
                    status=answer.status,
                    reason=answer.reason,
                    decided_on=date.fromisoformat(answer.decided_on),
                    link=answer.link,
                    recorded_at=datetime.fromisoformat(answer.recorded_at),
                )
            )
    for r in voice.recommendations:
        if r.merged_into is not None:
            rows[r.number].merged_into = rows[r.merged_into].id
    for slate in voice.slates:
        session.add(
            QuestionSlate(
                panel_id=panel_id,
                step_id=step_ids[slate.step - 1],
                rule=slate.rule,
                size=slate.k,
                chosen=[question_ids[q] for q in slate.chosen],
                rule_chose=[question_ids[q] for q in slate.rule_chose],
                serves={
                    str(question_ids[int(q)]): [table_ids[t - 1] for t in ts]
                    for q, ts in slate.serves.items()
                },
                ejr={
                    **slate.ejr,
                    "questions": [question_ids[q] for q in slate.ejr.get("questions", [])],
                    "tables": [table_ids[t - 1] for t in slate.ejr.get("tables", [])],
                },
                voters=slate.voters,
                override_reason=slate.override_reason,
                created_at=now,
            )
        )
    await session.flush()
