"""Moving registered patients to a new version of their clinic template (both engines): the
new version lists the plans on earlier ones with what would move; a move is a recorded change,
re-applying the plan's history on the new version, revertable, with the feed and the
worklist's cache following it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from scheduler.core.errors import InputError
from scheduler.core.loader import load_template_text
from scheduler.registry import StaleError, opened
from scheduler.registry import follow as follow_store
from scheduler.services import clinic_templates, derived, feed, moves, patients, people, treatment
from scheduler.services.options import PlanOptions

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PW = "correct horse battery"
TC = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text()
V1 = TC.replace("id: tc\n", "id: tc-6\n").replace(
    "{of: tc,", "{of: tc-6,").replace("default: 4", "default: 6")
V2 = V1.replace("cycle_days: 21", "cycle_days: 28")  # the amendment: 28-day cycles


def _day(event) -> date:
    """The day a VEVENT starts (a timed one's date; an all-day one's date itself)."""
    start = event["DTSTART"].dt
    return start.date() if isinstance(start, datetime) else start


def _setup(db: str, *texts: str) -> None:
    """Two admins; each text drafted by li.na and published by chen.jie, in order."""
    with opened(db, create=True) as registry:
        for name in ("li.na", "chen.jie"):
            people.add(registry, people.new(name, PW, "admin", "root", NOW))
        for text in texts:
            saved = clinic_templates.draft(registry, text, "li.na", NOW)
            clinic_templates.approve(registry, saved.template_id, saved.version, "chen.jie", NOW)


def _register(db: str, key: str, start: date, text: str = V1, source: str = "registry:tc-6 v1") -> None:
    with opened(db) as registry:
        template = load_template_text(text, source)
        patients.register(registry, patients.prepare_loaded(
            key, None, template, text.encode("utf-8"), source, PlanOptions(start=start), NOW, "li.na").stored)


def _day1s(plan) -> list[str]:
    return [e.date.isoformat() for e in plan.events if e.ref.endswith("/d1/docetaxel")]


def test_a_new_version_lists_the_plans_on_the_old_one_with_what_would_move(db):
    _setup(db, V1)
    _register(db, "P1", date(2026, 3, 2))
    _register(db, "P2", date(2026, 3, 9))
    _register(db, "P3", date(2026, 3, 9))
    with opened(db) as registry:
        # Cycle 2 of P1 given two days after its planned 2026-03-23: it re-anchors the cycles after it.
        treatment.record(registry, "P1", "tc-6/c2/d1/docetaxel", "given", date(2026, 3, 25), None, "",
                         "li.na", NOW + timedelta(days=24))
        patients.end(registry, "P3", "withdrew", "li.na", NOW + timedelta(days=24))
        assert _day1s(patients.snapshot(registry, "P1").plan) == [
            "2026-03-02", "2026-03-25", "2026-04-15", "2026-05-06", "2026-05-27", "2026-06-17"]
        saved = clinic_templates.draft(registry, V2, "li.na", NOW + timedelta(days=25))
        with pytest.raises(InputError, match=r"version 2 of 'tc-6' is a draft: a second admin must approve"):
            moves.candidates(registry, "tc-6", 2, NOW + timedelta(days=25))
        clinic_templates.approve(registry, "tc-6", saved.version, "chen.jie", NOW + timedelta(days=25))
        listed = moves.candidates(registry, "tc-6", 2, NOW + timedelta(days=26))
    assert [(c.patient_key, c.on_version) for c in listed] == [("P1", 1), ("P2", 1), ("P3", 1)]
    p1, p2, p3 = listed
    assert p1.refused is None and p1.moving is not None
    # Cycle 1 and the dose given stay where they happened; cycle 3 is 28 days after the given day 1.
    assert _day1s(p1.moving.after) == [
        "2026-03-02", "2026-03-25", "2026-04-22", "2026-05-20", "2026-06-17", "2026-07-15"]
    moved = {m.before.ref: (m.before.date.isoformat(), m.after.date.isoformat())
             for m in p1.moving.diff.moved}
    assert moved["tc-6/c3/d1/docetaxel"] == ("2026-04-15", "2026-04-22")
    assert moved["tc-6/c6/d0/dexamethasone/t1"] == ("2026-06-16", "2026-07-14")
    assert not any(ref.startswith(("tc-6/c1/", "tc-6/c2/")) for ref in moved)
    # 8 events a cycle for cycles 3-6, and the blood tests before each of them
    assert len(moved) == 36 and p1.moving.diff.added == () and p1.moving.diff.removed == ()
    # Without the realigning delay version 2 would have planned cycle 2 on 2026-03-30 + 2 days.
    assert [(r.regimen, r.cycle, r.given, r.planned) for r in p1.moving.realigned] == [
        ("tc-6", 2, date(2026, 3, 25), date(2026, 4, 1))]
    assert p2.moving is not None and _day1s(p2.moving.after) == [
        "2026-03-09", "2026-04-06", "2026-05-04", "2026-06-01", "2026-06-29", "2026-07-27"]
    assert p3.moving is None and str(p3.refused) == (
        "the plan of P3 has ended (plan ended: withdrew); it takes no more changes")


def test_moving_is_a_recorded_change_that_the_feed_and_the_worklist_follow_and_a_revert_undoes(db):
    _setup(db, V1, V2)
    _register(db, "P1", date(2026, 3, 2))
    at = NOW + timedelta(days=5)
    with opened(db) as registry:
        before = _events(feed.render(registry.plan("P1"), registry.history(registry.plan("P1").id)).body)
        preview = moves.move(registry, "P1", 2, "amendment 2", "li.na", at, record=False)
        assert preview.recorded is None and patients.snapshot(registry, "P1").revision == 0
        with pytest.raises(StaleError):
            moves.move(registry, "P1", 2, "amendment 2", "li.na", at, expected_revision=3)
        done = moves.move(registry, "P1", 2, "amendment 2", "chen.jie", at, expected_revision=0)
        assert done.recorded is not None and done.recorded.number == 1
        now = patients.snapshot(registry, "P1")
        assert [(c.kind, c.author, c.at, c.describe()) for c in now.changes] == [
            ("template-move", "chen.jie", at.isoformat(), "moved to version 2 of tc-6: amendment 2")]
        assert now.changes[0].fields["text"] == V2 and moves.version_of(now.stored, now.changes) == 2
        assert _day1s(now.plan) == ["2026-03-02", "2026-03-30", "2026-04-27", "2026-05-25", "2026-06-22",
                                    "2026-07-20"]
        # The worklist's cache was rewritten in the move's transaction.
        revision, rows = follow_store.stored_events(registry)[now.stored.id]
        assert revision == 1 and rows == derived.rows(now.stored, now.changes, patients.request_of)
        cycle3 = next(r for r in rows if r["ref"] == "tc-6/c3/d1/docetaxel")
        assert (cycle3["date"], cycle3["was_date"], cycle3["changed_at"]) == (
            "2026-04-27", "2026-04-13", at.isoformat())
        assert derived.drifted(registry, patients.request_of) == []
        after = _events(feed.render(now.stored, now.changes).body)
        # Same UIDs (the references are the same); the moved visits' SEQUENCE goes up.
        assert set(after) == set(before)
        first = next(u for u, e in before.items() if _day(e) == date(2026, 3, 2))
        third = next(u for u, e in before.items() if _day(e) == date(2026, 4, 13))
        # Cycle 1 stays on its day; its entry still changes (its cycle is now 28 days long).
        assert after[first]["DTSTART"].dt == before[first]["DTSTART"].dt
        assert (before[first]["SEQUENCE"], after[first]["SEQUENCE"]) == (0, 1)
        assert (before[third]["SEQUENCE"], after[third]["SEQUENCE"]) == (0, 1)
        assert after[third]["DTSTART"].dt.date() == date(2026, 4, 27)

        with pytest.raises(InputError, match=r"P1 is on version 2 of 'tc-6' already"):
            moves.move(registry, "P1", 2, "again", "li.na", at)
        undone = patients.revert(registry, "P1", 1, "moved the wrong patient", "li.na",
                                 at + timedelta(hours=1))
        assert _day1s(undone.after) == ["2026-03-02", "2026-03-23", "2026-04-13", "2026-05-04", "2026-05-25",
                                        "2026-06-15"]
        again = patients.snapshot(registry, "P1")
        assert moves.version_of(again.stored, again.changes) == 1
        reverted = _events(feed.render(again.stored, again.changes).body)
        assert (reverted[third]["SEQUENCE"], reverted[third]["DTSTART"].dt.date()) == (2, date(2026, 4, 13))
        assert derived.drifted(registry, patients.request_of) == []


def test_a_move_keeps_cycles_already_begun_where_they_began(db):
    """Moved on 1 April, a plan that started on 2 March (nothing recorded) keeps cycle 2 on
    23 March, where it began; version 2's 28-day cycles start counting from there."""
    _setup(db, V1, V2)
    _register(db, "P1", date(2026, 3, 2))
    with opened(db) as registry:
        preview = moves.move(registry, "P1", 2, "amendment 2", "li.na", datetime(2026, 4, 1, 9, tzinfo=UTC),
                             record=False)
    assert _day1s(preview.after) == ["2026-03-02", "2026-03-23", "2026-04-20", "2026-05-18", "2026-06-15",
                                     "2026-07-13"]
    assert [(r.regimen, r.cycle, r.given, r.planned, r.recorded) for r in preview.realigned] == [
        ("tc-6", 2, date(2026, 3, 23), date(2026, 3, 30), False)]
    moved = {m.before.ref: (m.before.date.isoformat(), m.after.date.isoformat()) for m in preview.diff.moved}
    assert not any(ref.startswith(("tc-6/c1/", "tc-6/c2/", "labs/c2")) for ref in moved)
    assert moved["tc-6/c3/d1/docetaxel"] == ("2026-04-13", "2026-04-20")
    from scheduler.cli.moves import moving_lines

    assert ("  kept     cycle 2 of tc-6 on 2026-03-23, the day it began, before the move (version 2 "
            "alone plans it on 2026-03-30)") in moving_lines(preview)


