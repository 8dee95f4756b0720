"""The embedded store: SQLite through SQLAlchemy by default, any SQLAlchemy URL works."""

from callhandoff.store.db import applied_migrations, open_store

__all__ = ["applied_migrations", "open_store"]
