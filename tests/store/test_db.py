"""Opening the embedded SQLite store: the settings every connection gets."""

from __future__ import annotations

from pathlib import Path

from callhandoff.store.db import MMAP_BYTES, WAL_CHECKPOINT_PAGES, open_store


def test_every_connection_logs_ahead_and_reads_through_a_memory_map(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        read = {
            pragma: cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("journal_mode", "synchronous", "foreign_keys", "mmap_size")
        }
        read["wal_autocheckpoint"] = cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    # synchronous 1 is NORMAL: a commit survives the process being killed, not a power cut
    assert read == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "mmap_size": MMAP_BYTES,
        "wal_autocheckpoint": WAL_CHECKPOINT_PAGES,
    }
