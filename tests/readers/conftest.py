"""The `parse` fixture: `parse_text` in one call, returning a list."""

from __future__ import annotations

from datetime import UTC, tzinfo

import pytest

from callhandoff.readers import parse_text
from callhandoff.schema.enums import Destination

from .helpers import Item, Parse


@pytest.fixture
def parse() -> Parse:
    """`parse(text, name=...)`: every item `parse_text` yields, as a list."""

    def run(
        text: str,
        name: str = "calls.jsonl",
        destination: Destination = Destination.CLOUDCART,
        tz: tzinfo = UTC,
    ) -> list[Item]:
        return list(parse_text(text, name=name, default_destination=destination, tz=tz))

    return run
