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
    return render_context(renderer, language, item, view.panel_id, context, oob=oob, extra=extra)


def render_context(
    renderer: Renderer,
    language: str,
    item: Fragment,
    panel_id: int,
    context: dict[str, Any],
    *,
    oob: bool,
    extra: dict[str, Any] | None = None,
) -> str:
    return renderer.render(
        language,
        item.template,
        oob_attr=OOB if oob else "",
        fragment_id=item.name,
        panel_id=panel_id,
        **(extra or {}),
        **context,
    )


Plain = None | str | int | float | bool | tuple["Plain", ...]


def plain_key(value: object) -> Plain:
    """`value` as a hashable key when it is made of plain data only, else raise `NotPlain`.

    A fragment's HTML depends on nothing but its context, so two audiences whose
    contexts are equal plain data (a table with no arguments yet, a phone without a
    ballot) get the same bytes: the live channel renders such a context once.
    """
    # Exact types, each tagged: True == 1 == 1.0 and Markup("<b>") == "<b>" as keys,
    # yet each renders differently.
    kind = type(value)
    if value is None or kind is str or kind is int:
        return value  # type: ignore[return-value]
    if isinstance(value, bool | float) and kind in (bool, float):
        return (kind.__name__, value)
    if isinstance(value, list | tuple) and kind in (list, tuple):
        return (kind.__name__, *(plain_key(v) for v in value))
    if isinstance(value, dict) and kind is dict:
        return ("dict", *((plain_key(k), plain_key(v)) for k, v in value.items()))
    raise NotPlain


class NotPlain(Exception):
    """A context holds objects (rows, dataclasses): it is rendered for its audience alone."""


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
