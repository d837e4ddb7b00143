"""The limits against guessing and flooding, with their numbers in one place.

docs/security.md works out what they mean: how long guessing one code takes.
"""

from __future__ import annotations

from server.web.throttle import Limit, count

CODE_GUESSES = Limit("code-guess", limit=20, per_seconds=60)
"""Wrong join or invite codes one client may name a minute, on /j/…, /join and /i/…."""
DISPLAY_GUESSES = Limit("display-guess", limit=20, per_seconds=60)
"""Wrong display links one client may open a minute."""
PANEL_JOINS = Limit("panel-join", limit=600, per_seconds=60)
"""Joins with a panel's code a minute: a full hall of 250 arrives over several minutes."""
PANEL_JOIN_PAGES = Limit("panel-join-page", limit=1200, per_seconds=60)
"""Join pages (the QR's address) a panel serves a minute."""
LOGINS = Limit("login", limit=20, per_seconds=300)
"""Login attempts one client may make in five minutes (each account also locks itself)."""
PARTICIPANT_TAPS = Limit("participant-tap", limit=120, per_seconds=60)
"""Statement votes, upvotes and survey answers one participant may send a minute."""


def tapped(respondent: str) -> None:
    """Count a participant's vote, upvote or answer; Throttled beyond the limit.

    Each of these writes a row and an audit event: one phone must not add thousands.
    """
    count(PARTICIPANT_TAPS, respondent)
