"""The recruitment screen: targets and pool, the draw, the split, confirmations, invites.

Organisers see and do everything here; facilitators see the representativeness table
(live, as invite codes join) and nothing about individual people. Contact columns
appear only on organiser pages: the pool list, the printable letters and the mail
merge file. Unknown ids in a page address lead back to the recruitment page.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from facilitation.errors import N_, Refused
from facilitation.recruitment.algorithms import available_algorithms
from facilitation.recruitment.csvtable import MAX_FILE_BYTES
from facilitation.recruitment.draw import Relaxation
from facilitation.recruitment.invites import format_invite_code
from facilitation.recruitment.lifecycle import HOLDS_A_SEAT, Status
from facilitation.recruitment.problems import ProblemsRefused
from server.db.models import Invite
from server.db.models_recruitment import Draw
from server.i18n import refusal_text, translate
from server.live import audiences as aud
from server.ops import arms, confirmations, draws, invite_codes, recruitment
from server.ops.events import Actor
from server.routes import route
from server.screens.common import qr_svg
from server.screens.registry import fragments_for, render
from server.services import Services
from server.web.access import StaffAccess, require_staff, services_of
from server.web.csrf import checked_form
from server.web.csrf import checked_upload as checked_file
from server.web.respond import done, is_htmx, language_of, page, t

BASE = "/panels/{panel_id:int}/recruitment"
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


def _pid(request: Request) -> int:
    return int(request.path_params["panel_id"])


def _back(panel_id: int) -> str:
    return f"/panels/{panel_id}/recruitment"


async def _organiser(request: Request) -> tuple[int, StaffAccess]:
    panel_id = _pid(request)
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
    lines = []
    for item in items:
        if isinstance(item, dict):
            lines.append(say(language, item["message"], item.get("params") or None))
        else:
            lines.append(say(language, item.message, dict(item.params) or None))
    return lines


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
    panel_id = _pid(request)
    access = await require_staff(request, panel_id)
    services = services_of(request)
    language = language_of(request)
    context: dict[str, Any] = {}
    if access.organiser:
        await draws.mark_orphans(services, panel_id)
        async with services.db.reading() as session:
            rec = await recruitment.recruitment_of(session, panel_id)
            recruits = await recruitment.recruits_of(session, panel_id)
            past = await draws.draws_of(session, panel_id)
            split = await arms.latest_split(session, panel_id)
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
            targets=recruitment.targets_of(rec) if rec else {},
            shares=recruitment.shares_of(rec) if rec else None,
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
    panel_id, access = await _organiser(request)
    form = await checked_upload(request)
    data, filename = form.file()
    try:
        await recruitment.upload_targets(
            services_of(request),
            panel_id,
            Actor.account(access.account.id),
            data,
            filename,
            form.text("panel_size"),
            form.text("slack"),
        )
    except ProblemsRefused as refusal:
        return await _refused_upload(request, refusal)
    return done(request, t(request, "The targets were saved."), _back(panel_id))


async def upload_people(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    form = await checked_upload(request)
    data, filename = form.file()
    try:
        count = await recruitment.upload_people(
            services_of(request),
            panel_id,
            Actor.account(access.account.id),
            data,
            filename,
            form.text("id_column"),
            form.text("household_column"),
            form.text("extra_columns", 1000),
        )
    except ProblemsRefused as refusal:
        return await _refused_upload(request, refusal)
    return done(
        request,
        t(request, "The pool was imported: %(count)s people.", count=count),
        _back(panel_id),
    )


# -- the draw -----------------------------------------------------------------------


async def start_draw(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    form = await checked_form(request)
    draw_id = await draws.start_draw(
        services_of(request),
        panel_id,
        Actor.account(access.account.id),
        str(form.get("algorithm", "maximin")),
        str(form.get("seed", ""))[:40],
        form.get("test") == "on",
    )
    return done(
        request,
        t(request, "The draw has started. You may leave this page; it keeps running."),
        f"/panels/{panel_id}/recruitment/draws/{draw_id}",
    )


async def _draw(request: Request, panel_id: int) -> Draw | None:
    draw_id = int(request.path_params["draw_id"])
    async with services_of(request).db.reading() as session:
        draw = await session.get(Draw, draw_id)
    return draw if draw is not None and draw.panel_id == panel_id else None


def _no_such_draw(request: Request, panel_id: int) -> Response:
    request.session["flash"] = {"message": t(request, "There is no such draw."), "ok": False}
    return RedirectResponse(_back(panel_id), status_code=303)


async def draw_page(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    services = services_of(request)
    await draws.mark_orphans(services, panel_id)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    language = language_of(request)
    async with services.db.reading() as session:
        people = await recruitment.recruits_of(session, panel_id)
        rec = await recruitment.recruitment_of(session, panel_id)
    result = draw.result or {}
    chances = result.get("probabilities") or {}
    chosen = set(result.get("selected") or [])
    excluded = set(result.get("excluded_housemates") or [])
    unreachable = set(result.get("unreachable") or [])
    features = [feature for feature, _ in rec.targets] if rec else []
    rows = [
        {
            "id": person.external_id,
            "features": [person.features.get(f, "") for f in features],
            "chance": chances.get(person.external_id),
            "selected": person.external_id in chosen,
            "excluded": person.external_id in excluded,
            "unreachable": person.external_id in unreachable,
        }
        for person in people
        if person.external_id in chances or person.external_id in chosen
    ]
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    return page(
        request,
        "staff/draw.html",
        language=language,
        panel=panel,
        account=access.account,
        features=features,
        rows=rows,
        **job_context(language, draw),
    )


async def draw_status(request: Request) -> Response:
    """The job's card alone, for the page to poll while the draw runs."""
    panel_id, _access = await _organiser(request)
    services = services_of(request)
    await draws.mark_orphans(services, panel_id)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    language = language_of(request)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    html = services.renderer.render(
        language,
        "staff/_draw_job.html",
        panel=panel,
        csrf_token=request.session.get("csrf", ""),
        **job_context(language, draw),
    )
    headers = {"Cache-Control": "no-store"}
    if is_htmx(request) and draw.state != draws.ACTIVE:
        headers["HX-Refresh"] = "true"  # the draw ended: show the whole page as it is now
    return HTMLResponse(html, headers=headers)


