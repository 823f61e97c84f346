"""samples/ holds real outputs: regenerate them with samples/make.sh and compare."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_samples_are_what_the_current_code_makes(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "samples", copy / "samples")
    for stale in (copy / "samples").glob("nct*"):
        stale.unlink()
    scheduler = shutil.which("scheduler", path=str(Path(sys.executable).parent))
    assert scheduler, "the scheduler console script is installed next to this Python"
    env = {**os.environ, "SCHEDULER": scheduler, "SKIP_PREVIEWS": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run(["bash", str(copy / "samples" / "make.sh")], check=True, env=env)
    made = sorted(p.name for p in (copy / "samples").glob("nct*"))
    assert made == sorted(p.name for p in (ROOT / "samples").glob("nct*"))
    for name in made:
        assert (copy / "samples" / name).read_bytes() == (ROOT / "samples" / name).read_bytes(), name
