"""The `callhandoff` console script.

It sets the garbage collector for start-up and exit (`longlived.start_process`)
before it imports the app; the app calls `longlived.end_start_up` once the
command is loaded, before it runs. Tests import and run `app` in their own
process, which keeps its collector as it is.
"""

from __future__ import annotations

from callhandoff import longlived


def main() -> None:
    """Console-script entry point."""
    longlived.start_process()
    from callhandoff.cli.app import app

    app()
