"""The ``scheduler`` command line, a thin shell: one module of commands per area."""

from scheduler.cli.main import cli

__all__ = ["cli"]
