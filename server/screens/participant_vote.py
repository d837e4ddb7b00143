"""The phone during a vote: your own ballot, and the results once revealed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from facilitation.ballots import (
    ApprovalBallot,
    Ballot,
    DotBallot,
    RankingBallot,
    SingleBallot,
    ballot_from_dict,
)
from facilitation.ballots.secrecy import voter_key
from server.db.models import Ballot as BallotRow
from server.live import audiences as aud
from server.live.view import PanelView
from server.live.vote_view import votes
from server.screens.registry import fragment
from server.screens.vote_chart import chart


@fragment(
    "phone-my-ballot", "participant", ("vote", "agenda", "my_ballot"), "participant/_my_ballot.html"
)
async def my_ballot(view: PanelView, audience: str) -> dict[str, Any]:
    reader = votes(view)
    step = await reader.step()
    vote = reader.settings(step) if step is not None else None
    if step is None or vote is None or vote.scope == "table":
        return {"ballot": None, "mine": "[]"}
    voter = voter_key(view.secret_key, step.id, aud.ident(audience))
    if view.whole_room:
        content = (await reader.by_voter(step.id)).get(voter)
    else:
        content = await view.session.scalar(
            select(BallotRow.content).where(BallotRow.step_id == step.id, BallotRow.voter == voter)
        )
    if content is None:
        return {"ballot": None, "mine": "[]"}
    return mine_context(ballot_from_dict(content), await reader.labels(vote))


def mine_context(ballot: Ballot, labels: dict[str, str]) -> dict[str, Any]:
    """What the phone shows of its own ballot; also used to answer the cast itself."""
    return {"ballot": ballot, "labels": labels, "mine": json.dumps(_chosen(ballot))}


def _chosen(ballot: Ballot) -> list[str]:
    """The options this ballot gave something to, for marking them in the results."""
    if isinstance(ballot, SingleBallot):
        return [ballot.choice] if ballot.choice else []
    if isinstance(ballot, ApprovalBallot):
        return list(ballot.approved)
    if isinstance(ballot, RankingBallot):
        return list(ballot.ranking)
    if isinstance(ballot, DotBallot):
        return [option for option, _ in ballot.points]
    return [option for option, _ in ballot.answers]


@fragment(
    "phone-results",
    aud.PHONES,
    ("tally", "vote", "agenda"),
    "participant/_results.html",
    volatile=True,
)
async def results(view: PanelView, audience: str) -> dict[str, Any]:
    reader = votes(view)
    step = await reader.step()
    vote = reader.settings(step) if step is not None else None
    if step is None or vote is None:
        return {"chart": None}
    frozen = await reader.frozen(step.id)
    if not step.settings.get("vote_revealed") and frozen is None:
        return {"chart": None}
    return {
        "chart": chart(await reader.tally(step, vote), await reader.labels(vote)),
        "closed": frozen is not None,
    }
