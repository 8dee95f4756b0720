"""The summary judge: its versioned prompt, reading its answer, asking a model (the local fake
server), and its agreement with hand labels."""

from __future__ import annotations

from typing import Any

import pytest

from callhandoff.evals.judge import (
    FactsCheck,
    SummaryJudge,
    agreement,
    judge_case,
    load_judge_prompt,
    messages,
    parse_verdict,
)
from callhandoff.evals.references import Reference
from callhandoff.exceptions import ConfigError
from callhandoff.settings import Settings
from callhandoff.summarizer.fake_server import running_fake_server

from .fakes import gold_item

ITEM = gold_item("j1", order_id="403-1234567-8901234", deadline_text="by Friday")
REFERENCE = Reference(id="j1", summary="Refund for the broken lamp, order 403-1234567-8901234.",
                      next_step="Refund the lamp.")  # fmt: skip


def test_the_prompt_is_a_versioned_file_with_a_hash() -> None:
    prompt = load_judge_prompt()
    assert prompt.id == "summary-judge-v1"
    assert len(prompt.sha256) == 64
    assert "{summary}" in prompt.user and "{transcript}" in prompt.user
    with pytest.raises(ConfigError, match="no judge prompt 'summary-judge-v0'"):
        load_judge_prompt("summary-judge-v0")


def test_the_judge_sees_numbered_turns_the_gold_facts_and_the_reference() -> None:
    case = judge_case(ITEM, "Refund for order 403-1234567-8901234.", "Refund it.", REFERENCE)
    assert case.facts == ["request: refund", "id: 403-1234567-8901234", "deadline: by Friday"]
    user = messages(load_judge_prompt(), case)[1]["content"]
    assert "[1] customer: Hi, this is about order" in user
    assert "- id: 403-1234567-8901234" in user
    assert "Refund for the broken lamp" in user
    assert "{" not in user.split("SUMMARY TO CHECK")[1]  # every placeholder filled


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ('{"verdict": "good", "reason": "names the order"}', "good"),
        ('Sure! ```json\n{"verdict": "BAD", "reason": "wrong intent"}\n```', "bad"),
        ("The summary is bad.", "bad"),
        ("good or bad? hard to say", None),
        ("", None),
    ],
)
def test_the_verdict_is_read_from_json_or_a_lone_word(answer: str, verdict: str | None) -> None:
    assert parse_verdict(answer)[0] == verdict


def test_agreement_and_kappa_on_a_worked_example() -> None:
    # human/judge: 4 good/good, 1 good/bad, 1 bad/good, 2 bad/bad; one unanswered
    pairs: list[Any] = [("good", "good")] * 4 + [("good", "bad"), ("bad", "good")]
    pairs += [("bad", "bad")] * 2 + [("bad", None)]
    result = agreement(pairs)
    assert (result.labelled, result.judged, result.agree) == (9, 8, 6)
    assert result.accuracy == pytest.approx(0.75)
    # expected agreement (5/8)^2 + (3/8)^2 = 34/64; kappa = (0.75 - 34/64) / (1 - 34/64) = 7/15
    assert result.kappa == pytest.approx(7 / 15)
    assert result.confusion == {"good": {"good": 4, "bad": 1}, "bad": {"good": 1, "bad": 2,
                                                                         "none": 1}}  # fmt: skip


def _strict_judge(request: dict[str, Any]) -> dict[str, Any]:
    """A stand-in model: bad when the summary to check lacks the order id."""
    user = request["messages"][1]["content"]
    summary = user.split("SUMMARY TO CHECK:")[1]
    ok = "403-1234567-8901234" in summary
    return {"verdict": "good" if ok else "bad", "reason": "order named" if ok else "no order id"}


@pytest.mark.allow_model_calls
def test_the_judge_asks_the_configured_endpoint_and_reads_its_verdicts() -> None:
    with running_fake_server(answer=_strict_judge) as server:
        settings = Settings(base_url=server.base_url, model="judge-model")
        judge = SummaryJudge(settings, load_judge_prompt())
        good = judge.judge(judge_case(ITEM, "Refund on 403-1234567-8901234.", "", REFERENCE))
        bad = judge.judge(judge_case(ITEM, "Caller wants a refund.", "", REFERENCE))
        assert server.served == 2
    assert (good.verdict, good.reason, good.error) == ("good", "order named", None)
    assert (bad.verdict, bad.reason) == ("bad", "no order id")


@pytest.mark.allow_model_calls
def test_an_answer_without_a_verdict_is_an_error_not_a_guess() -> None:
    with running_fake_server(answer=lambda _request: {"summary": "not a verdict"}) as server:
        judge = SummaryJudge(Settings(base_url=server.base_url), load_judge_prompt())
        result = judge.judge(judge_case(ITEM, "Refund.", "", None))
    assert result.verdict is None
    assert result.error == "the answer had no good/bad verdict"


def test_the_facts_check_is_good_only_when_every_gold_fact_is_named() -> None:
    check = FactsCheck()
    named = check.judge(judge_case(ITEM, "Refund for 403-1234567-8901234 by Friday.", "", None))
    assert (named.verdict, named.reason) == ("good", "names every gold fact")
    vague = check.judge(judge_case(ITEM, "Caller wants a refund.", "", None))
    assert vague.verdict == "bad"
    assert vague.reason == "missing id: 403-1234567-8901234, deadline: by Friday"


def test_the_judge_needs_an_endpoint_or_a_key() -> None:
    with pytest.raises(ConfigError, match="the summary judge needs a model"):
        SummaryJudge(Settings(), load_judge_prompt())
