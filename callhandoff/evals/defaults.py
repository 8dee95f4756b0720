"""What the eval commands offer as defaults, in a module that imports nothing heavy.

The command line shows these in `--help` and must not load the eval machinery
(numpy, the pipeline, the store) to do so; the modules that use them import
them from here.
"""

from __future__ import annotations

from pathlib import Path

#: The gold dataset `eval run` scores by default.
DEFAULT_DATASET = Path("evals/datasets/dev.jsonl")
#: Thresholds and decision-cost weights of the CI gate.
DEFAULT_THRESHOLDS = Path("evals/thresholds.yaml")
#: The store directory the gold decisions were labelled against.
DEMO_DIRECTORY = Path("examples/store")
#: Paired-bootstrap defaults of `eval compare`: the same seed gives the same intervals.
DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20250314
#: The versioned prompt of the summary judge.
DEFAULT_JUDGE_PROMPT = "summary-judge-v1"
#: Hand labels (good / bad) of summaries, for the judge's agreement.
SUMMARY_LABELS_PATH = Path("evals/references/summary_labels.jsonl")
