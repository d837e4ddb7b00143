"""The people once drawn: confirmations and withdrawals, the treatment/control split,
invite codes, the mail-merge file and the printable letters (organisers only: these
pages carry contact details)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from facilitation.recruitment.invites import format_invite_code
from facilitation.recruitment.lifecycle import Status
from server.db import rows
from server.db.models import Invite
from server.ops import arms, confirmations, draws, erasure, invite_codes, recruitment
from server.ops.events import Actor
from server.routes.privacy import all_erased, letters_unavailable
from server.routes.recruitment import BASE, back_to, csv_download, organiser_only
from server.routes.roles import route
from server.screens.common import qr_svg
from server.web.access import services_of
from server.web.csrf import checked_form
from server.web.csv_safe import csv_text
from server.web.respond import done, language_of, page, t

# -- the people in the pool, confirmations ------------------------------------------


async def people_page(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await rows.recruitment_of(session, panel_id)
        people = await rows.recruits_of(session, panel_id)
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
    panel_id, access = await organiser_only(request)
    form = await checked_form(request)
    recruit = await confirmations.change_status(
        services_of(request).units,
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
    panel_id, access = await organiser_only(request)
    form = await checked_form(request)
    row = await arms.split(
        services_of(request).units,
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
        back_to(panel_id),
    )


async def issue_invites(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    await checked_form(request)
    count = await invite_codes.issue_invites(
        services_of(request).units, panel_id, Actor.account(access.account.id)
    )
    return done(
        request, t(request, "%(count)s invite codes issued.", count=count), back_to(panel_id)
    )


def invite_link(request: Request, code: str) -> str:
    return f"{services_of(request).base_url(request)}/i/{code}"


async def invites_csv(request: Request) -> Response:
    """The mail-merge file: one row per invite code, with the contact columns."""
    panel_id, _access = await organiser_only(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await rows.recruitment_of(session, panel_id)
        letters = await invite_codes.letters(session, panel_id)
        retention = await erasure.retention_of(session, panel_id)
    if all_erased(retention):
        async with services.hub.view(panel_id) as view:
            return letters_unavailable(request, await view.panel(), retention)
    columns = list(rec.contact_columns) if rec else []
    lines = (
        [
            letter.recruit.external_id,
            letter.invite.role,
            format_invite_code(letter.invite.code),
            invite_link(request, letter.invite.code),
            *(letter.contacts.get(column, "") for column in columns),
        ]
        for letter in letters
    )
    text = csv_text(["id", "role", "invite_code", "link", *columns], lines)
    return csv_download(text, f"panel-{panel_id}-invites.csv")


async def letters_page(request: Request) -> Response:
    """One printable letter per code, with its QR; the address block from the contacts."""
    panel_id, access = await organiser_only(request)
    services = services_of(request)
    async with services.db.reading() as session:
        rec = await rows.recruitment_of(session, panel_id)
        letters = await invite_codes.letters(session, panel_id)
        retention = await erasure.retention_of(session, panel_id)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    if all_erased(retention):
        return letters_unavailable(request, panel, retention)
    language = language_of(request, panel)
    columns = list(rec.contact_columns) if rec else []
    household = rec.household_column if rec else None
    # The address block: the household (address) column last, as on an envelope.
    order = [c for c in columns if c != household] + ([household] if household in columns else [])
    sheets = []
    for letter in letters:
        link = invite_link(request, letter.invite.code)
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
        retention=retention,
        without_address=sum(1 for sheet in sheets if not sheet["address"]),
    )


routes = [
    route(BASE + "/people", people_page, serves="organiser"),
    route(
        BASE + "/people/{recruit_id:id}/status",
        change_status,
        serves="organiser",
        methods=("POST",),
    ),
    route(BASE + "/split", split, serves="organiser", methods=("POST",)),
    route(BASE + "/invites", issue_invites, serves="organiser", methods=("POST",)),
    route(BASE + "/invites.csv", invites_csv, serves="organiser"),
    route(BASE + "/letters", letters_page, serves="organiser"),
]
