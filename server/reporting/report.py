"""The report for the council as a view model: what each section shows, ready to draw.

`build_report` is a plain function of a `PanelRecord` (plus what is known about
representativeness and demographics), so the same numbers come out of the page, the
PDF and a panel imported from an export. Statistics come from `facilitation.analysis`
untouched; where a number cannot be computed the result carries an `Unavailable`
message, which the template translates.

Why one module of this size: it is the whole report's view model, one section
after another in the order the council reads them; each section is a short function
of the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from facilitation.analysis import (
    ChoiceComparison,
    KnowledgeChange,
    OpinionItemResult,
    SubgroupBreakdown,
    Unavailable,
    change_by_subgroup,
    choice_counts,
    compare_choices,
    knowledge_change,
)
from facilitation.analysis.categorical import ChoiceCounts
from facilitation.analysis.opinion import WaveSummary
from facilitation.ballots import result_from_dict
from facilitation.deliberation.statements import StatementTally
from facilitation.recruitment.representation import Representation
from facilitation.survey import Answer, ItemKind, SurveyItem, Wave
from server.read.survey_data import SurveyData, opinion_results
from server.reporting import charts
from server.reporting.definition import ProposalDef
from server.reporting.opinion import OpinionSummary, report_opinions
from server.reporting.record import CONTROL, TREATMENT, ArgumentRecord, PanelRecord
from server.reporting.voice_report import VoiceSection, voice_section
from server.screens.vote_chart import Chart, chart

STANCES = ("for", "against", "other")
CHOICE = (ItemKind.SINGLE, ItemKind.MULTIPLE)


@dataclass(frozen=True)
class AgendaRow:
    number: int
    kind: str
    title: str
    timer_seconds: int


@dataclass(frozen=True)
class TableCount:
    label: str
    seated: int


@dataclass(frozen=True)
class SurveyCount:
    group: str
    before: int
    after: int
    both: int


@dataclass(frozen=True)
class Participation:
    joined: int
    invited: int
    invited_joined: int
    controls: int
    tables: tuple[TableCount, ...]
    unseated: int
    surveys: tuple[SurveyCount, ...]


@dataclass(frozen=True)
class ArgumentView:
    number: int
    text: str
    tables: tuple[str, ...]
    submissions: int
    edited: bool
    tally: StatementTally


@dataclass(frozen=True)
class StanceGroup:
    stance: str
    arguments: tuple[ArgumentView, ...]


@dataclass(frozen=True)
class ProposalArguments:
    """A proposal's arguments by stance; `proposal` None: arguments on no proposal."""

    proposal: ProposalDef | None
    stances: tuple[StanceGroup, ...]


@dataclass(frozen=True)
class QuestionView:
    text: str
    table: str | None
    upvotes: int


@dataclass(frozen=True)
class Questions:
    answered: tuple[QuestionView, ...]
    answering: tuple[QuestionView, ...]
    waiting: tuple[QuestionView, ...]

    @property
    def asked(self) -> int:
        return len(self.answered) + len(self.answering) + len(self.waiting)


@dataclass(frozen=True)
class VoteSection:
    title: str
    method: str
    scope: str
    closed: bool
    chart: Chart | None
    ballots: int
    sources: Mapping[str, int]
    voted: int
    eligible: int
    closed_at: datetime | None
    digest: str

    @property
    def turnout(self) -> float | None:
        return self.voted / self.eligible if self.eligible else None


@dataclass(frozen=True)
class OpinionRow:
    """One opinion or agreement question with its statistics and charts."""

    number: int
    item: SurveyItem
    result: OpinionItemResult
    low_side: str
    high_side: str
    distribution: charts.Distribution
    before_shares: tuple[float, ...] | None
    after_shares: tuple[float, ...] | None
    track: charts.Track
    notes: tuple[Unavailable, ...]

    @property
    def scale(self) -> tuple[int, int]:
        assert self.item.scale is not None
        return self.item.scale.low, self.item.scale.high


@dataclass(frozen=True)
class Dumbbells:
    low: int
    high: int
    axis: tuple[charts.Tick, ...]
    rows: tuple[OpinionRow, ...]


