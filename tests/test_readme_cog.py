"""The example outputs of the README and of the documentation in docs/ are the tool's own: each
is a cog block (docs/cog_helpers.py) that runs the command, and this test fails when a page
and the tool disagree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
REGENERATE = ".venv/bin/cog -r README.md docs/*.md"
FROM_THE_README = ["README.md", "docs/guide.md", "docs/template-language.md", "docs/security.md",
                   "docs/development.md"]
"""The README and the guides that were its sections: every command output in them is a cog block."""


def test_the_pages_have_cog_blocks():
    assert sum((ROOT / page).read_text().count("<!-- [[[cog") for page in PAGES) > 10


def test_readme_examples_are_what_the_tool_prints():
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff",
         f"--check-fail-msg=regenerate it with: {REGENERATE}", *PAGES],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"A page differs from what the commands print; regenerate it with `{REGENERATE}` "
        f"and review the diff.\n{result.stdout}{result.stderr}")


def test_every_command_output_block_is_generated():
    """A block that shows a `$ scheduler ...` command and its output is inside a cog block
    (the fenced commands without output, such as the set-up lines, are not)."""
    text = "\n".join((ROOT / page).read_text() for page in FROM_THE_README)
    outside = text
    while "<!-- [[[cog" in outside:
        start = outside.index("<!-- [[[cog")
        end = outside.index("<!-- [[[end]]] -->", start)
        outside = outside[:start] + outside[end + len("<!-- [[[end]]] -->"):]
    hand_written = [line for line in outside.splitlines() if line.startswith("$ scheduler ")]
    assert hand_written == HAND_WRITTEN


HAND_WRITTEN = [
    # a password prompt, and a server that runs until stopped
    "$ scheduler user add li.na --admin          # asks for a password twice (argon2 hash kept)",
    "$ scheduler serve --base-url http://127.0.0.1:8000",
    # feed tokens are random: their output is not shown
    "$ scheduler feed create P017 --base-url https://calendar.example.org",
    "$ scheduler feed rotate P017      # a new address; the old one answers 404 at once",
    "$ scheduler feed revoke P017",
    '$ scheduler feed detail P017 on --reason "patient asked for drug names"',
]
