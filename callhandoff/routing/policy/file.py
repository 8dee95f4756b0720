"""Load the routing policy: the embedded default YAML, optionally extended by the user's file.

A user file (`CALLHANDOFF_POLICY_PATH`) normally *extends* the default: its
`thresholds`, `field_confidence`, `field_groups`, `owners` and `matching` entries
override the default ones key by key, a rule with an existing id replaces that
rule, new rules are appended, and `enable:` / `disable: [rule ids]` switch rules
on or off. With
`extends: none` the file stands alone. Every problem is a ConfigError naming the
file, the line and the rule.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callhandoff.exceptions import ConfigError
from callhandoff.routing.policy.conditions import Condition, compile_condition
from callhandoff.routing.policy.matching import MatchSettings
from callhandoff.routing.policy.messages import Message
from callhandoff.schema.enums import DecisionKind

RuleDecision = Literal["create", "update", "review", "skip", "allow", "note"]
_LINE = "__line__"
#: The key of the `default:` message in `Policy.messages` (never a rule id).
DEFAULT_MESSAGE = ":default"
_MERGED_MAPS = ("thresholds", "field_confidence", "field_groups", "owners")


class Rule(BaseModel):
    """One policy rule: when its condition holds it proposes a decision with a reason."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    decision: RuleDecision
    code: str | None = Field(default=None, description="Reason code; defaults to the id.")
    message: str = Field(min_length=1)
    when: dict[str, Any]
    suppresses: list[str] = Field(default_factory=list, description="For allow rules.")
    enabled: bool = True
    line: int | None = Field(default=None, exclude=True)

    @property
    def reason_code(self) -> str:
        """The machine code this rule writes into the decision's reasons."""
        return self.code or self.id


class DefaultOutcome(BaseModel):
    """What happens when no deciding rule fires."""

    model_config = ConfigDict(extra="forbid")

    decision: DecisionKind = DecisionKind.REVIEW
    code: str = "no_clear_action"
    message: str = "No rule found a clear action for this call, so a person should look at it."


class Policy(BaseModel):
    """The effective policy: thresholds, field confidence, groups, owners, matching and rules."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    version: int = 1
    thresholds: dict[str, float] = Field(default_factory=dict)
    field_confidence: dict[str, float] = Field(default_factory=dict)
    field_groups: dict[str, list[str]] = Field(default_factory=dict)
    owners: dict[str, str] = Field(default_factory=dict)
    precedence: list[DecisionKind] = Field(
        default_factory=lambda: [
            DecisionKind.REVIEW,
            DecisionKind.SKIP,
            DecisionKind.UPDATE,
            DecisionKind.CREATE,
        ]
    )
    default: DefaultOutcome = Field(default_factory=DefaultOutcome)
    matching: MatchSettings = Field(default_factory=MatchSettings)
    rules: list[Rule] = Field(default_factory=list)
    source: str = Field(default="embedded default", exclude=True)
    compiled: dict[str, Condition] = Field(default_factory=dict, exclude=True)
    messages: dict[str, Message] = Field(default_factory=dict, exclude=True)

    def document(self) -> dict[str, Any]:
        """The effective policy as JSON: what the store keeps (`policy_from_document`)."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """Short SHA-256 of the effective policy: the `policy_version` of every decision."""
        return document_hash(self.document())

    def active_rules(self) -> list[Rule]:
        """The enabled rules, in file order."""
        return [rule for rule in self.rules if rule.enabled]


def document_hash(document: dict[str, Any]) -> str:
    """`Policy.content_hash` of the policy whose `document()` this is."""
    blob = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _construct_mapping(loader: Any, node: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


@cache
def _line_loader() -> Any:
    """A safe YAML loader that remembers the line of every mapping under `__line__` (built
    on first use: deciding again under a stored policy, as `explain` does, reads no YAML).
    libyaml's parser when PyYAML has it: the default policy then reads in about 1.5 ms
    instead of 13 ms."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("_LineLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return loader


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    import yaml

    try:
        document = yaml.load(text, Loader=_line_loader())
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ConfigError(f"{source}:{line}: invalid YAML: {exc.problem}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{source}:1: a policy file is a mapping (thresholds, rules, ...)")
    return document


def _rules(raw: Any, source: str) -> list[Rule]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: 'rules' must be a list")
    rules: list[Rule] = []
    for index, item in enumerate(raw):
        line = item.get(_LINE) if isinstance(item, dict) else None
        name = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        try:
            rule = Rule.model_validate({**_strip_lines(item), "line": line})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"{source}:{line or '?'}: rule {name!r}: {problems}") from exc
        rules.append(rule)
    return rules


