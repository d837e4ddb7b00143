"""Reading a recommendations step once, for the screens, the report, the export and follow-up.

Every reader sees the same thing: each recommendation with its versions, amendments,
support tally (frozen at the close, live before) and minority statements. Nothing
here names a participant: statements carry a table or nothing, levels are counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.recommendations.amendments import Amendment
from facilitation.recommendations.drafts import Recommendation, RecommendationState
from facilitation.recommendations.settings import RecommendationSettings
from facilitation.recommendations.support import SupportTally, tally_support
from server.db.models import Panel
from server.db.models import Step as StepRow
from server.db.models_recommendations import (
    AmendmentRow,
    AmendmentVote,
    CouncilAnswerRow,
    FollowUpLink,
    MinorityStatement,
    RecommendationRow,
    RecommendationVersion,
    SupportLevel,
)
from server.db.recommendation_rows import amendment_of, recommendation_of, settings_of


@dataclass(frozen=True)
class StatementView:
    text: str
    table_id: int | None


@dataclass
class Card:
    """One recommendation and everything the panel did with it."""

    recommendation: Recommendation
    row: RecommendationRow
    versions: list[RecommendationVersion] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)
    votes: dict[int, tuple[int, int]] = field(default_factory=dict)  # amendment → yes, no
    tally: SupportTally | None = None
    statements: list[StatementView] = field(default_factory=list)
    answers: list[CouncilAnswerRow] = field(default_factory=list)  # oldest first

    @property
    def active(self) -> bool:
        return self.recommendation.state is RecommendationState.ACTIVE

    @property
    def adopted(self) -> bool:
        return self.row.outcome == "adopted"

    @property
    def latest_answer(self) -> CouncilAnswerRow | None:
        return self.answers[-1] if self.answers else None


async def cards(session: AsyncSession, step: StepRow) -> list[Card]:
    settings = settings_of(step)
    rows = list(
        await session.scalars(
            select(RecommendationRow)
            .where(RecommendationRow.step_id == step.id)
            .order_by(RecommendationRow.id)
        )
    )
    if not rows:
        return []
    ids = [r.id for r in rows]
    versions: dict[int, list[RecommendationVersion]] = defaultdict(list)
    for v in await session.scalars(
        select(RecommendationVersion)
        .where(RecommendationVersion.recommendation_id.in_(ids))
        .order_by(RecommendationVersion.number)
    ):
        versions[v.recommendation_id].append(v)
    amendments: dict[int, list[Amendment]] = defaultdict(list)
    for a in await session.scalars(
        select(AmendmentRow)
        .where(AmendmentRow.recommendation_id.in_(ids))
        .order_by(AmendmentRow.id)
    ):
        amendments[a.recommendation_id].append(amendment_of(a))
    votes: dict[int, dict[str, int]] = defaultdict(dict)
    for amendment_id, choice, count in (
        await session.execute(
            select(AmendmentVote.amendment_id, AmendmentVote.choice, func.count())
            .join(AmendmentRow, AmendmentRow.id == AmendmentVote.amendment_id)
            .where(AmendmentRow.recommendation_id.in_(ids))
            .group_by(AmendmentVote.amendment_id, AmendmentVote.choice)
        )
    ).all():
        votes[amendment_id][choice] = int(count)
    levels: dict[int, list[str]] = defaultdict(list)
    for rec_id, level in (
        await session.execute(
            select(SupportLevel.recommendation_id, SupportLevel.level).where(
                SupportLevel.recommendation_id.in_(ids)
            )
        )
    ).all():
        levels[rec_id].append(level)
    statements: dict[int, list[StatementView]] = defaultdict(list)
    for s in await session.scalars(
        select(MinorityStatement)
        .where(MinorityStatement.recommendation_id.in_(ids))
        .order_by(MinorityStatement.id)
    ):
        statements[s.recommendation_id].append(StatementView(s.text, s.table_id))
    answers: dict[int, list[CouncilAnswerRow]] = defaultdict(list)
    for answer in await session.scalars(
        select(CouncilAnswerRow)
        .where(CouncilAnswerRow.recommendation_id.in_(ids))
        .order_by(CouncilAnswerRow.id)
    ):
        answers[answer.recommendation_id].append(answer)
    out = []
    for row in rows:
        own = amendments[row.id]
        out.append(
            Card(
                recommendation_of(row),
                row,
                versions[row.id],
                own,
                {
                    a.id: (votes[a.id].get("yes", 0), votes[a.id].get("no", 0))
                    if a.open
                    else (a.yes, a.no)
                    for a in own
                },
                _tally(settings, row, levels[row.id]),
                statements[row.id],
                answers[row.id],
            )
        )
    return out


def _tally(
    settings: RecommendationSettings, row: RecommendationRow, levels: list[str]
) -> SupportTally:
    """The stored counts once closed (or imported: levels do not travel), else the live ones.

    A closed recommendation's adoption is the one frozen at the close.
    """
    stored = row.support.get("counts")
    if stored is None:
        return tally_support(settings, levels)
    scale_levels = list(row.support.get("levels", settings.scale.levels))
    spelled = [lvl for lvl, n in zip(scale_levels, stored, strict=False) for _ in range(n)]
    counted = tally_support(settings, spelled)
    if row.outcome is None:
        return counted
    return SupportTally(
        counted.counts,
        counted.answered,
        counted.supporting,
        counted.share,
        row.outcome == "adopted",
    )


async def my_marks(
    session: AsyncSession, step: StepRow, participant_id: int
) -> tuple[dict[str, str], dict[str, str]]:
    """This participant's levels (by recommendation) and quick-vote answers (by amendment)."""
    levels = dict(
        (
            await session.execute(
                select(SupportLevel.recommendation_id, SupportLevel.level)
                .join(RecommendationRow, RecommendationRow.id == SupportLevel.recommendation_id)
                .where(
                    RecommendationRow.step_id == step.id,
                    SupportLevel.participant_id == participant_id,
                )
            )
        ).all()
    )
    votes = dict(
        (
            await session.execute(
                select(AmendmentVote.amendment_id, AmendmentVote.choice)
                .join(AmendmentRow, AmendmentRow.id == AmendmentVote.amendment_id)
                .join(RecommendationRow, RecommendationRow.id == AmendmentRow.recommendation_id)
                .where(
                    RecommendationRow.step_id == step.id,
                    AmendmentVote.participant_id == participant_id,
                )
            )
        ).all()
    )
    return {str(k): v for k, v in levels.items()}, {str(k): v for k, v in votes.items()}


async def known_token(session: AsyncSession, panel_id: int) -> str | None:
    """The panel's follow-up token, if one was made (`server.ops.follow_up`)."""
    existing = await session.get(FollowUpLink, panel_id)
    return existing.token if existing is not None else None


@dataclass(frozen=True)
class FollowUp:
    panel: Panel
    steps: list[tuple[StepRow, list[Card]]]


async def follow_up(session: AsyncSession, token: str) -> FollowUp | None:
    """What the public page shows: the panel and its recommendations steps, nothing personal."""
    link = await session.scalar(select(FollowUpLink).where(FollowUpLink.token == token))
    if link is None:
        return None
    panel = await session.get(Panel, link.panel_id)
    if panel is None:
        return None
    return FollowUp(panel, await recommendation_steps(session, panel.id))


async def recommendation_steps(
    session: AsyncSession, panel_id: int
) -> list[tuple[StepRow, list[Card]]]:
    steps = await session.scalars(
        select(StepRow)
        .where(StepRow.panel_id == panel_id, StepRow.kind == "recommendations")
        .order_by(StepRow.position)
    )
    return [(step, await cards(session, step)) for step in steps]
