"""Persistence: models, engine and migrations. The database is the source of truth."""

# Every table is registered with the metadata whichever model module is imported first
# (recruitment's, the recommendations', privacy's and the staff sessions' tables live in
# their own modules, on the same `Base`).
from server.db import (
    models,
    models_privacy,
    models_recommendations,
    models_recruitment,
    models_security,
)

__all__ = [
    "models",
    "models_privacy",
    "models_recommendations",
    "models_recruitment",
    "models_security",
]
