"""Problems found in an organiser's input, all collected before anything is accepted.

An organiser fixing a spreadsheet wants every mistake at once, each with the line and
column to look at, rather than one per upload. A problem is a message id (marked with
`N_`) and its values, like `Refused`, so the server words it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from facilitation.errors import N_, Refused


@dataclass(frozen=True)
class Problem:
    """One thing to fix; `line` and `column` say where when the input is a file."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


def problem(
    message: str, *, line: int | None = None, column: str | None = None, **params: object
) -> Problem:
    """A problem whose message may use %(line)s and %(column)s like any other value."""
    values: dict[str, object] = dict(params)
    if line is not None:
        values["line"] = line
    if column is not None:
        values["column"] = column
    return Problem(message, values, line, column)


class ProblemsRefused(Refused):
    """The input has problems; nothing from it was accepted. `problems` lists them all."""

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        one: str = N_("Nothing was imported: the file has a problem."),
        many: str = N_("Nothing was imported: the file has %(count)s problems."),
    ) -> None:
        if len(problems) == 1:
            super().__init__(one)
        else:
            super().__init__(many, count=len(problems))
        self.problems = tuple(problems)
