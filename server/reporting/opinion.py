"""Opinion groups for the report and the export, computed once from a panel's record.

Each discussion step with statement votes is one Pol.is conversation. The record names
people by pseudonym and arguments by number, so the groups are computed afresh from
those (`facilitation.opinion`): the report shows what all the votes say at the end.
Where the room saw groups live (`PanelRecord.live_groups`), each group is then named
after the live group it shares most people with (`relabelled`), so the report's group A
is the room's group A; the report says how many people are placed as the room last saw
them. Reproducing the live groups exactly would need the live updates' whole history
(the number of groups steadies over updates), which the record does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.opinion.groups import (
    Method,
    OpinionGroups,
    TooFewVotes,
    compute_opinion_groups,
    relabelled,
)
from facilitation.opinion.privacy import DEFAULT_MIN_GROUP, shown_groups
from server.reporting.record import LiveGroups, PanelRecord

METHOD = Method()


@dataclass(frozen=True)
class DiscussionOpinion:
    step: int
    """The discussion's step number."""
    title: str
    result: OpinionGroups | TooFewVotes
    pseudonyms: tuple[str, ...]
    """Participant index in `result` → pseudonym."""
    min_group: int
    live: LiveGroups | None = None
    """The groups the room last saw, whose letters `result` carries."""

    @property
    def as_live(self) -> tuple[int, int]:
        """(people in the group of the letter the room last saw them in, people placed both
        here and live)."""
        if self.live is None or isinstance(self.result, TooFewVotes):
            return 0, 0
        both = [
            (self.live.letters[self.pseudonyms[p]], g)
            for p, g in self.result.groups.items()
            if self.pseudonyms[p] in self.live.letters
        ]
        return sum(1 for was, now in both if was == now), len(both)

    @property
    def shown(self) -> list[str]:
        if isinstance(self.result, TooFewVotes):
            return []
        return shown_groups(self.result, self.min_group)


def panel_opinions(record: PanelRecord) -> list[DiscussionOpinion]:
    step_of = {a.number: a.step for a in record.arguments}
    out = []
    for number, step in enumerate(record.definition.steps, start=1):
        if step.kind != "discussion" or not step.settings.get("statement_votes"):
            continue
        votes = [v for v in record.statement_votes if step_of.get(v.argument) == number]
        pseudonyms = tuple(sorted({v.respondent for v in votes}))
        index = {p: i for i, p in enumerate(pseudonyms)}
        result = compute_opinion_groups(
            StatementVote(index[v.respondent], v.argument, VoteChoice(v.choice)) for v in votes
        )
        live = record.live_groups.get(number)
        if live is not None and isinstance(result, OpinionGroups):
            result = relabelled(
                result, {index[p]: g for p, g in live.letters.items() if p in index}
            )
        chosen = step.settings.get("opinion") or {}
        out.append(
            DiscussionOpinion(
                step=number,
                title=step.title,
                result=result,
                pseudonyms=pseudonyms,
                min_group=int(chosen.get("min_group", DEFAULT_MIN_GROUP)),
                live=live,
            )
        )
    return out


def opinion_groups_rows(record: PanelRecord) -> list[list[object]]:
    """step, pseudonym, group (blank: not clustered), x, y."""
    rows: list[list[object]] = []
    for opinion in panel_opinions(record):
        if isinstance(opinion.result, TooFewVotes):
            continue
        for point in opinion.result.points:
            rows.append(
                [
                    opinion.step,
                    opinion.pseudonyms[point.participant],
                    point.group,
                    round(point.x, 4),
                    round(point.y, 4),
                ]
            )
    return rows


def opinion_statements_rows(record: PanelRecord) -> list[list[object]]:
    """Per discussion, group and argument: counts, shares and Pol.is's figures."""
    rows: list[list[object]] = []
    for opinion in panel_opinions(record):
        result = opinion.result
        if isinstance(result, TooFewVotes):
            continue
        represents = {
            (g, r.statement): r.direction for g, reps in result.representative.items() for r in reps
        }
        for group, per in sorted(result.votes.items()):
            for argument, v in sorted(per.items()):
                rows.append(
                    [
                        opinion.step,
                        group,
                        result.sizes[group],
                        argument,
                        v.agree,
                        v.disagree,
                        v.passed,
                        round(v.p_agree, 4),
                        round(v.p_disagree, 4),
                        represents.get((group, argument), ""),
                        round(result.consensus[argument], 4),
                        round(result.divisiveness[argument], 4),
                    ]
                )
    return rows


