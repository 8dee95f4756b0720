"""The router: one action per call ID, new versions supersede, everything persisted by call ID."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.normalize import search_keys
from callhandoff.pipeline import process_stream
from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router
from callhandoff.schema import CallResult, Handoff, Rejected, Transcript
from callhandoff.schema.enums import DecisionKind
from callhandoff.settings import Settings
from callhandoff.store import outbox as outbox_store
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from callhandoff.store.review_queue import queue_columns
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_items,
    transcript_versions,
)
from tests.routing.helpers import REFERENCE, STORE, Call, make_call


def _count(engine: Engine, table: sa.Table, **where: object) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def _create_call(extra: str = "") -> Call:
    return make_call("call-7", intent="delivery_issue", order_id="A-100101", extra_text=extra)


def test_a_routed_call_is_persisted_whole(router: Router, engine: Engine) -> None:
    call = _create_call()
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.CREATE
    assert result.handoff.priority is not None
    for table in (calls, transcript_versions, extractions, decisions, outbox):
        assert _count(engine, table, call_id="call-7") == 1 if "call_id" in table.c else True
    assert _count(engine, extractions) == 1
    (row,) = outbox_store.rows_for_call(engine, "call-7")
    assert (row.state, row.idempotency_key, row.action) == (
        "pending",
        "call-7:create_subscriber",
        "create_subscriber",
    )


def test_a_routed_result_changed_afterwards_writes_its_changed_line(router: Router) -> None:
    result = router.route(_create_call().result(), _create_call().transcript)
    assert result.json_line() == result.model_dump_json(exclude_none=True)
    assert CallResult.model_validate_json(result.json_line()) == result  # the line is no value
    summary = result.handoff.model_copy(update={"summary": "Changed after routing."})
    for changed in (result.model_copy(update={"handoff": summary}), result.model_copy()):
        changed.handoff = summary
        assert json.loads(changed.json_line())["handoff"]["summary"] == "Changed after routing."
    result.match = None
    assert "match" not in json.loads(result.json_line())


def test_the_same_call_processed_twice_yields_one_action(router: Router, engine: Engine) -> None:
    call = _create_call()
    first = router.route(call.result(), call.transcript)
    again = router.route(call.result(), call.transcript)
    other_router = Router(engine, clock=lambda: REFERENCE)
    third = other_router.route(call.result(), call.transcript)
    assert first.decision == again.decision == third.decision
    assert first.action == again.action == third.action
    assert _count(engine, outbox) == 1
    assert _count(engine, decisions) == 1
    assert _count(engine, transcript_versions) == 1


def test_a_changed_transcript_is_a_flagged_version_that_supersedes_the_pending_action(
    router: Router, engine: Engine
) -> None:
    v1 = _create_call()
    router.route(v1.result(), v1.transcript)
    v2 = _create_call(extra="Also, it is a gift.")
    result = router.route(v2.result(), v2.transcript)
    assert result.decision is not None
    assert result.decision.kind is DecisionKind.CREATE
    assert "transcript_changed" in [r.code for r in result.decision.reasons]
    assert result.decision.idempotency_key == "call-7:create_subscriber:v2"
    rows = outbox_store.rows_for_call(engine, "call-7")
    assert [(r.idempotency_key, r.state) for r in rows] == [
        ("call-7:create_subscriber", "superseded"),
        ("call-7:create_subscriber:v2", "pending"),
    ]
    assert rows[0].superseded_by == rows[1].id
    assert _count(engine, transcript_versions, call_id="call-7") == 2
    with engine.connect() as connection:
        assert connection.execute(sa.select(calls.c.current_version)).scalar() == 2
    again = router.route(v2.result(), v2.transcript)
    assert again.decision == result.decision
    assert len(outbox_store.rows_for_call(engine, "call-7")) == 2


def test_an_older_version_sent_again_is_decided_again_and_made_current(
    router: Router, engine: Engine
) -> None:
    v1, v2 = _create_call(), _create_call(extra="Also, it is a gift.")
    batch = [
        (v1.result(), v1.transcript),
        (v2.result(), v2.transcript),
        (v1.result(), v1.transcript),
    ]
    *_, third = router.route_many(batch)
    assert third.decision is not None and third.decision.kind is DecisionKind.CREATE
    assert "transcript_changed" in [r.code for r in third.decision.reasons]
    assert third.decision.idempotency_key == "call-7:create_subscriber"
    rows = outbox_store.rows_for_call(engine, "call-7")
    assert [(r.idempotency_key, r.state) for r in rows] == [
        ("call-7:create_subscriber", "pending"),  # revived: it is the current action again
        ("call-7:create_subscriber:v2", "superseded"),
    ]
    assert rows[1].superseded_by == rows[0].id
    with engine.connect() as connection:
        assert connection.execute(sa.select(calls.c.current_version)).scalar() == 1
    assert _count(engine, transcript_versions, call_id="call-7") == 2
    again = router.route(v1.result(), v1.transcript)  # now current: answered from the store
    assert again.decision == third.decision
    assert _count(engine, decisions) == 3


def test_a_changed_version_that_turns_into_review_cancels_the_pending_action(
    router: Router, engine: Engine
) -> None:
    v1 = _create_call()
    router.route(v1.result(), v1.transcript)
    v2 = make_call(
        "call-7",
        intent="delivery_issue",
        order_id="A-100101",
        risk_flags=["legal_or_chargeback_threat"],
        extra_text="I will sue.",
    )
    result = router.route(v2.result(), v2.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    assert [r.state for r in outbox_store.rows_for_call(engine, "call-7")] == ["superseded"]
    assert _count(engine, review_items, call_id="call-7", state="open") == 1


def test_a_change_after_delivery_goes_to_review_instead_of_a_second_action(
    router: Router, engine: Engine
) -> None:
    v1 = _create_call()
    router.route(v1.result(), v1.transcript)
    with engine.begin() as connection:
        connection.execute(sa.update(outbox).values(state="sent"))
    v2 = _create_call(extra="One more thing.")
    result = router.route(v2.result(), v2.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    assert "review_changed_after_delivery" in [r.code for r in result.decision.reasons]
    assert [r.state for r in outbox_store.rows_for_call(engine, "call-7")] == ["sent"]


def test_a_new_review_supersedes_the_open_one(router: Router, engine: Engine) -> None:
    v1 = make_call("call-8", intent="refund", order_id="A-100101")
    v2 = make_call("call-8", intent="refund", order_id="A-100101", extra_text="Please hurry.")
    router.route(v1.result(), v1.transcript)
    router.route(v2.result(), v2.transcript)
    with engine.connect() as connection:
        states = (
            connection.execute(sa.select(review_items.c.state).order_by(review_items.c.id))
            .scalars()
            .all()
        )
    assert states == ["superseded", "open"]


def test_a_policy_change_redecides_a_known_transcript_without_a_new_version(
    engine: Engine, tmp_path: Path
) -> None:
    call = _create_call()
    Router(engine, clock=lambda: REFERENCE).route(call.result(), call.transcript)
    path = tmp_path / "policy.yaml"
    path.write_text("thresholds:\n  match_confidence: 0.999\n", encoding="utf-8")
    strict = Router(engine, load_policy(path), clock=lambda: REFERENCE)
    result = strict.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    assert _count(engine, transcript_versions) == 1
    assert [r.state for r in outbox_store.rows_for_call(engine, "call-7")] == ["superseded"]


def test_directory_values_raise_priority(router: Router) -> None:
    plain = make_call("p1", intent="order_status", order_id="A-100101")
    vip = make_call("p2", intent="order_status", order_id="A-100103")
    low = router.route(plain.result(), plain.transcript).handoff.priority
    high = router.route(vip.result(), vip.transcript).handoff.priority
    assert low is not None and high is not None
    assert "vip" in high.factors and high.score > low.score


def test_route_many_commits_in_batches(router: Router, engine: Engine) -> None:
    items = [make_call(f"b-{i}", intent="order_status", order_id="A-100101") for i in range(5)]
    results = list(router.route_many(((c.result(), c.transcript) for c in items), batch_size=2))
    assert [r.call_id for r in results] == [f"b-{i}" for i in range(5)]
    assert _count(engine, outbox) == 5


def test_a_queued_call_is_found_by_everything_its_handoff_names(
    router: Router, engine: Engine
) -> None:
    call = make_call(
        "q-1",
        intent="refund",
        order_id="ZZ-7001",
        other_order_ids=["ZZ-7002"],
        name="Ines Okafor",
        phone="+1 415 555 0199",
        email="ines@example.com",
        customer_id="CUST-999",
        booking_id="BK-55",
    )  # nothing in the directory: it goes to review
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    with engine.connect() as connection:
        item = connection.execute(sa.select(review_items)).mappings().one()
        stored = connection.execute(sa.select(extractions)).mappings().one()
    expected = queue_columns("q-1", stored["handoff"], None, stored["handoff"]["priority"], None)
    assert (item["intent"], item["search_text"]) == (expected.intent, expected.search_text)
    for said in ("ZZ7001", "ZZ7002", "ines okafor", "ines@example.com", "CUST999", "BK55"):
        assert search_keys(said)[0] in item["search_text"]
    meta = call.handoff.meta
    assert (stored["backend"], stored["model"]) == (meta.backend, meta.model)


def _stored_rows(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every routing table's rows without row ids and timestamps."""
    dropped = {"id", "version_id", "decision_id", "item_id", "superseded_by"}
    rows: dict[str, list[dict[str, object]]] = {}
    with engine.connect() as connection:
        for table in (calls, transcript_versions, extractions, decisions, outbox, review_items):
            found = connection.execute(sa.select(table).order_by(*table.primary_key)).mappings()
            rows[table.name] = [
                {k: v for k, v in row.items() if k not in dropped and not k.endswith("_at")}
                for row in found
            ]
    return rows


