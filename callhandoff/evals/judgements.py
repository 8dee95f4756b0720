"""Judge verdicts of a run's summaries in the project store (queries in `store.eval_runs`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from callhandoff.evals.judge import Judgement, JudgePrompt
from callhandoff.store import eval_runs as rows


class StoredVerdict(BaseModel):
    """One stored verdict of the judge on one item's summary."""

    item_id: str
    prompt_id: str
    prompt_hash: str
    judge_model: str
    verdict: str
    reason: str
    judged_at: datetime

    def describe(self) -> str:
        """`good (summary-judge-v1, qwen2.5-coder-1.5b): names the order and the refund`."""
        return f"{self.verdict} ({self.prompt_id}, {self.judge_model}): {self.reason}"


def save_verdicts(
    engine: Engine, run_id: str, prompt: JudgePrompt, model: str, judged: Sequence[Judgement]
) -> int:
    """Store the readable verdicts (replacing this prompt's earlier ones); return how many."""
    now = datetime.now(UTC)
    kept = [
        rows.JudgementRow(
            run_id=run_id,
            item_id=j.item_id,
            prompt_hash=prompt.sha256,
            prompt_id=prompt.id,
            judge_model=model,
            verdict=j.verdict,
            reason=j.reason,
            judged_at=now,
        )
        for j in judged
        if j.verdict is not None
    ]
    rows.save_judgements(engine, kept)
    return len(kept)


def load_verdicts(engine: Engine, run_id: str) -> dict[str, StoredVerdict]:
    """The latest verdict per item of a run (any prompt version)."""
    latest: dict[str, StoredVerdict] = {}
    for row in rows.judgements(engine, run_id):
        latest[row.item_id] = StoredVerdict(
            item_id=row.item_id,
            prompt_id=row.prompt_id,
            prompt_hash=row.prompt_hash,
            judge_model=row.judge_model,
            verdict=row.verdict,
            reason=row.reason,
            judged_at=row.judged_at,
        )
    return latest
