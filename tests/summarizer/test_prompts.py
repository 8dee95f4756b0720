"""Versioned prompt files: id + content hash, clear errors for bad ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

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


def test_a_prompt_file_at_any_path_is_used_with_its_hash(tmp_path: Path) -> None:
    raw = (PROMPTS_DIR / "hybrid-v1.md").read_bytes().replace(b"write a JSON", b"fill a JSON")
    path = tmp_path / "my-try.md"
    path.write_bytes(raw)
    prompt = load_prompt(str(path))
    assert prompt.id == "my-try" and prompt.sha256 == hashlib.sha256(raw).hexdigest()
    assert "fill a JSON" in prompt.system
    path.write_bytes(raw.replace(b"fill a JSON", b"give a JSON"))  # edited between runs
    assert "give a JSON" in load_prompt(str(path)).system
    with pytest.raises(ConfigError, match=r"prompt file not found: nowhere/x\.md"):
        load_prompt("nowhere/x.md")


def test_a_reask_names_the_failed_fields_with_their_guide_lines() -> None:
    prompt = load_prompt("hybrid-v1")
    text = prompt.render_reask(["urgency", "summary"], ["urgency: missing", "summary: empty"])
    assert "- urgency: low (only a question)" in text and "critical (safety" in text
    assert "- summary: what happened" in text and "- intent:" not in text
    assert text.rstrip().endswith("- urgency: missing\n- summary: empty")
    assert len(text) < len(prompt.system)


def test_a_prompt_without_a_reask_part_gets_the_default_one() -> None:
    raw = b"<!-- system -->\n- intent: what they want\n<!-- user -->\n$turns\n"
    prompt = parse_prompt("x", raw, origin="x.md")
    text = prompt.render_reask(["intent", "urgency"], ["intent: missing"])
    assert "- intent: what they want" in text and "- urgency" in text
    bad = raw + b"<!-- reask -->\n$fields $oops\n"
    with pytest.raises(ConfigError, match=r"the reask part may use only \$fields and \$problems"):
        parse_prompt("x", bad, origin="x.md")
