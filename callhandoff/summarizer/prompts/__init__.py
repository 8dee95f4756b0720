"""Versioned prompt files: `<id>.md` here, each with a system part and a user template.

A prompt file has two parts, each opened by a marker line:

    <!-- system -->   the system message, sent as is
    <!-- user -->     the user message, a `string.Template` with $destination, $store, $turns

Every handoff records the prompt id and the SHA-256 of the file, so an eval run or
a cache entry always says exactly which words the model saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from callhandoff.exceptions import ConfigError

PROMPTS_DIR = Path(__file__).parent
_SYSTEM_MARK = "<!-- system -->"
_USER_MARK = "<!-- user -->"


@dataclass(frozen=True)
class Prompt:
    """One prompt version: its id, the hash of its file, and its two parts."""

    id: str
    sha256: str
    system: str
    user_template: Template

    def render_user(self, *, destination: str, store: str | None, turns: str) -> str:
        """The user message for one call; `turns` is the numbered transcript."""
        return self.user_template.substitute(
            destination=destination, store=f" ({store})" if store else "", turns=turns
        )


def available_prompts() -> list[str]:
    """Ids of every prompt shipped with callhandoff, sorted."""
    return sorted(path.stem for path in PROMPTS_DIR.glob("*.md"))


def parse_prompt(prompt_id: str, raw: bytes, *, origin: str) -> Prompt:
    """Split a prompt file into its parts; `origin` names the file in error messages."""
    text = raw.decode("utf-8")
    if text.count(_SYSTEM_MARK) != 1 or text.count(_USER_MARK) != 1:
        raise ConfigError(
            f"{origin}:1: a prompt file needs exactly one '{_SYSTEM_MARK}' line and one "
            f"'{_USER_MARK}' line"
        )
    before_user, user = text.split(_USER_MARK)
    system = before_user.split(_SYSTEM_MARK)[1].strip()
    template = Template(user.strip())
    unknown = set(template.get_identifiers()) - {"destination", "store", "turns"}
    if unknown or "turns" not in template.get_identifiers():
        line = text[: text.index(_USER_MARK)].count("\n") + 1
        raise ConfigError(
            f"{origin}:{line}: the user part must use $turns and only $destination, $store, "
            f"$turns (found {sorted(unknown) or 'no $turns'})"
        )
    return Prompt(
        id=prompt_id,
        sha256=hashlib.sha256(raw).hexdigest(),
        system=system,
        user_template=template,
    )


@lru_cache(maxsize=16)
def load_prompt(prompt_id: str) -> Prompt:
    """The shipped prompt `prompt_id` (e.g. 'handoff-v1'), or a ConfigError listing the ids."""
    path = PROMPTS_DIR / f"{prompt_id}.md"
    if "/" in prompt_id or "\\" in prompt_id or not path.is_file():
        raise ConfigError(
            f"unknown prompt {prompt_id!r} (CALLHANDOFF_PROMPT / --prompt): "
            f"available: {', '.join(available_prompts())}"
        )
    return parse_prompt(prompt_id, path.read_bytes(), origin=str(path))