def _merge(base: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    merged = dict(base)
    for key in _MERGED_MAPS:
        if key in override:
            merged[key] = {**base.get(key, {}), **_strip_lines(override[key])}
    if "matching" in override:
        merged["matching"] = {**base.get("matching", {}), **_strip_lines(override["matching"])}
    for key in ("precedence", "default", "version"):
        if key in override:
            merged[key] = _strip_lines(override[key])
    rules: list[Rule] = list(base.get("rules", []))
    known = {rule.id for rule in rules}
    switches: dict[str, bool] = {}
    for key, state in (("enable", True), ("disable", False)):
        for rule_id in override.get(key, []) or []:
            if rule_id not in known:
                raise ConfigError(f"{source}: '{key}' names unknown rule {rule_id!r}")
            switches[rule_id] = state
    rules = [
        r.model_copy(update={"enabled": switches[r.id]}) if r.id in switches else r for r in rules
    ]
    for rule in _rules(override.get("rules"), source):
        position = next((i for i, r in enumerate(rules) if r.id == rule.id), None)
        if position is None:
            rules.append(rule)
        else:
            rules[position] = rule
    merged["rules"] = rules
    return merged


_TOP_KEYS = {
    "version",
    "extends",
    "enable",
    "disable",
    "rules",
    "precedence",
    "default",
    "matching",
    *_MERGED_MAPS,
}


def _document(text: str, source: str) -> dict[str, Any]:
    raw = _read_yaml(text, source)
    unknown = set(raw) - _TOP_KEYS - {_LINE}
    if unknown:
        raise ConfigError(
            f"{source}:1: unknown key(s) {', '.join(sorted(unknown))} "
            f"(use {', '.join(sorted(_TOP_KEYS))})"
        )
    return raw


def _finish(data: dict[str, Any], source: str) -> Policy:
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from exc
    ids = [rule.id for rule in policy.rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{source}: duplicate rule id(s) {', '.join(duplicates)}")
    for rule in policy.rules:
        where = f"{source}:{rule.line or '?'}: rule {rule.id!r}"
        # the JSON form, as the store keeps it (`document()`): a YAML date or set in a test
        # compares as it will when the stored policy decides again
        when = pydantic_core.to_jsonable_python(rule.when)
        policy.compiled[rule.id] = compile_condition(when, policy.thresholds, where)
        policy.messages[rule.id] = Message.compile(rule.message, policy.thresholds)
        if rule.decision == "allow" and not rule.suppresses:
            raise ConfigError(f"{where}: an allow rule must list the rules it 'suppresses'")
        for target in rule.suppresses:
            if target not in ids:
                raise ConfigError(f"{where}: suppresses unknown rule {target!r}")
    policy.messages[DEFAULT_MESSAGE] = Message.compile(policy.default.message, policy.thresholds)
    return policy


def policy_from_document(document: dict[str, Any], source: str) -> Policy:
    """The policy a `Policy.document()` describes (as the store keeps it), ready to decide."""
    return _finish(dict(document), source)


def _default_data() -> dict[str, Any]:
    text = (
        resources.files("callhandoff.routing.policy")
        .joinpath("default_policy.yaml")
        .read_text(encoding="utf-8")
    )
    raw = _document(text, "default_policy.yaml")
    data = {k: _strip_lines(v) for k, v in raw.items() if k not in {"rules", _LINE}}
    data["rules"] = _rules(raw.get("rules"), "default_policy.yaml")
    return data


def load_policy(path: Path | None = None) -> Policy:
    """The embedded default policy, extended (or replaced) by the YAML file at `path`."""
    base = _default_data()
    if path is None:
        return _finish(base, "default_policy.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the policy file: {exc.strerror}") from exc
    raw = _document(text, str(path))
    extends = raw.get("extends", "default")
    if extends not in ("default", "none", None):
        raise ConfigError(f"{path}: 'extends' must be 'default' or 'none', not {extends!r}")
    if extends == "none":
        data = {
            k: _strip_lines(v)
            for k, v in raw.items()
            if k not in {"rules", "extends", "enable", "disable", _LINE}
        }
        data["rules"] = _rules(raw.get("rules"), str(path))
        return _finish(data, str(path))
    return _finish(_merge(base, raw, str(path)), f"default_policy.yaml + {path}")
