"""The patient's language: a plan registered with --lang zh has a Chinese feed, .ics and PDF."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from pypdf import PdfReader

from scheduler.cli import cli
from scheduler.core.loader import resolve_template

from .test_calendar_visits import span

TEMPLATES = sorted(p.stem for p in (Path(__file__).parent.parent / "templates").glob("*.yaml"))
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]*[a-z]{2,}(?:[ ,;:]+[A-Za-z]*[a-z]{2,}){2,}")
"""Three English words in a row (drug codes, capitals only, are explained in the legend)."""


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def first_page(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_chinese_pdfs_first_page_has_no_english_sentence(template, tmp_path):
    run("generate", template, "--start", "2026-03-02", "--holidays", "CN", "--tz", "Asia/Shanghai",
        "--lang", "zh", "--now", "2026-03-01T00:00:00Z", "-o", str(tmp_path))
    (pdf,) = tmp_path.glob("*.pdf")
    text = first_page(pdf.read_bytes())
    loaded, _ = resolve_template(template)
    text = " ".join(text.split())
    for citation in (loaded.source, loaded.reference or ""):  # a bibliographic reference stays
        text = text.replace(" ".join(citation.split()), "")
    assert "中国（上海）时间" in text
    assert ENGLISH_SENTENCE.findall(text) == []
    assert loaded.translations["zh"].name.split("（")[0] in text


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_chinese_calendars_places_and_categories_are_in_chinese(template, tmp_path):
    """What a phone shows beside each entry (its place and category) in the patient's language."""
    run("generate", template, "--start", "2026-03-02", "--holidays", "CN", "--tz", "Asia/Shanghai",
        "--lang", "zh", "--now", "2026-03-01T00:00:00Z", "-o", str(tmp_path))
    (ics,) = tmp_path.glob("*.ics")
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    places = {str(e["LOCATION"]) for e in events if "LOCATION" in e}
    categories = {c for e in events if "CATEGORIES" in e for c in e["CATEGORIES"].cats}
    assert categories and [w for w in places | categories if re.search(r"[A-Za-z]{2,}", w)] == []


def test_the_english_pdf_is_titled_by_the_regimen_not_its_citation(tmp_path):
    run("generate", "mfolfox6", "--start", "2026-03-02", "--holidays", "none", "--tz",
        "Europe/London", "--now", "2026-03-01T00:00:00Z", "-o", str(tmp_path))
    (pdf,) = tmp_path.glob("*.pdf")
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert reader.metadata.title == ("Treatment calendar – mFOLFOX6 (oxaliplatin, leucovorin, "
                                     "fluorouracil bolus + 46-hour infusion), every 14 days")
    text = reader.pages[0].extract_text()
    assert "Time zone British Time (Europe/London)" in " ".join(text.split())
    last = reader.pages[-1].extract_text()
    assert "mFOLFOX6 · Version 1" in last and "Cheeseman" not in last


def test_a_plan_registered_in_chinese_is_issued_in_chinese(tmp_path):
    db = str(tmp_path / "r.sqlite3")
    run("patient", "add", "P1", "mfolfox6", "--start", "2026-03-02", "--lang", "zh", "--tz",
        "Asia/Shanghai", "--holidays", "CN", "--db", db, "--now", "2026-03-01T00:00:00Z")
    run("issue", "P1", "-o", str(tmp_path / "out"), "--db", db, "--now", "2026-03-01T00:00:00Z")
    (ics,) = (tmp_path / "out").glob("*.ics")
    entries = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    day1 = [v for v in entries if span(v)[0].date() == date(2026, 3, 2)]
    assert [str(v["SUMMARY"]) for v in day1] == [
        "化疗：奥沙利铂、亚叶酸钙、氟尿嘧啶推注", "氟尿嘧啶 46 小时输注 第 1 周期第 1 天"]
    assert str(day1[0]["DESCRIPTION"]).splitlines()[-2:] == [
        "第 1 周期第 1 天（每 14 天一周期）。",
        "方案：mFOLFOX6（奥沙利铂、亚叶酸钙、氟尿嘧啶推注＋46 小时输注），每 14 天。"]
    assert all(not ENGLISH_SENTENCE.search(str(v["SUMMARY"])) for v in entries)
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    assert "治疗日历" in first_page(pdf.read_bytes())
    # --lang on the command line still wins (a coordinator's English copy)
    run("issue", "P1", "-o", str(tmp_path / "en"), "--db", db, "--lang", "en",
        "--now", "2026-03-02T00:00:00Z")
    (ics,) = (tmp_path / "en").glob("*.ics")
    assert b"SUMMARY:Chemotherapy: oxaliplatin" in ics.read_bytes()
