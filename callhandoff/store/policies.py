"""The policies decisions were made under (`policies`), one row per policy version.

A decision stores its facts and its policy's version; the policy itself is kept
here once, so `callhandoff explain` can evaluate it on the facts and show every
rule's tests, even after the policy file changed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callhandoff.store.db import insert_if_new
from callhandoff.store.rows import PolicyRow
from callhandoff.store.tables import policies

_POLICY = sa.select(policies.c.version, policies.c.source, policies.c.document).where(
    policies.c.version == sa.bindparam("version")
)


def keep_policy(connection: Connection, policy: PolicyRow, now: datetime) -> None:
    """Keep `policy` under its version (a version kept already is left as it is)."""
    values = {
        "version": policy.version,
        "source": policy.source,
        "document": policy.document,
        "created_at": now,
    }
    insert_if_new(connection, policies, "version", values)


def policy_of(connection: Connection, version: str) -> PolicyRow | None:
    """The policy kept under `version`, if any."""
    row = connection.execute(_POLICY, {"version": version}).mappings().first()
    if row is None:
        return None
    return PolicyRow(version=row["version"], source=row["source"], document=row["document"])
