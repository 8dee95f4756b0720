"""callhandoff: customer-call transcripts in, grounded action-ready handoffs out."""

__version__ = "0.1.0"
