"""The recommendations' and the question slate's rows as the rules read them.

Commands (`server/ops/recommendations.py`, `question_slate.py`) and the read side
(`server/read/recommendations.py`, the screens) both turn rows into the values of
`facilitation.recommendations` and find the slate's ballots; they do it here, once.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation.slate import Voter
from facilitation.deliberation.states import QuestionState
from facilitation.recommendations.amendments import Amendment, AmendmentState, DecidedBy
from facilitation.recommendations.drafts import Recommendation, RecommendationState
from facilitation.recommendations.settings import RecommendationSettings
from server.db.models import Participant, QuestionRow, QuestionUpvote
from server.db.models import Step as StepRow
from server.db.models_recommendations import AmendmentRow, QuestionSlate, RecommendationRow

TOPIC = "recommendations"
"""Drafts, amendments, phases: what the recommendations' lists show."""
SUPPORT = "support"
"""Levels of support (counts on the tablet and the projector)."""
MARKS = "recommendation_marks"
"""How one phone answered, laid over the shared buttons."""
SLATE_TOPIC = "slate"


def settings_of(step: StepRow) -> RecommendationSettings:
    return RecommendationSettings.from_settings(step.settings)


def recommendation_of(row: RecommendationRow) -> Recommendation:
    return Recommendation(
        id=row.id,
        table_id=row.table_id,
        title=row.title,
        text=row.text,
        version=row.version,
        proposal_id=row.proposal_id,
        state=RecommendationState(row.state),
        tables=tuple(row.tables or (row.table_id,)),
        merged_into=row.merged_into,
        adopted=None if row.outcome is None else row.outcome == "adopted",
    )


def amendment_of(row: AmendmentRow) -> Amendment:
    return Amendment(
        id=row.id,
        recommendation_id=row.recommendation_id,
        table_id=row.table_id,
        base_version=row.base_version,
        text=row.text,
        state=AmendmentState(row.state),
        decided_by=DecidedBy(row.decided_by) if row.decided_by else None,
        reason=row.reason,
        yes=row.yes,
        no=row.no,
    )


async def slate_ballots(
    session: AsyncSession, panel_id: int, step_id: int
) -> tuple[list[int], list[Voter]]:
    """The candidates (queued questions, in the order sent) and every participant's approvals:
    the questions they upvoted and those their own table sent."""
    rows = list(
        await session.scalars(
            select(QuestionRow)
            .where(
                QuestionRow.step_id == step_id,
                QuestionRow.state == QuestionState.QUEUED.value,
            )
            .order_by(QuestionRow.sent_at, QuestionRow.id)
        )
    )
    candidates = [r.id for r in rows]
    by_table: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        by_table[r.table_id].add(r.id)
    wants: dict[int, set[int]] = defaultdict(set)
    if candidates:
        for participant_id, question_id in (
            await session.execute(
                select(QuestionUpvote.participant_id, QuestionUpvote.question_id).where(
                    QuestionUpvote.question_id.in_(candidates)
                )
            )
        ).all():
            wants[participant_id].add(question_id)
    seated = (
        await session.execute(
            select(Participant.id, Participant.table_id).where(
                Participant.panel_id == panel_id, Participant.table_id.is_not(None)
            )
        )
    ).all()
    voters = [
        Voter(table_id, frozenset(wants[pid] | by_table[table_id]))
        for pid, table_id in seated
        if table_id is not None
    ]
    return candidates, voters


async def latest_slate(session: AsyncSession, step_id: int) -> QuestionSlate | None:
    row: QuestionSlate | None = await session.scalar(
        select(QuestionSlate)
        .where(QuestionSlate.step_id == step_id)
        .order_by(QuestionSlate.id.desc())
        .limit(1)
    )
    return row
