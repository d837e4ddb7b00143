"""The recruitment screen: the page, the targets and the pool, and what its parts share.

The draw has its own routes (`routes.draws`), and so have the people once drawn
(`routes.recruits`: confirmations, the split, invite codes and letters).

Organisers see and do everything here; facilitators see the representativeness table
(live, as invite codes join) and nothing about individual people. Contact columns
appear only on organiser pages: the pool list, the printable letters and the mail
merge file. Unknown ids in a page address lead back to the recruitment page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from facilitation.recruitment.algorithms import available_algorithms
from facilitation.recruitment.csvtable import MAX_FILE_BYTES
from facilitation.recruitment.draw import Relaxation
from facilitation.recruitment.lifecycle import HOLDS_A_SEAT, Status
from facilitation.recruitment.problems import ProblemsRefused
from server.db import rows
from server.db.models import Invite
from server.db.models_recruitment import Draw
from server.i18n import refusal_text, translate
from server.live import audiences as aud
from server.ops import arms, draws, erasure, invite_codes, recruitment
from server.ops.events import Actor
from server.routes.roles import route
from server.screens.registry import fragments_for, render
from server.services import Services
from server.web.access import StaffAccess, require_staff, services_of
from server.web.csrf import checked_upload as checked_file
from server.web.problem_list import SHOWN, capped
from server.web.respond import done, language_of, page, t

BASE = "/panels/{panel_id:id}/recruitment"
UPLOAD_LIMIT = MAX_FILE_BYTES + 256 * 1024
PHASES = {
    "starting": N_("Starting the worker"),
    "checking": N_("Checking that the targets can be met"),
    "covering": N_("Finding panels that include everyone"),
    "bounding": N_("Computing the best possible fairness"),
    "searching": N_("Searching for the fairest lottery"),
    "optimising": N_("Improving the lottery"),
    "choosing": N_("Drawing the panel from the lottery"),
}
STATES = {
    "running": N_("Running"),
    "finished": N_("Finished"),
    "failed": N_("Failed"),
    "cancelled": N_("Stopped"),
    "interrupted": N_("Interrupted"),
}


def say(language: str, message: str, params: dict[str, Any] | None = None) -> str:
    text = translate(language, message)
    return text % params if params else text


def panel_id_of(request: Request) -> int:
    return int(request.path_params["panel_id"])


def back_to(panel_id: int) -> str:
    return f"/panels/{panel_id}/recruitment"


async def organiser_only(request: Request) -> tuple[int, StaffAccess]:
    panel_id = panel_id_of(request)
    return panel_id, await require_staff(request, panel_id, organiser=True)


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]
    data: bytes | None
    filename: str

    def text(self, name: str, limit: int = 200) -> str:
        return self.fields.get(name, "")[:limit]

    def file(self) -> tuple[bytes, str]:
        if self.data is None:
            raise Refused(N_("Choose a CSV file to upload."))
        return self.data, self.filename


async def checked_upload(request: Request) -> Upload:
    """A form with one CSV file (at most `MAX_FILE_BYTES`, one more byte tells the parser
    it is too large), after the same CSRF check as every other form."""
    posted = await checked_file(request, "file", MAX_FILE_BYTES)
    return Upload(posted.fields, posted.data, posted.filename)


def _problem_lines(language: str, items: Any) -> list[str]:
    items = list(items)
    lines = []
    for item in items[:SHOWN]:
        if isinstance(item, dict):
            lines.append(say(language, item["message"], item.get("params") or None))
        else:
            lines.append(say(language, item.message, dict(item.params) or None))
    return capped(language, lines, len(items))


# -- the page -----------------------------------------------------------------------


async def representation_fragment(services: Services, language: str, panel_id: int) -> Markup:
    """The live fragment, inline: the page's socket keeps it current afterwards."""
    async with services.hub.view(panel_id) as view:
        item = next(f for f in fragments_for(aud.FACILITATORS) if f.name == "fac-representation")
        return Markup(
            await render(services.renderer, language, item, view, aud.FACILITATORS, oob=False)
        )


