"""The printed calendar as a patient reads it: no tool language, stops and holds as they
are (issue 14, "The printed calendar")."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pypdf
import pytest

from scheduler.core.adjust import Delay, Hold, Stop
from scheduler.core.expand import expand
from scheduler.core.loader import shipped_templates
from scheduler.core.plan import Plan
from scheduler.core.protocol import Regimen, Template
from scheduler.export.pdf import to_pdf

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


# --- Chinese that prints everywhere ---------------------------------------------------------


def test_the_chinese_font_is_embedded_and_every_font_but_helvetica_is():
    plan = make_plan("nct06478355", "2026-01-05")
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED, lang="zh")))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            fonts[font["/BaseFont"]] = descriptor is not None and "/FontFile2" in descriptor.get_object()
    assert {name for name, embedded in fonts.items() if not embedded} == {"/Helvetica", "/Helvetica-Bold"}
    assert any(name.endswith("+DroidSansFallback") for name in fonts)


def _render_gray(pdf: bytes, tmp_path, env: dict[str, str]) -> tuple[int, int, bytes]:
    """The first page rendered by poppler as an 8-bit greyscale image: width, height, pixels."""
    import subprocess

    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", "100", "-f", "1", "-l", "1", str(source),
                    str(tmp_path / "page")], check=True, env=env, capture_output=True)
    data = next(tmp_path.glob("page*.pgm")).read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and depth == b"255"
    return int(width), int(height), pixels


NO_CJK_FONTS = """<?xml version="1.0"?>
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{cache}</cachedir>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""
"""The machine's fontconfig with every font that has Chinese, Japanese or Korean left out."""


def _glyph_boxes(draw, tmp_path, env: dict[str, str]) -> list[bytes]:
    """Draw "治疗日历" at 36 pt with ``draw(canvas, text)``, render it with poppler, and cut
    the four characters' boxes out of the picture (dark pixels as 1)."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=(200, 60), invariant=1)
    draw(canv, "治疗日历")
    canv.showPage()
    canv.save()
    width, _, pixels = _render_gray(buffer.getvalue(), tmp_path, env)
    for old in tmp_path.glob("page*"):
        old.unlink()
    scale = 100 / 72
    top, bottom = int((60 - 20 - 34) * scale), int((60 - 20 + 4) * scale)
    boxes = []
    for n in range(4):
        left, right = int((10 + 36 * n) * scale), int((10 + 36 * (n + 1)) * scale)
        boxes.append(bytes(pixels[row * width + left:row * width + right][i] < 128
                           for row in range(top, bottom) for i in range(right - left)))
    return boxes


def test_chinese_glyphs_are_drawn_on_a_machine_without_cjk_fonts(tmp_path):
    """Four different characters drawn by the PDF code, rendered by poppler with the machine's
    fonts minus every CJK one: each is drawn, and no two look the same, as "tofu" (the box
    drawn for every missing character) would. The same text in the font the PDF used to
    reference without embedding it (STSong-Light) is not drawn there, which shows that the
    test's machine really has no Chinese font."""
    import os
    import shutil

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    from scheduler.export.pdf.text import _Text

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    config = tmp_path / "fonts.conf"
    config.write_text(NO_CJK_FONTS.format(cache=tmp_path / "cache"))
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}

    def embedded(canv, text):
        with _Text(canv) as block:
            block.put(10, 20, text, 36)

    def referenced(canv, text):
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        canv.setFont("STSong-Light", 36)
        canv.drawString(10, 20, text)

    assert len(set(_glyph_boxes(referenced, tmp_path, env))) < 4, "this machine still has a CJK font"
    glyphs = _glyph_boxes(embedded, tmp_path, env)
    assert all(sum(box) > 40 for box in glyphs), "a character is not drawn"
    assert len(set(glyphs)) == 4, "the characters look alike: missing-glyph boxes"


def test_the_chinese_pdf_reads_chinese_where_the_template_has_it():
    plan = adjusted_seed()
    text = squash(text_of(to_pdf(plan, generated=GENERATED, lang="zh")))
    for expected in ("免疫联合化疗（21天为一周期）", "PD-1抑制剂", "放疗", "农历除夕", "春节",
                     "休息日（由2026-02-28调休）", "推迟7天", "注意事项", "图例", "第3周期第1天"):
        assert squash(expected) in text, expected
    for english in ("Treatment summary", "Chinese New Year", "Delayed", "Notes", "Legend", "cycle 3, day 1"):
        assert english not in text, english


