"""Pol.is's parameters, named once for the pipeline, the screens and the report's method.

Kept apart from the arithmetic so that a screen or the report can say "at least 7 votes"
without loading numpy and scikit-learn, which only the computation (in its worker
thread) needs.
"""

from __future__ import annotations

MIN_VOTES = 7
"""Votes a participant needs before they are clustered (polismath's `min-votes`)."""
GREEDY_PARTICIPANTS = 15
"""Below this many clustered participants, the most active others are taken in too."""
MIN_PEOPLE = 10
"""Participants with `MIN_VOTES` votes before any groups are shown."""
BASE_CLUSTERS = 100
MAX_GROUPS = 5
K_BUFFER = 4
