"""Rule messages: each call's own values, however many calls came before."""

from __future__ import annotations

from callhandoff.routing.policy.messages import Message

TEXT = "Intent {intent} with flags {risk_flags} over {thresholds[high_order_value]}."


def test_a_message_shows_each_calls_values_not_a_remembered_calls() -> None:
    message = Message.compile(TEXT, {"high_order_value": 500.0})
    shown = [
        message.render({"intent": "refund", "risk_flags": []}),
        message.render({"intent": True, "risk_flags": ["fraud_concern"]}),
        message.render({"intent": 1, "risk_flags": ["fraud_concern"]}),
        message.render({"intent": None, "risk_flags": [True]}),
        message.render({"intent": None, "risk_flags": [1]}),
        message.render({"intent": "refund", "risk_flags": []}),
    ]
    assert shown == [
        "Intent refund with flags none over 500.",
        "Intent True with flags fraud_concern over 500.",
        "Intent 1 with flags fraud_concern over 500.",
        "Intent none with flags True over 500.",
        "Intent none with flags 1 over 500.",
        "Intent refund with flags none over 500.",
    ]


def test_a_message_naming_an_unknown_fact_is_shown_as_written() -> None:
    message = Message.compile(TEXT, {"high_order_value": 500.0})
    assert message.render({"risk_flags": []}) == TEXT
    assert message.render({"intent": None, "risk_flags": []}) == (
        "Intent none with flags none over 500."
    )
    assert message.render({"intent": {"a": 1}, "risk_flags": []}) == (
        "Intent {'a': 1} with flags none over 500."
    )
