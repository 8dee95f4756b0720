"""Opening the embedded SQLite store: the settings every connection gets."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from callhandoff.store.db import MMAP_BYTES, PAGE_BYTES, WAL_CHECKPOINT_BYTES, open_store


def _pragmas(url: str) -> dict[str, object]:
    engine = open_store(url)
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        read = {
            pragma: cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in (
                "journal_mode",
                "synchronous",
                "foreign_keys",
                "mmap_size",
                "page_size",
                "wal_autocheckpoint",
            )
        }
    engine.dispose()
    return read


def test_every_connection_logs_ahead_and_reads_through_a_memory_map(tmp_path: Path) -> None:
    read = _pragmas(f"sqlite:///{tmp_path / 'store.db'}")
    # synchronous 1 is NORMAL: a commit survives the process being killed, not a power cut
    assert read == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "mmap_size": MMAP_BYTES,
        "page_size": PAGE_BYTES,
        "wal_autocheckpoint": WAL_CHECKPOINT_BYTES // PAGE_BYTES,
    }


def test_a_store_created_with_smaller_pages_keeps_them_and_the_same_log_size(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as made:  # a store from before 16 KB pages
        made.execute("PRAGMA page_size=4096")
        made.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
    read = _pragmas(f"sqlite:///{path}")
    assert read["page_size"] == 4096
    assert read["wal_autocheckpoint"] == WAL_CHECKPOINT_BYTES // 4096
    assert sqlite3.connect(path).execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_a_finished_command_leaves_the_store_in_one_file(tmp_path: Path) -> None:
    """The log is folded back into the database when the command ends, so copying
    `callhandoff.db` alone copies every call."""
    data = tmp_path / "data"
    transcript = Path(__file__).parents[2] / "examples" / "cloudcart-damaged-duvet.txt"
    subprocess.run(
        [sys.executable, "-m", "callhandoff", "process", str(transcript), "--no-progress"],
        cwd=tmp_path,
        env={"CALLHANDOFF_DATA_DIR": str(data), "PATH": ""},
        capture_output=True,
        check=True,
    )
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("callhandoff.db")) == [
        "callhandoff.db"
    ]
    copy = shutil.copy(data / "callhandoff.db", tmp_path / "copy.db")
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM calls").fetchone() == (1,)
