"""Turning a transcript into a Handoff: the offline backend and the LLM backend."""
