"""Concept features: small groups of words that mean the same thing to a store.

With a few hundred labelled calls, a rare situation (a legal threat, a safety
hazard, a trip) is seen a handful of times, each time in different words. A
concept feature (`CON:legal` for "lawyer", "sue", "consumer court", "chargeback")
lets those few examples teach the model about the whole group. The lists are
generic vocabulary, not rules: a concept only adds a feature, and the trained
weights decide what it is worth for each label.

Entries are single words, stems ending in `*` (matching spelling variants and
inflections) or phrases of two or three words; matching works on the sentence's
lower-cased tokens with dictionary look-ups, so it stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

_CONCEPTS: dict[str, str] = {
    "legal": "lawyer* attorney* sue suing sued court* legal* chargeback* ombudsman regulator* "
    "police fir|consumer forum|file a complaint|report you|dispute the|legal action",
    "safety": "fire smoke smoking spark* burn* shock* electrocut* overheat* melt* explod* hazard* "
    "danger* injur* bleed* allerg* rash poison* toxic shard* sharp hurt|exposed wire|cut my",
    "travel": "flight* travel* trip airport vacation holiday abroad visa relocat*|fly out|"
    "flying out|leaving town|leaving the country|moving out",
    "absence": "away reschedul*|not home|not be home|won't be home|wont be home|out of town|"
    "not available|at work|miss the delivery|missed the delivery|nobody home",
    "sensitive": "cvv cvc otp pin password* aadhaar ssn|card number|bank account|account number|"
    "security code|one time password|social security",
    "money_back": "refund* reimburs*|money back|my money|credit back",
    "replacement": "replac* resend reship|new one|another one|send again",
    "exchange": "exchang* swap bigger smaller larger|different size|other color|other colour",
    "credit": "voucher* coupon* wallet points|gift card|store credit|credit note",
    "repair": "repair* technician|fix it|fix this|service centre|service center",
    "damage": "broken broke crack* shatter* dent* damag* scratch* torn crush* leak* smash* bent "
    "chipped ripped",
    "defect": "defect* faulty malfunction* dead glitch*|not working|doesnt work|doesn't work|"
    "stopped working|wont turn|won't turn|not charging",
    "wrong_item": "|wrong item|wrong product|wrong one|wrong model|wrong colour|wrong color|"
    "different item|different product|not what|someone else's",
    "fit": "size* fit fits fitting tight loose|too small|too big|too large",
    "missing": "missing empty incomplete|not inside|only one|only half|part of",
    "fake": "fake counterfeit duplicate knockoff replica|knock off|not original|not genuine|"
    "first copy",
    "quality": "quality expired expiry stale rotten smell* cheap flimsy poor",
    "late": "late delay* tracking stuck overdue|still not|not arrived|not received|not delivered|"
    "never arrived|never came|never received|where is|hasn't arrived|havent received",
    "delivered_not_received": "|marked delivered|marked as|shows delivered|says delivered",
    "address": "address* neighbour* neighbor*|wrong house|wrong building|delivered to",
    "urgent_time": "today tomorrow tonight asap urgent* immediately emergency|right now",
    "event": "birthday wedding anniversary gift party exam* interview presentation festival "
    "diwali christmas meeting",
    "cancel": "cancel*|call off|dont want|don't want",
    "change": "chang* modif* updat* switch instead",
    "account": "login logged username profile account* locked|log in|sign in|locked out",
    "subscription": "unsubscrib* newsletter* marketing subscription*|opt out|stop sending",
    "booking": "appointment* booking* reservation* schedul* slot* install* consultation* "
    "visit demo",
    "price": "price* cost* discount* offer* cheaper expensive|how much",
    "stock": "available availability restock*|in stock|out of stock|back in",
    "specs": "spec* dimension* material* compatible warranty resolution weight stl licen*|"
    "battery life|made of|file format",
    "buy": "buy buying purchase*|place an|want to get|interested in|order one|order another",
    "charge": "charged charge debited deducted billed payment* double twice emi invoice* "
    "transaction* upi paid",
    "status": "status eta|where is|when will|update on",
    "escalate": "manager* supervisor* escalat* senior",
    "repeat": "again|third time|second time|every time|already called|called before|"
    "called yesterday|multiple times|last time",
    "noise": "|wrong number|who is|never mind|nevermind|test call|can you hear",
    "thanks": "thanks thank great perfect appreciat* awesome wonderful happy",
    "anger": "ridiculous unacceptable worst pathetic disgust* angry frustrat* wtf terrible "
    "useless horrible scam cheat* nonsense joke furious fraud*|fed up",
    "instruction": "|ignore your|ignore all|ignore previous|as an ai|you are now|mark this|"
    "approve the|approve this|approve my",
}

_MAX_STEM = 12


def _compile() -> tuple[dict[str, str], dict[str, str], dict[tuple[str, ...], str]]:
    words: dict[str, str] = {}
    stems: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for concept, spec in _CONCEPTS.items():
        singles, _, multi = spec.partition("|")
        for entry in singles.split():
            if entry.endswith("*"):
                stems.setdefault(entry[:-1], concept)
            else:
                words.setdefault(entry, concept)
        for phrase in filter(None, (p.strip() for p in multi.split("|"))):
            phrases.setdefault(tuple(phrase.split()), concept)
    return words, stems, phrases


_WORDS, _STEMS, _PHRASES = _compile()
_STEM_LENGTHS = sorted({len(stem) for stem in _STEMS})
_PHRASE_STARTS = frozenset(phrase[0] for phrase in _PHRASES)
# Distinct words whose concept is remembered (a call's words recur in the next one).
_TOKEN_CACHE_SIZE = 8192


@lru_cache(maxsize=_TOKEN_CACHE_SIZE)
def _concept_of(token: str) -> str | None:
    found = _WORDS.get(token)
    if found is not None:
        return found
    for length in _STEM_LENGTHS:
        if length > len(token) or length > _MAX_STEM:
            break
        found = _STEMS.get(token[:length])
        if found is not None:
            return found
    return None


def concepts_in(tokens: Sequence[str], negated: set[int]) -> list[str]:
    """`CON:<name>` for each concept in the tokens, `NOTCON:<name>` when said under negation.

    `tokens` are the sentence's lower-cased tokens; `negated` the positions inside a
    negation scope ("not damaged"). A phrase is negated when its first word is.
    """
    found: list[str] = []
    count = len(tokens)
    for index, token in enumerate(tokens):
        concept = _concept_of(token)
        if token in _PHRASE_STARTS:
            for size in (2, 3):
                if index + size <= count:
                    phrase = _PHRASES.get(tuple(tokens[index : index + size]))
                    if phrase is not None:
                        concept = phrase
        if concept is None:
            continue
        feature = ("NOTCON:" if index in negated else "CON:") + concept
        if feature not in found:
            found.append(feature)
    return found