@dataclass(frozen=True)
class ChoiceRow:
    item: SurveyItem
    before: ChoiceCounts | None
    after: ChoiceCounts | None
    comparison: ChoiceComparison | None


@dataclass(frozen=True)
class SubgroupRow:
    item: SurveyItem
    breakdown: SubgroupBreakdown


@dataclass(frozen=True)
class Subgroups:
    variable: str
    rows: tuple[SubgroupRow, ...]


@dataclass(frozen=True)
class Report:
    title: str
    question: str
    language: str
    status: str
    printed: date
    proposals: tuple[ProposalDef, ...]
    agenda: tuple[AgendaRow, ...]
    participation: Participation
    representation: tuple[Representation, ...] | None
    arguments: tuple[ProposalArguments, ...]
    argument_count: int
    statement_votes: int
    questions: Questions
    votes: tuple[VoteSection, ...]
    opinions: tuple[OpinionRow, ...]
    dumbbells: tuple[Dumbbells, ...]
    knowledge: KnowledgeChange | None
    choices: tuple[ChoiceRow, ...]
    subgroups: tuple[Subgroups, ...] | None
    has_controls: bool
    opinion_groups: tuple[OpinionSummary, ...] = ()
    voice: VoiceSection | None = None


def build_report(
    record: PanelRecord,
    printed: date,
    *,
    representation: tuple[Representation, ...] | None = None,
    demographics: Mapping[str, Mapping[str, str]] | None = None,
    follow_up: str | None = None,
) -> Report:
    """`demographics` maps a respondent's pseudonym to their known category values."""
    definition = record.definition
    survey = record.survey()
    opinions = _opinions(survey)
    return Report(
        title=definition.title,
        question=definition.question,
        language=definition.language,
        status=record.status,
        printed=printed,
        proposals=definition.proposals,
        agenda=tuple(
            AgendaRow(n, step.kind, step.title, step.timer_seconds)
            for n, step in enumerate(definition.steps, start=1)
        ),
        participation=_participation(record),
        representation=representation,
        arguments=_arguments(record),
        argument_count=len(record.arguments),
        statement_votes=len(record.statement_votes),
        questions=_questions(record),
        votes=_votes(record),
        opinions=opinions,
        dumbbells=_dumbbells(opinions),
        knowledge=_knowledge(survey),
        choices=_choices(survey),
        subgroups=_subgroups(survey, demographics or {}),
        has_controls=bool(survey.controls),
        opinion_groups=report_opinions(record),
        voice=voice_section(record, follow_up),
    )


def _participation(record: PanelRecord) -> Participation:
    people = record.respondents
    seated = Counter(r.table for r in people if r.joined)
    group_of = {person.id: person.group for person in people}
    answered: dict[tuple[str, Wave], set[str]] = {}
    for (wave, _key), answers in record.answers.items():
        for respondent in answers:
            group = group_of.get(respondent, TREATMENT)
            answered.setdefault((group, wave), set()).add(respondent)
    surveys = []
    for group in (TREATMENT, CONTROL):
        before = answered.get((group, Wave.BEFORE), set())
        after = answered.get((group, Wave.AFTER), set())
        if group == CONTROL and not any(r.group == CONTROL for r in people):
            continue
        surveys.append(SurveyCount(group, len(before), len(after), len(before & after)))
    return Participation(
        joined=sum(1 for r in people if r.joined),
        invited=sum(1 for r in people if r.invited and r.group == TREATMENT),
        invited_joined=sum(1 for r in people if r.invited and r.joined),
        controls=sum(1 for r in people if r.group == CONTROL),
        tables=tuple(
            TableCount(label, seated.get(n, 0))
            for n, label in enumerate(record.definition.tables, start=1)
        ),
        unseated=seated.get(None, 0),
        surveys=tuple(surveys),
    )


