"""The pool's contact data: the date they are kept until, erasing them, and the letters'
answer once they are gone.

- `POST /panels/{id}/recruitment/contacts/keep-until` (organiser): record the date;
- `POST /panels/{id}/recruitment/contacts/erase` (organiser): erase the contact data of
  everyone or of everyone who gets no invitation, after a ticked confirmation.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from facilitation.errors import N_, Refused
from facilitation.recruitment.retention import ErasureScope, parse_scope
from server.ops import erasure
from server.ops.erasure import Retention
from server.ops.events import Actor
from server.routes.recruitment import BASE, back_to, organiser_only
from server.routes.roles import route
from server.web.access import services_of
from server.web.csrf import checked_form
from server.web.respond import done, language_of, page, t


async def keep_until(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    form = await checked_form(request)
    chosen = await erasure.set_keep_until(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        str(form.get("keep_until", ""))[:40],
    )
    return done(
        request,
        t(request, "Contact data will be erased by %(date)s.", date=chosen.isoformat()),
        back_to(panel_id),
    )


async def erase(request: Request) -> Response:
    panel_id, access = await organiser_only(request)
    form = await checked_form(request)
    scope = parse_scope(str(form.get("scope", ""))[:20])
    if form.get("confirm") != "yes":
        raise Refused(
            N_("Tick the box to confirm that the contact data cannot be restored once erased.")
        )
    count = await erasure.erase_contacts(
        services_of(request).units, panel_id, Actor.account(access.account.id), scope
    )
    return done(
        request,
        t(request, "The contact data of %(count)s people were erased.", count=count),
        back_to(panel_id),
    )


def letters_unavailable(request: Request, panel: object, retention: Retention) -> Response:
    """What the letters and the mail merge answer once every address is erased."""
    return page(
        request,
        "staff/contacts_erased.html",
        status=410,
        language=language_of(request),
        panel=panel,
        retention=retention,
    )


def all_erased(retention: Retention) -> bool:
    return retention.erased == ErasureScope.ALL.value and retention.stored == 0


routes = [
    route(BASE + "/contacts/keep-until", keep_until, serves="organiser", methods=("POST",)),
    route(BASE + "/contacts/erase", erase, serves="organiser", methods=("POST",)),
]