def test_a_cycle_begins_at_its_first_dose_time_on_its_day(db):
    """On cycle 2's day 1, a move before its first event (dexamethasone at 08:00) leaves the
    cycle to version 2; a move after it keeps the cycle where it began."""
    _setup(db, V1, V2)
    _register(db, "P1", date(2026, 3, 2))
    with opened(db) as registry:
        zone = patients.snapshot(registry, "P1").plan.request.timezone
        early, late = (datetime(2026, 3, 23, h, 30, tzinfo=zone) for h in (7, 8))
        before = moves.move(registry, "P1", 2, "amendment 2", "li.na", early, record=False)
        after = moves.move(registry, "P1", 2, "amendment 2", "li.na", late, record=False)
    assert _day1s(before.after)[:3] == ["2026-03-02", "2026-03-30", "2026-04-27"]
    assert _day1s(after.after)[:3] == ["2026-03-02", "2026-03-23", "2026-04-20"]


def _events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_what_cannot_move_is_refused_in_words_naming_what_is_missing(db):
    no_day2 = V1.replace("days: [0, 1, 2]", "days: [0, 1]")
    renamed = V1.replace("    id: tc-6\n", "    id: tc-main\n").replace("{of: tc-6,", "{of: tc-main,")
    _setup(db, V1, no_day2, renamed)
    _register(db, "P1", date(2026, 3, 2))
    _register(db, "P2", date(2026, 3, 2))
    _register(db, "S1", date(2026, 3, 2), TC, str(Path("templates/tc.yaml").resolve()))
    later = NOW + timedelta(days=2)
    with opened(db) as registry:
        treatment.record(registry, "P1", "tc-6/c1/d2/dexamethasone/t1", "given", None, None, "", "li.na",
                         later)
        patients.adjust(registry, "P2", _delay(), "li.na", later)
        with pytest.raises(InputError) as caught:
            moves.move(registry, "P1", 2, "amendment", "li.na", later)
        assert caught.value.message == (
            "version 2 of 'tc-6' has no event tc-6/c1/d2/dexamethasone/t1, which change 1 recorded "
            "(tc-6/c1/d2/dexamethasone/t1 given on 2026-03-03, the planned day)")
        with pytest.raises(InputError) as caught:
            moves.move(registry, "P2", 3, "amendment", "li.na", later)
        assert caught.value.message == (
            "version 3 of 'tc-6' has no regimen 'tc-6', which change 1 delays "
            "(cycle 2 of tc-6 delayed 7 days: neutropenia)")
        assert caught.value.field == "version"
        with pytest.raises(InputError, match=r"template 'tc-6' has no version 9"):
            moves.move(registry, "P2", 9, "amendment", "li.na", later)
        with pytest.raises(InputError, match=r"S1's plan is on the template 'tc', which has "
                                             r"no versions in the registry"):
            moves.move(registry, "S1", 2, "amendment", "li.na", later)
        # Nothing was written by a refusal.
        assert [len(patients.snapshot(registry, k).changes) for k in ("P1", "P2", "S1")] == [1, 1, 0]
        listed = moves.candidates(registry, "tc-6", 3, later)
    # Version 3 renames the regimen, so every reference changes: P1's record names one it lacks.
    assert [(c.patient_key, c.moving, getattr(c.refused, "message", "")[:60]) for c in listed] == [
        ("P1", None, "version 3 of 'tc-6' has no event tc-6/c1/d2/dexamethasone/t1"),
        ("P2", None, "version 3 of 'tc-6' has no regimen 'tc-6', which change 1 de")]


