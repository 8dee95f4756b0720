"""The store: SQLite through SQLAlchemy by default, PostgreSQL (any SQLAlchemy URL) alike.

Every table definition (`tables`) and every query lives in this package, one
module per concern: `db` (opening, numbered migrations), `calls` (routed calls,
decisions, review items), `outbox`, `directory` and `lookup` (store records),
`eval_runs`. Typed rows are in `rows`, `records` and `eval_runs`.
"""
