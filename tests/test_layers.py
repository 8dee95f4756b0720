"""Imports point down the pipeline: a lower stage never imports a higher one.

`schema` and `normalize` are the shared base; the stages (`readers`,
`extractors`, `grounding`, `summarizer`) know nothing of routing, the store,
the eval suite or the CLI; `store` knows no stage above it. A violation here
is an import cycle waiting to happen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import callhandoff

PACKAGE = Path(callhandoff.__file__).parent

# module prefix -> packages it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "callhandoff.schema": (
        "callhandoff.readers",
        "callhandoff.extractors",
        "callhandoff.summarizer",
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
    ),
    "callhandoff.normalize": ("callhandoff.extractors", "callhandoff.routing", "callhandoff.evals"),
    "callhandoff.readers": (
        "callhandoff.extractors",
        "callhandoff.summarizer",
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
    ),
    "callhandoff.extractors": (
        "callhandoff.summarizer",
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
    ),
    "callhandoff.grounding": (
        "callhandoff.summarizer",
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
    ),
    "callhandoff.summarizer": (
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
        "callhandoff.service",
    ),
    "callhandoff.store": (
        "callhandoff.review",
        "callhandoff.ui",
        "callhandoff.routing",
        "callhandoff.summarizer",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
        "callhandoff.service",
    ),
    "callhandoff.redaction": (
        "callhandoff.summarizer",
        "callhandoff.routing",
        "callhandoff.store",
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.pipeline",
    ),
    "callhandoff.routing": (
        "callhandoff.evals",
        "callhandoff.cli",
        "callhandoff.review",
        "callhandoff.ui",
        "callhandoff.service",
    ),
    "callhandoff.evals": ("callhandoff.review", "callhandoff.ui", "callhandoff.cli"),
    "callhandoff.review": ("callhandoff.ui", "callhandoff.cli"),
    "callhandoff.pipeline": ("callhandoff.service", "callhandoff.cli"),
    "callhandoff.service": ("callhandoff.cli", "callhandoff.evals"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_imports_a_stage_above_it(path: Path) -> None:
    name = _module_name(path)
    rules = [
        bad for prefix, bad in FORBIDDEN.items() if name == prefix or name.startswith(prefix + ".")
    ]
    problems = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imports(path)
        for forbidden in (b for group in rules for b in group)
        if module == forbidden or module.startswith(forbidden + ".")
    ]
    assert not problems, problems
