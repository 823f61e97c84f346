"""Template loading: every bad template is rejected with file, line, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.errors import InputError, SchedulerError, TemplateError
from scheduler.loader import load_template_file, resolve_template, shipped_templates

BAD = Path(__file__).parent / "data" / "bad"

# file -> fragments the one error message must contain (line:field where it has them)
EXPECTED = {
    "malformed_yaml.yaml": ["malformed_yaml.yaml:3:", "not valid YAML"],
    "not_a_mapping.yaml": ["not_a_mapping.yaml:1:", "a template is a YAML mapping"],
    "empty_file.yaml": ["empty_file.yaml", "a template is a YAML mapping"],
    "unknown_top_level_field.yaml": [":4: colour: unknown field"],
    "unknown_component_field.yaml": [":12: components[0].fraction_per_week: unknown field"],
    "unknown_kind.yaml": [":5: components[0]:", "'surgery'", "'radiotherapy'"],
    "missing_name.yaml": [":1: name: missing (required)"],
    "zero_cycle_days.yaml": [":8: components[0].cycle_days:", "greater than or equal to 1"],
    "negative_cycles.yaml": [":9: components[0].drugs[0].cycles:", "between 1 and 10000"],
    "day_past_cycle_end.yaml": [":10: components[0].drugs[0].days:",
                                "day 22 is past the end of a 21-day cycle"],
    "day_zero.yaml": [":10: components[0].drugs[0].days:", "days are counted from 1"],
    "rt_fractions_do_not_divide.yaml": ["components[0].dose_per_fraction_gy:",
                                        "50 Gy is not a whole number of 1.8 Gy fractions"],
    "rt_fractions_disagree.yaml": ["components[0].fractions:",
                                   "25 fractions of 2 Gy do not make 60 Gy (30 do)"],
    "rt_zero_dose.yaml": ["components[0].total_dose_gy:", "must be a positive number of Gy"],
    "unknown_parameter_reference.yaml": [":11: components[0].drugs[0].cycles:",
                                         "unknown parameter '$chemo_cycles' (defined: $cycles)"],
    "parameter_default_out_of_range.yaml": [":5: parameters.chemo_cycles:",
                                            "default 12 is outside 1..8"],
    "parameter_without_description.yaml": [":5: parameters.chemo_cycles.description: missing"],
    "duplicate_id.yaml": [":6: components[1].id:", "id 'v' is used twice"],
    "duplicate_key.yaml": [":3:", "duplicate key 'name'"],
    "anchor_unknown_component.yaml": [":5: components[0].at.after:", "no component with id 'rt'"],
    "anchor_loop.yaml": ["components:", "depend on each other in a loop: a -> b -> a"],
    "anchor_self.yaml": [":5: components[0].through:", "cannot run through itself"],
    "anchor_two_kinds.yaml": [":5: components[0].at:", "exactly one of 'day', 'week' or 'after'"],
    "time_out_of_range.yaml": [":5: components[0].time:",
                               "'25:00' is not a 24-hour clock time like '08:30'"],
    "time_without_duration.yaml": [":5: components[0]:", "needs a 'duration'"],
    "bad_duration.yaml": [":5: components[0].duration:", "write a unit: '45m' or '45h'"],
    "bad_colour.yaml": [":5: components[0].colour:", "not a CSS colour name"],
    "bad_rule.yaml": [":5: components[0].on_non_working_day:", "'next'", "'error'"],
    "bad_minimum_span.yaml": [":10: components[0].drugs[0].cycles.minimum:",
                              "'six months' is not a span"],
    "daily_without_end.yaml": [":5: components[0]:", "exactly one of 'days' or 'through'"],
    "bad_id.yaml": [":1: id:", "should match pattern"],
    "no_components.yaml": [":4: components:", "at least 1 item"],
    "window_days_boolean.yaml": [":5: components[0].window_days:", "valid integer"],
    "binary_garbage.yaml": ["binary_garbage.yaml: not a text file"],
    "yaml_alias_bomb.yaml": [":2:", "aliases (*name) are not allowed"],
    "huge_day_range.yaml": [":10: components[0].drugs[0].days:",
                            "day 30000000 is past the longest cycle (365 days)"],
    "not_utf8.yaml": ["not_utf8.yaml: not UTF-8 text"],
    "encoding_utf16_bom.yaml": ["encoding_utf16_bom.yaml: not a text file (it contains NUL bytes)"],
}


def test_every_bad_file_has_an_expectation():
    """Here, or on its own first line (``# expect: ...``, checked by tests/test_bad_input.py)."""
    unexpected = [p.name for p in BAD.glob("*.yaml")
                  if p.name not in EXPECTED and not p.read_bytes().startswith(b"# expect: ")]
    assert unexpected == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_template_is_rejected_with_a_located_message(name):
    with pytest.raises(TemplateError) as caught:
        load_template_file(BAD / name)
    message = str(caught.value)
    assert message.startswith(str(BAD / name))
    for fragment in EXPECTED[name]:
        assert fragment in message, message


def test_several_problems_are_listed_together(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(
        "id: x\nname: X\nsource: t\ncomponents:\n"
        "  - {kind: visit, id: v, name: V, code: V, at: {day: 0}, colour: nope}\n"
    )
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 2 problems\n")
    assert "components[0].at.day" in message
    assert "components[0].colour" in message


def test_yaml_1_2_scalars(tmp_path):
    """NO (Norway) stays a string, 9:30 is a time (not base-60 570), yes is a string."""
    path = tmp_path / "norway.yaml"
    path.write_text(
        "id: norway\nname: N\nsource: t\ncalendar: {holidays: NO}\n"
        "components:\n  - {kind: visit, id: v, name: V, code: V, at: {day: 1}, "
        "discreet_title: yes, time: 9:30, duration: 30m}\n"
    )
    template = load_template_file(path)
    assert template.calendar.holidays == "NO"
    assert template.components[0].discreet_title == "yes"
    assert template.components[0].time.isoformat() == "09:30:00"


def test_defaults_are_inherited_and_overridden():
    template, _ = resolve_template("nct06478355")
    regimen, rt = template.components
    assert regimen.drugs[0].location == "Day-treatment ward"
    assert regimen.drugs[0].reminder == 24 * 60
    assert rt.location == "Radiotherapy department"
    assert rt.reminder == 60


def test_shipped_templates_are_valid_and_named_after_their_id():
    infos = shipped_templates()
    ids = [i.id for i in infos]
    assert ids == sorted(ids) and {"cross", "nct06478355", "stupp"} <= set(ids)
    for info in infos:
        assert info.path.stem == info.id


def test_unknown_template_id_lists_the_shipped_ones():
    with pytest.raises(InputError, match=r"unknown template 'folfox'.*cross, .*nct06478355, .*stupp"):
        resolve_template("folfox")


def test_a_directory_is_not_a_template(tmp_path):
    with pytest.raises(SchedulerError, match="is a directory"):
        resolve_template(str(tmp_path))
