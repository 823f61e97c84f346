"""Fuzzing the readers (issue 13): random bytes and random YAML structures into the template
loader, random changes to the shipped templates through expansion and both exporters, and
random CSV into batch. The contract is the bad-input corpus's: a SchedulerError with a short
printable message, or a result; never another exception. Anything the loader accepts, the
.ics and the PDF can render.

The default run tries a few hundred inputs; ``SCHEDULER_HYPOTHESIS_PROFILE=nightly`` runs
twenty times as many (see README, "Development")."""

from __future__ import annotations

import copy
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.core.errors import SchedulerError
from scheduler.core.expand import expand
from scheduler.core.loader import load_template_file, parse_template, templates_dir
from scheduler.core.protocol import Template
from scheduler.core.text import printable
from scheduler.export import ics
from scheduler.export.outputs import OutputOptions
from scheduler.services.batch import read_cohort, run_cohort
from scheduler.services.options import request_for

NIGHTLY = os.environ.get("SCHEDULER_HYPOTHESIS_PROFILE") == "nightly"
SCALE = 20 if NIGHTLY else 1
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def fuzz(examples: int) -> settings:
    """``examples`` inputs (twenty times as many nightly); reproducible by default."""
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=not NIGHTLY,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])

SHIPPED = {p.stem: yaml.safe_load(p.read_text()) for p in templates_dir().glob("*.yaml")}
FIELDS = sorted({"id", "name", "source", "reference", "description", "components", "kind",
                 "cycles", "radiotherapy", "daily", "visit", "drugs", "days", "cycle_days",
                 "start", "day", "week", "after", "gap_days", "time", "duration", "reminder",
                 "code", "dose", "colour", "total_dose_gy", "dose_per_fraction_gy",
                 "fractions", "fractions_per_week", "planned_weeks", "minimum", "until",
                 "parameters", "default", "maximum", "defaults", "calendar", "holidays",
                 "timezone", "translations", "zh", "location", "category", "window_days",
                 "on_non_working_day", "through", "at", "follows_day1", "discreet_title"})

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["$cycles", "1-5", "08:30", "25:00", "1h30m", "99999999999d", "6 months",
                     "next", "keep", "all-day", "steelblue", "2026-02-30", "\x1b[31m", "1e999",
                     "9" * 30, "W" * 300, "Asia/Shanghai", "Factory", "CN"]),
)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(FIELDS), children, max_size=5)),
    max_leaves=25,
)


def _contract(error: SchedulerError) -> None:
    message = str(error)
    assert message
    for line in message.splitlines():
        assert len(line) <= 2000
    assert printable(message, limit=10**9) == message or "\\" in printable(message)


def _load(path: Path) -> Template | None:
    try:
        return load_template_file(path)
    except SchedulerError as error:
        _contract(error)
        return None


def _render(template: Template) -> None:
    """What validate accepts, generate renders: expansion, .ics and PDF."""
    from datetime import date

    from scheduler.export.pdf import to_pdf
    from scheduler.services.options import PlanOptions

    try:
        plan = expand(request_for(template, PlanOptions(start=date(2026, 3, 2), holidays="none",
                                                         timezone="UTC"), None).request)
    except SchedulerError as error:
        _contract(error)
        return
    ics.to_ics(plan, stamp=STAMP, patient=None, discreet=False, revision=None)
    to_pdf(plan, generated=STAMP, patient=None)


@fuzz(300)
@given(st.binary(max_size=2000))
def test_random_bytes_into_the_loader(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "t.yaml"
    path.write_bytes(data)
    _load(path)


@fuzz(300)
@given(structures)
def test_random_yaml_structures_into_the_loader(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    template = _load(path)
    if template is not None:
        _render(template)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _near(draw: st.DrawFn, value: Any) -> Any:
    """A value like ``value``: text for text, a number for a number, now and then anything."""
    if isinstance(value, bool) or draw(st.integers(0, 9)) == 0:
        return draw(structures)
    if isinstance(value, int):
        return draw(st.integers(-3, 400))
    if isinstance(value, float):
        return draw(st.floats(0, 100, allow_nan=False))
    if isinstance(value, str):
        return draw(st.one_of(st.text(max_size=80), st.sampled_from(
            ["W" * 80, "中" * 80, "x" * 200, "02:30", "01:30", "23:59", "1d", "28d", "45m", "1-21",
             "2y", "America/New_York", "Europe/London", "US", "none", "skip", "previous"])))
    return draw(structures)


@st.composite
def mutated_templates(draw: st.DrawFn) -> dict[str, Any]:
    """A shipped template with one to three leaves changed to a value of about the same kind,
    or a key removed: most stay close enough to valid to reach the exporters."""
    data = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = _near(draw, parent[path[-1]])
    return data


@fuzz(150)
@given(mutated_templates())
def test_shipped_templates_with_random_changes_render_or_are_refused(data):
    source = "mutated.yaml"
    try:
        template = parse_template(data, {}, source)
    except SchedulerError as error:
        _contract(error)
        return
    _render(template)


cells = st.one_of(st.text(max_size=30), st.sampled_from(
    ["stupp", "cross", "nct06478355", "2026-03-02", "2026-02-30", "none", "UTC", "CN",
     "Factory", "adjuvant_cycles=4", "adjuvant_cycles=999999999999", "2026-03-03=Linac",
     "=1+1", "yes", "12m", "99999y", "/etc/passwd", "../x.yaml", "\x1b[2J", "P\nQ"]))
COLUMNS = ["key", "template", "start", "label", "holidays", "tz", "closed", "set", "horizon",
           "shift_start", "plan_key"]


@st.composite
def cohorts(draw: st.DrawFn) -> str:
    import csv
    import io

    columns = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True))
    if draw(st.booleans()):
        columns = ["key", "template", "start", *[c for c in columns if c not in
                                                 ("key", "template", "start")]]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for index in range(draw(st.integers(0, 3))):
        row = [draw(cells) for _ in columns]
        if "key" in columns:
            row[columns.index("key")] = draw(st.sampled_from([f"P{index}", "", "P0"]))
        writer.writerow(row)
    text = buffer.getvalue()
    if draw(st.booleans()):  # and some raw damage: a cut, a stray quote, a NUL
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', "\x00", ",,,,", "\r", ""])) + text[cut:]
    return text


@fuzz(60)
@given(cohorts())
def test_random_csv_into_batch(tmp_path_factory, text):
    try:
        cohort = read_cohort(text)
    except SchedulerError as error:
        _contract(error)
        return
    for failed in cohort.errors:
        assert failed.error and "internal error" not in failed.error
    out = tmp_path_factory.mktemp("out")
    results = run_cohort(cohort.rows, out, STAMP, OutputOptions(), jobs=1)
    for result in results:
        assert not (result.error or "").startswith("internal error"), result.error
        if result.error:
            _contract(SchedulerError(result.error))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
