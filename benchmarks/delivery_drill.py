"""Delivery drills with real deliverer processes against a counting local receiver.

    .venv/bin/python benchmarks/delivery_drill.py [--actions 1000] [--outage 120]
        [--store sqlite|postgresql]

Three runs of `callhandoff.service.drill.delivery_drill`, each on a fresh store:

1. 4 deliverers (`callhandoff deliver --follow`) share 1,000 actions: every key
   must be sent exactly once;
2. 3 deliverers, 20 random SIGKILLs (each replaced): nothing lost, nothing
   applied twice by a destination honouring Idempotency-Key, and the re-sends;
3. the receiver answers 503 for the first `--outage` seconds (a real outage, in
   real time), 4 deliverers: every action delivered, none dead, and how long after
   the recovery delivery finished.

Prints each run's figures (`DrillReport.lines()`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callhandoff.service.drill import delivery_drill  # noqa: E402
from tests.services import start_postgres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=120.0)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    postgres = start_postgres() if args.store == "postgresql" else None
    try:
        with tempfile.TemporaryDirectory(prefix="drill-") as folder:

            def store(name: str) -> str:
                if postgres is not None:
                    return postgres.database(name)
                return f"sqlite:///{Path(folder) / name}.db"

            runs = [
                ("4 deliverers", {"deliverers": 4}),
                ("20 kills", {"deliverers": 3, "kills": 20, "kill_every_s": 0.3}),
                (
                    f"{args.outage:g} s outage",
                    {"deliverers": 4, "outage_s": args.outage, "timeout_s": args.outage + 900},
                ),
            ]
            for index, (label, options) in enumerate(runs):
                report = delivery_drill(
                    store(f"drill{index}"),
                    actions=args.actions,
                    **options,  # type: ignore[arg-type]
                )
                print(f"\n== {label} ({args.store}) ==")
                print("\n".join(report.lines()))
    finally:
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()
