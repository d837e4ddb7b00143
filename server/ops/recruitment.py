"""Recruitment before the day: the targets and the pool, and reading what is stored.

Confirmations, the treatment/control split and invite codes build on this module
(`confirmations`, `arms`, `invite_codes`).

Every change follows the usual shape (lock the panel, apply the rule from
`facilitation.recruitment`, record the audit event, announce after commit). Files are
parsed in a worker thread, so a large upload never stalls the live screens, and
nothing is written unless the whole file is right. Contact columns go to their own
table and are read only by `contacts_of` (organiser pages and the mail merge); audit
events and log lines carry counts and column names at most.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from facilitation.errors import N_, Refused
from facilitation.recruitment.csvtable import read_table
from facilitation.recruitment.files import parse_people, parse_shares, parse_targets
from facilitation.recruitment.lifecycle import (
    Status,
)
from facilitation.recruitment.pool import PeopleFile
from facilitation.recruitment.problems import Problem, ProblemsRefused, problem
from facilitation.recruitment.targets import (
    PopulationShares,
    Targets,
    target_problems,
    targets_from_shares,
)
from server.db.chunked import insert_rows
from server.db.models_recruitment import (
    Draw,
    Recruit,
    RecruitContact,
    Recruitment,
)
from server.db.rows import recruitment_of, recruits_of, targets_of
from server.db.types import utcnow
from server.live import audiences as aud
from server.ops.events import Actor
from server.ops.unit import Units

MAX_PANEL_SIZE = 10_000
MAX_SLACK = 100
MAX_COLUMN_NAME = 100
MAX_EXTRA_COLUMNS = 10
MAX_EXTERNAL_ID = 100
MAX_REPORTED = 30
TOPICS = ("recruitment",)
AUDIENCES = (aud.FACILITATORS,)
_LIST = re.compile(r"[,;\n]+")


# -- reading what is stored ---------------------------------------------------------


def _targets_json(targets: Targets) -> list[Any]:
    return [
        [feature, [[v, t.min, t.max, t.min_flex, t.max_flex] for v, t in values.items()]]
        for feature, values in targets.items()
    ]


def _shares_json(shares: PopulationShares) -> list[Any]:
    return [
        [feature, [[value, str(share)] for value, share in values.items()]]
        for feature, values in shares.items()
    ]


async def running_draw(session: AsyncSession, panel_id: int) -> Draw | None:
    return await session.scalar(
        select(Draw).where(Draw.panel_id == panel_id, Draw.state == "running").limit(1)
    )


async def refuse_while_drawing(session: AsyncSession, panel_id: int) -> None:
    if await running_draw(session, panel_id) is not None:
        raise Refused(N_("A draw is running. Wait until it finishes, or stop it, and try again."))


async def contacts_of(session: AsyncSession, panel_id: int) -> dict[int, dict[str, str]]:
    """Contact columns per recruit id. For organiser pages and the mail merge only."""
    rows = await session.execute(
        select(RecruitContact.recruit_id, RecruitContact.data).where(
            RecruitContact.panel_id == panel_id
        )
    )
    return {recruit_id: dict(data) for recruit_id, data in rows.all()}


def problem_json(item: Problem) -> dict[str, Any]:
    """A problem as stored data: the message id and its values, translated when shown."""
    return {
        "message": item.message,
        "params": dict(item.params),
        "line": item.line,
        "column": item.column,
    }


# -- parsing the organiser's input --------------------------------------------------


def whole_number(text: str, *, low: int, high: int, message: str) -> int:
    try:
        number = int(str(text).strip())
    except ValueError:
        raise Refused(message, low=low, high=high) from None
    if not low <= number <= high:
        raise Refused(message, low=low, high=high)
    return number


def column_names(text: str) -> list[str]:
    names = [name.strip() for name in _LIST.split(text or "") if name.strip()]
    if len(names) > MAX_EXTRA_COLUMNS:
        raise Refused(N_("At most %(max)s extra columns can be kept."), max=MAX_EXTRA_COLUMNS)
    if any(len(name) > MAX_COLUMN_NAME for name in names):
        raise Refused(N_("A column name is longer than %(max)s characters."), max=MAX_COLUMN_NAME)
    return names


@dataclass(frozen=True)
class TargetsFile:
    targets: Targets
    shares: PopulationShares | None


def read_targets_file(data: bytes, panel_size: int, slack: int) -> TargetsFile:
    """A targets file (min/max per value) or a shares file (population shares).

    A file with a `share` column holds shares; the targets are then computed for the
    panel size. Every problem is collected before anything is accepted.
    """
    table, _ = read_table(data)
    if table is not None and table.column_index("share") is not None:
        shares = parse_shares(data)
        targets = targets_from_shares(shares, panel_size, slack)
    else:
        shares = None
        targets = parse_targets(data)
    problems = target_problems(targets, panel_size)
    if problems:
        raise ProblemsRefused(problems)
    return TargetsFile(targets, shares)


def _remap(
    recruits: Sequence[Recruit], targets: Targets
) -> tuple[dict[int, dict[str, str]], list[Problem]]:
    """The pool's values under new targets (matched without regard to case), or problems."""
    known = {f: {v.casefold(): v for v in values} for f, values in targets.items()}
    missing_feature: set[str] = set()
    unknown: Counter[tuple[str, str]] = Counter()
    remapped: dict[int, dict[str, str]] = {}
    for recruit in recruits:
        values: dict[str, str] = {}
        for feature in targets:
            old = recruit.features.get(feature)
            if old is None:
                missing_feature.add(feature)
                continue
            new = known[feature].get(str(old).casefold())
            if new is None:
                unknown[(feature, str(old))] += 1
            else:
                values[feature] = new
        remapped[recruit.id] = values
    problems = [
        problem(
            N_(
                "The people file has no column %(feature)s. Upload the people file again "
                "after the targets."
            ),
            feature=feature,
        )
        for feature in sorted(missing_feature)
    ]
    problems += [
        problem(
            N_(
                "%(count)s people in the pool have %(feature)s: %(value)s, which the new "
                "targets do not list."
            ),
            count=count,
            feature=feature,
            value=value,
        )
        for (feature, value), count in sorted(unknown.items())
    ]
    return remapped, problems


