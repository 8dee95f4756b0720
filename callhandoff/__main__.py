"""`python -m callhandoff ...` runs the `callhandoff` command."""

from callhandoff.cli.app import main

main()
