"""Allow ``python -m coordctl``."""

from coordctl.cli import main

main()