def test_chinese_output_is_byte_identical_from_run_to_run():
    """The embedded font's subsets are numbered per document, so two documents in one process
    (and two processes) give the same bytes."""
    import subprocess
    import sys

    plan = adjusted_seed()
    first = to_pdf(plan, generated=GENERATED, lang="en+zh")
    assert to_pdf(plan, generated=GENERATED, lang="en+zh") == first
    script = ("import sys; from tests.test_pdf_patient import *; "
              "sys.stdout.buffer.write(to_pdf(adjusted_seed(), generated=GENERATED, lang='en+zh'))")
    other = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True).stdout
    assert other == first


# --- QR code, metadata, reading order -------------------------------------------------------

FEED = "https://calendar.example.org/feed/3f9a1c7e2b5d.ics"


def test_a_qr_code_of_the_feed_is_on_page_1_and_decodes(tmp_path):
    import shutil
    import subprocess

    plan = make_plan("nct06478355", "2026-01-05")
    data = to_pdf(plan, generated=GENERATED, feed_url=FEED)
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Scan to add your treatment calendar to your phone" in first
    assert "Scan to add" not in text_of(to_pdf(plan, generated=GENERATED))  # no feed, no code
    assert len(reader.pages) == len(pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED))).pages)
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None:
        pytest.skip("pdftoppm or zbarimg (poppler-utils, zbar-tools) is not installed")
    (tmp_path / "plan.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "plan.pdf"),
                    str(tmp_path / "page")], check=True)
    found = subprocess.run(["zbarimg", "--raw", "-q", *map(str, tmp_path.glob("page*.png"))],
                           capture_output=True, text=True)
    assert found.stdout.split() == [FEED]


def test_metadata_has_title_subject_and_language():
    plan = make_plan("nct06478355", "2026-01-05")
    for lang, code, subject in (("en", "en", "Treatment calendar: PD-1 inhibitor"),
                                ("zh", "zh-CN", "治疗日历：PD-1 抑制剂")):
        reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED, lang=lang, patient="P-1")))
        info = reader.metadata
        assert info.title in (  # the regimen's name, not its citation
            "Treatment calendar – PD-1 inhibitor + nab-paclitaxel/cisplatin (TP) with radiotherapy, "
            "oesophageal SCC", "治疗日历 – PD-1 抑制剂＋白蛋白结合型紫杉醇/顺铂（TP）联合放疗，食管鳞癌")
        assert info.subject.startswith(subject)
        assert reader.trailer["/Root"]["/Lang"] == code
        assert "P-1" not in f"{info.title}{info.subject}{info.get('/Keywords')}"


def test_text_extraction_reads_each_day_with_its_events_in_order():
    """A copy-paste or a screen reader reading the content in order: each day's number, its
    holiday, then its events in time order, before the next day; the legend after the days."""
    plan = make_plan("nct06478355", "2026-01-05")
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED)))
    february = next(p for p in reader.pages if p.extract_text().startswith("February 2026"))
    text = " ".join(february.extract_text().split())
    expected = ["16 Chinese New Year's Eve » moved to Tue 24 Feb: IO+nP+DDP C3D1, RT 1/30",
                "23 Day off (substituted from 2026-02-28) 24 08:30 IO+nP+DDP C3D1 » 14:00 RT 1/30 »",
                "25 14:00 RT 2/30", "26 14:00 RT 3/30"]
    positions = [text.index(part) for part in expected]
    assert positions == sorted(positions)
    assert text.index("IO PD-1 inhibitor") > text.index("28 Working day 14:00 RT 5/30")
    reader_list = [p for p in reader.pages if p.extract_text().startswith("All events in date order")]
    rows = " ".join(reader_list[0].extract_text().split())
    assert rows.index("2026-01-05 Monday 08:30–09:30 IO PD-1 inhibitor Cycle 1, day 1") < rows.index(
        "2026-01-05 Monday 09:30–10:30 nP Albumin-bound paclitaxel Cycle 1, day 1")


# --- the compact layout ---------------------------------------------------------------------


