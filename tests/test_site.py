"""The documentation site builds with MkDocs in strict mode (a broken link or a missing page
fails it), and every page of docs/ is in it without a navigation to edit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_site_builds_strictly_with_every_page(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    pages = sorted(p.stem for p in (ROOT / "docs").glob("*.md"))
    assert {"index", "guide", "template-language", "security", "development"} <= set(pages)
    built = {p.parent.name if p.parent != tmp_path else "index" for p in tmp_path.glob("**/index.html")}
    assert set(pages) <= built
