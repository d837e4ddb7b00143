"""Everything the report and the export say about one panel, read once, with portable ids.

A `PanelRecord` is the panel as a researcher or a council may see it: tables, proposals,
steps, arguments and questions by their number, people only by their random pseudonym,
and only what was made public on the day (approved arguments, questions sent to the
expert panel, closed votes). It holds no database id, no join or invite code and
nothing about who wrote what. The report is drawn from it, the export writes it out,
and the import reads it back (`server.reporting.archive`), so all three agree.

A respondent is a person with survey answers or a seat: someone with a personal invite
code is known by the invite's pseudonym (their answers at home and at the event are one
person's), anyone else by their participant pseudonym.

Why one module of this size: the record's dataclasses and the one pass that
loads them from the database define the portable ids together (numbers and
pseudonyms); every reader of the record depends on both agreeing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.ballots import ballot_from_dict, tally
from facilitation.casting import stored_vote
from facilitation.deliberation.plenary import answered_record, queue, upvote_counts
from facilitation.deliberation.states import ArgumentState, QuestionState
from facilitation.errors import Refused
from facilitation.opinion.state import votes_fingerprint
from facilitation.recruitment.representation import Representation
from facilitation.survey import Answer, Wave, item_from_dict
from server.db.models import (
    ArgumentRow,
    Ballot,
    Invite,
    Panel,
    PanelTable,
    Participant,
    Proposal,
    QuestionRow,
    QuestionUpvote,
    StatementVote,
    Step,
    VoteResult,
)
from server.db.records import question_of
from server.db.rows import NotFound, steps_of
from server.read import survey_data
from server.read.opinion import discussion_votes, stored_groups
from server.read.representation import representation_rows
from server.read.survey_data import SurveyData
from server.reporting.definition import Definition, ProposalDef, StepDef
from server.reporting.voice import VoiceRecord, load_voice

TREATMENT = "Treatment"
CONTROL = "Control"
ASKED = (QuestionState.ANSWERING, QuestionState.ANSWERED, QuestionState.QUEUED)
_PROPOSAL_OPTION = re.compile(r"p([0-9]+)")


@dataclass(frozen=True)
class Respondent:
    """`group` is Treatment (invited to take part, or joined) or Control."""

    id: str
    group: str
    invited: bool
    joined: bool
    table: int | None


@dataclass(frozen=True)
class ArgumentRecord:
    """An approved argument; `tables` is every table that raised it (merged ones too)."""

    number: int
    step: int
    proposal: int | None
    stance: str
    text: str
    table: int | None
    tables: tuple[int, ...]
    submissions: int
    edited: bool


@dataclass(frozen=True)
class StatementVoteRecord:
    argument: int
    respondent: str
    choice: str


@dataclass(frozen=True)
class QuestionRecord:
    """A question sent to the expert panel; `order` is its place among its state's."""

    number: int
    step: int
    table: int | None
    text: str
    state: str
    order: int


@dataclass(frozen=True)
class UpvoteRecord:
    question: int
    respondent: str


@dataclass(frozen=True)
class FrozenVote:
    """A closed vote as frozen: the result record with portable option ids."""

    result: Mapping[str, Any]
    ballots: int
    sources: Mapping[str, int]
    digest: str
    closed_at: datetime


@dataclass(frozen=True)
class TableBallot:
    """A table's answer in a vote where each table answers (never a secret ballot)."""

    step: int
    table: int | None
    source: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class VoteRecord:
    """A vote step: its frozen result once closed; `running` is the tally of an open one.

    The running tally of an open vote goes into the export for completeness; it is not
    compared or imported, since a secret vote's ballots never leave the server.
    """

    step: int
    frozen: FrozenVote | None
    running: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LiveGroups:
    """The opinion groups the room last saw in one discussion (`opinion_states`)."""

    letters: Mapping[str, str]
    """Respondent pseudonym → group letter, for those the live update grouped."""
    current: bool
    """Computed from the discussion's votes as they are now (none came after it)."""


