"""A panel day in a test: accounts, a panel, phones that join, staff that log in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

from sqlalchemy import func, select
from starlette.applications import Starlette

from server.db.models import Account, AuditEvent, Panel
from server.ops import agenda, panels
from server.ops.accounts import create_account
from server.ops.events import SYSTEM
from server.services import Services
from tests.support.people import SEQ, Person

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class PanelInfo:
    id: int
    code: str
    display_token: str


class Day:
    def __init__(self, services: Services, base_url: str, app: Starlette | None = None) -> None:
        self.services = services
        self.base_url = base_url
        self.app = app
        self.people: list[Person] = []
        self._accounts = 0

    def person(self, language: str = "en") -> Person:
        person = Person(self.base_url, self.app, language)
        self.people.append(person)
        return person

    async def close(self) -> None:
        for person in self.people:
            await person.close()

    async def account(self, role: str) -> Account:
        self._accounts += 1
        return await create_account(
            self.services.units,
            f"{role}{self._accounts}@example.org",
            f"{role.title()} {self._accounts}",
            PASSWORD,
            role,
        )

    async def staff(self, role: str = "facilitator", panel: PanelInfo | None = None) -> Person:
        """Someone logged in; a facilitator is put on `panel`'s team."""
        account = await self.account(role)
        if panel is not None and role == "facilitator":
            owner = await self._owner(panel.id)
            await panels.add_member(self.services.units, panel.id, owner, account.email)
        person = self.person()
        await person.get("/login")
        response = await person.post(
            "/login", {"email": account.email, "password": PASSWORD, "next": "/panels"}, htmx=False
        )
        assert response.status_code == 303, response.text
        await person.get("/panels")  # the login started a new session: fetch its token
        person.account = account  # type: ignore[attr-defined]
        return person

    async def _owner(self, panel_id: int) -> Any:
        from server.ops.events import Actor

        async with self.services.db.reading() as session:
            panel = await session.get(Panel, panel_id)
        assert panel is not None and panel.created_by is not None
        return Actor.account(panel.created_by)

    async def panel(
        self, *, tables: int = 3, open: bool = True, title: str = "Bypanel", language: str = "en"
    ) -> PanelInfo:
        owner = await self.account("organiser")
        panel_id = await panels.create_panel(
            self.services.units,
            owner,
            title,
            "Should the city centre be car-free?",
            language,
            tables,
        )
        if open:
            await agenda.transition(self.services.units, panel_id, SYSTEM, "open")
        return await self.info(panel_id)

    async def info(self, panel_id: int) -> PanelInfo:
        async with self.services.db.reading() as session:
            panel = await session.get(Panel, panel_id)
        assert panel is not None
        return PanelInfo(panel.id, panel.join_code, panel.display_token)

    async def phone(self, panel: PanelInfo) -> Person:
        """A participant who scanned the QR and tapped Join."""
        person = self.person()
        await person.get(f"/j/{panel.code}")
        response = await person.post("/join", {"code": panel.code}, htmx=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/p/{panel.id}"
        return person

    async def seq(self, panel_id: int) -> int:
        async with self.services.db.reading() as session:
            panel = await session.get(Panel, panel_id)
        assert panel is not None
        return panel.seq

    async def audit_count(self, panel_id: int) -> int:
        async with self.services.db.reading() as session:
            count = await session.scalar(
                select(func.count()).where(AuditEvent.panel_id == panel_id)
            )
        return int(count or 0)


def page_seq(html: str) -> int:
    found = SEQ.search(html)
    assert found, "page has no live seq"
    return int(found.group(1))


def text_of(html: str) -> str:
    """The visible words of some HTML, for asserting on what people read."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())
