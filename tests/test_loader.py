"""Template loading: every bad template is rejected with file, line, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.core.errors import InputError, SchedulerError, TemplateError
from scheduler.core.loader import load_template_file, resolve_template, shipped_templates

BAD = Path(__file__).parent / "data" / "bad"

# file -> fragments the one error message must contain (line:field where it has them)
EXPECTED = {
    "malformed_yaml.yaml": ["malformed_yaml.yaml:3:", "not valid YAML"],
    "not_a_mapping.yaml": ["not_a_mapping.yaml:1:", "a template is a YAML mapping"],
    "empty_file.yaml": ["empty_file.yaml", "a template is a YAML mapping"],
    "unknown_top_level_field.yaml": [":4: colour: unknown field"],
    "unknown_component_field.yaml": [":12: components[0].fraction_per_week: unknown field"],
    "unknown_kind.yaml": [":5: components[0]: kind 'surgery' is not one of 'cycles', 'radiotherapy', "
                          "'daily', 'visit'"],
    "missing_name.yaml": [":1: name: missing (required)"],
    "zero_cycle_days.yaml": [":8: components[0].cycle_days: must be at least 1 (got 0)"],
    "negative_cycles.yaml": [":9: components[0].drugs[0].cycles:", "between 1 and 10000"],
    "day_past_cycle_end.yaml": [":10: components[0].drugs[0].days:",
                                "day 22 is past the end of a 21-day cycle"],
    "day_too_early.yaml": [":10: components[0].drugs[0].days:", "day -61 is too early"],
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
    "bad_rule.yaml": [":5: components[0].on_non_working_day: must be one of 'next', 'previous', "
                      "'keep' or 'error' (got 'later')"],
    "bad_minimum_span.yaml": [":10: components[0].drugs[0].cycles.minimum:",
                              "'six months' is not a span"],
    "daily_without_end.yaml": [":5: components[0]:", "exactly one of 'days' or 'through'"],
    "bad_id.yaml": [":1: id: 'NCT 064' is not an id (a lower-case letter, then at most 39 lower-case "
                    "letters, digits, '-' or '_', like 'ct-scan')"],
    "no_components.yaml": [":4: components: is empty; give at least 1 item"],
    "window_days_boolean.yaml": [":5: components[0].window_days: must be a whole number (got true)"],
    "numbers_window_days_huge.yaml": [":11: components[0].window_days: '99999999999999999999' is too "
                                      "large a number"],
    "length_parameter_name_41.yaml": [":6: parameters.ppppppppppppppppppppppppppppppppppppppppp: "
                                      "'ppppppppppppppppppppppppppppppppppppp…' is not a name (a "
                                      "lower-case letter, then at most 39 lower-case letters, digits "
                                      "or '_', like 'chemo_cycles')"],
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


def test_several_problems_are_listed_together_by_line_then_column(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(
        "id: x\nname: X\nsource: t\ncomponents:\n"
        "  - {kind: visit, id: v, name: V, code: V, colour: nope, at: {day: -400}}\n"
    )
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert str(caught.value) == (
        f"{path}: 2 problems\n"
        f"  {path}:5: components[0].colour: 'nope' is not a CSS colour name (e.g. 'steelblue', "
        "'darkorange')\n"
        f"  {path}:5: components[0].at.day: must be between -365 and 10000 (got -400)")


def test_every_problem_in_different_components_in_one_run():
    """Schema problems do not hide the cross-field ones of the components that are valid
    (day 22, the unknown 'surgery'); a reference to a component that is itself invalid
    ('rt') is not judged; a value copied from 'defaults' is reported once, where it is set."""
    path = BAD / "several_problems.yaml"
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert caught.value.located == [
        f"{path}:2: id: 'My regimen' is not an id (a lower-case letter, then at most 39 lower-case "
        "letters, digits, '-' or '_', like 'ct-scan')",
        f"{path}:12: components[0].drugs[0].days: day 22 is past the end of a 21-day cycle",
        f"{path}:20: components[1].fraction_per_week: unknown field",
        f"{path}:26: components[2].on_non_working_day: must be one of 'next', 'previous', 'keep' or "
        "'error' (got 'skip')",
        f"{path}:31: components[3].at.after: no component with id 'surgery'",
    ]


def test_a_value_from_defaults_is_reported_once_where_it_is_written():
    with pytest.raises(TemplateError) as caught:
        load_template_file(BAD / "length_location_3000.yaml")
    assert [line.split(": ", 1)[1] for line in caught.value.located] == [
        "defaults.location: is 3,000 characters long; the limit is 200"]


LIBRARY_WORDS = ("Input should", "String should", "List should", "Value error", "Field required",
                 "Extra inputs", "valid integer", "should match", "pattern", "Assertion failed")


@pytest.mark.parametrize("path", sorted([*BAD.glob("*.yaml"), *(BAD.parent / "bad_language").glob("*.yaml"),
                                         *(BAD.parent / "bad_sites").glob("*.yaml")]),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_message_is_the_schema_librarys_own(path):
    from scheduler.core.site import load_site

    with pytest.raises(SchedulerError) as caught:
        (load_site if path.parent.name == "bad_sites" else load_template_file)(path)
    message = str(caught.value)
    assert not [words for words in LIBRARY_WORDS if words in message], message


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


def test_an_invalid_component_with_ids_of_any_shape_is_reported_with_the_others(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(
        "id: x\nname: X\nsource: t\ncomponents:\n"
        "  - {kind: cycles, id: r, name: R, cycle_days: 7, cycles: 2,\n"
        "     drugs: [{id: [], name: D, code: D, days: [1]}, {id: d2, name: D2, code: D2, days: 'x'}]}\n"
        "  - {kind: visit, id: v, name: V, code: V, at: {after: nowhere}}\n"
    )
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert [line.split(": ", 1)[1] for line in caught.value.located] == [
        "components[0].drugs[0].id: must be text (got a list)",
        "components[0].drugs[1].days: 'x' is not a day like 8 or a range like '1-5'",
        "components[1].at.after: no component with id 'nowhere'",
    ]
