"""Card numbers and codes said on a call never reach the screen or an export."""

from __future__ import annotations

from callhandoff.review.highlight import Mark, turn_html
from callhandoff.review.masking import Masker
from tests.evals.fakes import transcript

CARD = "4111 1111 1111 1111"
CALL = transcript("call-1", f"My card is {CARD} and the order is A12345.")


def test_secrets_are_replaced_by_the_redaction_stages_masks() -> None:
    masker = Masker.of(CALL)
    shown = masker.transcript(CALL)
    assert CARD not in shown.turns[1].text
    assert "[redacted card number ending 1111]" in shown.turns[1].text
    assert masker.text(f"quote: {CARD}") == "quote: [redacted card number ending 1111]"
    assert masker.json({"summary": [f"said {CARD}"]}) == {
        "summary": ["said [redacted card number ending 1111]"]
    }


def test_a_transcript_with_nothing_sensitive_is_left_alone() -> None:
    plain = transcript("call-2", "Where is order A12345?")
    assert Masker.of(plain).transcript(plain) == plain


def test_evidence_is_marked_in_its_colour_with_an_anchor_and_escaped() -> None:
    html = turn_html(
        "Order <A12345> arrived broken",
        [
            Mark("order_id", "Order id", "#ffe08a", "<A12345>"),
            Mark("risk", "Risk", "#a8e6cf", "broken"),
        ],
        selected="risk",
        anchored=set(),
    )
    assert 'id="ev-order_id"' in html and "&lt;A12345&gt;" in html and "<A12345>" not in html
    assert "background:#a8e6cf;outline:2px solid" in html
