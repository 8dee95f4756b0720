"""The policies decisions were made under: kept once per version, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callhandoff.routing.policy.file import load_policy, policy_from_document
from callhandoff.store.db import open_store
from callhandoff.store.policies import keep_policy, policy_of
from callhandoff.store.rows import PolicyRow
from callhandoff.store.tables import policies


def test_a_policy_is_kept_once_and_read_back_as_it_was(store_url: str) -> None:
    engine = open_store(store_url)
    policy = load_policy()
    row = PolicyRow(policy.content_hash(), policy.source, policy.document())
    now = datetime.now(UTC)
    with engine.begin() as connection:
        keep_policy(connection, row, now)
        keep_policy(connection, PolicyRow(row.version, "another file", {}), now)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(policies)).scalar() == 1
        kept = policy_of(connection, row.version)
        assert policy_of(connection, "0000000000000000") is None
    assert kept == row  # the first one kept stays
    assert policy_from_document(kept.document, kept.source).content_hash() == row.version
