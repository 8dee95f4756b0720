"""Numbered schema migrations, applied in order by `callhandoff.store.db.open_store`.

Each module is named `m<NNNN>_<what>.py` and defines `upgrade(connection)`, written
against SQLAlchemy Core so it runs on SQLite and PostgreSQL alike. A migration is
never edited once it has landed: change the schema with a new, higher number.
"""
