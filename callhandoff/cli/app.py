"""The `callhandoff` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from callhandoff.cli import directory as directory_cmd
from callhandoff.cli import eval as eval_cmd
from callhandoff.cli import explain as explain_cmd
from callhandoff.cli import outbox as outbox_cmd
from callhandoff.cli import process as process_cmd
from callhandoff.cli import review as review_cmd
from callhandoff.cli import schema_cmd
from callhandoff.cli import serve as serve_cmd
from callhandoff.cli import ui as ui_cmd
from callhandoff.cli.common import guard_commands

app = typer.Typer(
    name="callhandoff",
    help="Turn customer-call transcripts into grounded, action-ready handoffs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("process")(process_cmd.process)
app.command("schema")(schema_cmd.schema)
# Command groups register here, one line each:
app.add_typer(eval_cmd.app, name="eval")
app.add_typer(directory_cmd.app, name="directory")
app.command("explain")(explain_cmd.explain)
app.command("deliver")(outbox_cmd.deliver)
app.add_typer(outbox_cmd.app, name="outbox")
app.add_typer(review_cmd.app, name="review")
app.command(
    "ui",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)(ui_cmd.ui)
app.command("serve")(serve_cmd.serve)
app.command("worker")(serve_cmd.worker)
guard_commands(app)  # last: every error of every command is one `error:` line


def main() -> None:
    """Console-script entry point."""
    app()
