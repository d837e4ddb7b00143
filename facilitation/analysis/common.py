"""Shared pieces of the analysis: result objects, messages and exact arithmetic.

Two rules run through every result:

- A test or interval that cannot be computed (too few answers, no spread) is an
  `Unavailable` carrying a message id and its values, never NaN, an infinity or an
  exception: a report page must render for a panel with three answers, and a reader
  should learn *why* a number is missing. Plain descriptive numbers (a mean of nobody)
  are None instead, since the counts beside them already say why.
- Sums, means and variances are computed exactly (integers and `Fraction`s) and turned
  into floats only at the end. A knowledge score of 1/3 minus another 1/3 is then
  exactly zero, so "nobody changed" is decided by equality, not by a float tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar

from facilitation.errors import N_

K = TypeVar("K", bound=Hashable)
Score = int | Fraction
Param = int | float | str

LEVEL = Fraction(95, 100)


class Result:
    """A frozen dataclass of analysis results that turns itself into JSON-able data."""

    def to_dict(self) -> dict[str, Any]:
        assert is_dataclass(self)
        return {item.name: jsonable(getattr(self, item.name)) for item in fields(self)}


@dataclass(frozen=True)
class Note(Result):
    """A message for the reader beside a result, e.g. a warning about small counts."""

    message: str
    params: tuple[tuple[str, Param], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "params": {k: jsonable(v) for k, v in self.params}}

    @property
    def text(self) -> str:
        """The English text, for logs and tests; screens translate `message` instead."""
        return self.message % dict(self.params) if self.params else self.message


@dataclass(frozen=True)
class Unavailable(Note):
    """Why a result could not be computed; stands in the result's place."""

    def to_dict(self) -> dict[str, Any]:
        return {"unavailable": super().to_dict()}


def note(message: str, **params: Param) -> Note:
    return Note(message, tuple(sorted(params.items())))


def unavailable(message: str, **params: Param) -> Unavailable:
    return Unavailable(message, tuple(sorted(params.items())))


@dataclass(frozen=True)
class TTest(Result):
    """An estimate tested against zero with Student's t, and its 95 % interval.

    statistic = estimate / se, p = 2·P(T_df > |statistic|), and the interval is
    estimate ± t_{0.975, df} · se.
    """

    estimate: float
    se: float
    df: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float


def t_test(estimate: Fraction, variance: Fraction, df: Fraction | int) -> TTest:
    """The t-test and interval of an estimate whose sampling variance is `variance` (> 0)."""
    from scipy import stats  # at use: a second of start-up the phones never need

    se = math.sqrt(variance)
    statistic = float(estimate) / se
    half_width = float(stats.t.ppf(float((1 + LEVEL) / 2), float(df))) * se
    return TTest(
        estimate=float(estimate),
        se=se,
        df=float(df),
        statistic=statistic,
        p_value=float(2 * stats.t.sf(abs(statistic), float(df))),
        ci_low=float(estimate) - half_width,
        ci_high=float(estimate) + half_width,
        level=float(LEVEL),
    )


def mean(values: Sequence[Score]) -> Fraction:
    return Fraction(sum(values)) / len(values)


def variance(values: Sequence[Score]) -> Fraction:
    """The sample variance, with n − 1 in the denominator; needs two values."""
    centre = mean(values)
    return sum(((value - centre) ** 2 for value in values), Fraction(0)) / (len(values) - 1)


def mean_or_none(values: Sequence[Score]) -> float | None:
    return float(mean(values)) if values else None


def sd_or_none(values: Sequence[Score]) -> float | None:
    return math.sqrt(variance(values)) if len(values) >= 2 else None


def share(count: int, total: int) -> float | None:
    return count / total if total else None


def jsonable(value: object) -> Any:
    """Plain JSON data from a result; a NaN or infinity here is a bug, so it raises."""
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float | Fraction):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number in a result: {number}")
        return number
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


NOBODY = N_("There are no answers yet.")
NO_BEFORE = N_("There are no answers from before the discussion.")
NO_AFTER = N_("There are no answers from after the discussion.")
NOT_ASKED_BEFORE = N_("This question was not asked before the discussion.")
NOT_ASKED_AFTER = N_("This question was not asked after the discussion.")
NO_CONTROLS = N_("This panel has no control group.")
