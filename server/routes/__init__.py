"""Routes, one module per screen. Every route says which role it serves (`serves`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.routes import (
    accounts,
    auth,
    council,
    display,
    draws,
    facilitator,
    facilitator_deliberation,
    offline,
    operations,
    opinion,
    organiser,
    participant,
    participant_deliberation,
    privacy,
    proposals,
    public,
    recommendations,
    recruitment,
    recruits,
    rehearsal,
    report,
    results,
    seating,
    survey_setup,
    surveys,
    voting,
)
from server.routes.roles import ROLES

__all__ = ["ROLES", "all_routes"]


def all_routes() -> list[BaseRoute]:
    return [
        *public.routes,
        *offline.routes,
        *auth.routes,
        *accounts.routes,
        *participant.routes,
        *participant_deliberation.routes,
        *facilitator.routes,
        *facilitator_deliberation.routes,
        *opinion.routes,
        *organiser.routes,
        *proposals.routes,
        *voting.routes,
        *report.routes,
        *surveys.routes,
        *survey_setup.routes,
        *results.routes,
        *recruitment.routes,
        *draws.routes,
        *recruits.routes,
        *privacy.routes,
        *seating.routes,
        *display.routes,
        *recommendations.routes,
        *council.routes,
        *operations.routes,
        *rehearsal.routes,
    ]
