"""Calls in which secrets are said (written, spoken, spelled), and how to look for them.

Each case lists the secret as the caller said it (`said`, exact words) and its
canonical `value`; `leaks(text)` finds either in any artefact, whatever spaces,
commas or dashes sit between the characters. `benchmarks/robustness.py` and the
leak tests share this corpus, rendered in all four input formats.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ORDER = "Hi, I'm calling about my order HH-100234."


@dataclass(frozen=True)
class Case:
    """One call: turns as (speaker, text) and the secrets said in it."""

    name: str
    turns: tuple[tuple[str, str], ...]
    secrets: tuple[tuple[str, str], ...]  # (value, exact words said)


def _c(name: str, *turns: tuple[str, str], secrets: tuple[tuple[str, str], ...]) -> Case:
    return Case(name, (("customer", ORDER), ("agent", "Sure, how can I help?"), *turns), secrets)


C, A = "customer", "agent"
CASES: tuple[Case, ...] = (
    _c("otp-written", (C, "The verification code is 583920."), secrets=(("583920", "583920"),)),
    _c(
        "otp-spoken-texted",
        (
            C,
            "the code you texted me was five eight three nine two zero, and my login is julien77 "
            "with Hunter2 as the secret",
        ),
        secrets=(("583920", "five eight three nine two zero"), ("Hunter2", "Hunter2")),
    ),
    _c(
        "otp-answer-written",
        (A, "Can you read me the code we just sent you?"),
        (C, "Sure, it's 771204."),
        secrets=(("771204", "771204"),),
    ),
    _c(
        "otp-answer-spoken",
        (A, "What's the one-time code on your phone?"),
        (C, "seven seven one, two zero four"),
        secrets=(("771204", "seven seven one, two zero four"),),
    ),
    _c(
        "otp-answer-split",
        (A, "Please read me the verification code."),
        (C, "four four nine"),
        (A, "go on"),
        (C, "one eight six"),
        secrets=(("449", "four four nine"), ("186", "one eight six")),
    ),
    _c("otp-2fa", (C, "the 2FA code is 310 558 if that helps"), secrets=(("310558", "310 558"),)),
    _c(
        "otp-one-time-passcode",
        (C, "The one-time passcode was 90 21 77."),
        secrets=(("902177", "90 21 77"),),
    ),
    _c(
        "otp-authentication-spoken",
        (C, "my authentication code is nine nine three one two four"),
        secrets=(("993124", "nine nine three one two four"),),
    ),
    _c(
        "otp-split-digits",
        (C, "verification code 4 8 2 9 1 7, it just came in"),
        secrets=(("482917", "4 8 2 9 1 7"),),
    ),
    _c(
        "password-written",
        (C, "my password is Tr0ub4dor&3"),
        secrets=(("Tr0ub4dor&3", "Tr0ub4dor&3"),),
    ),
    _c(
        "password-spelled",
        (C, "my password is H U N T E R two, can you reset it?"),
        secrets=(("HUNTER2", "H U N T E R two"),),
    ),
    _c(
        "password-spelled-nato",
        (C, "The password is capital Q as in Quebec, x, seven, b, nine. It stopped working."),
        secrets=(("Qx7b9", "Q as in Quebec, x, seven, b, nine"),),
    ),
    _c(
        "password-answer",
        (A, "And what's the password on the account?"),
        (C, "It's bluebird42."),
        secrets=(("bluebird42", "bluebird42"),),
    ),
    _c(
        "password-answer-spelled",
        (A, "Which password did you set?"),
        (C, "k, 9, x, w, 2, z."),
        secrets=(("k9xw2z", "k, 9, x, w, 2, z"),),
    ),
    _c("passcode", (C, "my passcode is 8812 by the way"), secrets=(("8812", "passcode is 8812"),)),
    _c("pwd", (C, "pwd: zebra!Lamp9 is what I use"), secrets=(("zebra!Lamp9", "zebra!Lamp9"),)),
    _c(
        "password-quoted",
        (C, "I set the password to sunflower88 and now the password is 'sunflower88' no wait"),
        secrets=(("sunflower88", "sunflower88"),),
    ),
    _c(
        "card-written",
        (C, "Can you charge card number 4111 1111 1111 1111 instead?"),
        secrets=(("4111111111111111", "4111 1111 1111 1111"),),
    ),
    _c(
        "card-spoken",
        (
            C,
            "It's four five three two, zero one five one, one two eight three, zero three six six.",
        ),
        secrets=(("4532015112830366", "four five three two, zero one five one"),),
    ),
    _c(
        "card-answer-split",
        (A, "Can you read me the long number on the card?"),
        (C, "five five five five, five five five five"),
        (A, "mm-hm"),
        (C, "five five five five, four four four four"),
        secrets=(
            ("5555555555554444", "five five five five, five five five five"),
            ("55554444", "five five five five, four four four four"),
        ),
    ),
    _c(
        "card-dashes",
        (C, "my debit card 4000-0566-5566-5556 was charged twice"),
        secrets=(("4000056655665556", "4000-0566-5566-5556"),),
    ),
    _c(
        "card-amex-spoken",
        (
            C,
            "the amex is three seven eight two eight two two four six three one zero zero zero "
            "five",
        ),
        secrets=(("378282246310005", "three seven eight two eight two two four six three one"),),
    ),
    _c(
        "card-chat",
        (C, "my card 5105 1051 0510 5100 keeps getting declined"),
        secrets=(("5105105105105100", "5105 1051 0510 5100"),),
    ),
    _c(
        "cvv-spoken",
        (C, "and the code on the back is, uh, four one seven."),
        secrets=(("417", "four one seven"),),
    ),
    _c("cvv-written", (C, "CVV 917 if you need it"), secrets=(("917", "CVV 917"),)),
    _c(
        "cvv-answer",
        (A, "And the three digit security code?"),
        (C, "eight two six"),
        secrets=(("826", "eight two six"),),
    ),
    _c("cvc-split", (C, "the CVC is 3 3 1"), secrets=(("331", "3 3 1"),)),
    _c(
        "pin-spoken",
        (C, "my pin is four seven one nine"),
        secrets=(("4719", "four seven one nine"),),
    ),
    _c(
        "pin-answer",
        (A, "What's the PIN for the card?"),
        (C, "It's 2580."),
        secrets=(("2580", "It's 2580"),),
    ),
    _c(
        "pin-number",
        (C, "The PIN number is 6 6 4 2, I changed it."),
        secrets=(("6642", "6 6 4 2"),),
    ),
    _c(
        "maiden-name",
        (C, "my mother's maiden name is Kowalski, if you need to verify"),
        secrets=(("Kowalski", "Kowalski"),),
    ),
    _c(
        "first-pet-answer",
        (A, "What's the answer to your security question, your first pet's name?"),
        (C, "Biscuit."),
        secrets=(("Biscuit", "Biscuit"),),
    ),
    _c(
        "memorable-word",
        (C, "my memorable word is lighthouse."),
        secrets=(("lighthouse", "lighthouse"),),
    ),
    _c(
        "birth-city",
        (C, "the city I was born in is Valparaiso, that's my security answer"),
        secrets=(("Valparaiso", "Valparaiso"),),
    ),
    _c(
        "maiden-name-was",
        (C, "Mom's maiden name was Oyelaran."),
        secrets=(("Oyelaran", "Oyelaran"),),
    ),
    _c(
        "memorable-place",
        (C, "The memorable place is Timbuktu and the order is late"),
        secrets=(("Timbuktu", "Timbuktu"),),
    ),
    _c(
        "ssn",
        (C, "my social security number is 078-05-1120"),
        secrets=(("078051120", "078-05-1120"),),
    ),
    _c(
        "bank-account",
        (C, "my bank account number is 12345678901 for the refund"),
        secrets=(("12345678901", "12345678901"),),
    ),
    _c(
        "two-secrets",
        (C, "my PIN is 9 3 1 7 and my password is Marmalade77!"),
        secrets=(("9317", "9 3 1 7"), ("Marmalade77", "Marmalade77")),
    ),
    _c(
        "agent-reads-back",
        (C, "The OTP is 664 209."),
        (A, "Thanks, 664 209, got it."),
        secrets=(("664209", "664 209"),),
    ),
    _c(
        "security-code-written",
        (C, "security code: 4471, expiry next May"),
        secrets=(("4471", "security code: 4471"),),
    ),
    _c(
        "otp-sms",
        (C, "the code in the text message says 918273"),
        secrets=(("918273", "918273"),),
    ),
)

#: Records that cannot be read (an unknown speaker), with the secret in their raw text.
REJECTED: tuple[Case, ...] = (
    Case(
        "rejected-password",
        (("narrator", "my password is Gr@pefruit9"),),
        (("Gr@pefruit9", "Gr@pefruit9"),),
    ),
    Case("rejected-otp", (("narrator", "the OTP is 551 902"),), (("551902", "551 902"),)),
)

_SEP = r"[\s,.\-]*"
_WORDS = "zero one two three four five six seven eight nine".split()


def _pattern(text: str) -> re.Pattern[str]:
    """`text` as a word of its own, with any spaces, commas, dots or dashes between its
    characters."""
    chars = [c for c in text if not re.match(r"[\s,.\-]", c)]
    return re.compile(
        r"(?<![\w])" + _SEP.join(re.escape(c) for c in chars) + r"(?![\w])", re.IGNORECASE
    )


def _spoken(value: str) -> re.Pattern[str] | None:
    """The digits of `value` as words ("four one seven"), when it is a number."""
    if not value.isdigit():
        return None
    return re.compile(r"\W+".join(_WORDS[int(d)] for d in value), re.IGNORECASE)


def needles(case: Case) -> list[re.Pattern[str]]:
    """What would show that a secret of `case` leaked."""
    found = []
    for value, said in case.secrets:
        if not (value.isdigit() and len(value) < 6):  # a short number alone is everywhere
            found.append(_pattern(value))
        found.append(re.compile(r"(?<![\w])" + re.escape(said) + r"(?![\w])", re.IGNORECASE))
        spoken = _spoken(value)
        if spoken is not None:
            found.append(spoken)
    return found


def leaks(text: str, cases: tuple[Case, ...] = CASES + REJECTED) -> list[str]:
    """`case: secret` for every secret of `cases` found in `text`."""
    return [
        f"{case.name}: {pattern.pattern}"
        for case in cases
        for pattern in needles(case)
        if pattern.search(text)
    ]


FORMATS = ("native", "plaintext", "chat", "abcd")


def write_call(case: Case, fmt: str, folder: Path, suffix: str = "") -> Path:
    """Write `case` as one input file in format `fmt`; its call id is `<name><suffix>`."""
    call_id = f"{case.name}{suffix}"
    if fmt == "native":
        body = {"call_id": call_id, "destination": "cloudcart", "store": "harbor-home",
                "turns": [{"speaker": s, "text": t} for s, t in case.turns]}  # fmt: skip
        path = folder / f"{call_id}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
    elif fmt == "plaintext":
        lines = [f"Call-ID: {call_id}", ""] + [f"{s.title()}: {t}" for s, t in case.turns]
        path = folder / f"{call_id}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "chat":
        roles = {"customer": "user", "agent": "assistant"}
        chat = {
            "id": call_id,
            "turns": [{"role": roles.get(s, s), "content": t} for s, t in case.turns],
        }
        path = folder / f"{call_id}.jsonl"
        path.write_text(json.dumps(chat) + "\n", encoding="utf-8")
    else:
        abcd = {"convo_id": call_id, "original": [[s, t] for s, t in case.turns]}
        path = folder / f"{call_id}.json"
        path.write_text(json.dumps(abcd), encoding="utf-8")
    return path


def write_corpus(folder: Path) -> int:
    """Every case in every format, plus the rejected records; returns the calls written."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in CASES:
        for fmt in FORMATS:
            write_call(case, fmt, folder, f"-{fmt}")
            count += 1
    for index, case in enumerate(REJECTED):
        write_call(case, FORMATS[index % 2], folder, "-bad")
    return count