def _arguments(record: PanelRecord) -> tuple[ProposalArguments, ...]:
    counts: dict[int, Counter[str]] = {}
    for vote in record.statement_votes:
        counts.setdefault(vote.argument, Counter())[vote.choice] += 1
    by_proposal: dict[int | None, list[ArgumentRecord]] = {}
    for argument in record.arguments:
        by_proposal.setdefault(argument.proposal, []).append(argument)
    groups = []
    proposals: list[tuple[int | None, ProposalDef | None]] = [
        (n, p) for n, p in enumerate(record.definition.proposals, start=1)
    ]
    for number, proposal in [*proposals, (None, None)]:
        arguments = by_proposal.get(number, [])
        if not arguments:
            continue
        stances = []
        for stance in STANCES:
            views = [
                ArgumentView(
                    a.number,
                    a.text,
                    tuple(label for t in a.tables if (label := record.table_label(t))),
                    a.submissions,
                    a.edited,
                    StatementTally(
                        counts.get(a.number, Counter())["agree"],
                        counts.get(a.number, Counter())["disagree"],
                        counts.get(a.number, Counter())["pass"],
                    ),
                )
                for a in arguments
                if a.stance == stance
            ]
            # Most agreed first, as on the argument wall: the lower bound of the share
            # agreeing, then more votes, then the order they came in.
            views.sort(key=lambda v: (-v.tally.agreement, -v.tally.decisive, v.number))
            if views:
                stances.append(StanceGroup(stance, tuple(views)))
        groups.append(ProposalArguments(proposal, tuple(stances)))
    return tuple(groups)


def _questions(record: PanelRecord) -> Questions:
    upvotes = Counter(upvote.question for upvote in record.upvotes)

    def views(state: str) -> tuple[QuestionView, ...]:
        chosen = sorted((q for q in record.questions if q.state == state), key=lambda q: q.order)
        return tuple(
            QuestionView(q.text, record.table_label(q.table), upvotes.get(q.number, 0))
            for q in chosen
        )

    return Questions(views("answered"), views("answering"), views("queued"))


def _votes(record: PanelRecord) -> tuple[VoteSection, ...]:
    definition = record.definition
    joined = sum(1 for r in record.respondents if r.joined)
    sections = []
    for vote_record in record.votes:
        step = definition.steps[vote_record.step - 1]
        vote = definition.vote_settings(vote_record.step)
        if vote is None:
            continue
        frozen = vote_record.frozen
        drawn = None
        sources: Mapping[str, int] = {}
        ballots = voted = 0
        eligible = len(definition.tables) if vote.scope == "table" else joined
        if frozen is not None:
            drawn = chart(result_from_dict(frozen.result), definition.option_labels(vote))
            sources = dict(frozen.sources)
            ballots = frozen.ballots
            if vote.scope == "table":
                voted = sources.get("table", 0)
            else:
                voted = sources.get("phone", 0) + sources.get("assisted", 0)
        sections.append(
            VoteSection(
                title=step.title,
                method=vote.config.method,
                scope=vote.scope,
                closed=frozen is not None,
                chart=drawn,
                ballots=ballots,
                sources=sources,
                voted=voted,
                eligible=eligible,
                closed_at=frozen.closed_at if frozen else None,
                digest=frozen.digest if frozen else "",
            )
        )
    return tuple(sections)


def _opinions(survey: SurveyData) -> tuple[OpinionRow, ...]:
    rows = []
    for number, (item, result) in enumerate(opinion_results(survey), start=1):
        scale = item.scale
        assert scale is not None
        before = result.before if isinstance(result.before, WaveSummary) else None
        after = result.after if isinstance(result.after, WaveSummary) else None
        change = result.change
        mean_before = mean_after = None
        if not isinstance(change, Unavailable):
            mean_before, mean_after = change.mean_before, change.mean_after
        rows.append(
            OpinionRow(
                number=number,
                item=item,
                result=result,
                low_side=item.low_label,
                high_side=item.high_label,
                distribution=charts.distribution(before, after, scale.low, scale.high),
                before_shares=charts.shares(before),
                after_shares=charts.shares(after),
                track=charts.track(mean_before, mean_after, scale.low, scale.high),
                notes=_notes(result),
            )
        )
    return tuple(rows)


