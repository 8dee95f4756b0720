"""callhandoff: customer-call transcripts in, grounded action-ready handoffs out.

The public API, for use as a library::

    from callhandoff import Settings, build_backend, process_stream, Router
    from callhandoff.readers import iter_inputs

    settings = Settings()
    calls = iter_inputs(["calls/"], default_destination=settings.default_destination,
                        tz=settings.tz)
    for result in process_stream(calls, build_backend(settings), settings,
                                 router=Router.from_settings(settings)):
        ...

Names are loaded on first use, so `import callhandoff` (and the command line)
stays fast; everything else is internal and may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "CallResult": "callhandoff.schema.result",
    "CallhandoffError": "callhandoff.exceptions",
    "BackendError": "callhandoff.exceptions",
    "BudgetExceededError": "callhandoff.exceptions",
    "ConfigError": "callhandoff.exceptions",
    "Handoff": "callhandoff.schema.handoff",
    "InputError": "callhandoff.exceptions",
    "ModelOutputError": "callhandoff.exceptions",
    "NotFoundError": "callhandoff.exceptions",
    "Rejected": "callhandoff.schema.result",
    "Router": "callhandoff.routing.router",
    "Settings": "callhandoff.settings",
    "Transcript": "callhandoff.schema.transcript",
    "TransportError": "callhandoff.exceptions",
    "UnknownDestinationError": "callhandoff.exceptions",
    "UserError": "callhandoff.exceptions",
    "build_backend": "callhandoff.summarizer.factory",
    "process_stream": "callhandoff.pipeline",
}

__all__ = [
    "BackendError",
    "BudgetExceededError",
    "CallResult",
    "CallhandoffError",
    "ConfigError",
    "Handoff",
    "InputError",
    "ModelOutputError",
    "NotFoundError",
    "Rejected",
    "Router",
    "Settings",
    "Transcript",
    "TransportError",
    "UnknownDestinationError",
    "UserError",
    "build_backend",
    "process_stream",
]

if TYPE_CHECKING:
    from callhandoff.exceptions import (
        BackendError,
        BudgetExceededError,
        CallhandoffError,
        ConfigError,
        InputError,
        ModelOutputError,
        NotFoundError,
        TransportError,
        UnknownDestinationError,
        UserError,
    )
    from callhandoff.pipeline import process_stream
    from callhandoff.routing.router import Router
    from callhandoff.schema.handoff import Handoff
    from callhandoff.schema.result import CallResult, Rejected
    from callhandoff.schema.transcript import Transcript
    from callhandoff.settings import Settings
    from callhandoff.summarizer.factory import build_backend


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'callhandoff' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