def method_in_words(method: Method = METHOD) -> str:
    """The method for the codebook (English, as the codebook is)."""
    return (
        "Opinion groups follow Pol.is (polismath, compdemocracy.org). Each discussion's "
        "statement votes form a participant × argument matrix: agree 1, disagree −1, pass 0, "
        "unseen missing. A participant is grouped once they voted on at least "
        f"min({method.min_votes}, number of arguments) arguments (if fewer than "
        f"{method.greedy_participants} qualify, the most active are added up to "
        f"{method.greedy_participants}). Missing votes are filled with the argument's mean "
        "vote, two principal components are fitted on all participants, and each "
        "participant is placed using only the votes they cast, scaled by "
        "sqrt(arguments / votes cast). The grouped participants are gathered into up to "
        f"{method.base_clusters} base clusters (k-means), whose centres are clustered into "
        f"2 to {method.max_groups} groups (k-means weighted by size); the number of groups "
        "with the best silhouette is kept. Groups are computed once from all votes at "
        "export; where the room saw groups live, each group takes the letter of the live "
        "group it shares most people with (the matching the live updates use), so its "
        "letter is the one the room saw. They are shown in the report only from "
        f"{DEFAULT_MIN_GROUP} people (the "
        "panel's choice). Groups appear only when at least "
        f"{method.min_people} people voted on at least {method.min_votes} arguments."
    )


@dataclass(frozen=True)
class StatementFigures:
    text: str
    score: float
    shares: tuple[tuple[str, int | None], ...]
    """Per group shown: per cent agreeing of those in it who voted on the argument."""


@dataclass(frozen=True)
class GroupSummary:
    letter: str
    size: int
    represents: tuple[tuple[str, str, int], ...]
    """(argument text, agree or disagree, per cent of the group on that side)."""


@dataclass(frozen=True)
class OpinionSummary:
    """One discussion's opinion groups as the report prints them."""

    title: str
    too_few: TooFewVotes | None
    grouped: int = 0
    voters: int = 0
    groups: tuple[GroupSummary, ...] = ()
    hidden: int = 0
    """People in groups smaller than the panel's minimum, not shown on their own."""
    min_group: int = DEFAULT_MIN_GROUP
    consensus: tuple[StatementFigures, ...] = ()
    divisive: tuple[StatementFigures, ...] = ()
    method: Method = METHOD
    as_live: tuple[int, int] | None = None
    """(people placed as the room last saw them, people placed both here and live); None
    when the room saw no groups."""
    live_current: bool = False
    """The room's last groups were computed from all the votes the report counts."""


TOP = 5


def report_opinions(record: PanelRecord) -> tuple[OpinionSummary, ...]:
    texts = {a.number: a.text for a in record.arguments}
    out = []
    for opinion in panel_opinions(record):
        result = opinion.result
        if isinstance(result, TooFewVotes):
            out.append(OpinionSummary(opinion.title, result, min_group=opinion.min_group))
            continue
        shown = opinion.shown

        groups = tuple(
            GroupSummary(
                g,
                result.sizes[g],
                tuple(
                    (texts[r.statement], r.direction, round(100 * r.share))
                    for r in result.representative.get(g, [])[:3]
                    if r.statement in texts
                ),
            )
            for g in shown
        )
        out.append(
            OpinionSummary(
                title=opinion.title,
                too_few=None,
                grouped=len(result.groups),
                voters=len(result.points),
                groups=groups,
                hidden=sum(n for g, n in result.sizes.items() if g not in shown),
                min_group=opinion.min_group,
                consensus=_figures(
                    result, shown, texts, result.most_consensual(len(texts)), result.consensus
                ),
                divisive=(
                    _figures(
                        result, shown, texts, result.most_divisive(len(texts)), result.divisiveness
                    )
                    if len(shown) >= 2
                    else ()
                ),
                as_live=opinion.as_live if opinion.live else None,
                live_current=opinion.live.current if opinion.live else False,
            )
        )
    return tuple(out)


def _figures(
    result: OpinionGroups,
    shown: list[str],
    texts: dict[int, str],
    ids: list[int],
    scores: dict[int, float],
) -> tuple[StatementFigures, ...]:
    lines = []
    for s in ids:
        if s not in texts:
            continue
        shares = []
        for g in shown:
            v = result.votes[g][s]
            shares.append((g, round(100 * v.agree / v.seen) if v.seen else None))
        lines.append(StatementFigures(texts[s], round(scores[s], 3), tuple(shares)))
    return tuple(lines[:TOP])
