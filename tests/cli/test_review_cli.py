"""`callhandoff review queue | log | export`, and the export scored by `callhandoff eval run`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.evals.dataset import load_dataset
from tests.review.fixtures import EXAMPLES, store_template, store_url
from tests.review.helpers import item_of, service

__all__ = ["store_template", "store_url"]
runner = CliRunner()


def _review_three(url: str) -> None:
    svc = service(url)
    svc.approve(item_of(svc, "dn-2025-03-0001"), "Alice", 1)
    svc.approve(item_of(svc, "dn-2025-03-0012"), "Bob", 1, edits={"intent": "product_inquiry"})
    svc.reject(item_of(svc, "dn-2025-03-0011"), "Carol", 1, "not_actionable", "just browsing")


def test_queue_lists_what_awaits_review_in_priority_order(store_url: str) -> None:
    result = runner.invoke(app, ["review", "queue", "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "11 call(s) awaiting review" in lines
    assert any(line.startswith("#") and "dn-2025-03-0006" in line for line in lines)


def test_log_prints_who_what_and_the_decision_before_and_after(store_url: str) -> None:
    _review_three(store_url)
    result = runner.invoke(app, ["review", "log"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Alice  approve  dn-2025-03-0001" in out
    before = "review [review_low_field_confidence, review_money_change]"
    assert f"decision: {before} -> create create_subscriber" in out
    assert "Bob  edit  dn-2025-03-0012" in out
    assert "changed intent: purchase_intent -> product_inquiry" in out
    assert "Carol  reject  dn-2025-03-0011" in out and "reason: not_actionable" in out
    one = runner.invoke(app, ["review", "log", "dn-2025-03-0012"])
    assert "Bob" in one.output and "Alice" not in one.output


def test_export_writes_gold_items_that_eval_run_scores_as_is(
    store_url: str, tmp_path: Path
) -> None:
    _review_three(store_url)
    out = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["review", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 reviewed call(s) written" in result.output
    assert "left out dn-2025-03-0011: rejected (not_actionable)" in result.output
    dataset = load_dataset(out)
    by_id = {item.id: item for item in dataset.items}
    edited = by_id["review-dn-2025-03-0012"]
    assert edited.origin == "review" and edited.corrected_fields == ["intent"]
    assert edited.gold.intent.value == "product_inquiry"
    # the corrected intent is certain, so the policy creates it on its own; the refund still
    # needs a person whatever its values, so its gold decision stays review
    assert edited.gold.decision is not None and edited.gold.decision.value == "create"
    refund = by_id["review-dn-2025-03-0001"]
    assert refund.corrected_fields == []
    assert refund.gold.decision is not None and refund.gold.decision.value == "review"
    scored = runner.invoke(
        app,
        ["eval", "run", "--dataset", str(out), "--directory", str(EXAMPLES / "store")],
    )
    assert scored.exit_code == 0, scored.output
    assert "stored as run" in scored.output


def test_export_since_a_later_date_writes_nothing(store_url: str, tmp_path: Path) -> None:
    _review_three(store_url)
    out = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["review", "export", "--out", str(out), "--since", "2999-01-01"])
    assert result.exit_code == 0, result.output
    assert "0 reviewed call(s) written" in result.output
    assert out.read_text() == ""
    bad = runner.invoke(app, ["review", "export", "--out", str(out), "--since", "soon"])
    assert bad.exit_code == 2 and "not a date" in bad.output
