"""The organiser's button: rehearse a panel on a copy filled with simulated phones."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from facilitation.errors import N_, Refused
from server import rehearsal
from server.routes.roles import route
from server.web.access import require_staff, services_of
from server.web.csrf import checked_form
from server.web.respond import t

MAX_PHONES = 500


def phone_count(raw: str) -> int:
    try:
        phones = int(raw.strip())
    except ValueError:
        phones = 0
    if not 1 <= phones <= MAX_PHONES:
        raise Refused(N_("Give a number of phones from 1 to %(max)s."), max=MAX_PHONES)
    return phones


async def rehearse(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    await require_staff(request, panel_id, organiser=True)
    form = await checked_form(request)
    phones = phone_count(str(form.get("phones", "")))
    services = services_of(request)
    copy_id = await rehearsal.copy_panel(services, panel_id)
    rehearsal.start(services, copy_id, phones)
    request.session["flash"] = {
        "message": t(
            request,
            "The rehearsal has started: %(phones)s simulated phones are joining this copy. "
            "Open its projector and facilitator links on the real screens.",
            phones=phones,
        ),
        "ok": True,
    }
    return RedirectResponse(f"/panels/{copy_id}", status_code=303)


routes = [
    route("/panels/{panel_id:id}/rehearse", rehearse, serves="organiser", methods=("POST",)),
]
