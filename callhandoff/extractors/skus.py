"""SKUs: explicit item, product and model codes a caller states, never product names.

"SKU-4471", "item code HH-TOWEL-GRY", "model number HR2051/00", or a model code given
in answer to the agent's request for one. Values are upper-cased with spaces dropped.
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.ids import DATE_LIKE_RE, alnum, plausible
from callhandoff.extractors.view import (
    BARE,
    CUED,
    READBACK,
    CallView,
    Candidate,
    candidate,
    rank,
    view_of,
)
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_skus"]

_SKU_RE: Final = re.compile(
    r"\b(?P<whole>sku-[a-z0-9]+(?:-[a-z0-9]+)*)\b"
    r"|\b(?P<cue>sku|item[ \t]+code|product[ \t]+(?:code|id)|item[ \t]+(?:id|no\.?|number)"
    r"|(?P<weak>model[ \t]+(?:no\.?|number|#|code)|part[ \t]+(?:no\.?|number)"
    r"|article[ \t]+(?:no\.?|number)|style[ \t]+code))"
    r"(?:[ \t]*(?:[:#=]|-(?![A-Za-z0-9])|\b(?:is|was|it's|its)\b))*[ \t]*"
    r"(?P<code>(?=[A-Za-z0-9/-]*[\d-])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)(?![\w-])",
)
_ASK: Final = (
    r"\b(?:provide|confirm|share|give|tell|have|need|specify|mention|send|know|what(?:'s| is)"
    r"|which|may i|can i get)\b"
)
_ASKS_SKU_RE: Final = re.compile(
    rf"{_ASK}[^.?!]{{0,40}}\b(?:sku|item code|product code|model(?: number| no)?|part number)\b"
    r"[^.?!]{0,60}\?",
    re.IGNORECASE,
)
_MODEL_CODE_RE: Final = re.compile(
    r"(?<![\w-])(?P<code>(?=[A-Za-z0-9/-]*\d)(?=[A-Za-z0-9/-]*[A-Za-z])"
    r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)(?![\w-])"
)
_SKU_WORDS: Final = frozenset(("sku", "item", "product", "model", "part", "article", "style"))


def _sku_value(raw: str) -> str:
    return re.sub(r"\s+", "", raw).upper()


def _plausible_sku(code: str) -> bool:
    chars = alnum(code)
    if len(chars) < 4 or DATE_LIKE_RE.match(code):
        return False
    if any(c.isdigit() for c in chars):
        return True
    parts = [p for p in re.split(r"[-/]", code) if p]
    return len(parts) >= 2 and all(len(p) >= 2 for p in parts)


def find_skus(t: Transcript | CallView) -> list[Extracted[str]]:
    """Explicit SKU / item / product codes (not product names), most confident first.

    A model number counts when it is introduced as one or answers the agent's
    request for it, and then only when it looks like a code ("HR2051/00").
    """
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent):
            continue
        found_here = False
        sku_matches = _SKU_RE.finditer(turn.wlow) if turn.has(_SKU_WORDS) else iter(())
        for m in sku_matches:
            if m.group("whole"):
                value, end = m.group("whole"), m.end("whole")
            else:
                value, end = m.group("code"), m.end("code")
                if not _plausible_sku(value):
                    continue
            conf = CUED if turn.is_customer else READBACK
            if m.group("weak"):
                conf -= 0.15
            cands.append(candidate(_sku_value(value), conf, turn, m.start(), end, "rule:sku"))
            found_here = True
        prev = view.asked_before(turn) if turn.is_customer and turn.digits >= 2 else None
        if (
            not found_here
            and prev is not None
            and prev.has(_SKU_WORDS)
            and _ASKS_SKU_RE.search(prev.text)
        ):
            for m in _MODEL_CODE_RE.finditer(turn.text):
                code = m.group("code")
                chars = alnum(code)
                if len(chars) >= 5 and sum(c.isdigit() for c in chars) >= 2:
                    if not plausible(code, turn.text, m.start(), m.end()):
                        continue
                    cands.append(
                        candidate(
                            _sku_value(code), BARE + 0.05, turn, m.start(), m.end(), "rule:sku"
                        )
                    )
                    break
    return rank(cands)
