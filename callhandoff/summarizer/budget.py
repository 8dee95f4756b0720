"""What one call and one run may spend: the per-call ledger and the run's meter.

The run's meter holds two optional limits, a cost in USD (`--max-cost`,
CALLHANDOFF_COST_CEILING_USD) and a number of tokens (`--max-tokens`,
CALLHANDOFF_MAX_RUN_TOKENS). Before every attempt the worst case (the counted
prompt plus the largest answer allowed) is reserved; an attempt that would pass
a limit is not sent. A call refused before its first attempt is left *pending*:
it is not failed, not cached, and the next run of the same command sends it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from callhandoff.exceptions import BudgetExceededError

log = logging.getLogger("callhandoff.llm")


@dataclass
class Ledger:
    """Attempts and tokens of one extraction, summed over every attempt."""

    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    last_text: str | None = None
    last_finish: str | None = None

    @property
    def tokens(self) -> int:
        """Prompt + completion tokens so far."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Reservation:
    """The worst case booked for one attempt."""

    usd: float
    tokens: int


@dataclass
class RunMeter:
    """What a whole run has spent, and the limits that stop new attempts."""

    ceiling_usd: float | None
    max_tokens: int | None = None
    spent_usd: float = 0.0
    spent_tokens: int = 0
    reserved_usd: float = 0.0
    reserved_tokens: int = 0
    stopped: str | None = None
    calls: int = 0
    notes: list[str] = field(default_factory=list)

    def _over(self, booking: Reservation) -> str | None:
        ceiling, most = self.ceiling_usd, self.max_tokens
        if ceiling is not None and self.spent_usd + self.reserved_usd + booking.usd > ceiling:
            return (
                f"the run's cost limit of ${ceiling:.4f} is reached "
                f"(${self.spent_usd:.4f} spent; --max-cost / CALLHANDOFF_COST_CEILING_USD)"
            )
        if most is not None and self.spent_tokens + self.reserved_tokens + booking.tokens > most:
            return (
                f"the run's token limit of {most:,} is reached ({self.spent_tokens:,} spent; "
                "--max-tokens / CALLHANDOFF_MAX_RUN_TOKENS)"
            )
        return None

    def reserve(self, booking: Reservation) -> None:
        """Book the worst case of an attempt, or refuse it when a limit would be passed."""
        reason = self.stopped or self._over(booking)
        if reason is not None:
            if self.stopped is None:
                self.stopped = reason
                log.warning(
                    "%s: no new model calls in this run; the remaining calls are left "
                    "pending and a re-run continues with them",
                    reason,
                )
            raise BudgetExceededError(f"{reason}; not sent to the model", run_level=True)
        self.reserved_usd += booking.usd
        self.reserved_tokens += booking.tokens

    def settle(self, booking: Reservation, usd: float, tokens: int) -> None:
        """Replace a reservation by what the attempt really cost."""
        self.reserved_usd = max(self.reserved_usd - booking.usd, 0.0)
        self.reserved_tokens = max(self.reserved_tokens - booking.tokens, 0)
        self.spent_usd += usd
        self.spent_tokens += tokens
        self.calls += 1
