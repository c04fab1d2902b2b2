"""Persistence: SQLite (default) or PostgreSQL through SQLAlchemy Core."""

from .db import Store

__all__ = ["Store"]
