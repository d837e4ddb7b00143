"""The panel a benchmark runs against, made directly in its database before serving.

Five proposals, the default deliberative-poll agenda with its vote step set to a live
single-choice vote, and a staff account whose tablet can run the agenda over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitation.panel import TABLES_MAX

STAFF_EMAIL = "bench@example.org"
STAFF_PASSWORD = "bench-password-1"
PER_TABLE = 8
"""Seats per table the benchmark asks for, up to the panel's maximum of tables."""


@dataclass(frozen=True)
class Prepared:
    panel_id: int
    code: str
    display_token: str
    options: list[str]
    """The vote's option values as a phone's form posts them (`p<proposal id>`)."""
    vote_index: int
    """The vote step's place in the agenda (what `go_to` takes)."""
    step_ids: list[int]


async def prepare(env: dict[str, str], phones: int, start_at: int | None = None) -> Prepared:
    """Make the panel, open it and go to step `start_at` (the vote step if None)."""
    from sqlalchemy import select

    from server.broker.memory import MemoryBroker
    from server.db.engine import Database
    from server.db.migrate import upgrade
    from server.db.models import Panel, Step
    from server.ops import agenda, panels, proposals
    from server.ops import steps as agenda_steps
    from server.ops.accounts import create_account
    from server.ops.events import SYSTEM
    from server.render import Renderer
    from server.services import Services
    from server.settings import Settings

    settings = Settings.from_env(env)
    services = Services(settings, Database(settings.database_url), MemoryBroker(), Renderer())
    try:
        await upgrade(services.db)
        owner = await create_account(
            services.units, STAFF_EMAIL, "Bench", STAFF_PASSWORD, "organiser"
        )
        tables = min(TABLES_MAX, max(1, phones // PER_TABLE))
        panel_id = await panels.create_panel(services.units, owner, "Benchmark", "", "en", tables)
        ids = [
            await proposals.add(services.units, panel_id, SYSTEM, f"Option {n}", "")
            for n in "ABCDE"
        ]
        async with services.db.reading() as session:
            steps = list(
                await session.scalars(
                    select(Step).where(Step.panel_id == panel_id).order_by(Step.position)
                )
            )
        vote_index = next(i for i, s in enumerate(steps) if s.kind == "vote")
        await agenda_steps.edit_step_settings(
            services.units,
            panel_id,
            SYSTEM,
            steps[vote_index].id,
            [str(i) for i in ids],
            {"method": "single", "scope": "individual", "results": "live"},
        )
        await agenda.transition(services.units, panel_id, SYSTEM, "open")
        target = vote_index if start_at is None else start_at
        if target:
            await agenda.transition(services.units, panel_id, SYSTEM, "go_to", target)
        async with services.db.reading() as session:
            panel = await session.get(Panel, panel_id)
        assert panel is not None
        return Prepared(
            panel_id,
            panel.join_code,
            panel.display_token,
            [f"p{i}" for i in ids],
            vote_index,
            [s.id for s in steps],
        )
    finally:
        await services.db.dispose()
