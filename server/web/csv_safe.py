"""CSV files that a spreadsheet opens as data, never as formulas.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (CSV injection): a participant's argument
`=HYPERLINK(...)` or a pool file's `@SUM(...)` would act on the organiser's or a
researcher's computer. Following OWASP, such a cell is written with a leading apostrophe,
which spreadsheets show as text. Numbers stay numbers: `-3` and `-0.5` are written as
they are.

A spreadsheet set to split on semicolons (Excel's default in Norway) splits our lines at
every semicolon and line break, even inside quotes that are not at the start of its cell.
So every part of a cell that follows a semicolon, tab or line break is treated like the
start of a cell, and so is a part that starts with quotes before a formula character.

The rule is reversible, so an export read back (`original_cell`) holds what was written:
a part that already starts with an apostrophe before one of these gets one more.

Every CSV the server writes goes through `csv_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

TRIGGERS = "=+-@\t\r"
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SEPARATORS = re.compile(r"(\r\n|[;\t\r\n])")
_FORMULA = re.compile(r"['\"]*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'['\"]*[=+\-@\t\r]")
_NEEDS_QUOTES = re.compile(r'[,;"\t\r\n]')


def safe_cell(value: object) -> str:
    """The text of a cell as written: every would-be formula behind an apostrophe."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _NUMBER.fullmatch(text):
        return text
    parts = _SEPARATORS.split(text)  # text, separator, text, ..., text
    written = parts[0] + "".join(
        "'" + part if n % 2 == 0 and _FORMULA.match(part) else part
        for n, part in enumerate(parts[1:], start=1)
    )
    return "'" + written if _FORMULA.match(text) else written


def original_cell(text: str) -> str:
    """A cell as it was before `safe_cell`: for reading our own files back."""
    if _ESCAPED.match(text):
        text = text[1:]
    parts = _SEPARATORS.split(text)
    return parts[0] + "".join(
        part[1:] if n % 2 == 0 and _ESCAPED.match(part) else part
        for n, part in enumerate(parts[1:], start=1)
    )


def _field(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(row: Sequence[object]) -> str:
    cells = [_field(safe_cell(value)) for value in row]
    if cells == [""]:
        return '""\r\n'  # a lone empty cell, not a blank line that readers skip
    return ",".join(cells) + "\r\n"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file (UTF-8 text, comma-separated, CRLF, header first) safe to open."""
    return csv_line(header) + "".join(csv_line(row) for row in rows)
