"""Building a panel: create from a template, edit its text, tables, steps and team."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.agenda import PanelStatus
from facilitation.codes import new_join_code
from facilitation.deliberation.arguments import DiscussionRules
from facilitation.deliberation.limits import checked_limit
from facilitation.deliberation.questions import QuestionRules
from facilitation.deliberation.states import parse_moderation_mode
from facilitation.errors import N_, Refused
from facilitation.numbers import parse_whole
from facilitation.panel import (
    checked_panel_text,
    checked_table_count,
    checked_table_label,
    table_labels_to_remove,
)
from facilitation.steps import Step as StepRule
from facilitation.steps import checked_step
from facilitation.templates import deliberative_poll
from facilitation.votes import vote_settings_from_form
from server.db.models import (
    Account,
    Ballot,
    Panel,
    PanelMember,
    PanelTable,
    Participant,
    Step,
)
from server.db.types import utcnow
from server.i18n import translate
from server.live import audiences as aud
from server.ops.common import lock_panel, require_not_closed, row_in_panel, steps_of
from server.ops.events import Actor, record
from server.ops.proposals import proposals_of
from server.services import Services

JOIN_CODE_LIFETIME = timedelta(days=30)
EVERYONE = (aud.PHONES, aud.FACILITATORS, aud.DISPLAY)


def table_label(language: str, number: int) -> str:
    return translate(language, "Table %(number)s") % {"number": number}


async def create_panel(
    services: Services,
    account: Account,
    title: str,
    question: str,
    language: str,
    table_count: str | int = 5,
) -> int:
    text = checked_panel_text(title, question, language)
    tables = checked_table_count(table_count)
    steps = deliberative_poll(lambda message: translate(text.language, message))
    for _attempt in range(5):
        try:
            async with services.db.writing() as session:
                panel = Panel(
                    title=text.title,
                    question=text.question,
                    language=text.language,
                    status=PanelStatus.DRAFT.value,
                    join_code=new_join_code(),
                    join_code_expires_at=utcnow() + JOIN_CODE_LIFETIME,
                    display_token=secrets.token_urlsafe(24),
                    seq=0,
                    created_by=account.id,
                    created_at=utcnow(),
                )
                session.add(panel)
                await session.flush()
                session.add(PanelMember(panel_id=panel.id, account_id=account.id))
                for position, step in enumerate(steps):
                    session.add(_step_row(panel.id, position, step))
                for number in range(1, tables + 1):
                    session.add(
                        PanelTable(
                            panel_id=panel.id,
                            position=number,
                            label=table_label(text.language, number),
                        )
                    )
                await record(
                    session,
                    panel.id,
                    Actor.account(account.id),
                    "panel.create",
                    {"title": text.title, "template": "deliberative_poll"},
                )
                return panel.id
        except IntegrityError:
            continue  # a join code collided with another panel's; draw again
    raise RuntimeError("could not find a free join code")


def _step_row(panel_id: int, position: int, step: StepRule) -> Step:
    return Step(
        panel_id=panel_id,
        position=position,
        kind=step.kind.value,
        title=step.title,
        body=step.body,
        timer_seconds=step.timer_seconds,
        settings=dict(step.settings),
        revision=1,
    )


async def update_text(
    services: Services, panel_id: int, actor: Actor, title: str, question: str, language: str
) -> None:
    text = checked_panel_text(title, question, language)
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        panel.title, panel.question, panel.language = text.title, text.question, text.language
        change = await record(
            session,
            panel_id,
            actor,
            "panel.edit",
            {"title": text.title, "language": text.language},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)


async def set_table_count(services: Services, panel_id: int, actor: Actor, count: str) -> None:
    wanted = checked_table_count(count)
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        tables = list(
            await session.scalars(
                select(PanelTable)
                .where(PanelTable.panel_id == panel_id)
                .order_by(PanelTable.position)
            )
        )
        if wanted < len(tables):
            seated = dict(
                (
                    await session.execute(
                        select(Participant.table_id, func.count())
                        .where(Participant.panel_id == panel_id)
                        .group_by(Participant.table_id)
                    )
                ).all()
            )
            ids = [t.id for t in tables]
            for table_id in table_labels_to_remove(
                {k: v for k, v in seated.items() if k is not None}, ids, wanted
            ):
                await session.delete(next(t for t in tables if t.id == table_id))
        else:
            last = tables[-1].position if tables else 0
            for offset in range(1, wanted - len(tables) + 1):
                session.add(
                    PanelTable(
                        panel_id=panel_id,
                        position=last + offset,
                        label=table_label(panel.language, len(tables) + offset),
                    )
                )
        change = await record(
            session,
            panel_id,
            actor,
            "tables.count",
            {"count": wanted},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )
    await services.announce(change)


async def rename_table(
    services: Services, panel_id: int, actor: Actor, table_id: int, label: str
) -> None:
    clean = checked_table_label(label)
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        table = await row_in_panel(
            session, PanelTable, table_id, panel_id, N_("There is no such table in this panel.")
        )
        table.label = clean
        change = await record(
            session,
            panel_id,
            actor,
            "tables.rename",
            {"table": table_id, "label": clean},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.table(table_id)),
        )
    await services.announce(change)


async def add_step(
    services: Services,
    panel_id: int,
    actor: Actor,
    kind: str,
    title: str,
    body: str,
    timer_minutes: str,
) -> None:
    step = checked_step(kind, title, body, timer_minutes)
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        steps = await steps_of(session, panel_id)
        position = (steps[-1].position + 1) if steps else 0
        session.add(_step_row(panel_id, position, step))
        change = await record(
            session,
            panel_id,
            actor,
            "step.add",
            {"kind": step.kind.value, "title": step.title},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)


async def edit_step(
    services: Services,
    panel_id: int,
    actor: Actor,
    step_id: int,
    kind: str,
    title: str,
    body: str,
    timer_minutes: str,
) -> None:
    checked = checked_step(kind, title, body, timer_minutes)
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        step = await _step_in(session, panel_id, step_id)
        if step.id == panel.current_step_id and checked.kind.value != step.kind:
            raise Refused(N_("The kind of the open step cannot be changed. Move on first."))
        before = {
            "kind": step.kind,
            "title": step.title,
            "body": step.body,
            "timer_seconds": step.timer_seconds,
        }
        step.kind, step.title, step.body = checked.kind.value, checked.title, checked.body
        step.timer_seconds = checked.timer_seconds
        step.revision += 1
        change = await record(
            session,
            panel_id,
            actor,
            "step.edit",
            {"step": step.id, "before": before},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)


async def move_step(
    services: Services, panel_id: int, actor: Actor, step_id: int, direction: str
) -> None:
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        steps = await steps_of(session, panel_id)
        index = next((i for i, s in enumerate(steps) if s.id == step_id), None)
        if index is None:
            raise Refused(N_("There is no such step in this panel."))
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(steps):
            raise Refused(N_("The step cannot move further."))
        steps[index], steps[other] = steps[other], steps[index]
        for position, step in enumerate(steps):
            step.position = position
        change = await record(
            session,
            panel_id,
            actor,
            "step.move",
            {"step": step_id, "direction": direction},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)


async def delete_step(services: Services, panel_id: int, actor: Actor, step_id: int) -> None:
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        step = await _step_in(session, panel_id, step_id)
        if step.id == panel.current_step_id:
            raise Refused(N_("The open step cannot be deleted. Move to another step first."))
        if panel.status != PanelStatus.DRAFT and len(await steps_of(session, panel_id)) == 1:
            raise Refused(N_("A live panel needs at least one step."))
        await session.delete(step)
        change = await record(
            session,
            panel_id,
            actor,
            "step.delete",
            {"step": step_id, "title": step.title},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)


async def renew_join_code(services: Services, panel_id: int, actor: Actor) -> None:
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        panel.join_code = new_join_code()
        panel.join_code_expires_at = utcnow() + JOIN_CODE_LIFETIME
        change = await record(
            session,
            panel_id,
            actor,
            "panel.join_code",
            topics=("panel",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )
    await services.announce(change)


async def renew_display_link(services: Services, panel_id: int, actor: Actor) -> None:
    """A leaked display link is revoked: open displays are disconnected."""
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        panel.display_token = secrets.token_urlsafe(24)
        change = await record(
            session,
            panel_id,
            actor,
            "panel.display_link",
            topics=("access",),
            audiences=(aud.DISPLAY,),
        )
    await services.announce(change)


async def add_member(services: Services, panel_id: int, actor: Actor, email: str) -> None:
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        account = await session.scalar(
            select(Account).where(Account.email == email.strip().lower())
        )
        if account is None:
            raise Refused(N_("No account has the e-mail address %(email)s."), email=email)
        if await session.get(PanelMember, (panel_id, account.id)) is not None:
            raise Refused(N_("%(email)s is already on this panel's team."), email=email)
        session.add(PanelMember(panel_id=panel_id, account_id=account.id))
        await record(session, panel_id, actor, "team.add", {"account": account.id})


async def remove_member(services: Services, panel_id: int, actor: Actor, account_id: int) -> None:
    async with services.db.writing() as session:
        await lock_panel(session, panel_id)
        member = await session.get(PanelMember, (panel_id, account_id))
        if member is None:
            raise Refused(N_("That person is not on this panel's team."))
        await session.delete(member)
        change = await record(
            session,
            panel_id,
            actor,
            "team.remove",
            {"account": account_id},
            topics=("access",),
            audiences=(aud.FACILITATORS,),
        )
    await services.announce(change)


async def _step_in(session: AsyncSession, panel_id: int, step_id: int) -> Step:
    return await row_in_panel(
        session, Step, step_id, panel_id, N_("There is no such step in this panel.")
    )


async def update_settings(
    services: Services, panel_id: int, actor: Actor, moderation: str, authors_visible: bool
) -> None:
    """How the panel moderates text, and whether facilitators see who wrote what."""
    mode = parse_moderation_mode(moderation)
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        before = {"moderation": panel.moderation, "authors_visible": panel.authors_visible}
        panel.moderation, panel.authors_visible = mode.value, authors_visible
        change = await record(
            session,
            panel_id,
            actor,
            "panel.settings",
            {"before": before, "moderation": mode.value, "authors_visible": authors_visible},
            topics=("panel", "arguments"),
            audiences=(aud.FACILITATORS,),
        )
    await services.announce(change)


async def edit_step_settings(
    services: Services,
    panel_id: int,
    actor: Actor,
    step_id: int,
    proposals: list[str],
    values: dict[str, str],
) -> None:
    """The kind-specific settings of a discussion or questions step, from the setup form."""
    async with services.db.writing() as session:
        panel = await lock_panel(session, panel_id)
        require_not_closed(panel)
        step = await _step_in(session, panel_id, step_id)
        settings = dict(step.settings)
        if step.kind == "discussion":
            known = {p.id for p in await proposals_of(session, panel_id)}
            chosen = [n for n in map(parse_whole, proposals) if n in known]
            if len(chosen) != len(proposals):
                # Not silently dropped: the organiser would think the step discusses it.
                raise Refused(N_("Choose only proposals of this panel."))
            rules = DiscussionRules(
                proposals=tuple(sorted(chosen)),
                per_participant=checked_limit(values.get("arguments_per_participant")),
                per_table=checked_limit(values.get("arguments_per_table")),
            )
            settings.update(rules.to_settings())
            settings["statement_votes"] = values.get("statement_votes") == "on"
        elif step.kind == "questions":
            rules_q = QuestionRules(
                per_table=checked_limit(values.get("questions_per_table")),
                sent_per_table=checked_limit(values.get("questions_sent_per_table")),
                upvotes=values.get("question_upvotes") == "on",
            )
            settings.update(rules_q.to_settings())
        elif step.kind == "vote":
            if await session.scalar(select(Ballot.id).where(Ballot.step_id == step.id)):
                raise Refused(N_("Ballots have been cast, so this vote can no longer change."))
            known = [p.id for p in await proposals_of(session, panel_id)]
            vote = vote_settings_from_form(values, proposals, known)
            settings["vote"] = vote.to_dict()
            settings["vote_revealed"] = False
        else:
            raise Refused(N_("This kind of step has no settings of its own."))
        step.settings = settings
        step.revision += 1
        change = await record(
            session,
            panel_id,
            actor,
            "step.settings",
            {"step": step.id, "settings": settings},
            topics=("panel",),
            audiences=EVERYONE,
        )
    await services.announce(change)
