"""Reading what opinion groups are computed from: one discussion's statement votes.

Each discussion step is one Pol.is conversation: its approved arguments are the
statements, the votes on them the matrix. Arguments hidden, withdrawn or merged away
after people voted on them are passed as hidden (Pol.is's moderated-out statements).
`stored_groups` reads the groups last computed by any server process
(`facilitation.opinion.state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.deliberation.statements import StatementVote, VoteChoice
from facilitation.deliberation.states import ArgumentState
from server.db.models import ArgumentRow, OpinionState
from server.db.models import StatementVote as StatementVoteRow


@dataclass(frozen=True)
class DiscussionVotes:
    votes: list[StatementVote]
    hidden: frozenset[int]
    texts: dict[int, str]
    """Approved statements' texts, by argument id."""


async def discussion_votes(session: AsyncSession, step_id: int) -> DiscussionVotes:
    arguments = list(
        await session.execute(
            select(ArgumentRow.id, ArgumentRow.state, ArgumentRow.text).where(
                ArgumentRow.step_id == step_id
            )
        )
    )
    rows = await session.execute(
        select(
            StatementVoteRow.participant_id, StatementVoteRow.argument_id, StatementVoteRow.choice
        )
        .join(ArgumentRow, ArgumentRow.id == StatementVoteRow.argument_id)
        .where(ArgumentRow.step_id == step_id)
        .order_by(StatementVoteRow.updated_at, StatementVoteRow.id)
    )
    votes = [StatementVote(p, a, VoteChoice(c)) for p, a, c in rows.all()]
    approved = {a for a, state, _ in arguments if state == ArgumentState.APPROVED.value}
    return DiscussionVotes(
        votes=votes,
        hidden=frozenset(a for a, _, _ in arguments if a not in approved),
        texts={a: text for a, state, text in arguments if a in approved},
    )


@dataclass(frozen=True)
class StoredGroups:
    votes: str
    """Fingerprint of the votes `memory` was computed from."""
    started: dict[str, Any] | None
    memory: dict[str, Any]


async def stored_groups(session: AsyncSession, step_id: int) -> StoredGroups | None:
    row = await session.get(OpinionState, step_id, populate_existing=True)
    if row is None:
        return None
    return StoredGroups(row.votes, row.started, row.memory)
