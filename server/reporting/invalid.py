"""A problem in an imported file, and where it is: nothing has been imported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from facilitation.errors import N_, Refused


class Invalid(Exception):
    """What is wrong with an imported file, and where: nothing has been imported.

    `message` is a message id with `params`; `where` is a list of (message id, params)
    from the outside in, e.g. [("Step %(number)s", {"number": 3})].
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.where: list[tuple[str, dict[str, Any]]] = []


@contextmanager
def located(where: str, **params: Any) -> Iterator[None]:
    """Say where a problem found inside the block is; domain refusals become `Invalid`."""
    try:
        yield
    except Invalid as problem:
        problem.where.insert(0, (where, params))
        raise
    except Refused as refusal:
        translated = Invalid(refusal.message, **refusal.params)
        translated.where.insert(0, (where, params))
        raise translated from None
    except (ValueError, TypeError, KeyError, IndexError):
        damaged = Invalid(N_("The settings are damaged or do not fit this kind of step."))
        damaged.where.insert(0, (where, params))
        raise damaged from None
