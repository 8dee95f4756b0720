"""Eval runs in the project store (rows and queries in `callhandoff.store.eval_runs`).

A run keeps everything needed to re-score it later without the dataset file:
every item's gold (with its transcript), every output, and its usage. Runs are
addressed by id, by a unique prefix of it, or as `latest`.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, SecretStr
from sqlalchemy.engine import Engine

from callhandoff.evals.gold import GoldItem
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.records import ItemRun, RunOutput
from callhandoff.exceptions import NotFoundError
from callhandoff.schema.result import CallResult
from callhandoff.settings import Settings, hide_password
from callhandoff.store import eval_runs as rows

_SECRET_NAME = re.compile(r"(^|_)(key|token|secret|password)$")
_URL_KEYS = ("base_url", "database_url", "cloudcart_url", "cults_url")


class RunRecord(BaseModel):
    """A stored run: how it was made and what it scored."""

    run_id: str
    created_at: AwareDatetime
    label: str | None = None
    dataset_path: str
    dataset_version: str
    dataset_items: int
    split: str | None = None
    origin: str | None = None
    backend: str
    model: str | None = None
    prompt_id: str | None = None
    prompt_hash: str | None = None
    repeats: int = 1
    duration_s: float = 0.0
    settings: dict[str, Any]
    metrics: RunMetrics
    policy_path: str | None = None
    policy_hash: str | None = None
    classifier_version: str | None = None
    sample_size: int | None = None
    sample_seed: int | None = None
    group_by: str | None = None


def new_run_id(now: datetime) -> str:
    """`YYYYMMDD-HHMMSS-xxxx` in UTC: sortable by time, unique with the random suffix."""
    return f"{now.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def safe_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON without secrets: secret fields dropped, URL credentials removed."""
    data = settings.model_dump(mode="json")
    for name, field in type(settings).model_fields.items():
        if (
            isinstance(getattr(settings, name), SecretStr)
            or "SecretStr" in str(field.annotation)
            or _SECRET_NAME.search(name)
        ):
            data.pop(name, None)
    for key in _URL_KEYS:
        if isinstance(data.get(key), str):
            data[key] = hide_password(data[key])
    return data


def save_run(
    engine: Engine,
    output: RunOutput,
    metrics: RunMetrics,
    settings: Settings,
    *,
    label: str | None = None,
    group_by: str | None = None,
) -> RunRecord:
    """Store a run and its item outputs in one transaction; return the stored record."""
    record = RunRecord(
        run_id=new_run_id(output.started_at),
        created_at=output.started_at.astimezone(UTC),
        label=label,
        dataset_path=output.dataset.path,
        dataset_version=output.dataset.version,
        dataset_items=len(output.dataset.items),
        split=output.dataset.split,
        origin=output.dataset.origin,
        backend=output.backend,
        model=output.model,
        prompt_id=output.prompt_id,
        prompt_hash=output.prompt_hash,
        repeats=output.repeat,
        duration_s=output.duration_s,
        settings=safe_settings(settings),
        metrics=metrics,
        policy_path=output.policy_path,
        policy_hash=output.policy_hash,
        classifier_version=output.classifier_version,
        sample_size=output.dataset.sample_size,
        sample_seed=output.dataset.sample_seed,
        group_by=group_by,
    )
    row = rows.EvalRunRow(
        **record.model_dump(exclude={"settings", "metrics"}),
        settings_json=json.dumps(record.settings, sort_keys=True),
        metrics_json=metrics.model_dump_json(),
    )
    item_rows = [
        rows.EvalItemRow(
            run_id=record.run_id,
            item_id=run.item_id,
            repeat_index=run.repeat,
            position=run.position,
            gold_json=run.item.model_dump_json(exclude_none=True),
            output_json=run.result.model_dump_json() if run.result is not None else None,
            latency_ms=run.latency_ms,
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            cost_usd=run.cost_usd,
            cached=run.cached,
            error=run.error,
        )
        for run in output.items
    ]
    rows.insert_run(engine, row, item_rows)
    return record


def _record(row: rows.EvalRunRow) -> RunRecord:
    data = {
        name: getattr(row, name)
        for name in RunRecord.model_fields
        if name not in {"settings", "metrics"}
    }
    return RunRecord(
        **data,
        settings=json.loads(row.settings_json),
        metrics=RunMetrics.model_validate_json(row.metrics_json),
    )


def list_runs(engine: Engine, limit: int = 20) -> list[RunRecord]:
    """The most recent runs, newest first."""
    return [_record(row) for row in rows.recent_runs(engine, limit)]


def _latest_offset(ref: str) -> int | None:
    """0 for `latest`, N for `latest~N`, None for anything else."""
    if ref == "latest":
        return 0
    head, sep, tail = ref.partition("~")
    if head == "latest" and sep and tail.isdigit():
        return int(tail)
    return None


def resolve_run_id(engine: Engine, ref: str) -> str:
    """A full run id from an id, a unique prefix of one, `latest` or `latest~N`."""
    back = _latest_offset(ref)
    if back is not None:
        found = rows.run_id_back(engine, back)
        if found is None:
            raise NotFoundError(f"no eval run {ref!r}: run `callhandoff eval run` first")
        return found
    matches = rows.run_ids_starting(engine, ref)
    if ref in matches:
        return ref
    if not matches:
        raise NotFoundError(f"no eval run {ref!r} (see `callhandoff eval list`)")
    if len(matches) > 1:
        raise NotFoundError(f"run id {ref!r} is ambiguous: {', '.join(matches[:5])}")
    return matches[0]


def load_run(engine: Engine, ref: str) -> RunRecord:
    """The stored run `ref` (id, unique prefix, `latest`)."""
    row = rows.run(engine, resolve_run_id(engine, ref))
    assert row is not None, "a resolved run id names a stored run"
    return _record(row)


def load_items(engine: Engine, run_id: str) -> list[ItemRun]:
    """Every item output of a run, in dataset order then repeat order."""
    return [
        ItemRun(
            item=GoldItem.model_validate_json(row.gold_json),
            repeat=row.repeat_index,
            position=row.position,
            result=(
                CallResult.model_validate_json(row.output_json)
                if row.output_json is not None
                else None
            ),
            latency_ms=row.latency_ms,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            cost_usd=row.cost_usd,
            cached=row.cached,
            error=row.error,
        )
        for row in rows.items(engine, run_id)
    ]
