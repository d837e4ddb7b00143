"""Reading an uploaded CSV into rows that remember their line in the file.

Spreadsheets save CSV in many ways. We accept UTF-8 with or without the byte order
mark that Excel writes, and the comma, semicolon or tab separators (Norwegian Excel
uses semicolons because the comma is the decimal mark). Anything else is refused with
the line to look at, because guessing an encoding silently turns "Åsane" into
"Ã…sane" and quietly breaks the quotas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from facilitation.errors import N_
from facilitation.recruitment.problems import Problem, problem

MAX_FILE_BYTES = 20 * 1024 * 1024
# Far above any pool (Bergen's letters went to 10,000 people); a bound on the work.
MAX_ROWS = 100_000
_SEPARATORS = (",", ";", "\t")
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Row:
    """One record; `line` is where it starts in the file (the header is line 1)."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    separator: str
    header_line: int = 1

    def column_index(self, name: str) -> int | None:
        """Headers match without regard to case or surrounding spaces."""
        wanted = name.strip().casefold()
        for index, header in enumerate(self.header):
            if header.strip().casefold() == wanted:
                return index
        return None


def decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """The text of the file, or every line that is not valid UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            problem(
                N_("The file is larger than %(max)s MB. Split it or remove unused columns."),
                line=1,
                max=MAX_FILE_BYTES // (1024 * 1024),
            )
        ]
    if data.startswith(_UTF16_MARKS):
        return None, [
            problem(
                N_(
                    "Line %(line)s: the file is saved as UTF-16 (“Unicode text”). "
                    "Save it as “CSV UTF-8” and upload it again."
                ),
                line=1,
            )
        ]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw_line in enumerate(data.splitlines(), start=1):
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(
                problem(
                    N_(
                        "Line %(line)s, column %(column)s: this is not UTF-8 text (perhaps "
                        "Windows-1252 or Latin-1). Save the file as “CSV UTF-8” and upload "
                        "it again."
                    ),
                    line=number,
                    column=str(error.start + 1),
                )
            )
    return None, problems


def read_table(data: bytes) -> tuple[Table | None, list[Problem]]:
    """Decode and split the file; rows that are entirely empty are skipped.

    Excel tends to export trailing rows of bare separators, which are not mistakes
    anyone should have to fix.
    """
    text, problems = decode(data)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [problem(N_("Line %(line)s: the file is empty."), line=1)]
    first_line = text.lstrip("\r\n").splitlines()[0]
    separator = max(_SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    records: list[Row] = []
    header: tuple[str, ...] | None = None
    header_line = 1
    last_line = 0
    try:
        for cells in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in cells)
                header_line = start
            elif len(records) == MAX_ROWS:
                return None, [
                    problem(
                        N_("Line %(line)s: the file has more than %(max)s rows."),
                        line=start,
                        max=MAX_ROWS,
                    )
                ]
            else:
                records.append(Row(start, tuple(cells)))
    except csv.Error:
        return None, [
            problem(
                N_("Line %(line)s: a quotation mark is out of place or not closed."),
                line=last_line + 1,
            )
        ]
    assert header is not None  # the text was not blank, so some row had a cell
    return Table(header, tuple(records), separator, header_line), []


def header_problems(table: Table, required: Sequence[str]) -> list[Problem]:
    """Missing required columns and columns that appear twice, on the header's line."""
    problems = []
    seen: dict[str, str] = {}
    for name in table.header:
        key = name.casefold()
        if not key:
            continue
        if key in seen:
            problems.append(
                problem(
                    N_("Line %(line)s: the column %(column)s appears more than once."),
                    line=table.header_line,
                    column=name,
                )
            )
        seen[key] = name
    for name in required:
        if table.column_index(name) is None:
            problems.append(
                problem(
                    N_("Line %(line)s: the column %(column)s is missing."),
                    line=table.header_line,
                    column=name,
                )
            )
    return problems


def shape_problems(table: Table) -> list[Problem]:
    """Rows with more cells than the header has columns lose data, so they are refused.

    Rows with fewer cells are padded by `cell` instead: spreadsheets drop trailing empty
    cells, and an empty required cell is reported where it matters.
    """
    problems = []
    width = len(table.header)
    for row in table.rows:
        extra = row.cells[width:]
        if any(cell.strip() for cell in extra):
            problems.append(
                problem(
                    N_(
                        "Line %(line)s: the row has %(found)s cells but the header has "
                        "%(expected)s columns."
                    ),
                    line=row.line,
                    found=len(row.cells),
                    expected=width,
                )
            )
    return problems


def cell(row: Row, index: int) -> str:
    return row.cells[index].strip() if index < len(row.cells) else ""
