"""Writing routed calls: a batch of new calls is stored as each would be alone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.store.calls import known_call_ids, save_new_calls, save_routing
from callhandoff.store.db import open_store
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_item_reasons,
    review_items,
    transcript_versions,
)
from callhandoff.store.writes import JsonText, OutboxWrite, Prior, ReviewWrite, RoutingWrite

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def _write(call_id: str, kind: str) -> RoutingWrite:
    payload = {"call_id": call_id, "kind": kind}
    handoff = {
        "call_id": call_id,
        "meta": {"backend": "offline"},
        "caller": {"name": {"value": f"Caller {call_id}"}},
        "request": {"intent": {"value": "refund"}},
    }
    return RoutingWrite(
        call_id=call_id,
        destination="cloudcart",
        store="demo",
        content_hash=f"hash-{call_id}",
        source=f"{call_id}.json",
        transcript={"call_id": call_id, "turns": [{"speaker": "customer", "text": "Hi."}]},
        handoff=handoff,
        handoff_keys=handoff,
        kind=kind,
        reasons=[{"code": f"{kind}_reason", "message": f"A {kind}."}],
        idempotency_key=f"{call_id}:{kind}",
        policy_version="p1",
        match={"matched": kind != "review"},
        facts={"intent": "refund"},
        trace={"rules": [{"rule": kind, "fired": True}]},
        action={"destination": "cloudcart", "action": kind},
        priority={"level": "high", "score": 70} if kind == "review" else None,
        outbox=OutboxWrite("cloudcart", "create_subscriber", payload, None)
        if kind == "create"
        else None,
        review=ReviewWrite("cloudcart", ["no_match", "low_confidence", "no_match"], "high", payload)
        if kind == "review"
        else None,
    )


def _rows(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every table a routed call writes, with ids replaced by the row they point to."""
    with engine.connect() as connection:
        versions = {
            r.id: r.call_id
            for r in connection.execute(
                sa.select(transcript_versions.c.id, transcript_versions.c.call_id)
            )
        }
        items = {
            r.id: r.call_id
            for r in connection.execute(sa.select(review_items.c.id, review_items.c.call_id))
        }
        rows: dict[str, list[dict[str, object]]] = {}
        for table in (
            calls,
            transcript_versions,
            extractions,
            decisions,
            outbox,
            review_items,
            review_item_reasons,
        ):
            found = []
            for row in connection.execute(sa.select(table)).mappings():
                values = {k: v for k, v in row.items() if k not in {"id", "decision_id"}}
                if "version_id" in values:
                    values["version_id"] = versions[int(values["version_id"])]
                if "item_id" in values:
                    values["item_id"] = items[int(values["item_id"])]
                found.append(values)
            rows[table.name] = sorted(found, key=repr)
    return rows


def test_new_calls_written_together_are_stored_as_each_alone(tmp_path: Path) -> None:
    writes = [
        _write(f"c-{i}", kind) for i, kind in enumerate(["create", "review", "skip", "review"])
    ]
    together = open_store(f"sqlite:///{tmp_path / 'together.db'}")
    alone = open_store(f"sqlite:///{tmp_path / 'alone.db'}")
    with together.begin() as connection:
        save_new_calls(connection, writes, NOW)
    with alone.begin() as connection:
        for write in writes:
            save_routing(connection, write, Prior(), NOW)
    stored = _rows(together)
    assert stored == _rows(alone)
    assert len(stored["outbox"]) == 1 and len(stored["review_items"]) == 2
    assert len(stored["review_item_reasons"]) == 4  # each code once per item
    with together.connect() as connection:
        assert known_call_ids(connection, ["c-0", "c-9", "c-3"]) == {"c-0", "c-3"}
    together.dispose()
    alone.dispose()


def test_values_serialised_before_they_reach_the_store_read_back_as_json(store_url: str) -> None:
    plain = [_write("c-0", "review"), _write("c-1", "create")]
    serialised = [
        dataclasses.replace(
            write,
            call_id=f"s-{write.call_id}",
            idempotency_key=f"s-{write.idempotency_key}",
            transcript=JsonText.of(write.transcript),
            handoff=JsonText.of(write.handoff),
            reasons=JsonText.of(write.reasons),
            facts=JsonText.of(write.facts),
            trace=JsonText.of(write.trace),
            action=JsonText.of(write.action),
        )
        for write in plain
    ]
    engine = open_store(store_url)
    with engine.begin() as connection:
        save_new_calls(connection, plain + serialised, NOW)
    with engine.connect() as connection:
        stored = {
            row.call_id: row
            for row in connection.execute(
                sa.select(
                    decisions.c.call_id,
                    decisions.c.reasons,
                    decisions.c.facts,
                    decisions.c.trace,
                    decisions.c.action,
                    transcript_versions.c.transcript,
                    extractions.c.handoff,
                )
                .join(transcript_versions, decisions.c.version_id == transcript_versions.c.id)
                .join(extractions, extractions.c.version_id == transcript_versions.c.id)
            )
        }
    engine.dispose()
    for write in plain:
        assert stored[f"s-{write.call_id}"][1:] == stored[write.call_id][1:]
        assert stored[write.call_id].trace == write.trace  # a mapping, not a string
        assert stored[write.call_id].transcript == write.transcript
        assert stored[write.call_id].handoff == write.handoff
