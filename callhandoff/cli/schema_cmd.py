"""`callhandoff schema`: print the JSON Schema of the handoff (or of a whole result line)."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def schema(
    result: Annotated[
        bool, typer.Option("--result", help="Schema of a whole handoffs.jsonl line instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of the handoff that extraction produces."""
    from callhandoff.schema.handoff import Handoff
    from callhandoff.schema.result import CallResult

    model = CallResult if result else Handoff
    typer.echo(json.dumps(model.model_json_schema(), indent=2))
