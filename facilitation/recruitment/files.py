"""The organiser's three files: targets, population shares and the people file.

Formats follow the Sortition Foundation's tools so an organiser can bring files made
for them: targets as `feature,value,min,max[,min_flex,max_flex]` (the older
`category,name,...` headers work too); shares as `feature,value,share`, where the
shares of a feature may be percentages, fractions or head counts (they are scaled to
add up to one); and one row per person. Every parser collects every problem with its
line and column and returns nothing unless the whole file is right.

Why one module of this size: the three parsers share the header aliases, the
number formats and the line-and-column problem reporting; split apart, each would
need all of them, and the formats are easier to compare side by side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from facilitation.errors import N_
from facilitation.recruitment.csvtable import (
    Row,
    Table,
    cell,
    header_problems,
    read_table,
    shape_problems,
)
from facilitation.recruitment.households import likely_household_column
from facilitation.recruitment.pool import PeopleFile, Registrant
from facilitation.recruitment.problems import Problem, ProblemsRefused, problem
from facilitation.recruitment.targets import (
    PopulationShares,
    Target,
    Targets,
    normalised_shares,
)

_ALIASES = {"feature": ("feature", "category"), "value": ("value", "name")}
_SPACES = re.compile(r"\s+")


def _column(table: Table, name: str) -> int | None:
    for alias in _ALIASES.get(name, (name,)):
        index = table.column_index(alias)
        if index is not None:
            return index
    return None


def _read(data: bytes) -> Table:
    table, problems = read_table(data)
    if table is None:
        raise ProblemsRefused(problems)
    return table


def _no_rows(table: Table) -> Problem:
    return problem(
        N_("Line %(line)s: the file has a header but no rows below it."),
        line=table.header_line + 1,
    )


def _whole_number(row: Row, index: int, name: str, problems: list[Problem]) -> int | None:
    text = cell(row, index)
    if not text:
        problems.append(
            problem(
                N_("Line %(line)s, column %(column)s: this cell is empty."),
                line=row.line,
                column=name,
            )
        )
        return None
    try:
        number = int(text)
    except ValueError:
        problems.append(
            problem(
                N_("Line %(line)s, column %(column)s: %(value)s is not a whole number."),
                line=row.line,
                column=name,
                value=text,
            )
        )
        return None
    if number < 0:
        problems.append(
            problem(
                N_("Line %(line)s, column %(column)s: the number cannot be negative."),
                line=row.line,
                column=name,
            )
        )
        return None
    return number


def _feature_and_value(
    table: Table, row: Row, seen: dict[tuple[str, str], int], problems: list[Problem]
) -> tuple[str, str] | None:
    """The row's feature and value, unless either is empty or the pair came before.

    Values are compared without regard to case because the library compares them so:
    "Female" and "female" would silently be one quota.
    """
    feature_index = _column(table, "feature")
    value_index = _column(table, "value")
    assert feature_index is not None and value_index is not None
    feature, value = cell(row, feature_index), cell(row, value_index)
    found = True
    for text, index in ((feature, feature_index), (value, value_index)):
        if not text:
            problems.append(
                problem(
                    N_("Line %(line)s, column %(column)s: this cell is empty."),
                    line=row.line,
                    column=table.header[index],
                )
            )
            found = False
    if not found:
        return None
    key = (feature.casefold(), value.casefold())
    if key in seen:
        problems.append(
            problem(
                N_(
                    "Line %(line)s: %(feature)s: %(value)s is listed twice "
                    "(first on line %(first)s)."
                ),
                line=row.line,
                column=table.header[value_index],
                feature=feature,
                value=value,
                first=seen[key],
            )
        )
        return None
    seen[key] = row.line
    return feature, value


def parse_targets(data: bytes) -> Targets:
    """Targets per feature value; raises ProblemsRefused listing every problem."""
    table = _read(data)
    flex = [name for name in ("min_flex", "max_flex") if table.column_index(name) is not None]
    required = ["feature", "value", "min", "max"]
    if flex:
        required += ["min_flex", "max_flex"]
    problems = [
        found
        for found in header_problems(table, required)
        if found.column not in _ALIASES or _column(table, found.column) is None
    ]
    if problems:
        raise ProblemsRefused(problems)
    problems = shape_problems(table)
    if not table.rows:
        problems.append(_no_rows(table))
    seen: dict[tuple[str, str], int] = {}
    canonical_feature: dict[str, str] = {}
    targets: dict[str, dict[str, Target]] = {}
    for row in table.rows:
        pair = _feature_and_value(table, row, seen, problems)
        bounds = {}
        for name in required[2:]:
            index = table.column_index(name)
            assert index is not None
            bounds[name] = _whole_number(row, index, table.header[index], problems)
        if pair is None or None in bounds.values():
            continue
        low, high = bounds["min"], bounds["max"]
        assert low is not None and high is not None
        if low > high:
            problems.append(
                problem(
                    N_("Line %(line)s: the min (%(min)s) is more than the max (%(max)s)."),
                    line=row.line,
                    column="min",
                    min=low,
                    max=high,
                )
            )
            continue
        low_flex, high_flex = bounds.get("min_flex", 0), bounds.get("max_flex")
        assert low_flex is not None
        if low_flex > low:
            problems.append(
                problem(
                    N_("Line %(line)s: min_flex (%(min_flex)s) is more than the min (%(min)s)."),
                    line=row.line,
                    column="min_flex",
                    min_flex=low_flex,
                    min=low,
                )
            )
            continue
        if high_flex is not None and high_flex < high:
            problems.append(
                problem(
                    N_("Line %(line)s: max_flex (%(max_flex)s) is less than the max (%(max)s)."),
                    line=row.line,
                    column="max_flex",
                    max_flex=high_flex,
                    max=high,
                )
            )
            continue
        feature = canonical_feature.setdefault(pair[0].casefold(), pair[0])
        targets.setdefault(feature, {})[pair[1]] = Target(low, high, low_flex, high_flex)
    if problems:
        raise ProblemsRefused(problems)
    return targets


def _share(text: str, separator: str) -> Fraction | None:
    """A non-negative number; with `;` or tab separators a decimal comma is fine."""
    if separator != ",":
        text = text.replace(",", ".")
    text = text.removesuffix("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return Fraction(number)


def parse_shares(data: bytes) -> PopulationShares:
    """Population shares per feature value, scaled so each feature adds up to one."""
    table = _read(data)
    problems = [
        found
        for found in header_problems(table, ["feature", "value", "share"])
        if found.column not in _ALIASES or _column(table, found.column) is None
    ]
    if problems:
        raise ProblemsRefused(problems)
    problems = shape_problems(table)
    if not table.rows:
        problems.append(_no_rows(table))
    share_index = table.column_index("share")
    assert share_index is not None
    seen: dict[tuple[str, str], int] = {}
    canonical_feature: dict[str, str] = {}
    first_line: dict[str, int] = {}
    weights: dict[str, dict[str, Fraction]] = {}
    for row in table.rows:
        pair = _feature_and_value(table, row, seen, problems)
        text = cell(row, share_index)
        share = _share(text, table.separator)
        if share is None:
            problems.append(
                problem(
                    N_(
                        "Line %(line)s, column %(column)s: %(value)s is not a share "
                        "(a number of 0 or more)."
                    ),
                    line=row.line,
                    column=table.header[share_index],
                    value=text,
                )
            )
        if pair is None or share is None:
            continue
        feature = canonical_feature.setdefault(pair[0].casefold(), pair[0])
        first_line.setdefault(feature, row.line)
        weights.setdefault(feature, {})[pair[1]] = share
    for feature, values in weights.items():
        if not any(values.values()):
            problems.append(
                problem(
                    N_("Line %(line)s: the shares of %(feature)s add up to zero."),
                    line=first_line[feature],
                    feature=feature,
                )
            )
    if problems:
        raise ProblemsRefused(problems)
    return normalised_shares(weights)


def _household_token(key: str, tokens: dict[str, str]) -> str | None:
    """An opaque token per address, so the draw learns who lives together and no more.

    Addresses are compared without regard to case and runs of spaces, as the library
    compares them without regard to case.
    """
    normal = _SPACES.sub(" ", key).strip().casefold()
    if not normal:
        return None
    return tokens.setdefault(normal, f"H{len(tokens) + 1}")


def parse_people(
    data: bytes,
    targets: Targets,
    *,
    id_column: str = "id",
    household_column: str | None = None,
    extra_columns: Sequence[str] = (),
    find_household: bool = False,
) -> PeopleFile:
    """The pool, with contact details split off; raises ProblemsRefused on any problem.

    Every column that is not the id, a feature of `targets` or one of `extra_columns`
    counts as contact data, so a column nobody thought about is kept apart by default.
    With `find_household` and no `household_column`, the household rule applies to the
    column `likely_household_column` finds, if any.
    """
    table = _read(data)
    features = list(targets)
    if household_column is None and find_household:
        household_column = likely_household_column(
            table.header, {id_column, *features, *extra_columns}
        )
    required = [id_column, *features, *extra_columns]
    if household_column is not None:
        required.append(household_column)
    # A missing column is reported, and the rows are still checked on the columns
    # that are there, so one upload shows every problem.
    problems = header_problems(table, required)
    problems += shape_problems(table)
    if not table.rows:
        problems.append(_no_rows(table))
    id_index = table.column_index(id_column)
    feature_indexes = {
        feature: index for feature in features if (index := table.column_index(feature)) is not None
    }
    extra_indexes = {
        name: index for name in extra_columns if (index := table.column_index(name)) is not None
    }
    household_index = table.column_index(household_column) if household_column is not None else None
    used = {id_index, *feature_indexes.values(), *extra_indexes.values()}
    contact_indexes = [
        index for index, name in enumerate(table.header) if index not in used and name
    ]
    known = {
        feature: {value.casefold(): value for value in values}
        for feature, values in targets.items()
    }

    first_line: dict[str, int] = {}
    registrants: list[Registrant] = []
    extras: dict[str, dict[str, str]] = {}
    contacts: dict[str, dict[str, str]] = {}
    tokens: dict[str, str] = {}
    for row in table.rows:
        person = cell(row, id_index) if id_index is not None else ""
        if id_index is not None and not person:
            problems.append(
                problem(
                    N_("Line %(line)s, column %(column)s: this cell is empty."),
                    line=row.line,
                    column=table.header[id_index],
                )
            )
        elif id_index is not None and person in first_line:
            problems.append(
                problem(
                    N_(
                        "Line %(line)s, column %(column)s: the id %(value)s is used twice "
                        "(first on line %(first)s)."
                    ),
                    line=row.line,
                    column=table.header[id_index],
                    value=person,
                    first=first_line[person],
                )
            )
        values: dict[str, str] = {}
        for feature, index in feature_indexes.items():
            text = cell(row, index)
            value = known[feature].get(text.casefold())
            if value is None:
                problems.append(_unknown_value(row, table.header[index], text, targets[feature]))
            else:
                values[feature] = value
        if not person or person in first_line:
            continue
        first_line[person] = row.line
        household = None
        if household_index is not None:
            household = _household_token(cell(row, household_index), tokens)
        registrants.append(Registrant(person, values, household))
        extras[person] = {name: cell(row, index) for name, index in extra_indexes.items()}
        contacts[person] = {table.header[index]: cell(row, index) for index in contact_indexes}
    if problems:
        raise ProblemsRefused(problems)
    return PeopleFile(
        tuple(registrants),
        extras,
        contacts,
        tuple(table.header[index] for index in contact_indexes),
        household_column,
    )


def _unknown_value(row: Row, column: str, text: str, values: Iterable[str]) -> Problem:
    known = ", ".join(values)
    if not text:
        return problem(
            N_(
                "Line %(line)s, column %(column)s: this cell is empty (expected one of: %(known)s)."
            ),
            line=row.line,
            column=column,
            known=known,
        )
    return problem(
        N_(
            "Line %(line)s, column %(column)s: %(value)s is not a value of %(column)s in the "
            "targets file (expected one of: %(known)s)."
        ),
        line=row.line,
        column=column,
        value=text,
        known=known,
    )
