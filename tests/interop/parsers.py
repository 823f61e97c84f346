"""Four independent readings of an .ics file, in one shape.

- ``icaljs``: Mozilla's ical.js (Thunderbird's parser), npm package pinned in the
  repository's package-lock.json, run with Node by ``icaljs_dump.mjs``;
- ``libical``: Debian's libical3, through a small C program (``libical_dump.c``) compiled
  here against libical-dev; libical's own parser and VTIMEZONE code convert the times;
- ``vobject``: the vobject package (VTIMEZONEs read by dateutil's ``tzical``);
- ``icalendar``: the icalendar package (the library that writes the files).

Each returns, per file, ``{"calendar": {...}, "events": [...], "errors": [...]}``; an event
is ``uid``, ``start``/``end`` (``YYYY-MM-DD`` for a DATE, else the UTC instant
``YYYY-MM-DDTHH:MM:SSZ``), ``start_zone``, ``status``, ``sequence``, ``summary``,
``description``, ``location``.

A parser that is not installed fails the test in CI (``CI=true``, as ``.ci/run`` is run)
and skips it elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
TIMEOUT = 300

Reading = dict[str, Any]


def unavailable(what: str) -> None:
    """A parser is missing: a failure in CI, a skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{what}; CI must run every interop parser (see .ci/run)", pytrace=False)
    pytest.skip(f"{what} (run .ci/run, or see its install steps)")


def _run(command: list[str], what: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                            timeout=TIMEOUT, cwd=ROOT, check=False)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}): {result.stderr.strip()}", pytrace=False)
    return result.stdout


# --- ical.js -------------------------------------------------------------------------------


def icaljs_command() -> list[str]:
    """``node icaljs_dump.mjs``, or a failure/skip naming what is missing."""
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (ical.js needs it)")
    if not (ROOT / "node_modules" / "ical.js" / "package.json").is_file():
        unavailable("ical.js is not installed (npm ci at the repository root)")
    return [str(node), str(HERE / "icaljs_dump.mjs")]


def icaljs(paths: list[Path]) -> dict[str, Reading]:
    out = json.loads(_run([*icaljs_command(), *map(str, paths)], "ical.js"))
    for reading in out.values():
        reading.setdefault("errors", [])
    return out


# --- libical -------------------------------------------------------------------------------


def build_libical_dump(directory: Path) -> Path:
    """Compile libical_dump.c against libical-dev; a failure/skip if that cannot be done."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    pkg_config = shutil.which("pkg-config")
    if compiler is None or pkg_config is None:
        unavailable("a C compiler and pkg-config are needed to build the libical reader")
    flags = subprocess.run([str(pkg_config), "--cflags", "--libs", "libical"], capture_output=True,
                           text=True, check=False)
    if flags.returncode != 0:
        unavailable("libical-dev is not installed (pkg-config finds no libical)")
    binary = directory / "libical_dump"
    build = subprocess.run([str(compiler), "-std=c99", "-O1", "-Wall", "-Werror",
                            "-o", str(binary), str(HERE / "libical_dump.c"), *flags.stdout.split()],
                           capture_output=True, text=True, check=False)
    if build.returncode != 0:
        pytest.fail(f"building the libical reader failed: {build.stderr}", pytrace=False)
    return binary


def libical(binary: Path, paths: list[Path]) -> dict[str, Reading]:
    return json.loads(_run([str(binary), *map(str, paths)], "libical_dump"))


# --- Python parsers ---------------------------------------------------------------------------


def _instant(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S") + " floating"
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _zone(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return "date"
    if value.tzinfo is None:
        return "floating"
    for attribute in ("key", "_tzid", "zone"):  # zoneinfo, dateutil tzical, pytz
        if getattr(value.tzinfo, attribute, None):
            return str(getattr(value.tzinfo, attribute))
    return str(value.tzname())


def icalendar_reading(path: Path) -> Reading:
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    events = []
    for vevent in calendar.walk("VEVENT"):
        start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        events.append({
            "uid": str(vevent["UID"]),
            "start": _instant(start),
            "end": _instant(end),
            "start_zone": _zone(start),
            "status": str(vevent["STATUS"]) if "STATUS" in vevent else None,
            "sequence": int(vevent["SEQUENCE"]) if "SEQUENCE" in vevent else None,
            "summary": str(vevent["SUMMARY"]) if "SUMMARY" in vevent else None,
            "description": str(vevent["DESCRIPTION"]) if "DESCRIPTION" in vevent else None,
            "location": str(vevent["LOCATION"]) if "LOCATION" in vevent else None,
        })
    return {
        "calendar": {k.lower().replace("x-wr-", ""): str(calendar[k]) if k in calendar else None
                     for k in ("METHOD", "PRODID", "VERSION", "X-WR-CALNAME")},
        "events": events,
        "errors": [str(e) for c in calendar.walk() for e in getattr(c, "errors", [])],
    }


def vobject_reading(path: Path) -> Reading:
    try:
        import vobject
        import vobject.icalendar
    except ImportError:
        unavailable("vobject is not installed (pip install -e '.[test]')")
    # vobject keeps one process-wide TZID -> tzinfo map and registers a VTIMEZONE only when
    # its TZID is not in it yet; start each file with an empty map, as a fresh process
    # would, so that every file's times go through that file's own VTIMEZONE.
    zones: dict[str, Any] = vars(vobject.icalendar)["__tzidMap"]
    zones.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)

    calendar = vobject.readOne(path.read_text(encoding="utf-8"), validate=True)

    def text(component: Any, name: str) -> str | None:
        return getattr(component, name).value if hasattr(component, name) else None

    events = []
    for vevent in calendar.vevent_list:
        start, end = vevent.dtstart.value, vevent.dtend.value
        events.append({
            "uid": text(vevent, "uid"),
            "start": _instant(start),
            "end": _instant(end),
            "start_zone": _zone(start),
            "tzinfo_class": type(start.tzinfo).__name__ if isinstance(start, datetime) else None,
            "status": text(vevent, "status"),
            "sequence": int(vevent.sequence.value) if hasattr(vevent, "sequence") else None,
            "summary": text(vevent, "summary"),
            "description": text(vevent, "description"),
            "location": text(vevent, "location"),
        })
    return {
        "calendar": {k.replace("x_wr_", ""): text(calendar, k)
                     for k in ("method", "prodid", "version", "x_wr_calname")},
        "events": events,
        "errors": [],
    }


# --- comparison ---------------------------------------------------------------------------

FIELDS = ("start", "end", "status", "sequence", "summary", "description", "location")


def differences(events: list[dict[str, Any]], expected: dict[str, dict[str, Any]],
                limit: int = 12) -> list[str]:
    """How a parser's events differ from the expected ones (empty when they agree)."""
    problems = []
    uids = [e["uid"] for e in events]
    if len(events) != len(expected):
        problems.append(f"{len(events)} events read, {len(expected)} expected")
    duplicates = sorted({u for u in uids if uids.count(u) > 1})
    if duplicates:
        problems.append(f"UIDs read more than once: {duplicates}")
    missing = sorted(set(expected) - set(uids))
    extra = sorted(set(uids) - set(expected))
    if missing:
        problems.append(f"expected UIDs not read: {missing}")
    if extra:
        problems.append(f"UIDs read that our JSON does not have: {extra}")
    for event in events:
        want = expected.get(event["uid"])
        if want is None:
            continue
        for name in FIELDS:
            if event.get(name) != want[name]:
                problems.append(f"{event['uid']} {name}: read {event.get(name)!r}, "
                                f"expected {want[name]!r}")
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more"]
    return problems
