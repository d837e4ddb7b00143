"""A long list of problems as a page shows it: the first ones, then how many more.

A broken file of ten megabytes can have a problem on every line; listing them all made a
230 MB page that no browser shows and nobody reads. The organiser fixes the first ones
and uploads again, so a page shows `SHOWN` problems, each cut to `LINE_MAX` characters
(a problem may quote a cell), and then the count of the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.numbers import format_decimal

from facilitation.errors import N_
from server.i18n import BABEL_LOCALES, translate

SHOWN = 100
LINE_MAX = 500


def capped(language: str, lines: Sequence[str], total: int) -> list[str]:
    """The first `SHOWN` of `total` problems (`lines` may hold only those), then the rest."""
    shown = [line if len(line) <= LINE_MAX else line[: LINE_MAX - 1] + "…" for line in lines]
    shown = shown[:SHOWN]
    rest = total - len(shown)
    if rest <= 0:
        return shown
    if rest == 1:
        more = translate(language, N_("… and one more problem."))
    else:
        count = format_decimal(rest, locale=BABEL_LOCALES[language])
        more = translate(language, N_("… and %(count)s more problems.")) % {"count": count}
    return [*shown, more]
