"""ARCHITECTURE.md stays true: every file or folder it names exists, every package its table
names holds the modules listed beside it, and every name it quotes is defined in the code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
QUOTED = re.findall(r"`([^`]+)`", TEXT)


def test_every_path_it_names_exists() -> None:
    paths = [q for q in QUOTED if q.startswith(("scheduler/", "tests/"))]
    assert len(paths) > 30
    assert [p for p in paths if not (ROOT / p).exists()] == []


def test_every_module_of_the_layer_table_is_in_its_package() -> None:
    rows = [line for line in TEXT.splitlines() if line.startswith("| ") and "`scheduler/" in line]
    assert len(rows) == 7
    missing = []
    for row in rows:
        _, _, package, modules, _ = row.split("|")
        folder = ROOT / re.search(r"`([^`]+)`", package).group(1)
        for name in re.findall(r"`([^`]+)`", modules):
            for part in name.split("/")[:1] if name.endswith("/") else [name]:
                if not (folder / part).exists():
                    missing.append(f"{folder.relative_to(ROOT)}/{part}")
    assert missing == []


def test_every_name_it_quotes_is_defined() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "scheduler").rglob("*.py"))
    names = {q.split(".")[-1] for q in QUOTED if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", q)
             and not q.endswith(".py") and "/" not in q}
    names -= {"start", "closed", "parameters", "cycles"}  # field paths, quoted as examples
    undefined = sorted(n for n in names if not re.search(
        rf"^\s*(def|class) {n}\b|^\s*{n}(: [^=]+)? = |^\s*{n}: ", source, re.M))
    assert undefined == []