@pytest.mark.parametrize("name, kw, compact, full", [
    # 1 overview + grids of January to March + 1 page listing April to December
    # + 4 list pages (59 events, 16 a page); the full layout has 12 month grids.
    ("nct06478355", {"horizon": "12m"}, 9, 17),
    # 1 + grids of March to June + 1 page listing July and August + grids of September and
    # October + 5 list pages; the full layout: 8 grids and 10 list pages (160 events). Since
    # the clinical read of December 2026 stupp also has co-trimoxazole every day with
    # radiotherapy, a weekly blood count then and one on day 22 of each adjuvant cycle: June
    # (6/2, 9-13 and 30 June) has 7 days with events, more than a listed month's 6, and May
    # alone between two grids gets its own.
    ("stupp", {"holidays": "GB-ENG", "tz": "Europe/London"}, 13, 19),
])
def test_compact_layout_lists_quiet_months_on_one_page(name, kw, compact, full):
    plan = make_plan(name, "2026-01-05" if name == "nct06478355" else "2026-03-02", **kw)
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED)))
    assert len(reader.pages) == compact
    assert len(pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED, layout="full"))).pages) == full
    listed = [p.extract_text() for p in reader.pages if " – " in p.extract_text().splitlines()[0]]
    assert len(listed) == 1


def test_every_event_of_a_listed_month_is_under_its_day():
    from scheduler.export.pdf import _Context, _template_components
    from scheduler.export.pdf.month import _cell_items
    from scheduler.export.pdf.monthlist import _is_sparse
    from scheduler.export.pdf.shapes import _assign_shapes
    from scheduler.export.pdf.words import _Words

    plan = make_plan("nct06478355", "2026-01-05", horizon="12m")
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED)))
    page = next(p for p in reader.pages if p.extract_text().startswith("April 2026 – December 2026"))
    text = " ".join(page.extract_text().split())
    ctx = _Context(plan=plan, words=_Words("en", plan), patient=None, generated=GENERATED, version=1,
                   replaces=None, changed=frozenset(), cancelled=(), week_start=0,
                   shapes=_assign_shapes(_template_components(plan)))
    listed = [e for e in plan.events if e.date >= date(2026, 4, 1)]
    assert all(_is_sparse(ctx, e.date.year, e.date.month) for e in listed)
    assert len(listed) == 16  # radiotherapy to 8 April, then the PD-1 inhibitor every 3 weeks
    for event in listed:
        label = f"{event.date:%a} {event.date.day} {event.date:%b}"
        item = _cell_items([event], ctx)[0].text
        assert f"{label} {item}" in text, (label, item)


def test_a_stopped_open_ended_drug_has_no_planned_horizon():
    plan = adjusted_seed()
    overview = " ".join(pypdf.PdfReader(io.BytesIO(to_pdf(plan, generated=GENERATED))).pages[0]
                        .extract_text().split())
    assert "Open-ended treatment planned to" not in overview
    unstopped = make_plan("nct06478355", "2026-01-05")
    overview = " ".join(pypdf.PdfReader(io.BytesIO(to_pdf(unstopped, generated=GENERATED))).pages[0]
                        .extract_text().split())
    assert "Open-ended treatment planned to 2027-01-05" in overview


def test_closure_hatching_stays_below_the_days_text(monkeypatch):
    """The hatching of a closed day is drawn under its last line of text, never through it."""
    from scheduler.export.pdf import month
    from scheduler.export.pdf.text import _Text

    hatched: list[tuple[float, float, float, float]] = []
    baselines: dict[str, float] = {}
    real_hatch, real_put = month._hatch, _Text.put

    def hatch(canv, x, y, w, h):
        hatched.append((x, y, w, h))
        real_hatch(canv, x, y, w, h)

    def put(self, x, y, text, *args, **kwargs):
        baselines.setdefault(text, y)
        return real_put(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(month, "_hatch", hatch)
    monkeypatch.setattr(_Text, "put", put)
    plan = make_plan("cross", "2026-11-02", holidays="US", tz="America/New_York",
                     closed=("2026-11-10=Linac service",))
    to_pdf(plan, generated=GENERATED, layout="full")
    assert len(hatched) == 1
    _, y, _, height = hatched[0]
    assert y + height < baselines["Closed: Linac service"] - 2  # below the text and its descenders


def test_compact_list_gives_a_run_of_daily_doses_one_row():
    plan = make_plan("stupp", "2026-03-02", holidays="GB-ENG", tz="Europe/London")
    text = " ".join(text_of(to_pdf(plan, generated=GENERATED)).split())
    assert ("2026-03-02 to 2026-04-14 all day TMZ Temozolomide (with radiotherapy) Days 1–44 of 44, every day"
            in text)
    full = " ".join(text_of(to_pdf(plan, generated=GENERATED, layout="full")).split())
    assert "Days 1–44 of 44" not in full and "Day 44 of 44" in full
