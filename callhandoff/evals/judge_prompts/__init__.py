"""Versioned prompts of the summary judge (`callhandoff.evals.judge`), one Markdown file each."""
