"""summarizer stage."""
