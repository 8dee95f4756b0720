"""A content-addressed cache of model answers, in SQLite, that is also the run journal.

The key is the SHA-256 of everything that decides the answer: the model, the
endpoint, the prompt file's hash, the response schema's hash, the transcript's
content hash and the settings that change the request or its validation. The
value is the finished (not yet grounded) Handoff. Entries are written the moment
a call finishes, so a crashed batch re-run answers its finished items from here
and sends only the rest; a warm re-run makes no model call at all.

`--no-cache` (use_cache=False) skips reading but still writes, so the journal
stays complete for the next run.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callhandoff.exceptions import ConfigError
from callhandoff.schema.handoff import Handoff

CACHE_FILE = "llm-cache.db"
CACHE_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    transcript_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    handoff TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


def schema_hash(schema: Mapping[str, Any], mapping_version: str) -> str:
    """Hash of the response JSON schema and the mapping code version."""
    blob = json.dumps({"schema": schema, "mapping": mapping_version}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def key_prefix(
    *, model: str, prompt_hash: str, schema_hash: str, settings: Mapping[str, Any]
) -> str:
    """Everything in the key but the transcript, as canonical JSON (computed once per run)."""
    return json.dumps(
        {
            "format": CACHE_FORMAT,
            "model": model,
            "prompt": prompt_hash,
            "schema": schema_hash,
            "settings": dict(settings),
        },
        sort_keys=True,
        default=str,
    )


def cache_key(
    *,
    model: str,
    prompt_hash: str,
    schema_hash: str,
    transcript_hash: str,
    settings: Mapping[str, Any],
) -> str:
    """The content address of one model answer."""
    prefix = key_prefix(
        model=model, prompt_hash=prompt_hash, schema_hash=schema_hash, settings=settings
    )
    return key_for_transcript(prefix, transcript_hash)


def key_for_transcript(prefix: str, transcript_hash: str) -> str:
    """SHA-256 of the run's key prefix and one transcript's content hash."""
    return hashlib.sha256(f"{prefix}\n{transcript_hash}".encode()).hexdigest()


class LLMCache:
    """The SQLite cache file in the data directory; one connection, used from one thread."""

    def __init__(self, path: Path, *, read: bool = True):
        self.path = path
        self.read = read
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigError(
                f"{path}: cannot open the LLM cache ({exc}); check CALLHANDOFF_DATA_DIR"
            ) from exc

    @classmethod
    def in_data_dir(cls, data_dir: Path, *, read: bool = True) -> LLMCache:
        """The cache at `<data_dir>/llm-cache.db`."""
        return cls(data_dir / CACHE_FILE, read=read)

    def get(self, key: str) -> Handoff | None:
        """The cached handoff for `key` (`meta.cached` set), or None when reading is off."""
        if not self.read:
            return None
        row = self._db.execute("SELECT handoff FROM llm_cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Handoff.model_validate_json(row[0])

    def put(self, key: str, handoff: Handoff, *, transcript_hash: str) -> None:
        """Store (or replace) the answer for `key`, committed at once, marked as cached."""
        stored = handoff.model_copy(
            update={"meta": handoff.meta.model_copy(update={"cached": True})}
        )
        self._db.execute(
            "INSERT OR REPLACE INTO llm_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                handoff.call_id,
                transcript_hash,
                handoff.meta.model or "",
                handoff.meta.prompt_hash or "",
                stored.model_dump_json(),
                datetime.now(UTC).isoformat(),
            ),
        )

    def forget_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Drop the answers stored before `cutoff` (they quote their calls): retention.
        Returns how many were (with `dry_run`: would be) dropped."""
        since = (cutoff.astimezone(UTC).isoformat(),)
        if dry_run:
            row = self._db.execute("SELECT COUNT(*) FROM llm_cache WHERE created_at < ?", since)
            return int(row.fetchone()[0])
        return self._db.execute("DELETE FROM llm_cache WHERE created_at < ?", since).rowcount

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM llm_cache").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()
