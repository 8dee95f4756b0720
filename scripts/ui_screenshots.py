"""Screenshots of the reviewer app for the docs: the queue and a call page.

    python scripts/ui_screenshots.py [--out docs/img]

Processes the example calls into a fresh store, starts `callhandoff ui` on a
free loopback port and photographs it with headless Debian chromium (the same
helpers the browser test uses). Run from the repository root.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ui.browser import chromium_page, running_ui, set_reviewer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="callhandoff-shots-") as folder:
        env = {**os.environ, "CALLHANDOFF_DATA_DIR": folder}
        command = str(Path(sys.executable).with_name("callhandoff"))
        for args in (
            ["directory", "load", str(ROOT / "examples/store")],
            ["process", str(ROOT / "examples"), "--out", f"{folder}/h.jsonl"],
        ):
            subprocess.run([command, *args], env=env, check=True, capture_output=True)  # fmt: skip
        url = f"sqlite:///{folder}/callhandoff.db"
        with running_ui(url) as base, chromium_page(1500, 1050) as page:
            page.goto(base, wait_until="networkidle")
            page.get_by_text("Awaiting review").first.wait_for(timeout=30_000)
            set_reviewer(page, "Dana")
            time.sleep(1.5)
            page.screenshot(path=str(options.out / "review-queue.png"))
            page.get_by_role("button", name="Review next").click()
            page.get_by_text("What approval sends").wait_for(timeout=30_000)
            page.get_by_role("combobox", name="Show the evidence of").click()
            page.get_by_role("option").filter(has_text="Risk flags").first.click()
            time.sleep(2)
            page.screenshot(path=str(options.out / "review-call.png"))
    print(f"wrote {options.out / 'review-queue.png'} and {options.out / 'review-call.png'}")


if __name__ == "__main__":
    main()
