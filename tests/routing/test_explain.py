"""`explain`: why a call got its decision, from what the store kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.exceptions import NotFoundError
from callhandoff.routing.explain import explain_call as render
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router
from callhandoff.store.history import call_history
from callhandoff.store.tables import decisions, policies
from tests.routing.helpers import REFERENCE, make_call


def explain_call(engine: Engine, call_id: str, *, show_all: bool = False) -> str:
    """What `callhandoff explain` prints for a call in this store."""
    return render(call_history(engine, call_id), show_all=show_all)


def test_explain_gives_match_rules_values_thresholds_and_action(
    router: Router, engine: Engine
) -> None:
    call = make_call("x-1", intent="delivery_issue", order_id="A-100101", email="alice@other.org")
    router.route(call.result(), call.transcript)
    text = explain_call(engine, "x-1")
    assert "Decision: REVIEW" in text
    assert (
        "[review_identity_disagreement] What the caller said disagrees with the record on: email."
        in text
    )
    assert "Matched customer C-1, order A-100101 by order_id; confidence" in text
    assert "- email: said 'alice@other.org', record has 'alice@example.com': DISAGREES" in text
    assert "disagreements = [email], includes one of" in text
    assert "Without the review rules this call would be: create." in text
    assert "Thresholds: high_order_value 500, match_confidence 0.75, min_context 2" in text
    assert "review item #1 open: review_low_match_confidence, review_identity_disagreement" in text


def test_explain_names_the_outbox_row_and_lists_quiet_rules_on_request(
    router: Router, engine: Engine
) -> None:
    call = make_call("x-2", intent="delivery_issue", order_id="A-100101")
    router.route(call.result(), call.transcript)
    short = explain_call(engine, "x-2")
    full = explain_call(engine, "x-2", show_all=True)
    assert "Decision: CREATE" in short
    assert "outbox #1 pending: key x-2:create_subscriber, 0 attempt(s)" in short
    assert "other rules did not fire" in short
    assert "- review_prompt_injection -> review" in full


def test_explain_an_unknown_call_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="no call 'nope' in the store"):
        explain_call(engine, "nope")


def test_explain_says_which_allow_rule_switched_a_fired_rule_off(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "policy.yaml").write_text(
        """
rules:
  - id: allow_delivery_questions
    decision: allow
    suppresses: [review_identity_disagreement]
    message: "Delivery questions go ahead."
    when:
      intent: delivery_issue
""",
        encoding="utf-8",
    )
    router = Router(engine, load_policy(tmp_path / "policy.yaml"), clock=lambda: REFERENCE)
    call = make_call("x-3", intent="delivery_issue", order_id="A-100101", email="alice@other.org")
    router.route(call.result(), call.transcript)
    text = explain_call(engine, "x-3")
    assert (
        "* review_identity_disagreement -> review (switched off by allow rule "
        "allow_delivery_questions)" in text
    )
    assert "* allow_delivery_questions -> allow (allow)" in text
    assert "Delivery questions go ahead." in text
    assert "[review_identity_disagreement]" not in text


def test_explain_shows_the_rules_of_the_policy_that_decided_after_the_file_changed(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "thresholds: {match_confidence: 0.6}\n"
        "rules:\n  - id: watch_delivery\n    decision: note\n"
        "    message: Delivery call.\n    when: {intent: delivery_issue}\n",
        encoding="utf-8",
    )
    deciding = load_policy(path)
    router = Router(engine, deciding, clock=lambda: REFERENCE)
    call = make_call("x-4", intent="delivery_issue", order_id="A-100101")
    router.route(call.result(), call.transcript)
    path.write_text("thresholds: {match_confidence: 0.99}\n", encoding="utf-8")
    Router(engine, load_policy(path), clock=lambda: REFERENCE).route(
        make_call("x-5").result(), make_call("x-5").transcript
    )  # a later run under the changed file

    text = explain_call(engine, "x-4", show_all=True)
    assert f"(policy {deciding.content_hash()} from default_policy.yaml + {path})" in text
    assert "* watch_delivery -> note (note)" in text
    assert "intent = delivery_issue, is delivery_issue: yes" in text
    assert "match_confidence 0.6," in text and "0.99" not in text
    history = call_history(engine, "x-4")
    assert history.decision is not None and "rules" not in history.decision.trace


def test_a_decision_stored_with_its_rules_is_explained_from_them(
    router: Router, engine: Engine
) -> None:
    """Stores written before the store kept policies hold each decision's rules."""
    call = make_call("x-6", intent="delivery_issue", order_id="A-100101")
    router.route(call.result(), call.transcript)
    old_trace = {
        "rules": [
            {
                "rule": "old_rule",
                "decision": "create",
                "fired": True,
                "tests": ["intent = delivery_issue, is delivery_issue: yes"],
                "reason": {"code": "old_rule", "message": "An old rule fired."},
            }
        ],
        "thresholds": {"match_confidence": 0.5},
        "policy_source": "old.yaml",
    }
    with engine.begin() as connection:
        connection.execute(sa.update(decisions).values(trace=old_trace))
        connection.execute(sa.delete(policies))
    text = explain_call(engine, "x-6")
    assert "* old_rule -> create (decides)" in text
    assert "An old rule fired." in text
    assert "Thresholds: match_confidence 0.5" in text


def test_explain_says_so_when_the_store_does_not_keep_the_policy(
    router: Router, engine: Engine
) -> None:
    call = make_call("x-7", intent="delivery_issue", order_id="A-100101")
    router.route(call.result(), call.transcript)
    with engine.begin() as connection:
        connection.execute(sa.delete(policies))
    text = explain_call(engine, "x-7")
    assert f"the store does not keep policy {router.policy_version}: no rule to show" in text
    assert "Decision: CREATE" in text


def test_explain_says_so_when_the_kept_policy_cannot_be_read_or_has_no_rule(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("extends: none\nrules: []\n", encoding="utf-8")
    router = Router(engine, load_policy(path), clock=lambda: REFERENCE)
    call = make_call("x-8", intent="delivery_issue", order_id="A-100101")
    router.route(call.result(), call.transcript)
    text = explain_call(engine, "x-8")
    assert "(no rule is enabled in this policy: no rule to show)" in text
    with engine.begin() as connection:  # a policy an older version kept, in a shape gone since
        connection.execute(sa.update(policies).values(document={"rules": [], "retired": 1}))
    text = explain_call(engine, "x-8")
    assert f"(policy {router.policy_version} cannot be read by this version:" in text
    assert "Decision: REVIEW" in text
