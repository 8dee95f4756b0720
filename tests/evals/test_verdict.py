"""The verdict of a comparison on constructed pairs of runs: worse, better, within noise."""

from __future__ import annotations

from callhandoff.evals.compare import compare_runs
from callhandoff.evals.records import ItemRun
from callhandoff.schema import DecisionKind, Intent

from .fakes import gold_item, handoff, item_run

D = DecisionKind
ITEMS = [gold_item(f"r{n:02d}", intent=Intent.REFUND, decision=D.REVIEW) for n in range(40)]


def decided(creates: int, *, latency_ms: float = 10.0, repeat: int = 0) -> list[ItemRun]:
    """Every refund call reviewed (right) except the first `creates`, created (wrong, cost 10)."""
    return [
        item_run(
            item,
            handoff(item.transcript.call_id, intent=Intent.REFUND),
            decision=D.CREATE if n < creates else D.REVIEW,
            position=n,
            repeat=repeat,
            latency_ms=latency_ms,
        )
        for n, item in enumerate(ITEMS)
    ]


def test_automatic_creates_on_refund_calls_are_worse_led_by_the_cost() -> None:
    comparison = compare_runs("A", decided(0), "B", decided(8))
    verdict = comparison.verdict
    assert verdict.outcome == "worse"
    assert verdict.decided_by == "decision.cost_error"
    assert verdict.line.startswith(
        "Verdict: WORSE - decision.cost_error 0.000 -> 2.000 (+2.000 worse, 95% CI +"
    )
    accuracy = comparison.test("decision.accuracy")
    assert accuracy is not None and accuracy.outcome == "worse"
    assert accuracy.p_value == 2 / 2**8  # 8 right->wrong, 0 wrong->right
    assert (accuracy.right_to_wrong, accuracy.wrong_to_right) == (8, 0)


def test_the_reverse_change_is_better() -> None:
    verdict = compare_runs("A", decided(8), "B", decided(0)).verdict
    assert verdict.outcome == "better"
    assert verdict.line.startswith("Verdict: BETTER - decision.cost_error 2.000 -> 0.000")


def test_one_changed_item_of_forty_is_within_noise_and_says_so() -> None:
    comparison = compare_runs("A", decided(0), "B", decided(1))
    cost = comparison.test("decision.cost_error")
    assert cost is not None and cost.outcome == "noise"
    assert cost.low is not None and cost.low <= 0 <= (cost.high or 0)
    assert comparison.verdict.outcome == "within noise"
    assert "no quality metric moved beyond noise" in comparison.verdict.line
    assert "+0.250 worse" in comparison.verdict.line


def test_what_points_the_other_way_is_named_in_the_verdict() -> None:
    # B creates 8 refund calls wrongly but gets the intent of 10 other calls right that A missed
    a = decided(0)
    for n in range(10):
        call = handoff(a[n].item.transcript.call_id, intent=Intent.OTHER)
        a[n] = item_run(a[n].item, call, decision=D.REVIEW, position=n)
    comparison = compare_runs("A", a, "B", decided(8))
    assert comparison.verdict.outcome == "worse"
    assert comparison.verdict.against[:2] == ["intent.accuracy", "intent.macro_f1"]
    assert "against it: intent.accuracy 0.750 -> 1.000 (+0.250 better" in comparison.verdict.line


def test_latency_is_noise_without_repeats_however_large_the_change() -> None:
    comparison = compare_runs("A", decided(0, latency_ms=10.0), "B", decided(0, latency_ms=90.0))
    latency = comparison.test("latency.p50_ms")
    assert latency is not None and latency.delta == 80.0
    assert latency.outcome == "noise"
    assert latency.basis == "no --repeat: run-to-run variation unknown"
    assert comparison.verdict.outcome == "within noise"


def test_latency_beyond_the_variation_between_repeats_is_a_real_slowdown() -> None:
    a = decided(0, latency_ms=10.0) + decided(0, latency_ms=12.0, repeat=1)
    b = decided(0, latency_ms=40.0) + decided(0, latency_ms=41.0, repeat=1)
    latency = compare_runs("A", a, "B", b).test("latency.p50_ms")
    assert latency is not None
    assert latency.noise_band == 2.0  # A's repeats differ by 2 ms, B's by 1 ms
    assert latency.outcome == "worse"
    close = compare_runs("A", a, "B", decided(0, latency_ms=11.0)).test("latency.p50_ms")
    assert close is not None and close.outcome == "noise"


def test_without_routing_the_other_quality_metrics_decide() -> None:
    a = [item_run(i, handoff(i.transcript.call_id, intent=Intent.REFUND), position=n)
         for n, i in enumerate(ITEMS)]  # fmt: skip
    b = [item_run(i, handoff(i.transcript.call_id, intent=Intent.CANCEL_ORDER if n < 12 else
         Intent.REFUND), position=n) for n, i in enumerate(ITEMS)]  # fmt: skip
    verdict = compare_runs("A", a, "B", b).verdict
    assert verdict.outcome == "worse"
    assert verdict.decided_by == "intent.accuracy"