def test_a_batch_writes_what_routing_each_call_alone_writes(
    engine: Engine, empty_engine: Engine, tmp_path: Path
) -> None:
    known = make_call("known", intent="order_status", order_id="A-100101")
    changed = make_call("known", intent="cancel_order", order_id="A-100101", extra_text="Cancel.")
    again_v1 = make_call("twice", intent="delivery_issue", order_id="A-100101")
    again_v2 = make_call("twice", intent="delivery_issue", order_id="A-100101", extra_text="Gift.")
    batch = [
        make_call("new-create", intent="delivery_issue", order_id="A-100101"),
        changed,
        again_v1,
        make_call("new-review", intent=None),
        again_v2,
        make_call("new-skip", intent="other", summary="Wrong number."),
    ]
    items = [(c.result(), c.transcript) for c in batch]
    second = open_store(f"sqlite:///{tmp_path / 'alone.db'}")
    load_directory(second, read_directory(STORE, regions=["US"], tz=ZoneInfo("UTC")))
    together, alone = (
        Router(engine, clock=lambda: REFERENCE),
        Router(second, clock=lambda: REFERENCE),
    )
    for router in (together, alone):
        router.route(known.result(), known.transcript)
    batched = list(together.route_many(items))
    one_by_one = [alone.route(call, transcript) for call, transcript in items]
    assert batched == one_by_one
    assert {r.decision.kind for r in batched if r.decision} >= {
        DecisionKind.CREATE,
        DecisionKind.REVIEW,
    }
    assert _stored_rows(engine) == _stored_rows(second)
    second.dispose()


class _FixedBackend:
    """An extraction backend that hands back prepared handoffs."""

    name = "fixed"

    def __init__(self, handoffs: dict[str, Handoff]):
        self.handoffs = handoffs

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        for transcript in transcripts:
            yield self.handoffs[transcript.call_id]

    def close(self) -> None:
        return None


def test_process_stream_routes_each_result_and_keeps_rejects_in_place(
    router: Router, engine: Engine
) -> None:
    one, two = _create_call(), make_call("call-noise", intent="other", summary="", next_step="")
    backend = _FixedBackend({c.transcript.call_id: c.handoff for c in (one, two)})
    reject = Rejected(path="bad.json", problem="not JSON")
    out = list(
        process_stream(
            [one.transcript, reject, two.transcript],
            backend,
            Settings(_env_file=None),
            router=router,
        )
    )  # type: ignore[call-arg]
    assert [getattr(o, "call_id", None) for o in out] == ["call-7", None, "call-noise"]
    kinds = [o.decision.kind for o in out if not isinstance(o, Rejected) and o.decision]
    assert kinds == [DecisionKind.CREATE, DecisionKind.SKIP]
    assert _count(engine, calls) == 2
