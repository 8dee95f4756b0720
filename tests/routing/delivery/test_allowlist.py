"""Marketing-type payloads carry only what their allow-list names: a call full of support
details (address, damage, a masked card, a chargeback threat, the agent's promise, a
spoken product description, free-text changes) leaves none of them in any action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callhandoff.routing.delivery.allowlist import (
    ALLOWED,
    SAFE_CHANGE_FIELDS,
    Fields,
    ListOf,
    MapOf,
    allowed_payload,
    record_summary,
)
from callhandoff.routing.router import Router
from callhandoff.schema.enums import ContactChannel, Intent, Urgency
from callhandoff.schema.result import CallResult
from tests.routing.helpers import STORE, make_call

SUMMARY = (
    "Alice at 1 Main Street says the mug arrived smashed; her card ending 4242 was "
    "charged twice and she threatens a chargeback."
)
NEXT_STEP = "Refund Alice and call her back on 415-555-0101 after 6 pm."
PROMISE = "We will refund the smashed mug by Friday."
SPOKEN_PRODUCT = "the smashed blue thing from the sale"
CHANGES = [
    ("preferred_time", None, "mornings"),
    ("gate_code", None, "4711"),
    ("delivery_instructions", None, "behind the bins at 1 Main Street"),
]
#: Words of the call that no marketing-type payload may carry.
SUPPORT_DETAILS = (
    "Main Street",
    "smashed",
    "4242",
    "chargeback",
    "415-555",
    "Friday",
    "4711",
    "bins",
    "sale",
    "damaged",
    "legal",
    "calls.example",
    "quote",
    "reason",
    "next_step",
    "Hello.",
)


def _directory_values() -> set[str]:
    values: set[str] = set()
    for path in STORE.glob("*.csv"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            values.update(cell.strip('"') for cell in line.split(","))
    return values


#: Every string a payload may hold: store records, fixed words, ids, safe change values.
PERMITTED = (
    _directory_values()
    | {i.value for i in Intent}
    | {u.value for u in Urgency}
    | {c.value for c in ContactChannel}
    | {"callhandoff", "cults", "order", "booking", "product", "create", "update"}
    | {"exchange_requested", "refund_requested", "return_requested", "fulfilment", "support"}
    | {"order_id", "phone", "email", "fuzzy_name", "customer_id", "booking_id"}
    | SAFE_CHANGE_FIELDS
    | {"gate_code", "delivery_instructions", "mornings", "A-100101", "B-200201"}
    | {"2025-03-05T15:00:00+00:00"}
)


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, f"{path}[]")
    elif isinstance(node, str):
        yield path, node


def _keys_within(node: Any, shape: Any, path: str = "") -> list[str]:
    """Paths of `node` that its shape does not declare."""
    if node is None:
        return []
    if isinstance(shape, Fields):
        known = set(shape.keys) | set(shape.derived)
        bad = [f"{path}.{key}" for key in node if key not in known]
        return bad + [
            problem
            for key, value in node.items()
            if key in shape.keys
            for problem in _keys_within(value, shape.keys[key], f"{path}.{key}")
        ]
    if isinstance(shape, ListOf):
        return [p for item in node for p in _keys_within(item, shape.item, f"{path}[]")]
    if isinstance(shape, MapOf):
        return [f"{path}.{key}" for key in node if key not in shape.keys]
    return []


def _call(call_id: str, destination: str, **extra: Any) -> Any:
    details: dict[str, Any] = {
        "summary": SUMMARY,
        "next_step": NEXT_STEP,
        "promise": PROMISE,
        "products": [SPOKEN_PRODUCT],
        "extra_text": "My card ending 4242. I will file a chargeback.",
    }
    details.update(extra)
    return make_call(call_id, destination, **details)


def _sent(router: Router, call: Any) -> tuple[str, dict[str, Any]]:
    """The action and payload the call sends, or would send once a reviewer approves."""
    result: CallResult = router.route(call.result(), call.transcript)
    assert result.action is not None
    if result.action.action == "review_queue":
        proposed = result.action.payload["proposed"]
        assert proposed is not None, result.decision
        return str(proposed["action"]), proposed["payload"]
    return result.action.action, result.action.payload


CASES = {
    "create_subscriber": lambda: _call(
        "cc-create",
        "cloudcart",
        intent="product_inquiry",
        email="alice@example.com",
        products=[SPOKEN_PRODUCT, "table lamp"],
    ),
    "update_subscribers": lambda: _call(
        "cc-update",
        "cloudcart",
        intent="refund",
        order_id="A-100101",
        return_reason="damaged",
        refund="full_refund",
        risk_flags=["damaged_item"],
        changes=CHANGES,
    ),
    "share_on_create:create": lambda: _call(
        "cults-create",
        "cults",
        intent="delivery_issue",
        order_id="B-200201",
        risk_flags=["damaged_item"],
    ),
    "share_on_create:update": lambda: _call(
        "cults-update", "cults", intent="order_status", order_id="B-200201", changes=CHANGES
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_only_allow_listed_keys_and_values_leave(router: Router, case: str) -> None:
    action, payload = _sent(router, CASES[case]())
    assert action == case.split(":")[0]
    destination = "cults" if action == "share_on_create" else "cloudcart"
    assert _keys_within(payload, ALLOWED[(destination, action)]) == []
    blob = json.dumps(payload)
    for detail in SUPPORT_DETAILS:
        assert detail not in blob, (case, detail)
    for path, value in _strings(payload):
        if path.endswith("record_summary"):
            continue
        assert value in PERMITTED or value.startswith(("cc-", "cults-")), (case, path, value)


def test_changes_carry_values_of_safe_fields_only_and_name_the_rest(router: Router) -> None:
    _, payload = _sent(router, CASES["update_subscribers"]())
    (subscriber,) = payload["subscribers"]
    assert subscriber["changes"] == {"preferred_time": "mornings"}
    assert subscriber["other_changed_fields"] == ["delivery_instructions", "gate_code"]
    _, share = _sent(router, CASES["share_on_create:update"]())
    assert share["record"]["changes"] == [
        {"field": "preferred_time", "old_value": None, "new_value": "mornings"}
    ]
    assert share["record"]["other_changed_fields"] == ["delivery_instructions", "gate_code"]


def test_product_interest_names_catalogue_products_never_the_callers_words(
    router: Router,
) -> None:
    _, payload = _sent(router, CASES["create_subscriber"]())
    assert payload["subscriber"]["signals"]["product_interest"] == ["Table Lamp"]


def test_the_share_summary_is_written_from_the_allowed_fields(router: Router) -> None:
    _, payload = _sent(router, CASES["share_on_create:create"]())
    record = payload["record"]
    rest = {key: value for key, value in record.items() if key != "record_summary"}
    assert record["record_summary"] == record_summary(rest)
    assert record["record_summary"].startswith("delivery issue · order B-200201 (delivered)")


def test_the_filter_drops_what_its_allow_list_does_not_name() -> None:
    payload = {
        "origin": "print-b",
        "kind": "create",
        "note": "free text",
        "record": {
            "call_id": "c-1",
            "summary": "Caller at 1 Main Street is furious.",
            "record_summary": "anything a builder wrote",
            "owner": "the courier who left it behind the bins at number twelve again",
            "intent": "refund",
            "urgency": "extreme",
            "caller": {"customer_id": "C-4", "name": "Ann", "vip": True},
            "changes": [
                {"field": "gate_code", "new_value": "4711"},
                {"field": "preferred_time", "new_value": "mornings", "reason": "asked"},
            ],
            "deadline": {"text": "by Friday", "date": "2025-03-21"},
        },
    }
    kept = allowed_payload("cults", "share_on_create", payload)
    assert kept == {
        "origin": "print-b",
        "kind": "create",
        "record": {
            "call_id": "c-1",
            "intent": "refund",
            "caller": {"customer_id": "C-4", "name": "Ann"},
            "changes": [{"field": "preferred_time", "new_value": "mornings"}],
            "deadline": {"date": "2025-03-21"},
            "record_summary": "refund · by 2025-03-21",
        },
    }


def test_an_action_without_an_allow_list_is_left_as_built() -> None:
    payload = {"card": {"summary": "for the reviewer"}, "proposed": None}
    assert allowed_payload("cults", "review_queue", payload) is payload