@dataclass(frozen=True)
class PanelRecord:
    definition: Definition
    status: str
    respondents: tuple[Respondent, ...] = ()
    answers: Mapping[tuple[Wave, str], Mapping[str, Answer]] = field(default_factory=dict)
    arguments: tuple[ArgumentRecord, ...] = ()
    statement_votes: tuple[StatementVoteRecord, ...] = ()
    questions: tuple[QuestionRecord, ...] = ()
    upvotes: tuple[UpvoteRecord, ...] = ()
    votes: tuple[VoteRecord, ...] = ()
    ballots: tuple[TableBallot, ...] = ()
    voice: VoiceRecord = field(default_factory=VoiceRecord)
    live_groups: Mapping[int, LiveGroups] = field(default_factory=dict, compare=False)
    """Per discussion step number: the letters the room saw, so the report names its groups
    as the room did (`server.reporting.opinion`). What the screens showed, not a record of
    the day's votes: not exported, so an imported panel has none."""

    def survey(self) -> SurveyData:
        """The surveys as `server.ops.survey_data` gives them, keyed by pseudonym."""
        data = SurveyData()
        for step in self.definition.steps:
            if step.kind == "survey":
                wave = Wave(step.settings.get("wave", Wave.BEFORE.value))
                data.items[wave] += [item_from_dict(raw) for raw in step.settings.get("items", [])]
        for key, answers in self.answers.items():
            data.answers[key] = dict(answers)
        data.controls = {r.id for r in self.respondents if r.group == CONTROL}
        data.pseudonyms = {r.id: r.id for r in self.respondents}
        return data

    def table_label(self, number: int | None) -> str | None:
        tables = self.definition.tables
        return tables[number - 1] if number is not None and 0 < number <= len(tables) else None


async def representativeness(
    session: AsyncSession, panel_id: int
) -> tuple[Representation, ...] | None:
    """How the people present compare with the population, where recruitment knows it.

    None for a panel without recruitment (one made by hand, or imported).
    """
    return await representation_rows(session, panel_id)


async def load_record(session: AsyncSession, panel_id: int) -> PanelRecord:
    panel = await session.get(Panel, panel_id)
    if panel is None:
        raise NotFound(panel_id)
    tables = list(
        await session.scalars(
            select(PanelTable).where(PanelTable.panel_id == panel_id).order_by(PanelTable.position)
        )
    )
    table_number = {table.id: n for n, table in enumerate(tables, start=1)}
    proposals = list(
        await session.scalars(
            select(Proposal)
            .where(Proposal.panel_id == panel_id)
            .order_by(Proposal.position, Proposal.id)
        )
    )
    proposal_number = {proposal.id: n for n, proposal in enumerate(proposals, start=1)}
    step_rows = await steps_of(session, panel_id)
    step_number = {step.id: n for n, step in enumerate(step_rows, start=1)}
    option_maps: dict[int, dict[str, str]] = {}
    steps = []
    for step in step_rows:
        settings, options = portable_settings(step.kind, step.settings, proposal_number)
        option_maps[step.id] = options
        steps.append(StepDef(step.kind, step.title, step.body, step.timer_seconds, settings))
    definition = Definition(
        panel.title,
        panel.question,
        panel.language,
        panel.moderation,
        panel.authors_visible,
        tuple(table.label for table in tables),
        tuple(ProposalDef(p.title, p.description) for p in proposals),
        tuple(steps),
    )

    respondents, who = await _respondents(session, panel_id, table_number)
    data = await survey_data.load(session, panel_id)
    answers: dict[tuple[Wave, str], dict[str, Answer]] = {}
    for wave, items in data.items.items():
        for item in items:
            given = {
                data.pseudonyms[key]: answer
                for key, answer in data.answers.get((wave, item.key), {}).items()
                if key in data.pseudonyms
            }
            if given:
                answers[(wave, item.key)] = dict(sorted(given.items()))

    arguments, statement_votes = await _arguments(
        session, panel_id, step_number, proposal_number, table_number, who
    )
    questions, upvotes = await _questions(session, panel_id, step_number, table_number, who)
    votes, ballots = await _votes(session, step_rows, step_number, table_number, option_maps)
    return PanelRecord(
        definition=definition,
        status=panel.status,
        respondents=respondents,
        answers=answers,
        arguments=arguments,
        statement_votes=statement_votes,
        questions=questions,
        upvotes=upvotes,
        votes=votes,
        ballots=ballots,
        voice=await load_voice(session, panel_id, step_number, table_number, proposal_number),
        live_groups=await _live_groups(session, step_rows, step_number, who),
    )


