"""Run the README's example commands for cog, so its examples are the tool's real output.

Regenerate the README with ``.venv/bin/cog -r README.md``; ``tests/test_readme_cog.py`` runs
``cog --check`` and fails when the README and the tool disagree.

Each example runs in the process through click's ``CliRunner`` (stdout and stderr together,
as a terminal shows them) in a fresh temporary folder, with everything fixed that would make
the output differ between machines: the time zone (UTC), the terminal width (80 columns),
the clock (``SOURCE_DATE_EPOCH``), the user (``li.na``), the registry (a new SQLite file
in the folder) and the default site file (none). Paths of the temporary folder and of this
checkout never reach the output.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

os.environ["TZ"] = "UTC"
time.tzset()

from click.testing import CliRunner  # noqa: E402  (after the time zone is fixed)

from scheduler.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 80
DEFAULT_CLOCK = "2026-01-01T00:00:00Z"

Step = str | tuple[str, str]
"""A command line (``scheduler ...``), or one with the time it runs at (ISO 8601)."""


def session(*steps: Step, files: dict[str, str] | None = None, first: int = 0,
            keep: Sequence[str] = (), replace: dict[str, str] | None = None,
            typed: bool = True, prepare: Callable[[str], None] | None = None) -> str:
    """A fenced block with each command after ``$ `` and what it printed.

    A step may also be ``cat FILE`` (a file the commands before it wrote). A line break in
    a command is shown as a continued line (`` \\``); a command ending in
    ``2>/dev/null`` shows its stdout alone. ``files`` are copied
    into the folder first (name there -> path in this checkout). With ``keep``, an output
    keeps its ``first`` lines and those containing one of the texts, with ``...`` for the
    lines left out. ``replace`` maps a regular expression to its replacement (a figure that
    changes from run to run, such as a duration). ``typed=False`` leaves out the command
    lines (the output of a command shown before the block). ``prepare`` is called first with
    the registry's path (what a page does in the browser, such as publishing a clinic
    template)."""
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        for name, source in (files or {}).items():
            shutil.copyfile(ROOT / source, where / name)
        if prepare is not None:
            prepare(str(where / "registry.sqlite3"))
        text = "".join(_run(step, where, first, keep, replace or {}, typed) for step in steps)
    return f"```\n{text}```\n"


def _run(step: Step, where: Path, first: int, keep: Sequence[str], replace: dict[str, str],
         typed: bool) -> str:
    line, clock = (step, DEFAULT_CLOCK) if isinstance(step, str) else step
    args = shlex.split(line.replace("\n", " "))
    if args[0] == "cat":  # a file the commands before wrote
        shown = "".join((where / name).read_text() for name in args[1:])
        return (f"$ {line}\n" if typed else "") + shown
    assert args[0] == "scheduler", line
    quiet = args[-1] == "2>/dev/null"  # stdout alone
    args = args[:-1] if quiet else args
    env = {"TZ": "UTC", "COLUMNS": str(WIDTH), "USER": "li.na", "LOGNAME": "li.na",
           "SCHEDULER_DB": str(where / "registry.sqlite3"),
           "SCHEDULER_SITE": "", "XDG_CONFIG_HOME": str(where / "config"),  # no default site
           "SOURCE_DATE_EPOCH": str(int(datetime.fromisoformat(clock).timestamp()))}
    cwd = Path.cwd()
    os.chdir(where)
    try:
        result = CliRunner().invoke(cli, args[1:], env=env, terminal_width=WIDTH,
                                    prog_name="scheduler")
    finally:
        os.chdir(cwd)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    output = (result.stdout if quiet else result.output).replace(f"{where}/", "").replace(str(where), ".")
    output = output.replace(str(ROOT), "/opt/scheduler")
    for pattern, replacement in replace.items():
        output = re.sub(pattern, replacement, output)
    lines = output.splitlines()
    if keep or first:
        lines = list(_kept(lines, first, keep))
    if typed:
        lines.insert(0, "$ " + line.replace("\n", " \\\n    "))
    return "".join(f"{x}\n" for x in lines)


def listing(path: str) -> str:
    """A file of this checkout as a fenced block."""
    return f"```\n{(ROOT / path).read_text()}```\n"


def _kept(lines: list[str], first: int, keep: Iterable[str]) -> Iterable[str]:
    wanted = tuple(keep)
    skipped = False
    for number, line in enumerate(lines):
        if number < first or any(text in line for text in wanted):
            yield line
            skipped = False
        elif not skipped:
            yield "..."
            skipped = True
