"""The recommendations step on the phones, the tablet and the projector.

The phones' list is rendered once per table (drafts belong to their table until the
plenary); how this phone answered (its levels, its quick-vote answers) arrives in a
small personal fragment that live.js lays over the shared buttons, as for statements.
"""

from __future__ import annotations

import json
from typing import Any

from facilitation.deliberation.duplicates import DUPLICATE_THRESHOLD
from facilitation.recommendations.amendments import AmendmentState
from facilitation.recommendations.compare import word_changes
from facilitation.recommendations.drafts import Recommendation, suggest_merges
from facilitation.recommendations.settings import (
    RULE_NAMES,
    Phase,
    RecommendationSettings,
    Signing,
)
from server.db.models import Step as StepRow
from server.db.recommendation_rows import MARKS, SUPPORT, TOPIC, settings_of
from server.live import audiences as aud
from server.live.deliberation_view import deliberation
from server.live.view import Memo, PanelView
from server.read.recommendations import Card, cards, known_token, my_marks
from server.screens.registry import fragment

LIVE = (TOPIC, SUPPORT, "amendment_votes", "agenda", "panel")


async def _step(view: PanelView) -> tuple[StepRow | None, RecommendationSettings | None]:
    step = await view.current_step()
    if step is None or step.kind != "recommendations":
        return None, None
    return step, settings_of(step)


async def _cards(view: PanelView, step: StepRow) -> list[Card]:
    async def load() -> list[Card]:
        return await cards(view.session, step)

    return await view.once(Memo[list[Card]]("recommendation_cards", step.id), load)


async def _common(view: PanelView) -> dict[str, Any]:
    step, settings = await _step(view)
    if step is None or settings is None:
        return {"step": None}
    every = await _cards(view, step)
    return {
        "step": step,
        "settings": settings,
        "phase": settings.phase.value,
        "cards": [c for c in every if c.active],
        "labels": await deliberation(view).table_labels(),
        "proposals": await deliberation(view).proposal_titles(),
        "rule_name": RULE_NAMES[settings.rule.key],
        "threshold": round(settings.rule.percent),
        "side_by_side": side_by_side,
    }


def focus(cards_: list[Card]) -> tuple[Card, Any] | None:
    """What the room is amending now: an amendment being voted on, else the newest proposed."""
    open_ones = [(card, a) for card in cards_ for a in card.amendments if a.open]
    voting = [(c, a) for c, a in open_ones if a.state is AmendmentState.VOTING]
    chosen = voting or open_ones
    return max(chosen, key=lambda pair: pair[1].id) if chosen else None


def side_by_side(recommendation: Recommendation, text: str) -> dict[str, Any]:
    left, right = word_changes(recommendation.text, text)
    return {"before": left, "after": right}


@fragment("phone-recommendations", "table", LIVE, "participant/_recommendations.html")
async def phone_list(view: PanelView, audience: str) -> dict[str, Any]:
    context = await _common(view)
    if context["step"] is None:
        return context
    table_id = aud.ident(audience)
    settings: RecommendationSettings = context["settings"]
    if settings.phase is Phase.DRAFTING:
        context["cards"] = [c for c in context["cards"] if c.recommendation.table_id == table_id]
    context["table_id"] = table_id
    context["signing_choice"] = settings.signing is Signing.CHOICE
    context["signed_always"] = settings.signing is Signing.TABLE
    context["scale"] = settings.scale
    return context


@fragment(
    "phone-recommendation-marks",
    "participant",
    (MARKS, "agenda"),
    "participant/_recommendation_marks.html",
)
async def phone_marks(view: PanelView, audience: str) -> dict[str, Any]:
    step, settings = await _step(view)
    if step is None or settings is None:
        return {"levels": "{}", "votes": "{}", "cannot": ""}
    levels, votes = await my_marks(view.session, step, aud.ident(audience))
    return {
        "levels": json.dumps(levels),
        "votes": json.dumps(votes),
        "cannot": settings.scale.cannot,
    }


@fragment("fac-recommendations", aud.FACILITATORS, LIVE, "facilitator/_recommendations.html")
async def facilitator_panel(view: PanelView, audience: str) -> dict[str, Any]:
    context = await _common(view)
    if context["step"] is None:
        return context
    settings: RecommendationSettings = context["settings"]
    active = context["cards"]
    by_id = {c.recommendation.id: c for c in active}
    context["suggestions"] = [
        (by_id[s.first], by_id[s.second], s.score)
        for s in suggest_merges([c.recommendation for c in active], DUPLICATE_THRESHOLD)
        if s.first in by_id and s.second in by_id
    ][:10]
    context["scale"] = settings.scale
    return context


@fragment("display-recommendations", aud.DISPLAY, LIVE, "display/_recommendations.html")
async def display_panel(view: PanelView, audience: str) -> dict[str, Any]:
    context = await _common(view)
    if context["step"] is None:
        return context
    found = focus(context["cards"])
    context["focus"] = found
    context["compare_pair"] = (
        side_by_side(found[0].recommendation, found[1].text) if found else None
    )
    context["scale"] = context["settings"].scale
    context["drafting_tables"] = len({c.recommendation.table_id for c in context["cards"]})
    return context


@fragment("phone-follow-up", aud.PHONES, (TOPIC, "agenda", "panel"), "participant/_follow_up.html")
async def phone_follow_up(view: PanelView, audience: str) -> dict[str, Any]:
    """After the support round closes, and after the day: where to follow the council."""
    token = await known_token(view.session, view.panel_id)
    return {"follow_up": f"/follow/{token}" if token else None}
