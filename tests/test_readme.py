"""The README's two set-up commands are the ones CI runs on a clean clone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install, test, *_ = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.DOTALL)
    return install, test


def test_ci_runs_the_readme_test_command_in_the_environment_the_first_command_makes() -> None:
    install, test = _commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install.startswith('python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && ')
    assert "python3 -m venv .venv" in ci and '.venv/bin/pip install --quiet -e ".[dev]"' in ci
    # the test command runs from any shell: no activated environment needed
    assert test == ".venv/bin/python -m pytest" and test in ci
    assert ci.index(test) < ci.index(".venv/bin/ruff check .") < ci.index(".venv/bin/mypy")
