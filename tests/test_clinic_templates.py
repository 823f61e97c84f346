"""A clinic's own templates in the registry (both engines): drafts, approval by a second
admin, published versions kept and offered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.core.errors import InputError, TemplateError
from scheduler.registry import clinic_templates as store
from scheduler.registry import opened
from scheduler.services import clinic_templates, people

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PW = "correct horse battery"
TC = (Path(__file__).parents[1] / "templates" / "tc.yaml").read_text()
CLINIC = TC.replace("\nid: tc\n", "\nid: tc-6\n").replace("default: 4", "default: 6")


def _admins(db: str) -> None:
    with opened(db, create=True) as registry:
        for name in ("li.na", "chen.jie"):
            people.add(registry, people.new(name, PW, "admin", "root", NOW))


def test_a_draft_is_published_by_a_second_admin_and_every_version_is_kept(db):
    _admins(db)
    later = NOW + timedelta(hours=1)
    with opened(db) as registry:
        first = clinic_templates.draft(registry, CLINIC, "li.na", NOW)
        assert (first.template_id, first.version, first.published) == ("tc-6", 1, False)
        assert clinic_templates.published(registry) == []
        with pytest.raises(InputError, match=r"tc-6 version 1: you drafted it, so a second admin must"):
            clinic_templates.approve(registry, "tc-6", 1, "li.na", NOW)
        clinic_templates.approve(registry, "tc-6", 1, "chen.jie", later)
        with pytest.raises(InputError, match=r"approved already, by chen\.jie"):
            clinic_templates.approve(registry, "tc-6", 1, "li.na", later)
        five = CLINIC.replace("default: 6", "default: 5")
        second = clinic_templates.draft(registry, five, "chen.jie", later)
        assert second.version == 2
        # Version 2 is a draft: registration still offers version 1.
        offered = clinic_templates.published(registry)
        assert [(p.info.id, p.version.version) for p in offered] == [("tc-6", 1)]
        clinic_templates.approve(registry, "tc-6", 2, "li.na", later)
        kept = [(v.version, v.author, v.created_at, v.approver, v.approved_at)
                for v in store.versions(registry, "tc-6")]
    assert kept == [(1, "li.na", NOW.isoformat(), "chen.jie", later.isoformat()),
                    (2, "chen.jie", later.isoformat(), "li.na", later.isoformat())]
    with opened(db) as registry:
        assert [p.version.version for p in clinic_templates.published(registry)] == [2]
        assert "default: 5" in clinic_templates.published(registry)[0].version.text


def test_a_bad_template_is_never_saved_and_says_every_problem(db):
    _admins(db)
    bad = CLINIC.replace("cycle_days: 21", "cycle_days: 0").replace("maximum: 6", "maximum: 0")
    with opened(db) as registry:
        with pytest.raises(TemplateError) as caught:
            clinic_templates.draft(registry, bad, "li.na", NOW)
        lines = bad.splitlines()  # the lines of tc.yaml's 'cycles:' parameter and 'cycle_days'
        cycles, days = lines.index("  cycles:") + 1, lines.index("    cycle_days: 0") + 1
        assert caught.value.located == [
            f"pasted text:{cycles}: parameters.cycles: minimum 1 is above maximum 0",
            f"pasted text:{days}: components[0].cycle_days: must be at least 1 (got 0)"]
        with pytest.raises(InputError, match=r"id 'tc' is a shipped template's; give your clinic's "
                                             r"version its own id \(e\.g\. tc-clinic\)"):
            clinic_templates.draft(registry, TC, "li.na", NOW)
        assert store.versions(registry) == []


def test_the_command_line_registers_a_patient_on_the_newest_published_clinic_template(db):
    from click.testing import CliRunner

    from scheduler.cli import cli

    _admins(db)
    with opened(db) as registry:
        clinic_templates.draft(registry, CLINIC, "li.na", NOW)
    run = CliRunner().invoke
    drafted = run(cli, ["patient", "add", "P1", "tc-6", "--start", "2026-03-02", "--db", db])
    assert drafted.exit_code == 2 and "unknown template 'tc-6'" in drafted.stderr  # a draft is not offered
    with opened(db) as registry:
        clinic_templates.approve(registry, "tc-6", 1, "chen.jie", NOW)
    added = run(cli, ["patient", "add", "P1", "tc-6", "--start", "2026-03-02", "--db", db,
                      "--now", "2026-03-01T00:00:00Z"])
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("Registered P1: tc-6 from 2026-03-02, ")
    with opened(db) as registry:
        stored = registry.plan("P1")
        assert (stored.template_path, stored.template_text) == ("registry:tc-6 v1", CLINIC)
    shown = run(cli, ["patient", "show", "P1", "--db", db])
    assert "Template tc-6 from registry:tc-6 v1" in shown.stdout
