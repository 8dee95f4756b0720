"""evals stage."""

from pathlib import Path

#: The store directory the gold decisions were labelled against.
DEMO_DIRECTORY = Path("examples/store")
