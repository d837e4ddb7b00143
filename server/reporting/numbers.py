"""Numbers as the report prints them, in the panel's language (decimal comma in Norwegian).

One formatter for the page, the PDF and the tests that read the PDF back, so a number
is written the same way everywhere.
"""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

from server.i18n import BABEL_LOCALES, translate

MISSING = "–"


class Numbers:
    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = BABEL_LOCALES[language]

    def dec(self, value: float | None, places: int = 2) -> str:
        """A number with a fixed number of decimals; a dash when there is none."""
        if value is None:
            return MISSING
        pattern = "#,##0" + ("." + "0" * places if places else "")
        text = format_decimal(round(value, places) + 0.0, format=pattern, locale=self.locale)
        return "0" + text[2:] if text.startswith("-0") and _zero(text) else text

    def signed(self, value: float | None, places: int = 2) -> str:
        """A change: + for up, - for down, no sign when it rounds to zero."""
        text = self.dec(value, places)
        if value is None or _zero(text) or text.startswith("-"):
            return text
        return "+" + text

    def whole(self, value: int | None) -> str:
        return MISSING if value is None else format_decimal(value, locale=self.locale)

    def pct(self, share: float | None) -> str:
        """A share of 0–1 as a whole per cent."""
        if share is None:
            return MISSING
        return format_percent(share, locale=self.locale)

    def p(self, value: float | None) -> str:
        """A p-value: three decimals, or "< 0.001"."""
        if value is None:
            return MISSING
        if value < 0.001:
            return "< " + self.dec(0.001, 3)
        return self.dec(value, 3)

    def ci(self, low: float | None, high: float | None, places: int = 2) -> str:
        """An interval as [low; high] (a semicolon, since Norwegian writes 0,5 for 0.5)."""
        return f"[{self.dec(low, places)}; {self.dec(high, places)}]"

    def ratio(self, count: int, total: int) -> str:
        return translate(self.language, "%(count)s of %(total)s") % {
            "count": self.whole(count),
            "total": self.whole(total),
        }


def _zero(text: str) -> bool:
    return all(char in "-0.,\u00a0 " for char in text)
