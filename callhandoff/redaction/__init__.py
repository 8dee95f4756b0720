"""Redaction: secrets said on a call are masked before anything else sees the transcript.

`stage.redact_stream` is the pipeline's first stage after reading; `secrets` finds
card numbers, CVVs, one-time codes, PINs, passwords, security answers and ID
numbers (written, spoken or spelled); `masks` spells the mask left in their place;
`contacts` swaps e-mails, phones and names for placeholders on their way to a model.
Import from the submodules (this package imports nothing, so the extractors can use
`masks` without loading the rest).
"""
