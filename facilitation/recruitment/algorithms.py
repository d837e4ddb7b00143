"""Which selection algorithms this installation can offer.

Maximin (the default) and legacy run on HiGHS, which comes with the library. Leximin
needs Gurobi, a commercial solver: the library quietly falls back to maximin when
`gurobipy` is missing, which would make the organiser believe they ran leximin. So
leximin is offered only when `gurobipy` imports *and* its licence can solve a model
larger than the free pip licence allows (2,000 variables), since a real pool is
larger than that.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any, Literal

Algorithm = Literal["maximin", "leximin", "legacy"]
_PIP_LICENCE_LIMIT = 2_000


@functools.cache
def gurobi_licensed() -> bool:
    """True when Gurobi is installed with a licence for pool-sized models."""
    try:
        gurobipy: Any = importlib.import_module("gurobipy")
    except ImportError:
        return False
    try:
        with gurobipy.Env(params={"OutputFlag": 0}) as env, gurobipy.Model(env=env) as model:
            model.addVars(_PIP_LICENCE_LIMIT + 1)
            model.optimize()
    except Exception:  # any licence or installation failure means: do not offer it
        return False
    return True


def available_algorithms() -> tuple[Algorithm, ...]:
    """The algorithms to offer, the default first."""
    if gurobi_licensed():
        return ("maximin", "leximin", "legacy")
    return ("maximin", "legacy")
