"""Versioned prompt files: `<id>.md` here (or any path), each a system part and templates.

A prompt file has two or three parts, each opened by a marker line:

    <!-- system -->   the system message, sent as is
    <!-- user -->     the user message, a `string.Template` with $destination, $store, $turns
    <!-- reask -->    optional: the system message of a re-ask for the fields that
                      failed, a `string.Template` with $fields (the system part's
                      guide lines of those fields, `- name...` lines) and $problems

Every handoff records the prompt id and the SHA-256 of the file, so an eval run or
a cache entry always says exactly which words the model saw. A prompt given as a
path (`--prompt my/prompt.md`) gets the file's stem as its id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from callhandoff.exceptions import ConfigError

PROMPTS_DIR = Path(__file__).parent
_SYSTEM_MARK = "<!-- system -->"
_USER_MARK = "<!-- user -->"
_REASK_MARK = "<!-- reask -->"
_GUIDE_LINE = re.compile(r"^- ([a-z_]+)\b")
DEFAULT_REASK = Template(
    "You correct part of a handoff for one customer-service call for an online store. "
    "Answer with JSON holding only these fields:\n$fields\n\n"
    'Every value has "turn", the number in [brackets] of its line, and "quote", a few '
    "words copied exactly from that line.\n\nThe earlier answer had these problems:\n"
    "$problems"
)


@dataclass(frozen=True)
class Prompt:
    """One prompt version: its id, the hash of its file, and its two parts."""

    id: str
    sha256: str
    system: str
    user_template: Template
    reask_template: Template = DEFAULT_REASK

    def render_user(self, *, destination: str, store: str | None, turns: str) -> str:
        """The user message for one call; `turns` is the numbered transcript."""
        return self.user_template.substitute(
            destination=destination, store=f" ({store})" if store else "", turns=turns
        )

    def field_guide(self, fields: Sequence[str]) -> str:
        """The system part's `- field ...` lines (with their indented continuations)."""
        wanted = set(fields)
        lines: list[str] = []
        keep = False
        for line in self.system.splitlines():
            match = _GUIDE_LINE.match(line)
            if match is not None or not line.startswith((" ", "\t")):
                keep = match is not None and match.group(1) in wanted
            if keep:
                lines.append(line)
        found = {m.group(1) for line in lines if (m := _GUIDE_LINE.match(line))}
        lines += [f"- {name}" for name in fields if name not in found]
        return "\n".join(lines)

    def render_reask(self, fields: Sequence[str], problems: Sequence[str]) -> str:
        """The system message of a re-ask for `fields`, naming each field's problem."""
        return self.reask_template.substitute(
            fields=self.field_guide(fields), problems="\n".join(f"- {p}" for p in problems)
        )


def available_prompts() -> list[str]:
    """Ids of every prompt shipped with callhandoff, sorted."""
    return sorted(path.stem for path in PROMPTS_DIR.glob("*.md"))


def parse_prompt(prompt_id: str, raw: bytes, *, origin: str) -> Prompt:
    """Split a prompt file into its parts; `origin` names the file in error messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{origin}: a prompt file must be UTF-8 text ({exc.reason})") from exc
    if (
        text.count(_SYSTEM_MARK) != 1
        or text.count(_USER_MARK) != 1
        or text.count(_REASK_MARK) > 1
        or text.find(_SYSTEM_MARK) > text.find(_USER_MARK)
    ):
        raise ConfigError(
            f"{origin}:1: a prompt file needs exactly one '{_SYSTEM_MARK}' line, then one "
            f"'{_USER_MARK}' line (and at most one '{_REASK_MARK}' line after it)"
        )
    text, _, reask = text.partition(_REASK_MARK)
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
    reask_template = Template(reask.strip()) if reask.strip() else DEFAULT_REASK
    unknown = set(reask_template.get_identifiers()) - {"fields", "problems"}
    if unknown:
        line = text.count("\n") + 1
        raise ConfigError(
            f"{origin}:{line}: the reask part may use only $fields and $problems "
            f"(found {sorted(unknown)})"
        )
    return Prompt(
        id=prompt_id,
        sha256=hashlib.sha256(raw).hexdigest(),
        system=system,
        user_template=template,
        reask_template=reask_template,
    )


def is_prompt_path(prompt: str) -> bool:
    """True when `prompt` names a file (has a folder part or ends in .md) rather than an id."""
    return "/" in prompt or "\\" in prompt or prompt.endswith(".md")


def load_prompt(prompt_id: str) -> Prompt:
    """The shipped prompt `prompt_id` (e.g. 'handoff-v1') or the prompt file at that path.

    A file is read on every call (it may be edited between runs); a ConfigError
    lists the shipped ids when neither exists.
    """
    if not is_prompt_path(prompt_id):
        return _shipped(prompt_id)
    file = Path(prompt_id)
    if not file.is_file():
        raise ConfigError(
            f"prompt file not found: {prompt_id} (CALLHANDOFF_PROMPT / --prompt); "
            f"shipped prompts: {', '.join(available_prompts())}"
        )
    return parse_prompt(file.stem, file.read_bytes(), origin=str(file))


@lru_cache(maxsize=16)
def _shipped(prompt_id: str) -> Prompt:
    path = PROMPTS_DIR / f"{prompt_id}.md"
    if not path.is_file():
        raise ConfigError(
            f"unknown prompt {prompt_id!r} (CALLHANDOFF_PROMPT / --prompt): "
            f"available: {', '.join(available_prompts())}"
        )
    return parse_prompt(prompt_id, path.read_bytes(), origin=str(path))
