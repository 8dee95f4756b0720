"""`callhandoff explain CALL_ID`: why a call got its decision, in plain words."""

from __future__ import annotations

from typing import Annotated

import typer

from callhandoff.cli.common import fail, load_settings, open_engine


def explain(
    call_id: Annotated[str, typer.Argument(help="The DialNexa call ID.")],
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the rules that did not fire.")
    ] = False,
) -> None:
    """Print the match, each rule that fired with the values it saw, thresholds and the action."""
    from callhandoff.exceptions import CallhandoffError, NotFoundError
    from callhandoff.routing.explain import explain_call
    from callhandoff.store.history import call_history

    settings = load_settings({})
    try:
        text = explain_call(call_history(open_engine(settings), call_id), show_all=show_all)
    except NotFoundError as exc:  # run from another folder, a command opens another store
        fail(f"{exc}; store: {settings.store_label}")
    except CallhandoffError as exc:
        fail(str(exc))
    typer.echo(text)
