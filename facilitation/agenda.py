"""The agenda state machine of a panel.

A panel moves draft → lobby → one step open at a time → closed, and facilitators can
step back, jump, close early and reopen. Only the status and the position of the open
step are state; the steps themselves are data (see `facilitation.steps`). Every
transition is a pure function from one `Agenda` to the next, so a refused transition
cannot have changed anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from facilitation.errors import N_, Refused


class PanelStatus(StrEnum):
    DRAFT = "draft"
    LOBBY = "lobby"
    RUNNING = "running"
    CLOSED = "closed"


@dataclass(frozen=True)
class Agenda:
    """Where a panel is: its status, how many steps it has and which one is open.

    `current` is the index of the open step while running, else None. `resume_at`
    remembers where a closed panel stood, so reopening returns there.
    """

    status: PanelStatus
    step_count: int
    current: int | None = None
    resume_at: int | None = None

    @property
    def joinable(self) -> bool:
        """Participants may join while the panel is in the lobby or running."""
        return joinable(self.status)


def joinable(status: PanelStatus | str) -> bool:
    """Whether a panel in this state lets participants join: in the lobby or running."""
    return PanelStatus(status) in (PanelStatus.LOBBY, PanelStatus.RUNNING)


def open_panel(agenda: Agenda) -> Agenda:
    """Publish a draft: the join code starts working and the lobby opens."""
    if agenda.status is not PanelStatus.DRAFT:
        raise Refused(N_("Only a draft panel can be opened."))
    if agenda.step_count == 0:
        raise Refused(N_("Add at least one step to the agenda before opening the panel."))
    return replace(agenda, status=PanelStatus.LOBBY, current=None)


def start(agenda: Agenda) -> Agenda:
    """Open the first step of the agenda."""
    if agenda.status is not PanelStatus.LOBBY:
        raise Refused(N_("The panel can only be started from the lobby."))
    if agenda.step_count == 0:
        raise Refused(N_("The agenda has no steps."))
    return replace(agenda, status=PanelStatus.RUNNING, current=0)


def advance(agenda: Agenda) -> Agenda:
    """Open the next step; from the lobby this starts the panel."""
    if agenda.status is PanelStatus.LOBBY:
        return start(agenda)
    _require_running(agenda)
    assert agenda.current is not None
    if agenda.current + 1 >= agenda.step_count:
        raise Refused(N_("This is the last step. Close the panel when you are done."))
    return replace(agenda, current=agenda.current + 1)


def back(agenda: Agenda) -> Agenda:
    """Return to the previous step; from the first step this returns to the lobby."""
    _require_running(agenda)
    assert agenda.current is not None
    if agenda.current == 0:
        return replace(agenda, status=PanelStatus.LOBBY, current=None)
    return replace(agenda, current=agenda.current - 1)


def go_to(agenda: Agenda, index: int) -> Agenda:
    """Open any step directly, as a facilitator does when the day runs differently."""
    if agenda.status not in (PanelStatus.LOBBY, PanelStatus.RUNNING):
        raise Refused(N_("Steps can only be opened while the panel is live."))
    if not 0 <= index < agenda.step_count:
        raise Refused(N_("There is no step number %(number)s."), number=index + 1)
    if agenda.current == index:
        raise Refused(N_("That step is already open."))
    return replace(agenda, status=PanelStatus.RUNNING, current=index)


def close(agenda: Agenda) -> Agenda:
    """End the panel: no one can join and no step is open."""
    if agenda.status not in (PanelStatus.LOBBY, PanelStatus.RUNNING):
        raise Refused(N_("Only a live panel can be closed."))
    return replace(agenda, status=PanelStatus.CLOSED, current=None, resume_at=agenda.current)


def reopen(agenda: Agenda) -> Agenda:
    """Undo a close: back to the step that was open then, or to the lobby."""
    if agenda.status is not PanelStatus.CLOSED:
        raise Refused(N_("Only a closed panel can be reopened."))
    resume = agenda.resume_at
    if resume is not None and resume < agenda.step_count:
        return replace(agenda, status=PanelStatus.RUNNING, current=resume, resume_at=None)
    return replace(agenda, status=PanelStatus.LOBBY, current=None, resume_at=None)


FACILITATOR_ACTIONS = ("start", "advance", "back", "close", "reopen", "go_to")
"""What the facilitator's tablet offers; opening a draft is the organiser's."""


def transition(agenda: Agenda, action: str, index: int | None = None) -> Agenda:
    """The agenda after `action` (`go_to` takes the step's index); refused if unknown."""
    if action == "go_to":
        if index is None:
            raise Refused(N_("Choose a step to open."))
        return go_to(agenda, index)
    rules: dict[str, Callable[[Agenda], Agenda]] = {
        "open": open_panel,
        "start": start,
        "advance": advance,
        "back": back,
        "close": close,
        "reopen": reopen,
    }
    rule = rules.get(action)
    if rule is None:
        raise Refused(N_("Unknown agenda action."))
    return rule(agenda)


def _require_running(agenda: Agenda) -> None:
    if agenda.status is not PanelStatus.RUNNING:
        raise Refused(N_("The panel is not running."))
