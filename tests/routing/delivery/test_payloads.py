"""Destination payloads: what Cloudcart and Cults receive for each decision."""

from __future__ import annotations

import json

import pytest

from callhandoff.exceptions import UnknownDestinationError
from callhandoff.routing.delivery.payloads import destination_action_name, idempotency_key
from callhandoff.routing.router import Router
from callhandoff.schema.enums import DecisionKind
from tests.routing.helpers import make_call


def test_action_names_per_destination_and_decision() -> None:
    assert destination_action_name("cloudcart", DecisionKind.CREATE) == "create_subscriber"
    assert destination_action_name("cloudcart", DecisionKind.UPDATE) == "update_subscribers"
    assert destination_action_name("cults", DecisionKind.CREATE) == "share_on_create"
    assert destination_action_name("cults", DecisionKind.UPDATE) == "share_on_create"
    assert destination_action_name("cults", DecisionKind.REVIEW) == "review_queue"
    assert destination_action_name("cloudcart", DecisionKind.SKIP) == "none"
    with pytest.raises(UnknownDestinationError, match="'shopify'"):
        destination_action_name("shopify", DecisionKind.CREATE)


def test_idempotency_key_is_call_and_action_plus_version_after_the_first() -> None:
    assert idempotency_key("call-9", "create_subscriber", 1) == "call-9:create_subscriber"
    assert idempotency_key("call-9", "create_subscriber", 2) == "call-9:create_subscriber:v2"


def test_cloudcart_create_subscriber_carries_only_safe_lifecycle_signals(router: Router) -> None:
    call = make_call(
        intent="product_inquiry",
        email="alice@example.com",
        products=["table lamp"],
        summary="Alice at 1 Main Street asks whether the lamp is back; her card ends 4242.",
        next_step="Email Alice when the lamp is restocked.",
    )
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.CREATE
    assert result.action is not None and result.action.action == "create_subscriber"
    subscriber = result.action.payload["subscriber"]
    assert subscriber["customer_id"] == "C-1"
    assert subscriber["email"] == "alice@example.com"
    assert subscriber["signals"] == {
        "product_interest": ["Table Lamp"],
        "follow_up_needed": True,
        "follow_up_channel": None,
    }
    blob = json.dumps(result.action.payload)
    for secret in ("Main Street", "4242", "summary", "quote", "recording", "risk"):
        assert secret not in blob


def test_cloudcart_return_outcome_is_coarse(router: Router) -> None:
    from callhandoff.routing.delivery.payloads import subscriber_signals

    call = make_call(intent="refund", order_id="A-100101", return_reason="damaged")
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    assert result.action is not None
    proposed = result.action.payload["proposed"]
    assert proposed["action"] == "create_subscriber"
    assert proposed["payload"]["subscriber"]["signals"]["return_outcome"] == "refund_requested"
    assert "damaged" not in json.dumps(proposed)
    assert callable(subscriber_signals)


def test_cloudcart_update_carries_old_and_new_values_of_safe_fields(router: Router) -> None:
    call = make_call(
        intent="account",
        email="alice@example.com",
        changes=[("consent", "subscribed", "unsubscribed")],
        summary="Alice unsubscribes from the newsletter.",
        next_step="Unsubscribe Alice.",
    )
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.UPDATE
    assert result.action is not None and result.action.action == "update_subscribers"
    (subscriber,) = result.action.payload["subscribers"]
    assert subscriber["changes"] == {"consent": "unsubscribed"}


def test_unsafe_changed_fields_are_named_but_their_values_withheld(router: Router) -> None:
    call = make_call(
        intent="booking",
        booking_id="BK-7001",
        changes=[("preferred_time", None, "mornings"), ("gate_code", None, "4711")],
    )
    result = router.route(call.result(), call.transcript)
    assert result.action is not None and result.action.action == "update_subscribers"
    (subscriber,) = result.action.payload["subscribers"]
    assert subscriber["changes"] == {"preferred_time": "mornings"}
    assert subscriber["other_changed_fields"] == ["gate_code"]
    assert "4711" not in json.dumps(result.action.payload)


def test_a_date_or_time_not_read_as_one_is_named_but_not_sent(router: Router) -> None:
    call = make_call(
        intent="booking", booking_id="BK-7001", changes=[("booking_time", None, "sometime soon")]
    )
    result = router.route(call.result(), call.transcript)
    assert result.action is not None and result.action.action == "update_subscribers"
    (subscriber,) = result.action.payload["subscribers"]
    assert "booking_time" not in subscriber.get("changes", {})
    assert subscriber["other_changed_fields"] == ["booking_time"]


def test_cults_share_on_create_names_the_record_and_its_lifecycle_signals(router: Router) -> None:
    call = make_call(
        "cults-1",
        "cults",
        intent="delivery_issue",
        order_id="B-200201",
        promise="We will reship by Friday.",
        next_step="Reship the figurine.",
    )
    result = router.route(call.result(), call.transcript)
    assert result.action is not None
    assert result.action.action == "share_on_create"
    assert result.action.lookups == ["get_approved_origins"]
    payload = result.action.payload
    assert payload["origin"] == "print-b" and payload["kind"] == "create"
    record = payload["record"]
    assert record["call_id"] == "cults-1"
    assert record["caller"]["customer_id"] == "C-4" and record["caller"]["matched"]
    assert record["record"] == {
        "type": "order",
        "id": "B-200201",
        "status": "delivered",
        "skus": ["P-KNIGHT"],
    }
    assert record["owner"] == "fulfilment"
    assert record["urgency"] in {"low", "normal", "high", "critical"}
    assert record["record_summary"] == (
        f"delivery issue · order B-200201 (delivered) · urgency {record['urgency']} "
        "· owner fulfilment"
    )
    blob = json.dumps(payload)
    for said in ("Reship", "Friday", "summary", "quote", "reasons", "calls.example"):
        assert said not in blob.replace("record_summary", "")


def test_cults_update_lists_safe_changes_with_the_value_on_record(router: Router) -> None:
    call = make_call(
        "cults-2",
        "cults",
        intent="order_status",
        order_id="B-200201",
        changes=[("delivery_date", None, "2025-03-20"), ("gate_code", None, "4711 Oak")],
    )
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.UPDATE
    assert result.action is not None and result.action.payload["kind"] == "update"
    record = result.action.payload["record"]
    assert record["changes"] == [
        {"field": "delivery_date", "old_value": None, "new_value": "2025-03-20"}
    ]
    assert record["other_changed_fields"] == ["gate_code"]
    assert "4711" not in json.dumps(result.action.payload)


def test_review_carries_the_card_and_what_would_be_sent(router: Router) -> None:
    call = make_call(
        intent="change_order",
        order_id="A-100101",
        change_kind="address",
        changes=[("shipping_address", None, "7 Oak Avenue")],
    )
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.REVIEW
    assert result.action is not None and result.action.action == "review_queue"
    card = result.action.payload["card"]
    assert card["changes"] == [
        {
            "field": "shipping_address",
            "old_value": "1 Main Street, Springfield",
            "new_value": "7 Oak Avenue",
            "reason": "caller asked",
        }
    ]
    assert result.action.payload["proposed"]["action"] == "update_subscribers"


def test_skip_sends_nothing(router: Router) -> None:
    call = make_call(intent="other", summary="", next_step="")
    result = router.route(call.result(), call.transcript)
    assert result.decision is not None and result.decision.kind is DecisionKind.SKIP
    assert result.action is not None and result.action.action == "none"
    assert result.action.payload == {}
