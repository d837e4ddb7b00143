"""Building a panel: create it from a template, edit its text, tables, codes and team.

Its steps are edited in `server/ops/steps.py`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from facilitation.agenda import PanelStatus
from facilitation.codes import new_join_code
from facilitation.deliberation.states import parse_moderation_mode
from facilitation.errors import N_, Refused
from facilitation.panel import (
    checked_panel_text,
    checked_table_count,
    checked_table_label,
    table_labels_to_remove,
)
from facilitation.templates import deliberative_poll
from server.db.models import (
    Account,
    Panel,
    PanelMember,
    PanelTable,
    Participant,
)
from server.db.records import step_row
from server.db.types import utcnow
from server.i18n import translate
from server.live import audiences as aud
from server.ops.common import require_not_closed, row_in_panel
from server.ops.events import Actor
from server.ops.unit import Units

JOIN_CODE_LIFETIME = timedelta(days=30)
EVERYONE = (aud.PHONES, aud.FACILITATORS, aud.DISPLAY)


def table_label(language: str, number: int) -> str:
    return translate(language, "Table %(number)s") % {"number": number}


async def create_panel(
    units: Units,
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
            async with units.begin() as unit:
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
                unit.session.add(panel)
                await unit.session.flush()
                unit.session.add(PanelMember(panel_id=panel.id, account_id=account.id))
                for position, step in enumerate(steps):
                    unit.session.add(step_row(panel.id, position, step))
                for number in range(1, tables + 1):
                    unit.session.add(
                        PanelTable(
                            panel_id=panel.id,
                            position=number,
                            label=table_label(text.language, number),
                        )
                    )
                await unit.record(
                    Actor.account(account.id),
                    "panel.create",
                    {"title": text.title, "template": "deliberative_poll"},
                    panel_id=panel.id,
                )
                return panel.id
        except IntegrityError:
            continue  # a join code collided with another panel's; draw again
    raise RuntimeError("could not find a free join code")


async def update_text(
    units: Units, panel_id: int, actor: Actor, title: str, question: str, language: str
) -> None:
    text = checked_panel_text(title, question, language)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        panel.title, panel.question, panel.language = text.title, text.question, text.language
        await unit.record(
            actor,
            "panel.edit",
            {"title": text.title, "language": text.language},
            topics=("panel",),
            audiences=EVERYONE,
        )


async def set_table_count(units: Units, panel_id: int, actor: Actor, count: str) -> None:
    wanted = checked_table_count(count)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        require_not_closed(panel)
        tables = list(
            await unit.session.scalars(
                select(PanelTable)
                .where(PanelTable.panel_id == panel_id)
                .order_by(PanelTable.position)
            )
        )
        if wanted < len(tables):
            seated = dict(
                (
                    await unit.session.execute(
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
                await unit.session.delete(next(t for t in tables if t.id == table_id))
        else:
            last = tables[-1].position if tables else 0
            for offset in range(1, wanted - len(tables) + 1):
                unit.session.add(
                    PanelTable(
                        panel_id=panel_id,
                        position=last + offset,
                        label=table_label(panel.language, len(tables) + offset),
                    )
                )
        await unit.record(
            actor,
            "tables.count",
            {"count": wanted},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )


async def rename_table(
    units: Units, panel_id: int, actor: Actor, table_id: int, label: str
) -> None:
    clean = checked_table_label(label)
    async with units.panel(panel_id) as unit:
        table = await row_in_panel(
            unit.session,
            PanelTable,
            table_id,
            panel_id,
            N_("There is no such table in this panel."),
        )
        table.label = clean
        await unit.record(
            actor,
            "tables.rename",
            {"table": table_id, "label": clean},
            topics=("tables",),
            audiences=(aud.FACILITATORS, aud.DISPLAY, aud.table(table_id)),
        )


async def renew_join_code(units: Units, panel_id: int, actor: Actor) -> None:
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        panel.join_code = new_join_code()
        panel.join_code_expires_at = utcnow() + JOIN_CODE_LIFETIME
        await unit.record(
            actor,
            "panel.join_code",
            topics=("panel",),
            audiences=(aud.FACILITATORS, aud.DISPLAY),
        )


async def renew_display_link(units: Units, panel_id: int, actor: Actor) -> None:
    """A leaked display link is revoked: open displays are disconnected."""
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        panel.display_token = secrets.token_urlsafe(24)
        await unit.record(
            actor,
            "panel.display_link",
            topics=("access",),
            audiences=(aud.DISPLAY,),
        )


async def add_member(units: Units, panel_id: int, actor: Actor, email: str) -> None:
    async with units.panel(panel_id) as unit:
        account = await unit.session.scalar(
            select(Account).where(Account.email == email.strip().lower())
        )
        if account is None:
            raise Refused(N_("No account has the e-mail address %(email)s."), email=email)
        if await unit.session.get(PanelMember, (panel_id, account.id)) is not None:
            raise Refused(N_("%(email)s is already on this panel's team."), email=email)
        unit.session.add(PanelMember(panel_id=panel_id, account_id=account.id))
        await unit.record(actor, "team.add", {"account": account.id})


async def remove_member(units: Units, panel_id: int, actor: Actor, account_id: int) -> None:
    async with units.panel(panel_id) as unit:
        member = await unit.session.get(PanelMember, (panel_id, account_id))
        if member is None:
            raise Refused(N_("That person is not on this panel's team."))
        await unit.session.delete(member)
        await unit.record(
            actor,
            "team.remove",
            {"account": account_id},
            topics=("access",),
            audiences=(aud.FACILITATORS,),
        )


async def update_settings(
    units: Units, panel_id: int, actor: Actor, moderation: str, authors_visible: bool
) -> None:
    """How the panel moderates text, and whether facilitators see who wrote what."""
    mode = parse_moderation_mode(moderation)
    async with units.panel(panel_id) as unit:
        panel = unit.panel
        before = {"moderation": panel.moderation, "authors_visible": panel.authors_visible}
        panel.moderation, panel.authors_visible = mode.value, authors_visible
        await unit.record(
            actor,
            "panel.settings",
            {"before": before, "moderation": mode.value, "authors_visible": authors_visible},
            topics=("panel", "arguments"),
            audiences=(aud.FACILITATORS,),
        )
