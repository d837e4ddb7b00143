"""Reading a vote for the screens: its settings, the running tally, turnout and sources."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from facilitation.ballots import Result, ballot_from_dict, result_from_dict
from facilitation.casting import option_labels, stored_vote
from facilitation.votes import VoteSettings
from server.db.models import Ballot, BallotReceipt, VoteResult
from server.db.models import Step as StepRow
from server.live.ballot_book import HeldBallot, StepBallots
from server.live.deliberation_view import deliberation
from server.live.view import Memo, PanelView


@dataclass(frozen=True)
class Turnout:
    """Ballots cast against people present, per table, and where ballots came from."""

    voted: int
    present: int
    by_table: tuple[tuple[int, int, int], ...]  # (table id, voted, present)
    sources: dict[str, int]
    ballots: int


class VoteView:
    def __init__(self, view: PanelView) -> None:
        self.view = view

    async def step(self) -> StepRow | None:
        step = await self.view.current_step()
        return step if step is not None and step.kind == "vote" else None

    @staticmethod
    def settings(step: StepRow) -> VoteSettings | None:
        return stored_vote(step.settings)

    async def labels(self, vote: VoteSettings) -> dict[str, str]:
        return option_labels(vote, await deliberation(self.view).proposal_titles())

    async def held(self, step_id: int) -> StepBallots:
        """The step's ballots, parsed: kept by the channel between its draws (the live
        screens), read from the database for any other view."""

        async def load() -> list[HeldBallot]:
            rows = await self.view.session.execute(
                select(Ballot.voter, Ballot.content, Ballot.source, Ballot.table_id).where(
                    Ballot.step_id == step_id
                )
            )
            return [
                HeldBallot(step_id, voter, ballot_from_dict(content), source, table)
                for voter, content, source, table in rows.all()
            ]

        async def read() -> StepBallots:
            book = self.view.ballots
            if book is not None:
                return await book.ballots(step_id, load)
            loaded = await load()
            return StepBallots(step_id, {held.voter: held for held in loaded})

        return await self.view.once(Memo[StepBallots]("ballots", step_id), read)

    async def by_voter(self, step_id: int) -> dict[str, dict[str, object]]:
        """Every phone's own ballot of the step by its voter key, for a pass over the room.

        Always from the database, never the channel's ballots: a phone's own ballot is
        drawn again only when the phone changes step, not when the tally moves, so it
        must not miss one the channel has not heard of yet."""

        async def load() -> dict[str, dict[str, object]]:
            rows = await self.view.session.execute(
                select(Ballot.voter, Ballot.content).where(Ballot.step_id == step_id)
            )
            return {voter: dict(content) for voter, content in rows.all()}

        return await self.view.once(Memo[dict[str, dict[str, object]]]("by_voter", step_id), load)

    async def tally(self, step: StepRow, vote: VoteSettings) -> Result:
        frozen = await self.frozen(step.id)
        if frozen is not None:
            return result_from_dict(frozen.result)
        return (await self.held(step.id)).tally(vote.config, vote.options)

    async def frozen(self, step_id: int) -> VoteResult | None:
        async def load() -> VoteResult | None:
            return await self.view.session.get(VoteResult, step_id)

        return await self.view.once(Memo[VoteResult | None]("frozen", step_id), load)

    async def turnout(self, step: StepRow, vote: VoteSettings) -> Turnout:
        tables = await self.view.tables()
        seated = await self.view.seated()
        contents = list((await self.held(step.id)).by_voter.values())
        sources = Counter(held.source for held in contents)
        if vote.scope == "table":
            voted_tables = {h.table_id for h in contents if h.source == "table"}
            by_table = tuple((t.id, int(t.id in voted_tables), 1) for t in tables)
            return Turnout(len(voted_tables), len(tables), by_table, dict(sources), len(contents))
        receipts = Counter(
            dict(
                (
                    await self.view.session.execute(
                        select(BallotReceipt.table_id, func.count())
                        .where(BallotReceipt.step_id == step.id)
                        .group_by(BallotReceipt.table_id)
                    )
                ).all()
            )
        )
        # Ballots entered for someone without a phone count at their table too.
        extra = Counter(
            h.table_id
            for h in contents
            if h.source in ("paper", "assisted") and h.table_id is not None
        )
        by_table = tuple(
            (t.id, receipts.get(t.id, 0) + extra.get(t.id, 0), seated.get(t.id, 0)) for t in tables
        )
        voted = sum(receipts.values()) + sum(extra.values())
        return Turnout(
            voted,
            await self.view.joined_count() + sum(extra.values()),
            by_table,
            dict(sources),
            len(contents),
        )

    async def closed_votes(self) -> list[tuple[StepRow, VoteSettings, VoteResult]]:
        """Every closed vote of the panel, in agenda order, for a results step."""
        out = []
        for step in await self.view.steps():
            if step.kind != "vote":
                continue
            frozen = await self.frozen(step.id)
            vote = self.settings(step)
            if frozen is not None and vote is not None:
                out.append((step, vote, frozen))
        return out


def votes(view: PanelView) -> VoteView:
    """The vote reader of this render pass (one per view, so its cache is shared)."""
    return view.kept(Memo[VoteView]("votes"), lambda: VoteView(view))
