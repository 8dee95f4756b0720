"""The gate: thresholds files, passing and failing runs, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from callhandoff.evals.gate import evaluate_gate
from callhandoff.evals.thresholds import load_thresholds, parse_thresholds
from callhandoff.exceptions import ConfigError

THRESHOLDS = """\
min:
  intent.accuracy: 0.7
  field.order_id.f1: 0.8
max:
  grounding.violation_rate: 0.05
money_factor: 3
"""


def test_a_run_within_every_bound_passes() -> None:
    bounds = parse_thresholds(THRESHOLDS)
    metrics = {"intent.accuracy": 0.7, "field.order_id.f1": 0.9, "grounding.violation_rate": 0.0}
    result = evaluate_gate(metrics, bounds)
    assert result.passed
    assert len(result.checks) == 3


def test_a_run_below_a_minimum_or_above_a_maximum_fails_and_says_which() -> None:
    bounds = parse_thresholds(THRESHOLDS)
    metrics = {"intent.accuracy": 0.69, "field.order_id.f1": 0.9, "grounding.violation_rate": 0.1}
    result = evaluate_gate(metrics, bounds)
    assert not result.passed
    assert [check.metric for check in result.failures] == [
        "intent.accuracy",
        "grounding.violation_rate",
    ]
    assert result.failures[0].describe() == "intent.accuracy = 0.69 (needs >= 0.7) FAIL"


def test_an_unmeasured_metric_fails_its_check() -> None:
    bounds = parse_thresholds("min:\n  decision.accuracy: 0.5\n")
    result = evaluate_gate({"decision.accuracy": None}, bounds)
    assert not result.passed
    assert "not measured" in result.failures[0].describe()


def test_the_cost_weights_come_from_the_file() -> None:
    bounds = parse_thresholds(THRESHOLDS)
    assert bounds.costs.money_factor == 3
    assert bounds.costs.cost("review", "create", ["refund"]) == 15.0


def test_a_misspelt_metric_is_an_error_naming_the_line_and_a_suggestion() -> None:
    with pytest.raises(
        ConfigError, match=r"t\.yaml:3: unknown metric 'intent.acuracy'.*intent\.accuracy"
    ):
        parse_thresholds("min:\n  intent.macro_f1: 0.5\n  intent.acuracy: 0.7\n", "t.yaml")


def test_a_non_number_bound_and_an_unknown_section_are_errors() -> None:
    with pytest.raises(ConfigError, match=r"t\.yaml:2: min\.intent\.accuracy must be a number"):
        parse_thresholds("min:\n  intent.accuracy: high\n", "t.yaml")
    with pytest.raises(ConfigError, match=r"t\.yaml:1: unknown key 'minimum'"):
        parse_thresholds("minimum:\n  intent.accuracy: 0.5\n", "t.yaml")


def test_an_incomplete_cost_matrix_is_an_error() -> None:
    text = "decision_costs:\n  create: {create: 0}\n"
    with pytest.raises(ConfigError, match=r"t\.yaml:1: decision_costs: .*no weight"):
        parse_thresholds(text, "t.yaml")


def test_the_shipped_thresholds_file_is_valid() -> None:
    shipped = Path(__file__).resolve().parents[2] / "evals" / "thresholds.yaml"
    bounds = load_thresholds(shipped)
    assert bounds.minimum and bounds.maximum
    assert bounds.costs.cost("skip", "review", []) < bounds.costs.cost("review", "create", [])


def test_a_baseline_check_fails_a_metric_that_fell_more_than_the_allowed_drop() -> None:
    from callhandoff.evals.gate import evaluate_baseline

    bounds = parse_thresholds(THRESHOLDS.replace("max:\n", "max:\n  latency.p95_ms: 500\n"))
    run = {"intent.accuracy": 0.72, "field.order_id.f1": 0.88, "grounding.violation_rate": 0.02,
           "latency.p95_ms": 400.0}  # fmt: skip
    base = {"intent.accuracy": 0.75, "field.order_id.f1": 0.885, "grounding.violation_rate": 0.0,
            "latency.p95_ms": 10.0}  # fmt: skip
    checks = {c.metric: c for c in evaluate_baseline(run, base, bounds, max_drop=0.01)}
    assert set(checks) == {"intent.accuracy", "field.order_id.f1", "grounding.violation_rate"}
    assert not checks["intent.accuracy"].passed  # 0.72 < 0.75 - 0.01
    assert checks["field.order_id.f1"].passed  # 0.88 >= 0.885 - 0.01
    assert not checks["grounding.violation_rate"].passed  # 0.02 > 0.0 + 0.01
    assert checks["intent.accuracy"].describe() == (
        "intent.accuracy = 0.72 (needs >= 0.74 = baseline 0.75 - 0.01) FAIL"
    )


def test_gate_run_adds_baseline_checks_on_the_items_both_runs_scored() -> None:
    from callhandoff.evals.gate import gate_run
    from callhandoff.schema import Intent

    from .fakes import gold_item, handoff, item_run

    items = [gold_item(f"g{n}") for n in range(4)]
    base = [item_run(i, handoff(i.transcript.call_id, intent=Intent.REFUND)) for i in items[:3]]
    ours = [item_run(i, handoff(i.transcript.call_id, intent=Intent.REFUND if n else
            Intent.OTHER)) for n, i in enumerate(items)]  # fmt: skip
    bounds = parse_thresholds("min:\n  intent.accuracy: 0.5\n")
    result = gate_run(ours, bounds, baseline_items=base, max_drop=0.1)
    absolute, relative = result.checks
    assert absolute.passed and absolute.value == 0.75  # 3 of 4
    assert not relative.passed and relative.value == 2 / 3  # 2 of the 3 shared items
    assert relative.baseline == 1.0