# -- uploads ------------------------------------------------------------------------


async def upload_targets(
    units: Units,
    panel_id: int,
    actor: Actor,
    data: bytes,
    filename: str,
    panel_size_text: str,
    slack_text: str,
) -> Recruitment:
    panel_size = whole_number(
        panel_size_text,
        low=1,
        high=MAX_PANEL_SIZE,
        message=N_("The panel size must be a whole number from %(low)s to %(high)s."),
    )
    slack = whole_number(
        slack_text or "0",
        low=0,
        high=MAX_SLACK,
        message=N_("The slack must be a whole number from %(low)s to %(high)s."),
    )
    if not data:
        raise ProblemsRefused([problem(N_("Line %(line)s: the file is empty."), line=1)])
    parsed = await asyncio.to_thread(read_targets_file, data, panel_size, slack)
    async with units.panel(panel_id) as unit:
        await refuse_while_drawing(unit.session, panel_id)
        recruitment = await recruitment_of(unit.session, panel_id)
        recruits = await recruits_of(unit.session, panel_id)
        remapped, problems = _remap(recruits, parsed.targets)
        if problems:
            raise ProblemsRefused(
                problems,
                one=N_("The targets were not saved: they do not fit the pool."),
                many=N_("The targets were not saved: %(count)s problems with the pool."),
            )
        for recruit in recruits:
            if recruit.features != remapped[recruit.id]:
                recruit.features = remapped[recruit.id]
        if recruitment is None:
            recruitment = Recruitment(panel_id=panel_id, version=0)
            unit.session.add(recruitment)
        recruitment.panel_size = panel_size
        recruitment.targets = _targets_json(parsed.targets)
        recruitment.shares = _shares_json(parsed.shares) if parsed.shares is not None else None
        recruitment.slack = slack if parsed.shares is not None else 0
        recruitment.targets_file = filename[:200]
        recruitment.targets_at = utcnow()
        recruitment.version = (recruitment.version or 0) + 1
        await unit.record(
            actor,
            "recruitment.targets",
            {
                "panel_size": panel_size,
                "features": list(parsed.targets),
                "source": "shares" if parsed.shares is not None else "targets",
            },
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return recruitment


def _check_people(people: PeopleFile) -> None:
    too_long = [p.id for p in people.registrants if len(p.id) > MAX_EXTERNAL_ID]
    if too_long:
        raise ProblemsRefused(
            [
                problem(
                    N_("The id %(value)s is longer than %(max)s characters."),
                    value=key[:40] + "…",
                    max=MAX_EXTERNAL_ID,
                )
                for key in too_long[:MAX_REPORTED]
            ]
        )


async def upload_people(
    units: Units,
    panel_id: int,
    actor: Actor,
    data: bytes,
    filename: str,
    id_column: str,
    household_column: str,
    extra_columns_text: str,
    household_rule: bool = True,
) -> int:
    """Replace the pool with the people file; returns how many people it holds.

    The household rule is on unless turned off; with no column named, it applies to the
    column the file most likely keeps households or addresses in.
    """
    id_column = id_column.strip() or "id"
    household = (household_column.strip() or None) if household_rule else None
    extras = column_names(extra_columns_text)
    for name in (id_column, household or ""):
        if len(name) > MAX_COLUMN_NAME:
            raise Refused(
                N_("A column name is longer than %(max)s characters."), max=MAX_COLUMN_NAME
            )
    async with units.reading() as session:
        recruitment = await recruitment_of(session, panel_id)
    if recruitment is None:
        raise Refused(N_("Upload the targets first: they name the columns the pool needs."))
    targets = targets_of(recruitment)
    if not data:
        raise ProblemsRefused([problem(N_("Line %(line)s: the file is empty."), line=1)])
    people = await asyncio.to_thread(
        parse_people,
        data,
        targets,
        id_column=id_column,
        household_column=household,
        extra_columns=extras,
        find_household=household_rule and household is None,
    )
    _check_people(people)
    async with units.panel(panel_id) as unit:
        await refuse_while_drawing(unit.session, panel_id)
        recruitment = await recruitment_of(unit.session, panel_id)
        if recruitment is None or recruitment.targets != _targets_json(targets):
            raise Refused(N_("The targets changed meanwhile. Upload the people file again."))
        drawn = await unit.session.scalar(
            select(func.count()).where(Recruit.panel_id == panel_id, Recruit.status != "pool")
        )
        if drawn:
            raise Refused(
                N_(
                    "People have already been drawn from this pool, so it can no longer be "
                    "replaced. Use test draws to rehearse before the real draw."
                )
            )
        await unit.session.execute(
            delete(RecruitContact).where(RecruitContact.panel_id == panel_id)
        )
        await unit.session.execute(delete(Recruit).where(Recruit.panel_id == panel_id))
        ids: dict[str, int] = {}
        if people.registrants:
            rows = await insert_rows(
                unit.session,
                Recruit,
                (
                    {
                        "panel_id": panel_id,
                        "external_id": person.id,
                        "features": dict(person.features),
                        "extras": dict(people.extras.get(person.id, {})),
                        "household": person.household,
                        "status": Status.POOL.value,
                    }
                    for person in people.registrants
                ),
                Recruit.id,
                Recruit.external_id,
            )
            ids = {external: recruit_id for recruit_id, external in rows}
            await insert_rows(
                unit.session,
                RecruitContact,
                (
                    {
                        "recruit_id": ids[person.id],
                        "panel_id": panel_id,
                        "data": dict(people.contacts.get(person.id, {})),
                    }
                    for person in people.registrants
                ),
            )
        recruitment.people_file = filename[:200]
        recruitment.people_at = utcnow()
        recruitment.id_column = id_column
        recruitment.household_column = people.household_column
        recruitment.extra_columns = extras
        recruitment.contact_columns = list(people.contact_columns)
        recruitment.version += 1
        await unit.record(
            actor,
            "recruitment.pool",
            {"people": len(people.registrants), "households": people.household_column is not None},
            topics=TOPICS,
            audiences=AUDIENCES,
        )
    return len(people.registrants)
