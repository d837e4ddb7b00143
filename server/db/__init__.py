"""Persistence: models, engine and migrations. The database is the source of truth."""
