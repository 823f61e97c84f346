"""No placeholder reaches a person: for every shipped template, with a US and a CN start, the
words None, null and nan, a ``{field}`` left unformatted or a Python repr never appear in what
a person reads: the .ics (through the icalendar parser and as unfolded text), the PDF's text
(pypdf), the table, the JSON's strings, the FHIR resources' text, and the web pages of a
registered plan."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from pypdf import PdfReader

from scheduler.cli import cli
from scheduler.core.loader import shipped_templates
from tests.test_web import Web

TEMPLATES = [info.id for info in shipped_templates()]
SITES = {
    "US": ("America/New_York", "2026-11-23"),
    "CN": ("Asia/Shanghai", "2026-02-09"),
}
NOW = "2026-01-01T00:00:00Z"

PLACEHOLDER = re.compile(
    # a missing value as Python or JSON prints it, also glued to a code ("C2DNone")
    r"None(?![a-z])|(?<![a-z])(?:null|nan|NaN)(?![a-z])"
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # a format field left unformatted
    r"|<[A-Za-z_][\w.]* object at 0x|\bobject at 0x"  # an object's repr
    r"|\bDecimal\(|\bdatetime\.(?:date|datetime|time|timedelta)\(|\bZoneInfo\("  # a value's repr
)


def placeholders(where: str, texts: Iterator[str] | list[str]) -> list[str]:
    """Every placeholder found in ``texts``, with where and a little context."""
    found = []
    for text in texts:
        for match in PLACEHOLDER.finditer(text):
            found.append(f"{where}: {text[max(0, match.start() - 40):match.end() + 40]!r}")
    return found


def test_the_pattern_finds_each_kind_of_placeholder() -> None:
    """The pattern this file relies on catches what it is meant to, and not ordinary words."""
    for bad in ("Cycle 2, day None (None-day cycles).", "C2DNone", "dose: null", "nan Gy",
                "cycle {cycle}", "<scheduler.core.event.Event object at 0x7f>", "Decimal('2.5')",
                "datetime.date(2026, 1, 5)", "C2Dnan", "NoneType"):
        assert placeholders("x", [bad]), bad
    for good in ("none planned", "Nanjing", "nanoparticle", "Cycle 2, day 3 (14-day cycles).",
                 "{}", "annotation", "Cycle 2.", "financial", "Nonetheless"):
        assert not placeholders("x", [good]), good


def _ics_texts(raw: bytes) -> Iterator[str]:
    calendar = Calendar.from_ical(raw)
    yield str(calendar.get("X-WR-CALNAME", ""))
    for event in calendar.walk("VEVENT"):
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            if name in event:
                yield str(event[name])
    # and the whole file unfolded, whatever property a placeholder might hide in
    yield re.sub(r"\r\n[ \t]", "", raw.decode("utf-8"))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys excepted."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class _Visible(HTMLParser):
    """The text a person sees on a page, and the attributes a screen reader or tooltip says."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "alt", "value", "placeholder", "content") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def _page_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.texts


@pytest.mark.parametrize("country", sorted(SITES))
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_placeholder_in_any_file_output(template: str, country: str, tmp_path: Path) -> None:
    zone, start = SITES[country]
    args = [template, "--start", start, "--holidays", country, "--tz", zone, "--shift-start"]
    runner = CliRunner()
    found: list[str] = []

    result = runner.invoke(cli, ["generate", *args, "--now", NOW, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    found += placeholders("generate's messages", [result.output])
    (ics,) = tmp_path.glob("*.ics")
    (pdf,) = tmp_path.glob("*.pdf")
    found += placeholders("ics", _ics_texts(ics.read_bytes()))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages]
    assert any(template in page or page.strip() for page in pages)
    found += placeholders("pdf", pages)

    table = runner.invoke(cli, ["show", *args])
    assert table.exit_code == 0, table.output
    found += placeholders("table", [table.output])

    shown = runner.invoke(cli, ["show", *args, "--json"])
    assert shown.exit_code == 0, shown.output
    records = json.loads(shown.stdout)
    assert records, "no events"
    found += placeholders("json", _strings(records))

    fhir = runner.invoke(cli, ["export", "fhir-plandefinition", template])
    assert fhir.exit_code == 0, fhir.output
    found += placeholders("fhir", _strings(json.loads(fhir.stdout)))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("country", sorted(SITES))
def test_no_placeholder_on_a_registered_plans_pages(country: str, tmp_path: Path) -> None:
    """Every shipped template registered through the web form: its preview, its page, its
    subscribe page, its FHIR CarePlan bundle and its issued .ics and PDF."""
    web = Web(str(tmp_path / "registry.sqlite3"), tmp_path)
    assert web.login().status_code == 303
    zone, start = SITES[country]
    found: list[str] = []
    for number, template in enumerate(TEMPLATES):
        key = f"P{number:03d}"
        form = {"key": key, "label": f"Patient {number}", "template": template, "start": start,
                "holidays": country, "tz": zone, "shift_start": "on"}
        preview = web.post("/patients/new/preview", form)
        assert preview.status_code == 200, preview.text
        assert "<table" in preview.text or "event" in preview.text
        found += placeholders(f"{template} preview", _page_texts(preview.text))
        response = web.post("/patients/new", {**form, "action": "save"})
        assert response.status_code == 303, (template, response.text)
        page = web.client.get(f"/patients/{key}")
        assert page.status_code == 200
        found += placeholders(f"{template} page", _page_texts(page.text))
        issued = web.post(f"/patients/{key}/issue", {"lang": "en", "paper": "a4"})
        assert issued.status_code == 303, issued.text
        page = web.client.get(f"/patients/{key}")
        found += placeholders(f"{template} page after issue", _page_texts(page.text))
        for link in sorted(set(re.findall(rf'href="(/patients/{key}/versions/[^"]+)"', page.text))):
            body = web.client.get(link)
            assert body.status_code == 200, link
            if link.endswith(".ics"):
                found += placeholders(f"{template} {link}", _ics_texts(body.content))
            elif link.endswith(".pdf"):
                reader = PdfReader(io.BytesIO(body.content))
                found += placeholders(f"{template} {link}", [p.extract_text() for p in reader.pages])
        subscribe = web.client.get(f"/patients/{key}/subscribe")
        assert subscribe.status_code == 200
        found += placeholders(f"{template} subscribe", _page_texts(subscribe.text))
        fhir = web.client.get(f"/patients/{key}/fhir.json")
        assert fhir.status_code == 200
        found += placeholders(f"{template} fhir", _strings(fhir.json()))
    listing = web.client.get("/")
    found += placeholders("patient list", _page_texts(listing.text))
    assert listing.text.count("/patients/P0") >= len(TEMPLATES)
    assert not found, "\n".join(found)
