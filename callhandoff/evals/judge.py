"""An LLM judge of summaries, and how often it agrees with a person.

The judge asks an OpenAI-compatible model (the project's settings: base URL,
model, API key, timeout) whether a summary is good or bad for a teammate who
never hears the call, given the transcript, the gold facts and the hand-written
reference; secrets said on the call are masked first (`evals.masking`). Its
prompt is a versioned file (`judge_prompts/<id>.md`, system part above the
`--- user ---` line, user template below); its id and SHA-256 are kept with every
verdict, so verdicts of two prompt versions are never mixed up.

A judge is only worth its agreement with people: `agreement` compares its
verdicts with hand labels (`evals/references/summary_labels.jsonl`) as raw
agreement and Cohen's kappa (agreement beyond what the label frequencies alone
would give; 0 = chance, 1 = perfect). `FactsCheck`, good when the summary names
every gold fact, is the rule-based baseline a model judge has to beat.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from callhandoff.evals.defaults import DEFAULT_JUDGE_PROMPT
from callhandoff.evals.gold import GoldItem
from callhandoff.evals.masking import secret_mask
from callhandoff.evals.references import Label, Reference
from callhandoff.evals.summaries import required_facts
from callhandoff.exceptions import ConfigError
from callhandoff.settings import Settings

USER_MARK = "--- user ---"
NO_KEY = "not-needed"
MAX_ANSWER_TOKENS = 120
_JSON_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)
_VERDICT_WORD = re.compile(r"\b(good|bad)\b", re.IGNORECASE)


@dataclass(frozen=True)
class JudgePrompt:
    """A versioned judge prompt: system text, user template, id and content hash."""

    id: str
    system: str
    user: str
    sha256: str


def load_judge_prompt(prompt_id: str = DEFAULT_JUDGE_PROMPT) -> JudgePrompt:
    """The prompt `judge_prompts/<prompt_id>.md` of the package."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", prompt_id):
        raise ConfigError(f"judge prompt id {prompt_id!r}: use lower-case letters, digits, - and .")
    file = resources.files("callhandoff.evals.judge_prompts") / f"{prompt_id}.md"
    if not file.is_file():
        raise ConfigError(f"no judge prompt {prompt_id!r} (callhandoff/evals/judge_prompts/)")
    raw = file.read_bytes()
    system, mark, user = raw.decode("utf-8").partition(USER_MARK)
    if not mark:
        raise ConfigError(f"judge prompt {prompt_id}: no {USER_MARK!r} line")
    return JudgePrompt(prompt_id, system.strip(), user.strip(), hashlib.sha256(raw).hexdigest())


class JudgeCase(BaseModel):
    """What the judge sees about one summary."""

    item_id: str
    transcript: str
    facts: list[str]
    reference: str | None = None
    summary: str
    next_step: str = ""
    missing_facts: list[str] = Field(
        default_factory=list,
        description="Gold facts the summary does not name (not shown to the model).",
    )


class Judgement(BaseModel):
    """The judge's verdict on one summary (None when its answer could not be read)."""

    item_id: str
    verdict: Label | None
    reason: str
    error: str | None = None


def judge_case(
    item: GoldItem, summary: str, next_step: str, reference: Reference | None
) -> JudgeCase:
    """The judge's view of a summary of `item`: numbered turns, gold facts, the reference."""
    gold = item.gold
    facts = [f"request: {gold.intent.value.replace('_', ' ')}"]
    ids = [gold.order_id, *gold.other_order_ids, *gold.product_skus, gold.booking_id,
           gold.customer_id]  # fmt: skip
    facts += [f"id: {value}" for value in ids if value]
    if gold.deadline_text or gold.deadline_date:
        when = gold.deadline_date.isoformat() if gold.deadline_date else ""
        facts.append(f"deadline: {gold.deadline_text or ''} {when}".strip())
    mask = secret_mask(item.transcript)
    turns = "\n".join(
        f"[{index}] {turn.speaker.value}: {mask(turn.text)}"
        for index, turn in enumerate(item.transcript.turns)
    )
    text = None if reference is None else f"{reference.summary} Next: {reference.next_step}"
    missing = [f"{f.kind}: {f.value}" for f in required_facts(gold, summary) if not f.present]
    return JudgeCase(item_id=item.id, transcript=turns, facts=facts, reference=text,
                     summary=mask(summary), next_step=mask(next_step),
                     missing_facts=missing)  # fmt: skip


