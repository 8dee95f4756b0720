"""Versioned prompt files: id + content hash, clear errors for bad ones."""

from __future__ import annotations

import hashlib

import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.summarizer.prompts import PROMPTS_DIR, available_prompts, load_prompt, parse_prompt


def test_shipped_prompt_has_id_hash_and_parts() -> None:
    prompt = load_prompt("handoff-v1")
    raw = (PROMPTS_DIR / "handoff-v1.md").read_bytes()
    assert prompt.id == "handoff-v1"
    assert prompt.sha256 == hashlib.sha256(raw).hexdigest()
    assert "cites its turn" in prompt.system
    user = prompt.render_user(destination="cults", store="maker-shop", turns="[0] customer: hi")
    assert user.startswith("Call for a cults store (maker-shop).")
    assert user.endswith("[0] customer: hi")
    assert "handoff-v1" in available_prompts()


def test_unknown_prompt_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown prompt 'handoff-v9'.*available: .*handoff-v1"):
        load_prompt("handoff-v9")
    with pytest.raises(ConfigError):
        load_prompt("../settings")


def test_malformed_prompt_file_names_file_and_line() -> None:
    with pytest.raises(ConfigError, match=r"^x\.md:1: a prompt file needs"):
        parse_prompt("x", b"no markers here", origin="x.md")
    bad = b"<!-- system -->\nhello\n<!-- user -->\n$turns $caller\n"
    with pytest.raises(ConfigError, match=r"^x\.md:3: the user part must use \$turns"):
        parse_prompt("x", bad, origin="x.md")
