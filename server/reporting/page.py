"""Reading a panel's report from the database and rendering it, for the page and the PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Invite
from server.i18n import BABEL_LOCALES
from server.read.demographics import demographics
from server.render import STATIC
from server.reporting.numbers import Numbers
from server.reporting.record import load_record, representativeness
from server.reporting.report import Report, build_report
from server.services import Services

TEMPLATE = "report/report.html"


async def demographics_by_pseudonym(
    session: AsyncSession, panel_id: int
) -> dict[str, dict[str, str]]:
    """What is known about respondents' backgrounds, keyed by their pseudonym."""
    known = await demographics(session, panel_id)
    if not known:
        return {}
    pseudonyms = {
        f"i:{invite.id}": invite.pseudonym
        for invite in await session.scalars(select(Invite).where(Invite.panel_id == panel_id))
    }
    return {pseudonyms[key]: dict(values) for key, values in known.items() if key in pseudonyms}


async def load_report(
    services: Services,
    panel_id: int,
    today: date | None = None,
    *,
    follow_up_token: str | None = None,
) -> Report:
    """The report; `follow_up_token` is the follow-up page's (`ops.follow_up.report_address`,
    which the caller runs first: the address printed here must exist from now on)."""
    async with services.db.reading() as session:
        record = await load_record(session, panel_id)
        representation = await representativeness(session, panel_id)
        backgrounds = await demographics_by_pseudonym(session, panel_id)
    follow_up = None
    if record.voice.recommendations and follow_up_token is not None:
        follow_up = f"{services.settings.public_url or ''}/follow/{follow_up_token}"
    return build_report(
        record,
        today or date.today(),
        representation=representation,
        demographics=backgrounds,
        follow_up=follow_up,
    )


def report_context(report: Report) -> dict[str, Any]:
    """What the report template needs besides the page's own context."""
    return {
        "r": report,
        "n": Numbers(report.language),
        "printed": format_date(report.printed, "long", locale=BABEL_LOCALES[report.language]),
    }


def render_standalone(services: Services, report: Report) -> str:
    """The report as one self-contained HTML file (CSS inlined, no script, no link)."""
    css = (STATIC / "report.css").read_text(encoding="utf-8")
    return services.renderer.render(
        report.language,
        TEMPLATE,
        layout="report/standalone.html",
        standalone=True,
        css=Markup(css),
        **report_context(report),
    )
