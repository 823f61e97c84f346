"""Clinic closures for everyone at once (issue 20, part 5)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scheduler.cli import cli

NOW = "2026-04-20T01:00:00Z"


def run(db: str, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", db])


def populated(db: str) -> None:
    for key, template, start in [("P017", "nct06478355", "2026-03-02"),
                                 ("P018", "cisplatin-rt-head-neck", "2026-04-06"),
                                 ("P019", "mfolfox6", "2026-04-07"),
                                 ("P020", "nct06478355", "2026-03-02")]:
        added = run(db, "patient", "add", key, template, "--start", start, "--now", "2026-03-01T00:00:00Z")
        assert added.exit_code == 0, added.output
    assert run(db, "patient", "end", "P020", "--reason", "withdrew", "--now", NOW).exit_code == 0


def dates(db: str, key: str) -> dict[str, str]:
    shown = json.loads(run(db, "patient", "show", key, "--json").stdout)
    return {e["ref"]: e["date"] for e in shown["events"]}


def test_a_linac_closure_moves_only_the_linac_plans_radiotherapy(db):
    populated(db)
    before = {k: dates(db, k) for k in ("P017", "P018", "P019")}
    dry = run(db, "closure", "add", "2026-04-21", "--resource", "linac", "--reason", "linac service",
              "--dry-run", "--now", NOW)
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    # The seed's radiotherapy (P017, fractions 7-30) and the head-and-neck course's (P018) are on
    # the linac; the chemotherapy of both and P019's mFOLFOX6 are not.
    assert lines[:4] == ["Dry run: closed for linac 2026-04-21: linac service", "2 plan(s) affected",
                         "  P017:", "    rt/f7: 2026-04-21 -> 2026-04-22 (+1 d)"]
    assert "  P018:" in lines and "    rt/f12: 2026-04-21 -> 2026-04-22 (+1 d)" in lines
    assert not any("immunochemo" in line or "cisplatin" in line for line in lines)
    assert lines[-1] == "Urgent: 4 move(s) within 48 hours; tell these patients directly: P017, P018"
    assert {k: dates(db, k) for k in before} == before  # a dry run records nothing
    assert run(db, "closure", "list").stdout.splitlines()[1:] == []
    added = run(db, "closure", "add", "2026-04-21", "--resource", "linac", "--reason", "linac service",
                "--author", "lead.nurse", "--now", NOW)
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines()[0] == "Closure 1: closed for linac 2026-04-21: linac service"
    after = dates(db, "P018")
    assert after["rt/f12"] == "2026-04-22" and after["rt/f33"] == "2026-05-21"  # 66 Gy/33, last of 33
    assert after["weekly-cisplatin/c3/d1/cisplatin"] == before["P018"]["weekly-cisplatin/c3/d1/cisplatin"]
    assert dates(db, "P019") == before["P019"]
    moved = {ref for ref, day in dates(db, "P017").items() if day != before["P017"][ref]}
    assert moved == {f"rt/f{n}" for n in range(7, 31)}
    history = run(db, "patient", "show", "P018").output
    assert ("1. closed for linac 2026-04-21 (closure 1): linac service (lead.nurse, "
            "2026-04-20T01:00:00+00:00)") in history
    listed = run(db, "closure", "list").stdout.splitlines()
    assert listed[1] == "1\t2026-04-21\t2026-04-21\tlinac\t2\tlead.nurse\tlinac service\tin force"
    # the moves within 48 hours are urgent in the worklist
    work = json.loads(run(db, "worklist", "--from", "2026-04-21", "--days", "2", "--now", NOW,
                          "--json").stdout)
    urgent = [(i["patient_key"], i["ref"]) for i in work if "urgent" in i["flags"]]
    assert urgent == [("P018", "rt/f12"), ("P017", "rt/f7"), ("P018", "rt/f13"), ("P017", "rt/f8")]
    # revert: every plan it moved is back, with the history kept
    reverted = run(db, "closure", "revert", "1", "--reason", "service postponed", "--now", NOW)
    assert reverted.exit_code == 0, reverted.output
    assert reverted.stdout == (  # back within 48 hours: as urgent as the closure's own moves
        "Reverted closure 1 on 2 plan(s): P017, P018\n"
        "Urgent: 2 move(s) within 48 hours; tell these patients directly: P017, P018\n")
    assert dates(db, "P018") == before["P018"]
    shown = run(db, "patient", "show", "P018").output
    assert "2. reverted change 1: closure 1 reverted: service postponed" in shown
    again = run(db, "closure", "revert", "1", "--reason", "x", "--now", NOW)
    assert again.exit_code == 2 and "closure 1 was already reverted" in again.stderr
    assert "reverted 2026-04-20T01:00:00+00:00 by" in run(db, "closure", "list").stdout


def test_a_site_closure_moves_every_active_plan_and_skips_ended_ones(db):
    populated(db)
    result = run(db, "closure", "add", "2026-04-21..2026-04-22", "--reason", "power works", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "3 plan(s) affected" in result.stdout
    shown = json.loads(run(db, "patient", "show", "P020", "--json").stdout)
    assert [c["kind"] for c in shown["changes"]] == ["end"]
    for key in ("P017", "P018", "P019"):
        assert not any(d in ("2026-04-21", "2026-04-22") for d in dates(db, key).values()), key
    assert run(db, "registry", "check").exit_code == 0


def test_closure_refusals(db):
    populated(db)
    backwards = run(db, "closure", "add", "2026-04-22..2026-04-21", "--reason", "x", "--now", NOW)
    assert backwards.exit_code == 2 and "the end is before the start" in backwards.stderr
    long = run(db, "closure", "add", "2026-04-01..2026-07-01", "--reason", "x", "--now", NOW)
    assert long.exit_code == 2 and "at most 62 days" in long.stderr
    missing = run(db, "closure", "revert", "9", "--reason", "x", "--now", NOW)
    assert missing.exit_code == 2
    assert "there is no closure 9; 'scheduler closure list' lists them" in missing.stderr
    # a day closed already, for the clinic or for the same resource: refused, nothing recorded
    first = run(db, "closure", "add", "2026-04-21..2026-04-22", "--reason", "move", "--now", NOW)
    assert first.exit_code == 0, first.output
    for span, resource in (("2026-04-21", "linac"), ("2026-04-21..2026-04-22", None)):
        again = run(db, "closure", "add", span, *(["--resource", resource] if resource else []),
                    "--reason", "again", "--now", NOW)
        assert again.exit_code == 2, again.output
        assert (f"closure {span}: closed{' for linac' if resource else ''} already by "
                "closure 1 (revert that one first to change its reason)") in again.stderr
    assert len(run(db, "closure", "list").stdout.splitlines()) == 2  # the heading and closure 1
    partly = run(db, "closure", "add", "2026-04-22..2026-04-23", "--reason", "longer", "--now", NOW)
    assert partly.exit_code == 0, partly.output  # the 23rd was open
    # a plan registered after a closure is not moved by it: a new closure of those days moves it
    assert run(db, "patient", "add", "P021", "cisplatin-rt-head-neck", "--start", "2026-04-07",
               "--now", NOW).exit_code == 0
    later = run(db, "closure", "add", "2026-04-21", "--resource", "linac", "--reason", "for P021",
                "--now", NOW)
    assert later.exit_code == 0, later.output
    assert later.stdout.splitlines()[1:3] == ["1 plan(s) affected", "  P021:"]


def test_registry_export_for_audit_lists_closures(db):
    populated(db)
    run(db, "closure", "add", "2026-04-21", "--resource", "linac", "--reason", "linac service",
        "--author", "lead.nurse", "--now", NOW)
    records = [json.loads(line) for line in
               run(db, "registry", "export", "--for-audit").stdout.splitlines()]
    [closed] = [r for r in records if r["type"] == "closure"]
    assert closed == {"type": "closure", "id": 1, "start": "2026-04-21", "end": "2026-04-21",
                      "resource": "linac", "reason": "linac service", "author": "lead.nurse",
                      "created_at": "2026-04-20T01:00:00+00:00", "reverted_at": None,
                      "reverted_by": None, "revert_reason": None}
    changes = [r for r in records if r["type"] == "change" and r["patient_key"] == "P018"]
    assert [c["kind"] for c in changes] == ["closure"] and changes[0]["fields"]["closure"] == 1