async def cancel_draw(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    await checked_form(request)
    draw_id = int(request.path_params["draw_id"])
    await draws.cancel(services_of(request), panel_id, Actor.account(access.account.id), draw_id)
    return done(
        request,
        t(request, "The draw is stopping. Nobody will be selected by it."),
        f"/panels/{panel_id}/recruitment/draws/{draw_id}",
    )


async def draw_inputs(request: Request) -> Response:
    """What the draw saw, byte for byte: its SHA-256 is the digest shown with the draw."""
    panel_id, _access = await _organiser(request)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    async with services_of(request).db.reading() as session:
        document = await session.scalar(select(Draw.inputs).where(Draw.id == draw.id))
    return Response(
        (document or "").encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="draw-{draw.id}-inputs.json"',
            "Cache-Control": "no-store",
        },
    )


async def draw_result_csv(request: Request) -> Response:
    """Every pool member's chance and whether they were drawn (no contact columns)."""
    panel_id, _access = await _organiser(request)
    draw = await _draw(request, panel_id)
    if draw is None:
        return _no_such_draw(request, panel_id)
    async with services_of(request).db.reading() as session:
        people = {r.external_id: r for r in await recruitment.recruits_of(session, panel_id)}
        rec = await recruitment.recruitment_of(session, panel_id)
    features = [feature for feature, _ in rec.targets] if rec else []
    result = draw.result or {}
    chosen = set(result.get("selected") or [])
    chances = result.get("probabilities") or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", *features, "probability", "selected"])
    for key in sorted(set(chances) | chosen):
        person = people.get(key)
        values = [person.features.get(f, "") if person else "" for f in features]
        chance = chances.get(key)
        writer.writerow(
            [key, *values, "" if chance is None else f"{chance:.6f}", int(key in chosen)]
        )
    return _csv(out.getvalue(), f"draw-{draw.id}-result.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# -- the people in the pool, confirmations ------------------------------------------


async def people_page(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await recruitment.recruitment_of(session, panel_id)
        people = await recruitment.recruits_of(session, panel_id)
        contacts = await recruitment.contacts_of(session, panel_id)
        past = [
            d
            for d in reversed(await draws.draws_of(session, panel_id))
            if d.state == "finished" and not d.test
        ]
        codes = {
            invite.recruit_id: invite.code
            for invite in await session.scalars(select(Invite).where(Invite.panel_id == panel_id))
        }
    chances: dict[str, float] = {}
    for draw in past:
        chances.update((draw.result or {}).get("probabilities") or {})
    drawn = any(p.status != Status.POOL for p in people)
    show_all = request.query_params.get("show") == "all" or not drawn
    shown = [p for p in people if show_all or p.status != Status.POOL]
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    return page(
        request,
        "staff/recruitment_people.html",
        panel=panel,
        account=access.account,
        rec=rec,
        features=[feature for feature, _ in rec.targets] if rec else [],
        extras=list(rec.extra_columns) if rec else [],
        contact_columns=list(rec.contact_columns) if rec else [],
        people=shown,
        contacts=contacts,
        chances=chances,
        codes={k: format_invite_code(v) for k, v in codes.items()},
        show_all=show_all,
        drawn=drawn,
        total=len(people),
    )


async def change_status(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    form = await checked_form(request)
    recruit = await confirmations.change_status(
        services_of(request),
        panel_id,
        Actor.account(access.account.id),
        int(request.path_params["recruit_id"]),
        str(form.get("status", "")),
    )
    return done(
        request,
        t(request, "Saved: %(person)s.", person=recruit.external_id),
        f"/panels/{panel_id}/recruitment/people",
    )


# -- treatment and control, invites -------------------------------------------------


async def split(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    form = await checked_form(request)
    row = await arms.split(
        services_of(request),
        panel_id,
        Actor.account(access.account.id),
        [str(value) for value in form.getlist("strata")],
        str(form.get("control_percent", "50")),
        str(form.get("scope", "panel")),
        str(form.get("seed", ""))[:40],
    )
    return done(
        request,
        t(
            request,
            "Split: %(participants)s participants and %(controls)s in the control group.",
            participants=row.participants,
            controls=row.controls,
        ),
        _back(panel_id),
    )


async def issue_invites(request: Request) -> Response:
    panel_id, access = await _organiser(request)
    await checked_form(request)
    count = await invite_codes.issue_invites(
        services_of(request), panel_id, Actor.account(access.account.id)
    )
    return done(request, t(request, "%(count)s invite codes issued.", count=count), _back(panel_id))


def invite_link(services: Services, code: str) -> str:
    return f"{services.base_url()}/i/{code}"


async def invites_csv(request: Request) -> Response:
    """The mail-merge file: one row per invite code, with the contact columns."""
    panel_id, _access = await _organiser(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await recruitment.recruitment_of(session, panel_id)
        letters = await invite_codes.letters(session, panel_id)
    columns = list(rec.contact_columns) if rec else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "role", "invite_code", "link", *columns])
    for letter in letters:
        writer.writerow(
            [
                letter.recruit.external_id,
                letter.invite.role,
                format_invite_code(letter.invite.code),
                invite_link(services, letter.invite.code),
                *(letter.contacts.get(column, "") for column in columns),
            ]
        )
    return _csv(out.getvalue(), f"panel-{panel_id}-invites.csv")


async def letters_page(request: Request) -> Response:
    """One printable letter per code, with its QR; the address block from the contacts."""
    panel_id, access = await _organiser(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await recruitment.recruitment_of(session, panel_id)
        letters = await invite_codes.letters(session, panel_id)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    language = language_of(request, panel)
    columns = list(rec.contact_columns) if rec else []
    household = rec.household_column if rec else None
    # The address block: the household (address) column last, as on an envelope.
    order = [c for c in columns if c != household] + ([household] if household in columns else [])
    sheets = []
    for letter in letters:
        link = invite_link(services, letter.invite.code)
        sheets.append(
            {
                "role": letter.invite.role,
                "code": format_invite_code(letter.invite.code),
                "link": link,
                "qr": qr_svg(link, t(request, "Scan to open your invitation", language)),
                "address": [letter.contacts[c] for c in order if letter.contacts.get(c)],
            }
        )
    return page(
        request,
        "staff/letters.html",
        language=language,
        panel=panel,
        account=access.account,
        letters=sheets,
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
    route(BASE + "/draws", start_draw, serves="organiser", methods=("POST",)),
    route(BASE + "/draws/{draw_id:int}", draw_page, serves="organiser"),
    route(BASE + "/draws/{draw_id:int}/status", draw_status, serves="organiser"),
    route(
        BASE + "/draws/{draw_id:int}/cancel",
        cancel_draw,
        serves="organiser",
        methods=("POST",),
    ),
    route(BASE + "/draws/{draw_id:int}/inputs.json", draw_inputs, serves="organiser"),
    route(BASE + "/draws/{draw_id:int}/result.csv", draw_result_csv, serves="organiser"),
    route(BASE + "/people", people_page, serves="organiser"),
    route(
        BASE + "/people/{recruit_id:int}/status",
        change_status,
        serves="organiser",
        methods=("POST",),
    ),
    route(BASE + "/split", split, serves="organiser", methods=("POST",)),
    route(BASE + "/invites", issue_invites, serves="organiser", methods=("POST",)),
    route(BASE + "/invites.csv", invites_csv, serves="organiser"),
    route(BASE + "/letters", letters_page, serves="organiser"),
]
