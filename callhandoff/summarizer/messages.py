"""The chat messages for one call: the prompt's system part and the numbered turns.

Each turn is one line, `[index] speaker: text`, with the index the transcript
uses, so the model cites turns by number and the grounding check can look the
quote up in exactly that turn. Turns left out to fit the budget are replaced by
one `[turns 4-9 left out]` line, so the numbering never shifts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tiktoken

from callhandoff.schema.transcript import Transcript
from callhandoff.summarizer.prompts import Prompt
from callhandoff.summarizer.tokens import count_text
from callhandoff.summarizer.truncation import fit_turns

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class BuiltMessages:
    """What is sent for one call, plus a note when turns had to be cut."""

    messages: list[dict[str, Any]]
    truncation: str | None
    prompt: Prompt

    def reask(self, fields: Sequence[str], problems: Sequence[str]) -> list[dict[str, Any]]:
        """A re-ask for `fields` only: the prompt's short re-ask part, then the same call."""
        return [
            {"role": "system", "content": self.prompt.render_reask(fields, problems)},
            self.messages[-1],
        ]


def turn_line(index: int, speaker: str, text: str) -> str:
    """`[3] customer: the words`, newlines folded so one turn is one line."""
    return f"[{index}] {speaker}: {_SPACES.sub(' ', text).strip()}"


def _cut_text(encoding: tiktoken.Encoding) -> Any:
    def cut(text: str, tokens: int) -> str:
        ids = encoding.encode(text, disallowed_special=())
        return text if len(ids) <= tokens else encoding.decode(ids[:tokens]) + " …"

    return cut


def numbered_turns(
    transcript: Transcript, encoding: tiktoken.Encoding, budget: int
) -> tuple[str, str | None]:
    """The transcript as numbered lines within `budget` tokens, and the cut note if any."""
    texts = [_SPACES.sub(" ", turn.text).strip() for turn in transcript.turns]
    speakers = [turn.speaker.value for turn in transcript.turns]
    cut = fit_turns(
        texts,
        budget,
        lambda text: count_text(text, encoding) + 6,  # + "[12] customer: " and newline
        _cut_text(encoding),
    )
    lines: list[str] = []
    gap: list[int] = []
    for index in range(len(texts)):
        if index in cut.kept:
            if gap:
                lines.append(_gap_line(gap))
                gap = []
            lines.append(turn_line(index, speakers[index], cut.kept[index]))
        else:
            gap.append(index)
    if gap:
        lines.append(_gap_line(gap))
    return "\n".join(lines), cut.note


def _gap_line(gap: list[int]) -> str:
    if len(gap) == 1:
        return f"[turn {gap[0]} left out]"
    return f"[turns {gap[0]}-{gap[-1]} left out]"


def build_messages(
    transcript: Transcript, prompt: Prompt, encoding: tiktoken.Encoding, budget: int
) -> BuiltMessages:
    """System + user messages for `transcript`, its turns cut to `budget` tokens if needed."""
    turns, note = numbered_turns(transcript, encoding, budget)
    user = prompt.render_user(
        destination=transcript.destination.value, store=transcript.store, turns=turns
    )
    return BuiltMessages(
        messages=[{"role": "system", "content": prompt.system}, {"role": "user", "content": user}],
        truncation=note,
        prompt=prompt,
    )
