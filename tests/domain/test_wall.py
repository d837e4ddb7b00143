"""The projector's argument wall: its settings, defaults and pages."""

from __future__ import annotations

import pytest

from facilitation.deliberation.wall import PER_PAGE, changed_wall, page_count, wall_settings
from facilitation.errors import Refused


def test_a_wall_never_set_shows_the_newest_first_page_by_page() -> None:
    assert wall_settings(None) == {"sort": "newest", "mode": "paging", "page": 0}
    assert wall_settings({"mode": "rotating"})["mode"] == "rotating"


def test_the_facilitator_changes_order_mode_and_page() -> None:
    wall = changed_wall(wall_settings(None), sort="agreed", mode="rotating", page=-3)
    assert wall == {"sort": "agreed", "mode": "rotating", "page": 0}
    with pytest.raises(Refused):
        changed_wall(wall, mode="sideways")
    with pytest.raises(Refused):
        changed_wall(wall, sort="loudest")


def test_pages_hold_a_readable_number_of_arguments() -> None:
    assert page_count(0) == 1
    assert page_count(PER_PAGE) == 1
    assert page_count(PER_PAGE + 1) == 2