def _delay():
    from scheduler.core.adjust import Delay

    return Delay("tc-6", 2, 7, "neutropenia")


def _cli(db: str, *args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from scheduler.cli import cli

    result = CliRunner().invoke(cli, [*args, "--db", db])
    return result.exit_code, result.output


def test_the_command_line_lists_previews_and_moves_and_refuses_in_its_words(db):
    _setup(db, V1, V2)
    _register(db, "P1", date(2026, 3, 2))
    _register(db, "P3", date(2026, 3, 9))
    with opened(db) as registry:
        patients.end(registry, "P3", "withdrew", "li.na", NOW)
    code, listed = _cli(db, "template", "patients", "tc-6", "--now", "2026-03-05T09:00:00Z")
    lines = listed.splitlines()
    assert code == 0 and lines[:5] == [
        "2 plan(s) on an earlier version of tc-6 than version 2:",
        "P1 (version 1):",
        "  45 event(s) move, 0 added, 0 removed",
        "    moves    labs/c2  2026-03-20 -> 2026-03-27",
        "    moves    tc-6/c2/d0/dexamethasone/t1  2026-03-22 -> 2026-03-29"]
    assert "    moves    tc-6/c6/d1/docetaxel  2026-06-15 -> 2026-07-20" in lines
    assert lines[-1] == ("P3 (version 1): cannot move: the plan of P3 has ended (plan ended: withdrew); "
                         "it takes no more changes")
    code, dry = _cli(db, "patient", "move", "P1", "--to-version", "2", "--reason", "amendment 2", "--dry-run",
                     "--now", "2026-03-05T09:00:00Z")
    assert code == 0 and dry.splitlines()[:2] == [
        "Would move P1 from version 1 to version 2 of tc-6 (nothing recorded: --dry-run):",
        "45 event(s) move, 0 added, 0 removed"]
    code, done = _cli(db, "patient", "move", "P1", "--to-version", "2", "--reason", "amendment 2",
                      "--author", "chen.jie", "--now", "2026-03-05T09:00:00Z")
    assert code == 0 and done.splitlines()[0] == (
        "Recorded for P1: moved to version 2 of tc-6: amendment 2 (change 1)")
    code, shown = _cli(db, "patient", "show", "P1")
    assert "  1. moved to version 2 of tc-6: amendment 2 (chen.jie, 2026-03-05T09:00:00+00:00)" in shown
    code, again = _cli(db, "patient", "move", "P1", "--to-version", "2", "--reason", "x")
    assert code == 2 and "--to-version: P1 is on version 2 of 'tc-6' already" in again
    code, draft = _cli(db, "template", "patients", "tc-6", "--to-version", "3")
    assert code == 2 and "--to-version: template 'tc-6' has no version 3" in draft


def test_a_moved_plan_survives_an_export_and_an_import(db, tmp_path):
    """The move keeps the version's text in the plan's history, so a restored plan is on the
    version it was moved to, with the same events, wherever the clinic templates are."""
    _setup(db, V1, V2)
    _register(db, "P1", date(2026, 3, 2))
    with opened(db) as registry:
        moves.move(registry, "P1", 2, "amendment 2", "li.na", NOW + timedelta(days=5))
        before = patients.snapshot(registry, "P1")
    code, _ = _cli(db, "registry", "export", "-o", str(tmp_path / "backup.jsonl"))
    assert code == 0
    restored = str(tmp_path / "restored.sqlite3")
    code, output = _cli(restored, "registry", "import", str(tmp_path / "backup.jsonl"))
    assert code == 0, output
    with opened(restored) as registry:
        after = patients.snapshot(registry, "P1")
        assert derived.drifted(registry, patients.request_of) == []
    assert moves.version_of(after.stored, after.changes) == 2
    assert [(e.ref, e.date) for e in after.plan.events] == [(e.ref, e.date) for e in before.plan.events]
    assert _day1s(after.plan)[1] == "2026-03-30"


def test_a_move_that_cannot_keep_a_cycle_names_it_in_both_languages():
    from scheduler.web import datawords, i18n

    given = "version 2 of 'tc-6' cannot keep cycle 2 of tc-6 on 2026-03-25, the day it was given"
    begun = "version 2 of 'tc-6' cannot keep cycle 2 of tc-6 on 2026-03-23, where it began, before the move"
    token = i18n.current.set("zh")
    try:
        assert datawords.library(given) == "tc-6 第 2 版无法让 tc-6 第 2 周期保持在实际给药日 2026-03-25"
        assert datawords.library(begun) == (
            "tc-6 第 2 版无法让 tc-6 第 2 周期保持在更换版本前已开始的 2026-03-23")
    finally:
        i18n.current.reset(token)


def test_a_move_committed_after_a_cycle_began_since_its_preview_is_previewed_again(db, tmp_path):
    from tests.test_web import Web

    web = Web(db, tmp_path)  # li.na, an admin
    with opened(db) as registry:
        people.add(registry, people.new("chen.jie", PW, "admin", "root", NOW))
        for text in (V1, V2):
            saved = clinic_templates.draft(registry, text, "li.na", NOW)
            clinic_templates.approve(registry, saved.template_id, saved.version, "chen.jie", NOW)
    _register(db, "P1", date(2026, 3, 2))
    with opened(db) as registry:
        zone = patients.snapshot(registry, "P1").plan.request.timezone
    web.clock.now = datetime(2026, 3, 23, 7, 30, tzinfo=zone)  # before cycle 2's first event
    assert web.login().status_code == 303
    preview = web.client.get("/patients/P1/move?version=2")
    assert preview.status_code == 200 and 'name="begun" value=""' in preview.text
    web.clock.now = datetime(2026, 3, 23, 8, 30, tzinfo=zone)  # its dexamethasone was due at 08:00
    data = {"version": "2", "revision": "0", "reason": "amendment 2", "begun": "", "action": "commit"}
    stale = web.post("/patients/P1/move", data)
    assert stale.status_code == 409, stale.text
    assert ("what the move keeps changed since the preview (cycle 2 of tc-6 began on 2026-03-23): look "
            "at the move again before you make it") in stale.text
    assert 'name="begun" value="tc-6:2"' in stale.text and "the day it began, before the move" in stale.text
    with opened(db) as registry:
        assert patients.snapshot(registry, "P1").revision == 0
    assert web.post("/patients/P1/move", {**data, "begun": "tc-6:2"}).status_code == 303
    with opened(db) as registry:
        moved = patients.snapshot(registry, "P1").plan
    assert _day1s(moved)[:3] == ["2026-03-02", "2026-03-23", "2026-04-20"]
    assert web.post("/patients/P1/move", {**data, "begun": "tc-6:x"}).status_code == 400
