"""`eval run --record FILE` / `--replay FILE`: the settings they imply and what the run says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callhandoff.cli.common import fail
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.exceptions import ConfigError
from callhandoff.summarizer.recording import REQUEST_SETTINGS, read_recording


def recording_overrides(record: Path | None, replay: Path | None) -> dict[str, Any]:
    """Settings for a recorded or replayed run (a replay takes the recording's own settings).

    Both skip the LLM cache: a recording must hold every exchange, and a replay
    must answer from the file.
    """
    if record is not None and replay is not None:
        fail("--record and --replay cannot be used together")
    if record is not None:
        return {"llm_record": record, "use_cache": False}
    if replay is None:
        return {}
    try:
        header, _ = read_recording(replay)
    except ConfigError as exc:
        fail(str(exc))
    recorded = {name: header[name] for name in REQUEST_SETTINGS if header.get(name) is not None}
    return {**recorded, "llm_replay": replay, "use_cache": False}


def recording_note(metrics: RunMetrics, record: Path | None, replay: Path | None) -> str:
    """One line: where the exchanges went or came from, and spent versus replayed cost."""
    usage = metrics.usage
    cost = f"model cost ${usage.cost_usd_spent:.4f} spent, ${usage.cost_usd_replayed:.4f} replayed"
    if replay is not None:
        return f"replayed from {replay}: {cost}"
    return f"model exchanges recorded in {record}: {cost}"
