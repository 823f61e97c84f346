"""The printed calendar as a patient reads it: no tool language, stops and holds as they
are (issue 14, "The printed calendar")."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pypdf
import pytest

from scheduler.adjust import Delay, Hold, Stop
from scheduler.expand import expand
from scheduler.export.pdf import to_pdf
from scheduler.loader import shipped_templates
from scheduler.plan import Plan
from scheduler.protocol import Regimen, Template

from .conftest import make_plan

GENERATED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
LANGS = ("en", "zh", "en+zh")
SHIPPED = sorted(info.id for info in shipped_templates())
STARTS = {"nct06478355": "2026-01-05", "stupp": "2026-03-02", "cross": "2026-03-02"}


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def adjusted_seed() -> Plan:
    """The seed plan after a delay of cycle 2, a two-day radiotherapy hold and a stop of the
    PD-1 inhibitor for progression."""
    plan = make_plan("nct06478355", "2026-01-05")
    return expand(replace(plan.request, adjustments=(
        Delay("immunochemo", 2, 7, "low neutrophil count"),
        Hold("rt", date(2026, 3, 2), 2, "machine maintenance"),
        Stop("pd1", date(2026, 9, 1), "progression"),
    )))


def tool_words(template: Template) -> set[str]:
    """Ids of the template's components, drugs, regimens and parameters that a patient must not
    read, leaving out those that are also words of its display texts (the drug "cisplatin"
    is also a word of its dose text "cisplatin 60–75 mg/m²")."""
    ids = set(template.parameters)
    shown = [template.name]
    for component in template.components:
        ids.add(component.id)
        if isinstance(component, Regimen):
            shown.append(component.name)
            for drug in component.drugs:
                ids.add(drug.id)
                shown += [drug.name, drug.dose]
        else:
            shown += [component.name, getattr(component, "dose", "")]
    words = set(re.findall(r"[\w-]+", " ".join(shown)))
    return {i for i in ids if i not in words}


def assert_no_tool_language(text: str, template: Template) -> None:
    for ident in tool_words(template):
        found = re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", text)
        around = text[max(found.start() - 60, 0):found.end() + 60] if found else ""
        assert found is None, f"component id {ident!r} in the PDF: …{around}…"
    for flag in ("--set", "--shift-start", "override", "Parameter", "Adjustment:", " held "):
        assert flag not in text, flag
    assert not re.search(r"(?<![\w/])--[a-z]", text), "a command-line flag in the PDF"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SHIPPED)
def test_no_component_id_or_flag_in_any_shipped_template(name, lang):
    plan = make_plan(name, STARTS.get(name, "2026-03-02"))
    assert_no_tool_language(text_of(to_pdf(plan, generated=GENERATED, lang=lang)), plan.template)


@pytest.mark.parametrize("lang", LANGS)
def test_no_component_id_or_flag_after_delay_hold_and_stop(lang):
    plan = adjusted_seed()
    assert any("immunochemo" in note or "rt held" in note for note in plan.notes)  # the CLI's notes
    assert_no_tool_language(text_of(to_pdf(plan, generated=GENERATED, lang=lang)), plan.template)


def test_a_stopped_component_says_it_stopped_when_and_why():
    plan = adjusted_seed()
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED)))
    overview = " ".join(reader.pages[0].extract_text().split())
    assert "PD-1 inhibitor stopped from Tue 2026-09-01: progression." in overview
    assert "Continues until" not in overview
    assert "Continuation doses to" not in overview
    assert "Continuation doses (2): 2026-07-21, 2026-08-11" in overview
    text = " ".join(text_of(to_pdf(plan, generated=GENERATED)).split())
    assert "IO stopped" in text  # on its day in the month grid


def test_a_hold_shows_on_its_days_and_in_words():
    plan = adjusted_seed()
    data = to_pdf(plan, generated=GENERATED)
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(text_of(data).split())
    assert ("Radiotherapy paused for 2 days, Mon 2026-03-02 to Tue 2026-03-03: machine maintenance."
            in text)
    march = next(p for p in reader.pages if p.extract_text().startswith("March 2026"))
    assert march.extract_text().count("RT paused") == 2


def test_chinese_words_for_a_stop_and_a_hold():
    plan = adjusted_seed()
    text = squash(text_of(to_pdf(plan, generated=GENERATED, lang="zh")))
    assert squash("PD-1 抑制剂自2026-09-01（周二）起停止：progression。") in text
    assert squash("放疗暂停2天（2026-03-02（周一）至2026-03-03（周二））：machine maintenance。") in text
    assert "RT暂停" in text


# --- every event on its day, every code explained on its page -------------------------------


def test_each_component_has_its_own_shape_in_every_shipped_template():
    from scheduler.export.pdf import _template_components
    from scheduler.export.pdf.shapes import _assign_shapes

    for name in SHIPPED:
        plan = make_plan(name, STARTS.get(name, "2026-03-02"))
        components = _template_components(plan)
        shapes = _assign_shapes(components)
        assert len(set(shapes.values())) == len(components), name
    seed = _assign_shapes(_template_components(make_plan("nct06478355", "2026-01-05")))
    assert seed == {"pd1": "circle", "nab-paclitaxel": "down", "cisplatin": "bar", "rt": "square"}


def test_drugs_sharing_a_line_each_have_their_mark():
    from scheduler.export.pdf import _Context, _template_components
    from scheduler.export.pdf.month import _cell_items
    from scheduler.export.pdf.shapes import _assign_shapes
    from scheduler.export.pdf.words import _Words

    plan = make_plan("nct06478355", "2026-01-05")
    ctx = _Context(plan=plan, words=_Words("en", plan), patient=None, generated=GENERATED, version=1,
                   replaces=None, changed=frozenset(), cancelled=(), week_start=0,
                   shapes=_assign_shapes(_template_components(plan)))
    day = [e for e in plan.events if e.date == date(2026, 2, 24)]
    items = _cell_items(day, ctx)
    assert [item.text for item in items] == ["08:30 IO+nP+DDP C3D1 »", "14:00 RT 1/30 »"]
    assert [[shape for shape, _ in item.marks] for item in items] == [["circle", "down", "bar"], ["square"]]


def test_every_code_on_a_month_page_is_explained_on_that_page():
    plan = make_plan("nct06478355", "2026-01-05")
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED)))
    months = [p for p in reader.pages if re.match(r"\w+ 20\d\d\n", p.extract_text())]
    assert months
    for page in months:
        text = " ".join(page.extract_text().split())
        if re.search(r"\bC\d+D\d+\b", text):
            assert re.search(r"\bC(\d+)D(\d+) cycle \1, day \2\b", text), text[:60]
        if re.search(r"\b\d+/30\b", text):
            assert re.search(r"\b(\d+)/30 radiotherapy fraction \1 of 30\b", text), text[:60]
        if "substituted from" in text:
            assert "a day off in exchange for working on that date" in text
        for code, name in (("IO", "PD-1 inhibitor"), ("nP", "Albumin-bound paclitaxel"),
                           ("DDP", "Cisplatin"), ("RT", "Radiotherapy")):
            if re.search(rf"\d\d:\d\d [A-Za-z+]*\b{code}\b", text):
                assert f"{code} {name}" in text, (code, text[:60])
