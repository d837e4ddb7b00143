"""Who is asking, and whether they may: staff, participants and the display link.

Staff sessions live on the server (`ops.staff_sessions`): the cookie names one, and
logout, a new password, "log out everywhere", an idle spell or `staff_session_hours`
end it. A facilitator sees only the panels they belong to, an organiser sees all.
Participants are bound to a panel by a signed cookie that holds their participant id
per panel; nothing else about them is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from starlette.requests import HTTPConnection

from server.db.models import Account, Panel, PanelMember, Participant
from server.ops import staff_sessions
from server.services import Services
from server.web.limits import DISPLAY_GUESSES
from server.web.throttle import check, client_of, count


class LoginRequired(Exception):
    """Anonymous, or the staff session has expired."""


class Forbidden(Exception):
    """Known, but not allowed here."""


class Missing(Exception):
    """No such thing (or not one this caller may know exists)."""


def services_of(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


STAFF_SESSION = "staff"
"""The session cookie's field that holds the staff session's token."""


async def current_account(connection: HTTPConnection) -> Account | None:
    token = connection.session.get(STAFF_SESSION)
    if not isinstance(token, str):
        return None
    services = services_of(connection)
    account = await staff_sessions.account_for(services.units, services.settings, token)
    if account is None:
        connection.session.pop(STAFF_SESSION, None)
    return account


async def require_account(connection: HTTPConnection) -> Account:
    account = await current_account(connection)
    if account is None:
        raise LoginRequired
    return account


async def require_organiser(connection: HTTPConnection) -> Account:
    account = await require_account(connection)
    if account.role != "organiser":
        raise Forbidden
    return account


@dataclass(frozen=True)
class StaffAccess:
    account: Account
    panel: Panel

    @property
    def organiser(self) -> bool:
        return self.account.role == "organiser"


async def require_staff(
    connection: HTTPConnection, panel_id: int, *, organiser: bool = False
) -> StaffAccess:
    """A logged-in organiser, or a facilitator on this panel's team."""
    account = await require_account(connection)
    if organiser and account.role != "organiser":
        raise Forbidden
    async with services_of(connection).db.reading() as session:
        panel = await session.get(Panel, panel_id)
        if panel is None:
            raise Missing
        if account.role != "organiser":
            member = await session.get(PanelMember, (panel_id, account.id))
            if member is None:
                raise Forbidden
    return StaffAccess(account, panel)


async def visible_panels(connection: HTTPConnection, account: Account) -> list[Panel]:
    async with services_of(connection).db.reading() as session:
        query = select(Panel).order_by(Panel.created_at.desc())
        if account.role != "organiser":
            query = query.join(PanelMember, PanelMember.panel_id == Panel.id).where(
                PanelMember.account_id == account.id
            )
        return list(await session.scalars(query))


def seat_of(connection: HTTPConnection, panel_id: int) -> int | None:
    seats = connection.session.get("seats") or {}
    value = seats.get(str(panel_id))
    return int(value) if value is not None else None


def remember_seat(connection: HTTPConnection, panel_id: int, participant_id: int) -> None:
    seats = dict(connection.session.get("seats") or {})
    seats[str(panel_id)] = participant_id
    connection.session["seats"] = seats


async def require_participant(connection: HTTPConnection, panel_id: int) -> Participant:
    participant_id = seat_of(connection, panel_id)
    if participant_id is None:
        raise Forbidden
    async with services_of(connection).db.reading() as session:
        participant = await session.get(Participant, participant_id)
    if participant is None or participant.panel_id != panel_id:
        raise Forbidden
    return participant


async def require_participant_and_panel(
    connection: HTTPConnection, panel_id: int
) -> tuple[Participant, Panel]:
    """`require_participant`, and the panel from the same read: a phone's socket needs
    both, and after a restart a whole room asks at once, so the phones that ask together
    share one read (`server.read.seats`)."""
    participant_id = seat_of(connection, panel_id)
    if participant_id is None:
        raise Forbidden
    seat = await services_of(connection).seats.seat(participant_id)
    if seat is None or seat[0].panel_id != panel_id:
        raise Forbidden
    return seat


async def display_panel(connection: HTTPConnection, token: str) -> Panel:
    """The panel whose display link this is; wrong links count against the client."""
    client = client_of(connection)
    check(DISPLAY_GUESSES, client)
    panel = None
    if token and len(token) <= 64:
        async with services_of(connection).db.reading() as session:
            panel = await session.scalar(select(Panel).where(Panel.display_token == token))
    if panel is None:
        count(DISPLAY_GUESSES, client)
        raise Missing
    return panel