def job_context(language: str, draw: Draw) -> dict[str, Any]:
    """What the job's card says: state, phase, progress, and why it failed."""
    failure = draw.failure or {}
    relaxations = [
        say(language, advice.message, dict(advice.params))
        for advice in (Relaxation(**item).advice for item in failure.get("relaxations") or [])
    ]
    result = draw.result or {}
    return {
        "draw": draw,
        "state_label": say(language, STATES.get(draw.state, draw.state)),
        "phase_label": say(language, PHASES[draw.phase])
        if draw.phase in PHASES
        else (draw.phase or ""),
        "failure_text": say(language, failure["message"], failure.get("params") or None)
        if failure.get("message")
        else "",
        "relaxations": relaxations,
        "draw_problems": _problem_lines(language, failure.get("problems") or []),
        "notes": _problem_lines(language, result.get("notes") or []),
        "selected_count": len(result.get("selected") or []),
        "fairness": result.get("fairness"),
    }


async def recruitment_page(
    request: Request, *, status: int = 200, problems: list[str] | None = None, headline: str = ""
) -> Response:
    panel_id = panel_id_of(request)
    access = await require_staff(request, panel_id)
    services = services_of(request)
    language = language_of(request)
    context: dict[str, Any] = {}
    if access.organiser:
        await draws.mark_orphans(services.units, services.draws, panel_id)
        async with services.db.reading() as session:
            rec = await rows.recruitment_of(session, panel_id)
            recruits = await rows.recruits_of(session, panel_id)
            past = await draws.draws_of(session, panel_id)
            split = await arms.latest_split(session, panel_id)
            retention = await erasure.retention_of(session, panel_id)
            invites = Counter(
                role
                for role in await session.scalars(
                    select(Invite.role).where(Invite.panel_id == panel_id)
                )
            )
        statuses = Counter(r.status for r in recruits)
        by_arm = Counter(r.arm for r in recruits if Status(r.status) in HOLDS_A_SEAT)
        running = next((d for d in past if d.state == draws.ACTIVE), None)
        holding = sum(statuses[s.value] for s in HOLDS_A_SEAT)
        drawn = any(r.status != Status.POOL for r in recruits)
        context.update(
            rec=rec,
            targets=rows.targets_of(rec) if rec else {},
            shares=rows.shares_of(rec) if rec else None,
            pool_size=len(recruits),
            statuses=statuses,
            arms=by_arm,
            holding=holding,
            drawn=drawn,
            free_seats=(rec.panel_size - holding) if rec else 0,
            draws=past,
            job=bool(past),
            **(job_context(language, running or past[0]) if past else {}),
            algorithms=available_algorithms(),
            split=split,
            invites=invites,
            wanted_invites=sum(1 for r in recruits if invite_codes.invite_role(r)),
            retention=retention,
        )
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    return page(
        request,
        "staff/recruitment.html",
        status=status,
        language=language,
        panel=panel,
        access=access,
        account=access.account,
        organiser=access.organiser,
        seq=panel.seq,
        representation=await representation_fragment(services, language, panel_id),
        problems=problems or [],
        headline=headline,
        **context,
    )


async def show(request: Request) -> Response:
    return await recruitment_page(request)


async def _refused_upload(request: Request, refusal: ProblemsRefused) -> Response:
    language = language_of(request)
    return await recruitment_page(
        request,
        status=422,
        problems=_problem_lines(language, refusal.problems),
        headline=refusal_text(language, refusal),
    )


# -- uploads ------------------------------------------------------------------------


async def upload_targets(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    form = await checked_upload(request)
    data, filename = form.file()
    try:
        await recruitment.upload_targets(
            services_of(request).units,
            panel_id,
            Actor.account(access.account.id),
            data,
            filename,
            form.text("panel_size"),
            form.text("slack"),
        )
    except ProblemsRefused as refusal:
        return await _refused_upload(request, refusal)
    return done(request, t(request, "The targets were saved."), back_to(panel_id))


async def upload_people(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    form = await checked_upload(request)
    data, filename = form.file()
    try:
        count = await recruitment.upload_people(
            services_of(request).units,
            panel_id,
            Actor.account(access.account.id),
            data,
            filename,
            form.text("id_column"),
            form.text("household_column"),
            form.text("extra_columns", 1000),
            household_rule=form.text("household_rule") != "off",
        )
    except ProblemsRefused as refusal:
        return await _refused_upload(request, refusal)
    return done(
        request,
        t(request, "The pool was imported: %(count)s people.", count=count),
        back_to(panel_id),
    )


def csv_download(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


routes = [
    route(BASE, show, serves="staff"),
    route(
        BASE + "/targets",
        upload_targets,
        serves="organiser",
        methods=("POST",),
        max_body_size=UPLOAD_LIMIT,
    ),
    route(
        BASE + "/pool",
        upload_people,
        serves="organiser",
        methods=("POST",),
        max_body_size=UPLOAD_LIMIT,
    ),
]
