"""Refusals that the domain raises when a rule would be broken.

A refusal carries an English message id (marked for translation with `N_`) and the
values to fill into it, so the domain decides *what* went wrong and the server decides
*how to say it* in the reader's language. Raising one must leave nothing changed.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction into the catalogues without translating it here."""
    return message


class Refused(Exception):
    """An operation that the panel's rules do not allow; nothing was changed."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
