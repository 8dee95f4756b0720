"""Destination health: the circuit breaker every deliverer shares through the store.

A destination that fails `threshold` times in a row (timeouts, refused
connections, 5xx, 429) is paused: no deliverer sends to it until `open_until`.
Then exactly one deliverer wins the probe (`take_probe`) and sends one row; a
success closes the breaker, a failure pauses the destination again for twice as
long (up to the maximum). While paused, rows wait without spending attempts, so an
outage delays actions instead of killing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.store.db import insert_if_new
from callhandoff.store.tables import destination_health


@dataclass(frozen=True)
class Health:
    """One destination's breaker: failures in a row, pauses so far, paused until when."""

    destination: str
    failures: int
    opened: int
    open_until: datetime | None
    last_error: str | None

    def paused(self, now: datetime) -> bool:
        """True while the destination must not be sent to."""
        return self.open_until is not None and self.open_until > now


@dataclass(frozen=True)
class Breaker:
    """The breaker's policy."""

    threshold: int
    cooldown_s: float
    cooldown_max_s: float

    def cooldown(self, opened: int) -> float:
        """The pause after the `opened`-th consecutive opening (1-based)."""
        return min(self.cooldown_s * 2.0 ** max(opened - 1, 0), self.cooldown_max_s)


def health(engine: Engine) -> dict[str, Health]:
    """Every destination that has ever failed, by name."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(destination_health)).mappings()
        return {
            row["destination"]: Health(
                destination=row["destination"],
                failures=int(row["failures"]),
                opened=int(row["opened"]),
                open_until=row["open_until"],
                last_error=row["last_error"],
            )
            for row in rows
        }


def _ensure_row(connection: Connection, destination: str, now: datetime) -> None:
    values = {"destination": destination, "failures": 0, "opened": 0, "updated_at": now}
    insert_if_new(connection, destination_health, "destination", values)


def record_failure(
    engine: Engine,
    destination: str,
    now: datetime,
    breaker: Breaker,
    *,
    error: str,
    retry_after_s: float | None = None,
    probe: bool = False,
) -> datetime | None:
    """Count a failure; pause the destination when it reaches the threshold.

    A `Retry-After` longer than the cooldown is honoured. A failed probe pauses
    the destination again, for longer. Returns until when the destination is
    paused, or None while it is still open.
    """
    with engine.begin() as connection:
        _ensure_row(connection, destination, now)
        row = (
            connection.execute(
                sa.update(destination_health)
                .where(destination_health.c.destination == destination)
                .values(
                    failures=destination_health.c.failures + 1,
                    last_error=error[:500],
                    updated_at=now,
                )
                .returning(
                    destination_health.c.failures,
                    destination_health.c.opened,
                    destination_health.c.open_until,
                )
            )
            .mappings()
            .one()
        )
        paused_until: datetime | None = row["open_until"]
        if not probe and paused_until is not None and paused_until > now:
            return paused_until  # already paused: failures in flight do not lengthen it
        if int(row["failures"]) < breaker.threshold:
            return None
        opened = int(row["opened"]) + 1
        pause = max(breaker.cooldown(opened), retry_after_s or 0.0)
        until = now + timedelta(seconds=pause)
        connection.execute(
            sa.update(destination_health)
            .where(destination_health.c.destination == destination)
            .values(opened=opened, open_until=until)
        )
        return until


def record_success(engine: Engine, destination: str, now: datetime) -> None:
    """The destination answered: close its breaker and forget its failures."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(destination_health)
            .where(
                destination_health.c.destination == destination,
                sa.or_(destination_health.c.failures > 0, destination_health.c.opened > 0),
            )
            .values(failures=0, opened=0, open_until=None, last_error=None, updated_at=now)
        )


def take_probe(engine: Engine, destination: str, now: datetime, hold_s: float) -> bool:
    """Win the single probe of a destination whose pause has run out.

    The winner keeps the destination paused for everyone else for `hold_s` while
    it sends one row; exactly one caller gets True.
    """
    with engine.begin() as connection:
        won = connection.execute(
            sa.update(destination_health)
            .where(
                destination_health.c.destination == destination,
                destination_health.c.open_until.is_not(None),
                destination_health.c.open_until <= now,
            )
            .values(open_until=now + timedelta(seconds=hold_s), updated_at=now)
        )
    return bool(won.rowcount)