def portable_settings(
    kind: str, settings: Mapping[str, Any], proposal_number: Mapping[int, int]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A step's settings with proposal ids turned into numbers, and its option renaming.

    A ballot option of a proposal deleted since becomes an own option labelled "?", as
    the screens show it.
    """
    out = copy.deepcopy(dict(settings))
    options: dict[str, str] = {}
    if kind == "discussion" and isinstance(out.get("proposals"), list):
        out["proposals"] = sorted(
            proposal_number[p] for p in out["proposals"] if p in proposal_number
        )
    if kind == "vote" and isinstance(out.get("vote"), Mapping):
        vote = out["vote"]
        labels = dict(vote.get("labels") or {})
        own = [int(o[1:]) for o in labels if o[1:].isdigit()]
        spare = max(own, default=0)
        for option in vote.get("options") or []:
            found = _PROPOSAL_OPTION.fullmatch(str(option))
            if not found:
                continue
            number = proposal_number.get(int(found.group(1)))
            if number is not None:
                options[option] = f"p{number}"
            else:
                spare += 1
                options[option] = f"o{spare}"
                labels[f"o{spare}"] = "?"
        vote["options"] = [options.get(o, o) for o in vote.get("options") or []]
        if labels or "labels" in vote:
            vote["labels"] = {o: labels[o] for o in vote["options"] if o in labels}
    return out, options


def rename_options(value: Any, mapping: Mapping[str, str]) -> Any:
    """A result record or ballot with every option id renamed (keys and values alike)."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list | tuple):
        return [rename_options(item, mapping) for item in value]
    if isinstance(value, Mapping):
        return {mapping.get(k, k): rename_options(v, mapping) for k, v in value.items()}
    return value


async def _respondents(
    session: AsyncSession, panel_id: int, table_number: Mapping[int, int]
) -> tuple[tuple[Respondent, ...], dict[int, str]]:
    """Everyone with an invite or a seat, and each participant's respondent id."""
    invites = {
        invite.id: invite
        for invite in await session.scalars(select(Invite).where(Invite.panel_id == panel_id))
    }
    seated: dict[int, Participant] = {}
    who: dict[int, str] = {}
    people: dict[str, Respondent] = {}
    for person in await session.scalars(
        select(Participant).where(Participant.panel_id == panel_id).order_by(Participant.id)
    ):
        table = table_number.get(person.table_id) if person.table_id is not None else None
        invite = invites.get(person.invite_id) if person.invite_id is not None else None
        if invite is not None:
            seated[invite.id] = person
            who[person.id] = invite.pseudonym
        else:
            who[person.id] = person.pseudonym
            people[person.pseudonym] = Respondent(person.pseudonym, TREATMENT, False, True, table)
    for invite in invites.values():
        sitting = seated.get(invite.id)
        group = CONTROL if invite.role == "control" else TREATMENT
        table = None
        if sitting is not None and sitting.table_id is not None:
            table = table_number.get(sitting.table_id)
        people[invite.pseudonym] = Respondent(
            invite.pseudonym, group, True, sitting is not None, table
        )
    # Sorted by the random pseudonym, so no file shows the order people joined in.
    return tuple(people[key] for key in sorted(people)), who


async def _live_groups(
    session: AsyncSession,
    step_rows: list[Step],
    step_number: Mapping[int, int],
    who: Mapping[int, str],
) -> dict[int, LiveGroups]:
    out = {}
    for step in step_rows:
        if step.kind != "discussion":
            continue
        stored = await stored_groups(session, step.id)
        clustering = stored.memory.get("clustering") if stored else None
        if stored is None or clustering is None:
            continue
        data = await discussion_votes(session, step.id)
        letters = {who[int(p)]: str(g) for p, g in clustering["groups"].items() if int(p) in who}
        current = stored.votes == votes_fingerprint(data.votes, data.hidden)
        out[step_number[step.id]] = LiveGroups(letters, current)
    return out


async def _arguments(
    session: AsyncSession,
    panel_id: int,
    step_number: Mapping[int, int],
    proposal_number: Mapping[int, int],
    table_number: Mapping[int, int],
    who: Mapping[int, str],
) -> tuple[tuple[ArgumentRecord, ...], tuple[StatementVoteRecord, ...]]:
    rows = list(
        await session.scalars(
            select(ArgumentRow)
            .where(
                ArgumentRow.panel_id == panel_id,
                ArgumentRow.state == ArgumentState.APPROVED.value,
            )
            .order_by(ArgumentRow.id)
        )
    )
    number_of = {row.id: n for n, row in enumerate(rows, start=1)}
    arguments = []
    for row in rows:
        tables = {row.table_id, *(row.merged_tables or ())}
        arguments.append(
            ArgumentRecord(
                number=number_of[row.id],
                step=step_number[row.step_id],
                proposal=proposal_number.get(row.proposal_id) if row.proposal_id else None,
                stance=row.stance,
                text=row.text,
                table=table_number.get(row.table_id),
                tables=tuple(sorted(table_number[t] for t in tables if t in table_number)),
                submissions=1 + row.merged_submissions,
                edited=row.edited,
            )
        )
    votes = []
    if rows:
        for vote in await session.scalars(
            select(StatementVote)
            .where(StatementVote.argument_id.in_(list(number_of)))
            .order_by(StatementVote.argument_id, StatementVote.id)
        ):
            if vote.participant_id in who:
                votes.append(
                    StatementVoteRecord(
                        number_of[vote.argument_id], who[vote.participant_id], vote.choice
                    )
                )
    votes.sort(key=lambda v: (v.argument, v.respondent))
    return tuple(arguments), tuple(votes)


async def _questions(
    session: AsyncSession,
    panel_id: int,
    step_number: Mapping[int, int],
    table_number: Mapping[int, int],
    who: Mapping[int, str],
) -> tuple[tuple[QuestionRecord, ...], tuple[UpvoteRecord, ...]]:
    rows = list(
        await session.scalars(
            select(QuestionRow)
            .where(
                QuestionRow.panel_id == panel_id,
                QuestionRow.state.in_([state.value for state in ASKED]),
            )
            .order_by(QuestionRow.id)
        )
    )
    number_of = {row.id: n for n, row in enumerate(rows, start=1)}
    pairs: list[tuple[int, int]] = []
    if rows:
        pairs = [
            (upvote.participant_id, upvote.question_id)
            for upvote in await session.scalars(
                select(QuestionUpvote).where(QuestionUpvote.question_id.in_(list(number_of)))
            )
        ]
    questions = [question_of(row) for row in rows]
    order: dict[int, int] = {}
    for n, question in enumerate(answered_record(questions), start=1):
        order[question.id] = n
    for n, question in enumerate(queue(questions, upvote_counts(pairs)), start=1):
        order.setdefault(question.id, n)
    records = tuple(
        QuestionRecord(
            number=number_of[row.id],
            step=step_number[row.step_id],
            table=table_number.get(row.table_id),
            text=row.text,
            state=row.state,
            order=order[row.id],
        )
        for row in rows
    )
    upvotes = sorted(
        (UpvoteRecord(number_of[q], who[person]) for person, q in pairs if person in who),
        key=lambda upvote: (upvote.question, upvote.respondent),
    )
    return records, tuple(upvotes)


async def _votes(
    session: AsyncSession,
    step_rows: list[Any],
    step_number: Mapping[int, int],
    table_number: Mapping[int, int],
    option_maps: Mapping[int, Mapping[str, str]],
) -> tuple[tuple[VoteRecord, ...], tuple[TableBallot, ...]]:
    votes = []
    ballots: list[TableBallot] = []
    for step in step_rows:
        vote = stored_vote(step.settings) if step.kind == "vote" else None
        if vote is None:
            continue
        rename = option_maps[step.id]
        frozen_row = await session.get(VoteResult, step.id)
        frozen = None
        running = None
        rows = list(await session.scalars(select(Ballot).where(Ballot.step_id == step.id)))
        if frozen_row is not None:
            frozen = FrozenVote(
                result=rename_options(frozen_row.result, rename),
                ballots=frozen_row.ballots,
                sources=dict(frozen_row.sources),
                digest=frozen_row.digest,
                closed_at=frozen_row.closed_at,
            )
        else:
            try:
                cast = [ballot_from_dict(row.content) for row in rows]
                result = tally(vote.config, vote.options, cast)
            except Refused:
                pass  # a vote without options yet has no tally
            else:
                running = rename_options(result.to_dict(), rename)
        if vote.scope == "table":
            for row in sorted(rows, key=lambda r: (table_number.get(r.table_id or 0, 0), r.id)):
                ballots.append(
                    TableBallot(
                        step_number[step.id],
                        table_number.get(row.table_id) if row.table_id is not None else None,
                        row.source,
                        rename_options(row.content, rename),
                    )
                )
        votes.append(VoteRecord(step_number[step.id], frozen, running))
    return tuple(votes), tuple(ballots)
