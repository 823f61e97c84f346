"""How well `scheduler draft` reads registry records: the golden set in tests/data/drafts/.

Each case is a record (API v2 JSON, or page text) and the fields a careful reader extracts
from it (``drug.field`` -> value). A drafted value counts when the draft says it is ``stated``
or ``inferred``: it is correct when it equals the expected value, and an invention otherwise
(the record does not support it: a field the reader leaves open, or a different value).
Open (``not stated``) values are never counted as drafted; an expected field the draft leaves
open is a miss.

    python benchmarks/draft.py            # per-field precision and recall, the invention rate,
                                          # for the golden set and for the held-out set
    python benchmarks/draft.py --cases    # and every miss and invention, case by case

The baseline beside it is a reader that drafts nothing (every value open): recall 0, and
the invention rate it cannot help but meet.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "drafts"
HELD_OUT = GOLDEN / "heldout"
"""Cases written after the reader was frozen (commit 4ab7a4f) and scored once before any change;
docs/drafting.md gives that first score beside today's."""
sys.path.insert(0, str(ROOT))

from scheduler.draft.drafter import draft  # noqa: E402
from scheduler.draft.reader import read_record  # noqa: E402


def normal(value: Any) -> Any:
    """Values compared as a reader means them: 2 == 2.0; an 'until' by its words."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, dict):
        return {k: (" ".join(re.sub(r"[,，]", " ", v).lower().split()) if k == "until" else normal(v))
                for k, v in value.items()}
    return value


@dataclass
class Scores:
    drafted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    inventions: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    """(case, field, drafted value, expected value or None)."""
    misses: list[tuple[str, str, Any]] = field(default_factory=list)
    cases: int = 0

    @property
    def invention_rate(self) -> float:
        total = sum(self.drafted.values())
        return len(self.inventions) / total if total else 0.0

    def precision(self, name: str | None = None) -> float:
        drafted = self.drafted[name] if name else sum(self.drafted.values())
        correct = self.correct[name] if name else sum(self.correct.values())
        return correct / drafted if drafted else 1.0

    def recall(self, name: str | None = None) -> float:
        expected = self.expected[name] if name else sum(self.expected.values())
        correct = self.correct[name] if name else sum(self.correct.values())
        return correct / expected if expected else 1.0


def load_cases(folder: Path = GOLDEN) -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(folder.glob("*.json"))]


def record_text(case: dict[str, Any], folder: Path = GOLDEN) -> str:
    if "record_file" in case:
        return (folder / case["record_file"]).read_text(encoding="utf-8")
    record = case["record"]
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)


def score(folder: Path = GOLDEN, nothing: bool = False) -> Scores:
    """Score the drafter (or, with ``nothing``, a reader that drafts nothing) on the golden set."""
    scores = Scores()
    for name, case in load_cases(folder):
        scores.cases += 1
        expected = case["expected"]
        fields = {} if nothing else draft(read_record(record_text(case, folder)), case.get("arm")).fields
        got = {k: v.value for k, v in fields.items() if v.status in ("stated", "inferred")}
        for key, value in expected.items():
            scores.expected[key.rsplit(".", 1)[1]] += 1
            if key not in got:
                scores.misses.append((name, key, value))
        for key, value in got.items():
            kind = key.rsplit(".", 1)[1]
            scores.drafted[kind] += 1
            if key in expected and normal(expected[key]) == normal(value):
                scores.correct[kind] += 1
            else:
                scores.inventions.append((name, key, value, expected.get(key)))
                if key in expected:
                    scores.misses.append((name, key, expected[key]))
    return scores


def report(scores: Scores, baseline: Scores) -> str:
    names = sorted(set(scores.expected) | set(scores.drafted))
    lines = [f"{scores.cases} records, {sum(scores.expected.values())} expected values",
             f"{'field':<22}{'expected':>9}{'drafted':>9}{'precision':>11}{'recall':>8}"]
    for name in names:
        lines.append(f"{name:<22}{scores.expected[name]:>9}{scores.drafted[name]:>9}"
                     f"{scores.precision(name):>11.1%}{scores.recall(name):>8.1%}")
    lines.append(f"{'all':<22}{sum(scores.expected.values()):>9}{sum(scores.drafted.values()):>9}"
                 f"{scores.precision():>11.1%}{scores.recall():>8.1%}")
    lines.append(f"invention rate: {scores.invention_rate:.1%} ({len(scores.inventions)} of "
                 f"{sum(scores.drafted.values())} drafted values)")
    lines.append(f"baseline (drafts nothing): recall {baseline.recall():.1%}, invention rate "
                 f"{baseline.invention_rate:.1%}; drafter/baseline recall: "
                 + ("n/a (baseline 0)" if baseline.recall() == 0 else
                    f"{scores.recall() / baseline.recall():.2f}x"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", action="store_true", help="list every miss and invention")
    args = parser.parse_args()
    for title, folder in (("golden set (the reader was written against it)", GOLDEN),
                          ("held-out set", HELD_OUT)):
        scores = score(folder)
        print(f"== {title}")
        print(report(scores, score(folder, nothing=True)))
        if args.cases:
            for case, key, value, want in scores.inventions:
                print(f"INVENTED {case}: {key} = {value!r} (expected {want!r})")
            for case, key, value in scores.misses:
                print(f"missed   {case}: {key} = {value!r}")
        print()


if __name__ == "__main__":
    main()
