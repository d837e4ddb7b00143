"""The recruitment tables: candidate pools, draws, recruits and seating plans."""

from __future__ import annotations
