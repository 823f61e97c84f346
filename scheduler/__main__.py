"""Allow ``python -m scheduler``."""

from scheduler.cli import cli

cli(prog_name="scheduler")
