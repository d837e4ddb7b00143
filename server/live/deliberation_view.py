"""Reading a panel's arguments and questions for the screens, once per render pass."""

from __future__ import annotations

from sqlalchemy import func, select

from facilitation.deliberation.arguments import Argument
from facilitation.deliberation.questions import Question
from facilitation.deliberation.statements import StatementTally, tally_from_counts
from server.db.models import (
    ArgumentRow,
    Proposal,
    QuestionRow,
    QuestionUpvote,
    StatementVote,
)
from server.db.models import Step as StepRow
from server.db.recommendation_rows import latest_slate
from server.db.records import argument_of, question_of
from server.live.view import Memo, PanelView


class DeliberationView:
    """Arguments, statement votes and questions of one panel, on top of a `PanelView`."""

    def __init__(self, view: PanelView) -> None:
        self.view = view

    async def proposals(self) -> list[Proposal]:
        async def load() -> list[Proposal]:
            rows = await self.view.session.scalars(
                select(Proposal)
                .where(Proposal.panel_id == self.view.panel_id)
                .order_by(Proposal.position)
            )
            return list(rows)

        return await self.view.once(Memo[list[Proposal]]("proposals"), load)

    async def proposal_titles(self) -> dict[int, str]:
        return {p.id: p.title for p in await self.proposals()}

    async def step_proposals(self, step: StepRow) -> list[Proposal]:
        chosen = step.settings.get("proposals") or []
        return [p for p in await self.proposals() if p.id in chosen]

    async def discussion(self) -> StepRow | None:
        """The discussion step on show: the open one, if it is a discussion."""
        step = await self.view.current_step()
        return step if step is not None and step.kind == "discussion" else None

    async def arguments(self, step_id: int) -> list[Argument]:
        async def load() -> list[Argument]:
            rows = await self.view.session.scalars(
                select(ArgumentRow)
                .where(ArgumentRow.panel_id == self.view.panel_id, ArgumentRow.step_id == step_id)
                .order_by(ArgumentRow.submitted_at, ArgumentRow.id)
            )
            return [argument_of(r) for r in rows]

        return await self.view.once(Memo[list[Argument]]("arguments", step_id), load)

    async def tallies(self, step_id: int) -> dict[int, StatementTally]:
        async def load() -> dict[int, StatementTally]:
            rows = await self.view.session.execute(
                select(StatementVote.argument_id, StatementVote.choice, func.count())
                .join(ArgumentRow, ArgumentRow.id == StatementVote.argument_id)
                .where(ArgumentRow.step_id == step_id)
                .group_by(StatementVote.argument_id, StatementVote.choice)
            )
            # Counted in the database (one row per participant and argument, so each
            # person's last vote); tests/web/test_statement_tally.py holds it to
            # `tally_statements` over the votes as cast.
            return tally_from_counts((a, c, n) for a, c, n in rows.all())

        return await self.view.once(Memo[dict[int, StatementTally]]("tallies", step_id), load)

    async def my_votes(self, participant_id: int, step_id: int) -> dict[int, str]:
        if self.view.whole_room:
            everyone = await self.view.once(
                Memo[dict[int, dict[int, str]]]("statement_votes", step_id),
                lambda: self._votes(step_id, None),
            )
            return everyone.get(participant_id, {})
        return (await self._votes(step_id, participant_id)).get(participant_id, {})

    async def _votes(self, step_id: int, participant_id: int | None) -> dict[int, dict[int, str]]:
        query = (
            select(StatementVote.participant_id, StatementVote.argument_id, StatementVote.choice)
            .join(ArgumentRow, ArgumentRow.id == StatementVote.argument_id)
            .where(ArgumentRow.step_id == step_id)
        )
        if participant_id is not None:
            query = query.where(StatementVote.participant_id == participant_id)
        out: dict[int, dict[int, str]] = {}
        for who, argument_id, choice in (await self.view.session.execute(query)).all():
            out.setdefault(who, {})[argument_id] = choice
        return out

    async def questions(self) -> list[Question]:
        async def load() -> list[Question]:
            rows = await self.view.session.scalars(
                select(QuestionRow)
                .where(QuestionRow.panel_id == self.view.panel_id)
                .order_by(QuestionRow.created_at, QuestionRow.id)
            )
            return [question_of(r) for r in rows]

        return await self.view.once(Memo[list[Question]]("questions"), load)

    async def upvotes(self) -> dict[int, int]:
        async def load() -> dict[int, int]:
            rows = await self.view.session.execute(
                select(QuestionUpvote.question_id, func.count())
                .join(QuestionRow, QuestionRow.id == QuestionUpvote.question_id)
                .where(QuestionRow.panel_id == self.view.panel_id)
                .group_by(QuestionUpvote.question_id)
            )
            return {q: int(n) for q, n in rows.all()}

        return await self.view.once(Memo[dict[int, int]]("upvotes"), load)

    async def my_upvotes(self, participant_id: int) -> list[int]:
        if self.view.whole_room:
            everyone = await self.view.once(
                Memo[dict[int, list[int]]]("upvoted"), lambda: self._upvoted(None)
            )
            return everyone.get(participant_id, [])
        return (await self._upvoted(participant_id)).get(participant_id, [])

    async def _upvoted(self, participant_id: int | None) -> dict[int, list[int]]:
        query = (
            select(QuestionUpvote.participant_id, QuestionUpvote.question_id)
            .join(QuestionRow, QuestionRow.id == QuestionUpvote.question_id)
            .where(QuestionRow.panel_id == self.view.panel_id)
            .order_by(QuestionUpvote.question_id)
        )
        if participant_id is not None:
            query = query.where(QuestionUpvote.participant_id == participant_id)
        out: dict[int, list[int]] = {}
        for who, question_id in (await self.view.session.execute(query)).all():
            out.setdefault(who, []).append(question_id)
        return out

    async def questions_step(self) -> StepRow | None:
        step = await self.view.current_step()
        return step if step is not None and step.kind == "questions" else None

    async def on_slate(self) -> dict[int, str]:
        """The questions on the open questions step's latest slate, in the slate's order,
        each with the names of the tables it serves: the queue shows them first, marked."""

        async def load() -> dict[int, str]:
            step = await self.questions_step()
            slate = await latest_slate(self.view.session, step.id) if step else None
            if slate is None:
                return {}
            labels = await self.table_labels()
            return {
                q: ", ".join(labels.get(int(t), "?") for t in slate.serves.get(str(q), ()))
                for q in slate.chosen
            }

        return await self.view.once(Memo[dict[int, str]]("on_slate"), load)

    async def table_labels(self) -> dict[int, str]:
        async def load() -> dict[int, str]:
            return {t.id: t.label for t in await self.view.tables()}

        # Every table's fragments ask for it: once per pass, not once per table.
        return await self.view.once(Memo[dict[int, str]]("table_labels"), load)


def deliberation(view: PanelView) -> DeliberationView:
    """The deliberation reader of this render pass (one per view, so its cache is shared)."""
    return view.kept(Memo[DeliberationView]("deliberation"), lambda: DeliberationView(view))