def _notes(result: OpinionItemResult) -> tuple[Unavailable, ...]:
    """Why numbers of an item are missing, each reason once, in the order of the table."""
    found: list[Unavailable] = []
    candidates: list[Any] = [result.change]
    if not isinstance(result.change, Unavailable):
        candidates += [result.change.estimate, result.change.wilcoxon]
    for summary in (result.before, result.after):
        candidates.append(summary)
        if isinstance(summary, WaveSummary):
            candidates.append(summary.majority)
    for value in candidates:
        if isinstance(value, Unavailable) and value not in found:
            found.append(value)
    return tuple(found)


def _dumbbells(opinions: Sequence[OpinionRow]) -> tuple[Dumbbells, ...]:
    groups: dict[tuple[int, int], list[OpinionRow]] = {}
    for row in opinions:
        groups.setdefault(row.scale, []).append(row)
    return tuple(
        Dumbbells(low, high, charts.axis(low, high), tuple(rows))
        for (low, high), rows in sorted(groups.items(), key=lambda g: -g[0][1])
    )


def _knowledge(survey: SurveyData) -> KnowledgeChange | None:
    before = [i for i in survey.items[Wave.BEFORE] if i.kind is ItemKind.KNOWLEDGE]
    after = [i for i in survey.items[Wave.AFTER] if i.kind is ItemKind.KNOWLEDGE]
    if not before and not after:
        return None
    controls = bool(survey.controls)
    return knowledge_change(
        before,
        after,
        _by_respondent(survey, Wave.BEFORE, before),
        _by_respondent(survey, Wave.AFTER, after),
        _by_respondent(survey, Wave.BEFORE, before, control=True) if controls else None,
        _by_respondent(survey, Wave.AFTER, after, control=True) if controls else None,
    )


def _by_respondent(
    survey: SurveyData, wave: Wave, items: Sequence[SurveyItem], *, control: bool = False
) -> dict[str, dict[str, Answer]]:
    """Answers per respondent, of the participants or of the control group."""
    out: dict[str, dict[str, Answer]] = {}
    for item in items:
        for respondent, answer in (survey.of(wave, item.key, control=control) or {}).items():
            out.setdefault(respondent, {})[item.key] = answer
    return out


def _choices(survey: SurveyData) -> tuple[ChoiceRow, ...]:
    before = [i for i in survey.items[Wave.BEFORE] if i.kind in CHOICE]
    after = [i for i in survey.items[Wave.AFTER] if i.kind in CHOICE]
    rows = []
    repeated = set()
    for item in before:
        again = next((a for a in after if a.pairs_with == item.key), None)
        first = list((survey.of(Wave.BEFORE, item.key) or {}).values())
        if again is None:
            rows.append(ChoiceRow(item, choice_counts(item, first), None, None))
            continue
        repeated.add(again.key)
        second = list((survey.of(Wave.AFTER, again.key) or {}).values())
        comparison = compare_choices(item, first, second)
        rows.append(ChoiceRow(item, comparison.first, comparison.second, comparison))
    for item in after:
        if item.key not in repeated:
            answers = list((survey.of(Wave.AFTER, item.key) or {}).values())
            rows.append(ChoiceRow(item, None, choice_counts(item, answers), None))
    return tuple(rows)


def _subgroups(
    survey: SurveyData, demographics: Mapping[str, Mapping[str, str]]
) -> tuple[Subgroups, ...] | None:
    """Opinion change per known background variable; None when none is known."""
    variables = sorted({name for values in demographics.values() for name in values})
    if not variables:
        return None
    sections = []
    for variable in variables:
        groups = {r: values.get(variable) for r, values in demographics.items()}
        rows = []
        for before_item, after_item in survey.opinion_pairs():
            if before_item is None or after_item is None:
                continue
            before = survey.of(Wave.BEFORE, before_item.key) or {}
            after = survey.of(Wave.AFTER, after_item.key) or {}
            rows.append(
                SubgroupRow(before_item, change_by_subgroup(before_item, before, after, groups))
            )
        sections.append(Subgroups(variable, tuple(rows)))
    return tuple(sections)
