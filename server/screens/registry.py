"""Fragments: the pieces of a screen that change live.

A fragment names its audience kind, the topics that make it change, its template and
an async function that gathers the template's context from a `PanelView`. The page
route renders the same fragments inline, and the hub renders them as out-of-band
swaps, so a live screen and a reloaded one are the same HTML.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from server.live import audiences as aud
from server.live.view import PanelView
from server.render import Renderer

Context = Callable[[PanelView, str], Awaitable[dict[str, Any]]]

OOB = Markup('hx-swap-oob="outerMorph"')


@dataclass(frozen=True, eq=False)  # registered once each: identity is equality, and cheap
class Fragment:
    name: str
    audience: str
    topics: frozenset[str]
    template: str
    context: Context
    volatile: bool = False
    """Newer state replaces older (counts, timers): only the latest is sent."""


_FRAGMENTS: dict[str, list[Fragment]] = {}
SCREENS = (
    "participant",
    "participant_deliberation",
    "participant_vote",
    "facilitator",
    "facilitator_deliberation",
    "facilitator_vote",
    "facilitator_recruitment",
    "facilitator_survey",
    "display",
    "display_deliberation",
    "display_vote",
    "opinion",
    "recommendations",
    "question_slate",
)


def fragment(
    name: str, audience: str, topics: Iterable[str], template: str, *, volatile: bool = False
) -> Callable[[Context], Context]:
    """Register a fragment whose context the decorated function gathers."""

    def register(context: Context) -> Context:
        _FRAGMENTS.setdefault(audience, []).append(
            Fragment(name, audience, frozenset(topics), template, context, volatile)
        )
        return context

    return register


def fragments_for(audience: str) -> list[Fragment]:
    _load_screens()
    return _FRAGMENTS.get(aud.kind(audience), [])


def _load_screens() -> None:
    """Each screen module registers its fragments when imported (once, in a fixed order)."""
    for name in SCREENS:
        importlib.import_module(f"server.screens.{name}")


def affected(audience: str, topics: Iterable[str]) -> list[Fragment]:
    wanted = set(topics)
    return [f for f in fragments_for(audience) if f.topics & wanted]


async def render(
    renderer: Renderer,
    language: str,
    item: Fragment,
    view: PanelView,
    audience: str,
    *,
    oob: bool,
    extra: dict[str, Any] | None = None,
) -> str:
    context = await item.context(view, audience)
    return renderer.render(
        language,
        item.template,
        oob_attr=OOB if oob else "",
        fragment_id=item.name,
        panel_id=view.panel_id,
        **(extra or {}),
        **context,
    )


async def render_screen(
    renderer: Renderer,
    language: str,
    view: PanelView,
    audiences: Iterable[str],
    csrf_token: str = "",
) -> dict[str, Markup]:
    """Every fragment of a screen, inline, by name: what a page route puts in its layout.

    A page carries the session's CSRF token in its forms, so they work without
    JavaScript; live updates are shared by many sessions and rely on the header that
    live.js adds instead.
    """
    out: dict[str, Markup] = {}
    extra = {"csrf_token": csrf_token}
    for audience in audiences:
        for item in fragments_for(audience):
            html = await render(renderer, language, item, view, audience, oob=False, extra=extra)
            out[item.name] = Markup(html)
    return out
