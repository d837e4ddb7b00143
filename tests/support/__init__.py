"""Helpers that let the tests read like a panel day: people with phones, staff, screens."""