def messages(prompt: JudgePrompt, case: JudgeCase) -> list[dict[str, str]]:
    """The chat messages for one case."""
    user = (
        prompt.user.replace("{transcript}", case.transcript)
        .replace("{facts}", "\n".join(f"- {fact}" for fact in case.facts))
        .replace("{reference}", case.reference or "(none)")
        .replace("{summary}", case.summary or "(empty)")
        .replace("{next_step}", case.next_step or "(none)")
    )
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def parse_verdict(text: str) -> tuple[Label | None, str]:
    """(verdict, reason) from the judge's answer: its JSON object, else a lone good/bad word."""
    for match in _JSON_OBJECT.finditer(text):
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        verdict = str(data.get("verdict", "")).strip().lower() if isinstance(data, dict) else ""
        if verdict in ("good", "bad"):
            return verdict, str(data.get("reason", "")).strip()  # type: ignore[return-value]
    words = {word.lower() for word in _VERDICT_WORD.findall(text)}
    if len(words) == 1:
        verdict = words.pop()
        return ("good" if verdict == "good" else "bad"), text.strip()[:200]
    return None, text.strip()[:200]


class ChatClient(Protocol):
    """The part of `openai.OpenAI` the judge uses."""

    @property
    def chat(self) -> Any: ...


def openai_client(settings: Settings) -> ChatClient:
    """An OpenAI client on the configured endpoint (a local server needs no key)."""
    import openai

    if not settings.base_url and settings.api_key is None:
        raise ConfigError(
            "the summary judge needs a model: set CALLHANDOFF_BASE_URL (and CALLHANDOFF_MODEL), "
            "or an API key for OpenAI"
        )
    key = settings.api_key.get_secret_value() if settings.api_key else NO_KEY
    client: ChatClient = openai.OpenAI(
        base_url=settings.base_url,
        api_key=key,
        max_retries=settings.max_retries,
        timeout=settings.timeout_s,
    )
    return client


class SummaryJudge:
    """Asks the model for a verdict per summary, one request at a time."""

    def __init__(self, settings: Settings, prompt: JudgePrompt, client: ChatClient | None = None):
        self.model = settings.model
        self.prompt = prompt
        self.client = client or openai_client(settings)

    def judge(self, case: JudgeCase) -> Judgement:
        """The verdict on one case; a failed request or unreadable answer is an error verdict."""
        import openai

        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=messages(self.prompt, case),
                temperature=0,
                max_tokens=MAX_ANSWER_TOKENS,
            )
        except openai.OpenAIError as exc:
            return Judgement(item_id=case.item_id, verdict=None, reason="",
                             error=f"{type(exc).__name__}: {exc}"[:300])  # fmt: skip
        text = completion.choices[0].message.content or ""
        verdict, reason = parse_verdict(text)
        error = None if verdict is not None else "the answer had no good/bad verdict"
        return Judgement(item_id=case.item_id, verdict=verdict, reason=reason, error=error)


class FactsCheck:
    """The rule-based baseline a model judge must beat: good when every gold fact is named."""

    model = "rule"

    def __init__(self) -> None:
        self.prompt = JudgePrompt("facts-check", "", "", hashlib.sha256(b"facts-check").hexdigest())

    def judge(self, case: JudgeCase) -> Judgement:
        """good when the summary names every required fact, else bad with what it misses."""
        if case.missing_facts:
            reason = "missing " + ", ".join(case.missing_facts)
            return Judgement(item_id=case.item_id, verdict="bad", reason=reason)
        return Judgement(item_id=case.item_id, verdict="good", reason="names every gold fact")


class Agreement(BaseModel):
    """The judge against hand labels."""

    labelled: int
    judged: int = Field(description="Labels the judge gave a readable verdict on.")
    agree: int
    accuracy: float | None
    kappa: float | None
    confusion: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="human label -> judge verdict ('none') -> count"
    )


def agreement(pairs: Sequence[tuple[Label, Label | None]]) -> Agreement:
    """Raw agreement and Cohen's kappa over the pairs the judge answered."""
    confusion: dict[str, dict[str, int]] = {"good": {}, "bad": {}}
    for human, judge in pairs:
        key = judge or "none"
        confusion[human][key] = confusion[human].get(key, 0) + 1
    answered = [(h, j) for h, j in pairs if j is not None]
    n = len(answered)
    agree = sum(1 for h, j in answered if h == j)
    kappa: float | None = None
    if n:
        observed = agree / n
        labels: tuple[Literal["good", "bad"], ...] = ("good", "bad")
        expected = sum(
            (sum(1 for h, _ in answered if h == label) / n)
            * (sum(1 for _, j in answered if j == label) / n)
            for label in labels
        )
        kappa = None if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(
        labelled=len(pairs),
        judged=n,
        agree=agree,
        accuracy=agree / n if n else None,
        kappa=kappa,
        confusion=confusion,
    )
