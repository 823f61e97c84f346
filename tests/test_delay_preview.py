"""A delay's preview names what it leaves where it was (events before the delayed cycle,
recorded doses, components not anchored to the regimen) and what the plan's horizon or a dose
cap cuts off or adds, with dates: on the command line (``delay --dry-run``, both engines), in
the library and on the web preview."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from click.testing import CliRunner
from starlette.testclient import TestClient

from scheduler.cli import cli
from scheduler.core.adjust import Delay
from scheduler.core.diff import delay_effects
from scheduler.core.expand import expand
from scheduler.core.loader import resolve_template
from scheduler.registry import opened
from scheduler.services import patients
from scheduler.services.options import PlanOptions, request_for

PASSWORD = "correct horse battery"


def _run(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result.output


def _seed(db: str) -> None:
    _run(db, "patient", "add", "P017", "nct06478355", "--start", "2026-03-02",
         "--now", "2026-03-01T09:00:00Z")
    _run(db, "record", "P017", "immunochemo/c1/d1/pd1", "--status", "given", "--now", "2026-03-02T10:00:00Z")


def test_the_dry_run_names_what_stays_and_what_the_horizon_cuts_off_and_records_nothing(db):
    _seed(db)
    shown = _run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia", "--dry-run",
                 "--now", "2026-04-01T09:00:00Z").splitlines()
    assert shown[:3] == [
        "Would record for P017: cycle 3 of immunochemo delayed 7 days: neutropenia "
        "(nothing recorded: --dry-run)",
        "Moves 21 events:",
        "  immunochemo/c3/d1/pd1  2026-04-13 -> 2026-04-20"]
    assert "  immunochemo/c11/d1/pd1  2026-09-30 -> 2026-10-08" in shown  # National Day week (CN)
    assert shown[-6:] == [
        "Stays where it was:",
        "  immunochemo/c1/d1/pd1  2026-03-02: given (recorded)",
        "  7 events before cycle 3's day 1 (2026-04-13): 2026-03-02 to 2026-03-30",
        "  30 events of Radiotherapy, not anchored to Immunochemotherapy (21-day cycles): "
        "2026-04-13 to 2026-05-26",
        "Cut off by the plan's horizon (continuation doses start before 2027-03-02, 12 months after day 1):",
        "  immunochemo/c18/d1/pd1  2027-02-24"]
    with opened(db) as registry:
        assert patients.snapshot(registry, "P017").revision == 1  # the record only
    # Recorded, then brought back: the horizon lets cycle 18 in again.
    _run(db, "delay", "P017", "--cycle", "3", "--days", "7", "--reason", "neutropenia", "--now",
         "2026-04-01T09:00:00Z")
    back = _run(db, "delay", "P017", "--cycle", "3", "--days", "-7", "--reason", "recovered early",
                "--dry-run", "--now", "2026-04-02T09:00:00Z").splitlines()
    assert back[-2:] == [
        "Added by the plan's horizon (continuation doses start before 2027-03-02, 12 months after day 1):",
        "  immunochemo/c18/d1/pd1  2027-02-24"]


def test_a_dose_cap_cuts_off_a_cycle_pushed_past_its_stated_end():
    template, _path = resolve_template("durvalumab-after-crt")
    request = request_for(template, PlanOptions(start=date(2026, 3, 2)), "P").request
    before = expand(request)
    after = expand(replace(request, adjustments=(Delay("consolidation", 2, 42, "pneumonitis"),)))
    effects = delay_effects(before, after, "consolidation", 2)
    assert effects.day1 == date(2026, 5, 22)
    assert [(k.why, len(k.events), k.events[0].date, k.events[-1].date) for k in effects.kept] == [
        ("before", 43, date(2026, 3, 2), date(2026, 4, 24)),
        ("already", 4, date(2026, 7, 17), date(2027, 3, 26))]  # the CT scans: from the first dose
    assert {e.ref for e in effects.kept[1].events} == {f"ct-scan/{n}" for n in range(1, 5)}
    assert [(x.event.ref, x.event.date, x.limit, x.until, str(x.span)) for x in effects.cut] == [
        ("consolidation/c13/d1/durvalumab", date(2027, 3, 26), "cap", date(2027, 4, 24), "12 months")]
    assert effects.added == ()


def test_the_web_preview_of_a_delay_says_the_same(tmp_path):
    from scheduler.web import create_app

    db = str(tmp_path / "registry.sqlite3")
    result = CliRunner().invoke(cli, ["user", "add", "li.na", "--admin", "--password-stdin", "--db", db],
                                input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    _seed(db)
    client = TestClient(create_app(db, issue_dir=tmp_path / "issued", secret="x" * 32, https_only=False))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf": token, "name": "li.na", "password": PASSWORD})
    form = client.get("/patients/P017/change?kind=delay").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    page = client.post("/patients/P017/change", data={
        "csrf": token, "kind": "delay", "revision": "1", "cycle": "3", "days": "7", "reason": "neutropenia",
        "action": "preview"})
    assert page.status_code == 200
    effects = re.search(r'<section class="effects".*?</section>', page.text, re.S).group(0)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line)).strip()
            for line in re.findall(r"<(?:li|h3)[^>]*>.*?</(?:li|h3)>", effects, re.S)]
    assert text == [
        "Stays where it was",
        "PD-1 inhibitor – cycle 1, day 1 on 2026-03-02: given, as recorded",
        "7 events before cycle 3's day 1 (2026-04-13), 2026-03-02 to 2026-03-30",
        "30 events of Radiotherapy, not anchored to the delayed cycles, 2026-04-13 to 2026-05-26",
        "Cut off by the plan's horizon (continuation doses start before 2027-03-02, 12 months after day 1)",
        "immunochemo/c18/d1/pd1 2027-02-24: PD-1 inhibitor – cycle 18, day 1"]
    # The event the horizon cuts is said once, there, not again among the cancelled ones.
    diff = re.search(r'<section class="diff".*?</section>', page.text, re.S).group(0)
    assert "cycle 18" not in diff and "2027-02-24" not in diff
    assert page.text.count("2027-02-24") == 1
