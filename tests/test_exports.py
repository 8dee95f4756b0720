"""The public API: exactly these names, each importable from `callhandoff` itself."""

from __future__ import annotations

import subprocess
import sys

import callhandoff

PUBLIC = [
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


def test_the_export_list_is_the_public_api() -> None:
    assert callhandoff.__all__ == PUBLIC


def test_every_exported_name_has_a_home_module() -> None:
    assert sorted(callhandoff._EXPORTS) == PUBLIC


def test_every_public_name_resolves_and_is_defined_where_documented() -> None:
    for name in PUBLIC:
        value = getattr(callhandoff, name)
        assert value.__name__ == name
        assert value.__module__.startswith("callhandoff.")


def test_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from callhandoff import *", namespace)
    assert set(PUBLIC) <= set(namespace)


def test_importing_the_package_loads_no_pipeline_stage() -> None:
    code = (
        "import sys, callhandoff; "
        "print(any(m.startswith(('callhandoff.routing', 'callhandoff.summarizer', "
        "'sqlalchemy', 'openai')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
