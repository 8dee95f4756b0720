"""One call's extraction: ask, keep every valid field, re-ask only for the ones that failed.

1. The first attempt asks for the whole response model with the full prompt.
2. The answer is checked field by field (salvage.py): valid fields are kept,
   misnumbered quotes re-anchored, invalid fields dropped with their reason. An
   answer cut off at max_tokens is read as far as it goes.
3. While fields failed (dropped, or required and missing) and re-asks are left
   (CALLHANDOFF_MAX_RETRIES), a short re-ask asks for just those fields, with
   the problems named; its answer is merged in the same way.

Usage is summed over every attempt in the call's ledger. What cannot be filled
stays missing; the backend fills it from the extractors where they have it and
falls back as a whole only when nothing usable came back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from callhandoff.exceptions import BackendError, BudgetExceededError, ModelOutputError
from callhandoff.summarizer.budget import Ledger
from callhandoff.summarizer.call import ModelCaller
from callhandoff.summarizer.response_model import LeanSchema, subset
from callhandoff.summarizer.salvage import Salvage, parse_answer, salvage_answer

Messages = list[dict[str, Any]]
# Builds the re-ask for these fields, given one `field: problem` line per field.
ReaskBuilder = Callable[[Sequence[str], Sequence[str]], Messages]


@dataclass
class Outcome:
    """What one call produced: the salvaged fields, the ledger, and what stopped it early."""

    salvage: Salvage
    ledger: Ledger
    error: BackendError | None = None
    reasked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """Never sent: the run's budget was reached before the first attempt."""
        return (
            isinstance(self.error, BudgetExceededError)
            and self.error.run_level
            and self.ledger.attempts == 0
        )

    def failure(self) -> BackendError:
        """Why nothing usable came back, for the fallback's reason."""
        if self.error is not None:
            return self.error
        detail = "; ".join(
            self.notes[-1:] + self.salvage.problem_lines(list(self.salvage.problems))
        )
        return ModelOutputError(
            f"no usable field after {self.ledger.attempts} attempts: {detail or 'empty answer'}",
            attempts=self.ledger.attempts,
            last_completion=self.ledger.last_text,
            usage={
                "prompt_tokens": self.ledger.prompt_tokens,
                "completion_tokens": self.ledger.completion_tokens,
            },
        )


def _read(
    outcome: Outcome, model: type[LeanSchema], turns: Sequence[str], threshold: float
) -> None:
    """Merge the last answer into the outcome; note answers that are cut off or not JSON."""
    ledger = outcome.ledger
    data = parse_answer(ledger.last_text)
    if ledger.last_finish == "length":
        outcome.notes.append(
            f"attempt {ledger.attempts} was cut off at max_tokens "
            "(CALLHANDOFF_MAX_COMPLETION_TOKENS); kept what was complete"
        )
    if data is None:
        outcome.notes.append(f"attempt {ledger.attempts} gave no JSON object")
        return
    salvage_answer(data, model, turns, threshold, into=outcome.salvage)


async def extract_fields(
    caller: ModelCaller,
    first: Messages,
    model: type[LeanSchema],
    *,
    turns: Sequence[str],
    fuzzy_threshold: float,
    reask: ReaskBuilder,
    max_reasks: int,
) -> Outcome:
    """Run the attempts of one call (see the module docstring)."""
    outcome = Outcome(Salvage(), Ledger())
    messages, wanted = first, model
    for round_number in range(max_reasks + 1):
        error = await caller.ask(messages, wanted, outcome.ledger)
        if error is not None:
            outcome.error = error
            break
        if round_number:
            outcome.reasked.extend(n for n in wanted.model_fields if n not in outcome.reasked)
        _read(outcome, wanted, turns, fuzzy_threshold)
        failed = outcome.salvage.failed(model)
        if not failed or round_number == max_reasks:
            break
        wanted = subset(model, failed)
        messages = reask(failed, outcome.salvage.problem_lines(failed))
    return outcome
