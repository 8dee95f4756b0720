"""Offline token counting: the shipped BPE ranks, no download, ever."""

from __future__ import annotations

import gzip
import hashlib

import pytest
import tiktoken.load

from callhandoff.exceptions import ConfigError
from callhandoff.summarizer import tokens

# tiktoken's own expected SHA-256 of the official .tiktoken files.
OFFICIAL_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def test_counting_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_download(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("tiktoken tried to fetch its ranks")

    monkeypatch.setattr(tiktoken.load, "read_file", no_download)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_download)
    tokens.get_encoding.cache_clear()
    o200k = tokens.get_encoding("o200k_base")
    cl100k = tokens.get_encoding("cl100k_base")
    # the well-known ids of "hello world" in each encoding
    assert o200k.encode("hello world") == [24912, 2375]
    assert cl100k.encode("hello world") == [15339, 1917]
    assert tokens.count_text("<|endoftext|> is text here", o200k) > 1


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_shipped_ranks_are_the_official_files(name: str) -> None:
    raw = gzip.decompress(tokens.ranks_path(name).read_bytes())
    assert hashlib.sha256(raw).hexdigest() == OFFICIAL_SHA256[name]


def test_unknown_encoding_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown encoding 'p50k_base'"):
        tokens.ranks_path("p50k_base")


def test_models_map_to_encodings() -> None:
    assert tokens.encoding_name("gpt-4o-mini") == "o200k_base"
    assert tokens.encoding_name("gpt-4") == "cl100k_base"
    assert tokens.encoding_name("SmolLM2-135M-Instruct") == "o200k_base"


def test_message_count_includes_framing_and_tool_schema() -> None:
    enc = tokens.get_encoding()
    messages = [{"role": "user", "content": "hello world"}]
    plain = tokens.count_messages(messages, enc)
    # "hello world" (2) + "user" (1) + per-message and reply framing
    assert plain == 2 + 1 + tokens.TOKENS_PER_MESSAGE + tokens.TOKENS_PER_REPLY
    with_tools = tokens.count_messages(messages, enc, tools=[{"type": "function", "x": "y" * 40}])
    assert with_tools > plain


def test_prices_longest_prefix_and_overrides() -> None:
    assert tokens.price_for("gpt-4o-mini-2024-07-18").input_per_mtok == 0.15
    assert tokens.price_for("gpt-4o-2024-08-06").input_per_mtok == 2.50
    assert tokens.price_for("llama3.1:8b") == tokens.FREE
    custom = tokens.price_for("llama3.1:8b", input_override=1.0, output_override=2.0)
    assert custom.cost(1_000_000, 500_000) == pytest.approx(2.0)
