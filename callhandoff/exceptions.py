"""Every error callhandoff raises on purpose, in one place.

Two families, kept apart because the user does different things about them:
a *user error* is fixed by changing the input, the configuration or the
command; a *backend error* is a model or transport failure that a retry, a
fallback to review, or waiting may cure.

    CallhandoffError
    ├── UserError                    fix the input, the settings or the command
    │   ├── InputError               a transcript or fixture record is malformed (file, line)
    │   ├── ConfigError              a setting, policy file or threshold file is invalid
    │   ├── UnknownDestinationError  a destination other than cloudcart / cults
    │   ├── NotFoundError            a call ID, run ID or record that does not exist
    │   └── ReviewError              a review action that cannot be done as asked
    │       ├── ReviewConflictError  another reviewer acted first, holds the item, or it changed
    │       └── InvalidEditError     a reviewer's edited field values fail the handoff schema
    └── BackendError                 the model or the network failed
        ├── TransportError           timeout, connection error, 429 or 5xx after all retries
        ├── ModelOutputError         model output stayed invalid or ungrounded after retries
        └── BudgetExceededError      a per-call token budget or a per-run limit was reached

Messages are written for the person at the terminal: what went wrong, where,
and what to do about it. Nothing secret (API keys, full transcripts) goes in a
message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CallhandoffError(Exception):
    """Base of every error callhandoff raises deliberately."""


class UserError(CallhandoffError):
    """The input, the settings or the command needs fixing; retrying will not help."""


class InputError(UserError):
    """A transcript (or a directory fixture record) could not be read.

    Carries the file and the 1-based line so a batch can report it, write it to the
    rejects file and go on with the next item.
    """

    def __init__(self, problem: str, *, path: Path | str | None = None, line: int | None = None):
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.location_prefix() + problem)

    def location_prefix(self) -> str:
        """`file:line: ` (or less, when either is unknown) to prefix messages with."""
        if self.path is None:
            return ""
        if self.line is None:
            return f"{self.path}: "
        return f"{self.path}:{self.line}: "


class ConfigError(UserError):
    """A setting, the policy file or the threshold file is invalid."""


class UnknownDestinationError(UserError):
    """The destination is neither `cloudcart` nor `cults`."""

    def __init__(self, destination: str):
        self.destination = destination
        super().__init__(
            f"unknown destination {destination!r}: use 'cloudcart' or 'cults' "
            "(set it in the transcript or with --destination)"
        )


class NotFoundError(UserError):
    """A call ID, eval run or record that the store does not hold."""


class ReviewError(UserError):
    """A review action that cannot be done as asked (nothing was changed)."""


class ReviewConflictError(ReviewError):
    """A review action that cannot apply: another reviewer acted first or holds the item.

    The message says who did what and when, so the reviewer who lost knows why
    nothing was changed.
    """


class InvalidEditError(ReviewError):
    """Edited field values that the handoff schema refuses; `problems` maps field to reason."""

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        listed = "; ".join(f"{name}: {why}" for name, why in self.problems.items())
        super().__init__(f"the edited fields are not valid: {listed}")


class BackendError(CallhandoffError):
    """The model or the network failed; the call falls back to review."""


class TransportError(BackendError):
    """Timeouts, connection errors, 429 and 5xx that outlasted every retry."""

    def __init__(self, message: str, *, attempts: int, status_code: int | None = None):
        self.attempts = attempts
        self.status_code = status_code
        super().__init__(message)


class ModelOutputError(BackendError):
    """The model's answer stayed invalid (schema, enum, grounding) after every retry.

    Like instructor's own retry error it carries the attempts, the last completion
    text and the token usage summed over all attempts, so the fallback can record them.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        last_completion: str | None = None,
        usage: dict[str, Any] | None = None,
    ):
        self.attempts = attempts
        self.last_completion = last_completion
        self.usage = usage or {}
        super().__init__(message)


class BudgetExceededError(BackendError):
    """A per-call token budget or a per-run limit (cost, tokens) would be exceeded.

    `run_level` is true for the run's limits: the call is then left pending for
    the next run rather than failed.
    """

    def __init__(self, message: str, *, run_level: bool = False):
        self.run_level = run_level
        super().__init__(message)
