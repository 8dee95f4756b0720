"""Read a thresholds file: the minimum or maximum each gated metric may reach, and cost weights.

```yaml
min:                      # the metric must be at least this
  intent.accuracy: 0.70
max:                      # error-like metrics must be at most this
  grounding.violation_rate: 0.0
decision_costs:           # rows: gold decision; columns: the policy's decision
  review: {create: 5, update: 5, review: 0, skip: 3, none: 1}
  ...
money_intents: [refund, cancel_order, billing_payment]
money_factor: 2.0
```

Metric names are those of `RunMetrics.flat()`; a misspelt name is an error that
names the file and line, so a typo cannot silently switch a gate off.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.metrics import metric_names
from callhandoff.exceptions import ConfigError

_TOP_KEYS = ("version", "min", "max", "decision_costs", "money_intents", "money_factor")


class Thresholds(BaseModel):
    """The gate's bounds and the decision-cost weights, with where they came from."""

    model_config = ConfigDict(frozen=True)

    path: str | None = None
    minimum: dict[str, float] = Field(default_factory=dict)
    maximum: dict[str, float] = Field(default_factory=dict)
    costs: DecisionCosts = Field(default_factory=DecisionCosts)


def _key_lines(node: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """1-based line of every mapping key, addressed by its path of keys."""
    lines: dict[tuple[str, ...], int] = {}

    def visit(current: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                key_path = (*path, str(key.value))
                lines[key_path] = key.start_mark.line + 1
                visit(value, key_path)

    if node is not None:
        visit(node, ())
    return lines


def _bounds(
    data: Any, section: str, where: str, lines: dict[tuple[str, ...], int], known: set[str]
) -> dict[str, float]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        line = lines.get((section,))
        raise ConfigError(f"{where}:{line}: `{section}` must map metric names to numbers")
    out: dict[str, float] = {}
    for name, value in data.items():
        line = lines.get((section, str(name)))
        if str(name) not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"{where}:{line}: unknown metric {name!r}{hint}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}:{line}: {section}.{name} must be a number, got {value!r}")
        out[str(name)] = float(value)
    return out


def parse_thresholds(text: str, where: str = "<thresholds>") -> Thresholds:
    """Thresholds from YAML text; errors name `where` and the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{where}{line}: not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}:1: expected a mapping with min / max / decision_costs")
    lines = _key_lines(node)
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(
                f"{where}:{lines.get((str(key),))}: unknown key {key!r} "
                f"(expected one of {', '.join(_TOP_KEYS)})"
            )
    known = set(metric_names())
    minimum = _bounds(data.get("min"), "min", where, lines, known)
    maximum = _bounds(data.get("max"), "max", where, lines, known)
    cost_fields: dict[str, Any] = {}
    if "decision_costs" in data:
        cost_fields["matrix"] = data["decision_costs"]
    if "money_intents" in data:
        cost_fields["money_intents"] = data["money_intents"]
    if "money_factor" in data:
        cost_fields["money_factor"] = data["money_factor"]
    try:
        costs = DecisionCosts.model_validate(cost_fields)
    except ValidationError as exc:
        detail = exc.errors()[0]
        first = str(detail["loc"][0]) if detail["loc"] else "decision_costs"
        key = "decision_costs" if first == "matrix" else first
        raise ConfigError(f"{where}:{lines.get((key,))}: {key}: {detail['msg']}") from exc
    return Thresholds(path=where, minimum=minimum, maximum=maximum, costs=costs)


def load_thresholds(path: Path | str) -> Thresholds:
    """Read and check a thresholds file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"thresholds file not found: {file}")
    return parse_thresholds(file.read_text(encoding="utf-8"), str(file))
