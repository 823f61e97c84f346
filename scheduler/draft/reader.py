"""Read a trial-registry record and the oncology notation in its interventions.

A record is ClinicalTrials.gov API v2 JSON or the text of the record's page. Either becomes a
:class:`Record` whose ``text`` is what a person reads (the page text itself; for JSON, the
fields that matter, laid out like the page), and every description is kept with its offset in
``text``, so each phrase the grammar (``notation.lark``) finds has its exact character span.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from scheduler.core.errors import InputError

MAX_RECORD_CHARS = 500_000


@dataclass(frozen=True)
class Phrase:
    """One phrase of the notation: its kind (the grammar's rule), what it says, and where."""

    kind: str
    value: Any
    start: int
    end: int


class Word(str):
    """A loose word or mark of a description (a ``str``), with its span in the record's text."""

    start: int
    end: int

    def __new__(cls, text: str, start: int) -> Word:
        word = super().__new__(cls, text)
        word.start, word.end = start, start + len(text)
        return word


@dataclass(frozen=True)
class Passage:
    """A description in the record: its text and where it starts in the record's text."""

    text: str
    offset: int


@dataclass
class Intervention:
    name: str
    type: str
    description: Passage | None


@dataclass
class Arm:
    label: str
    type: str
    description: Passage | None
    interventions: list[str] = field(default_factory=list)


@dataclass
class Record:
    """What the drafter needs from a record, with the text every span points into."""

    text: str
    nct_id: str | None
    title: str | None
    countries: list[str]
    arms: list[Arm]
    interventions: list[Intervention]
    country_span: tuple[int, int] | None = None


# --- the notation --------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    grammar = (resources.files("scheduler.draft") / "notation.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="earley", ambiguity="resolve", propagate_positions=True)


def _number(token: Any) -> int | float:
    text = str(token)
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


_PERIOD_DAYS = {"w": 7, "d": 1, "m": 0, "y": 0}


def _period_unit(text: str) -> str:
    """``weeks`` -> ``w``; ``months`` -> ``m``; ``天`` -> ``d``."""
    text = text.lower().strip()
    if text.startswith(("w", "周")):
        return "w"
    if text.startswith(("d", "天")):
        return "d"
    if text.startswith(("m", "月", "个月")):
        return "m"
    return "y"


def _value(tree: Tree[Token]) -> Any:
    """What a phrase says, as plain data."""
    kind = str(tree.data)
    tokens = [t for t in tree.scan_values(lambda v: isinstance(v, Token))]
    numbers = [_number(t) for t in tokens if t.type == "NUMBER"]
    if kind == "dose":
        unit = next(str(t) for t in tokens if t.type == "DOSE_UNIT")
        return {"amount": numbers, "unit": re.sub(r"\s+", "", unit).replace("m²", "m2")}
    if kind == "auc":
        return {"amount": numbers, "unit": "AUC"}
    if kind == "days":
        days: list[int] = []
        for token in tokens:
            if token.type == "DAY_REF":
                found = [int(n) for n in re.findall(r"\d+", str(token))]
                days.extend(range(found[0], found[-1] + 1))
        for item in tree.find_data("day_item"):
            found = [int(str(t)) for t in item.children if isinstance(t, Token)]
            days.extend(range(found[0], found[-1] + 1))
        return sorted(set(days))
    if kind == "q_every":
        match = re.fullmatch(r"q\s?(\d+)\s?([a-z]+)", str(tokens[0]), re.IGNORECASE)
        assert match
        return {"n": int(match.group(1)), "unit": _period_unit(match.group(2))}
    if kind in ("every", "every_one", "at_least", "up_to", "for_period", "gap_after"):
        period = next((str(t) for t in tokens if t.type in ("PERIOD", "PERIOD_ONE")), "d")
        return {"n": numbers[0] if numbers else 1, "unit": _period_unit(period)}
    if kind == "n_day_cycles":
        return {"n": numbers[0], "unit": "d"}
    if kind == "until":
        events = [" ".join(str(w.children[0]) for w in e.children if isinstance(w, Tree))
                  for e in tree.find_data("event")]
        return events
    if kind in ("sequence", "route", "daily"):
        return str(tokens[0]).lower()
    if kind == "gy_in_fractions":
        each = {"each": numbers[2]} if len(numbers) > 2 else {}
        return {"total": numbers[0], "fractions": numbers[1], **each}
    if kind in ("gy_total", "gy_each", "per_week", "start_week", "week_one",
                "n_cycles", "up_to_cycles", "n_doses"):
        return numbers[0]
    if kind == "monday_to_friday":
        return 5
    if kind == "week_range":
        return numbers[:2]
    return None


def phrases(text: str, offset: int = 0) -> list[Phrase | Word]:
    """The phrases of one description, in order, with spans counted in the record's text
    (``offset`` is where ``text`` starts there); loose words and punctuation are kept as
    strings (``";"``, ``"paclitaxel"``)."""
    try:
        tree = _parser().parse(text)
    except LarkError:
        # a character the notation does not know: read the words around it
        cleaned = re.sub(r"[^\w\s,，;；:：()（）+、.。/%×~～–—\-²µμ=*]", " ", text)
        if cleaned == text:
            return []
        return phrases(cleaned, offset)
    found: list[Phrase | Word] = []
    for child in tree.children:
        if isinstance(child, Tree) and child.data != "word":
            meta = child.meta
            found.append(Phrase(str(child.data), _value(child), offset + meta.start_pos,
                                offset + meta.end_pos))
            continue
        token = child.children[0] if isinstance(child, Tree) else child
        assert isinstance(token, Token) and token.start_pos is not None
        found.append(Word(str(token), offset + token.start_pos))
    return found


# --- records ---------------------------------------------------------------------------------


def read_record(text: str) -> Record:
    """A record from its JSON (API v2) or its page's text (line ends as Windows or a browser's
    form sends them, CRLF, are read as LF: the spans count in the text with LF)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_RECORD_CHARS:
        raise InputError(f"the record is longer than {MAX_RECORD_CHARS} characters")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise InputError(f"the record looks like JSON but is not valid JSON ({error})") from None
        return _from_json(data)
    return _from_page(text)


class _Writer:
    """Lays out a JSON record as text, remembering where each description starts."""

    def __init__(self) -> None:
        self.text = ""

    def line(self, value: str = "") -> Passage:
        passage = Passage(value, len(self.text))
        self.text += value + "\n"
        return passage


def _from_json(data: Any) -> Record:
    protocol = data.get("protocolSection") if isinstance(data, dict) else None
    if not isinstance(protocol, dict):
        raise InputError("the JSON record has no 'protocolSection' (a ClinicalTrials.gov API v2 study)")
    ident = protocol.get("identificationModule") or {}
    module = protocol.get("armsInterventionsModule") or {}
    out = _Writer()
    title = ident.get("officialTitle") or ident.get("briefTitle")
    if title:
        out.line(str(title))
    nct = ident.get("nctId")
    if nct:
        out.line(f"NCT ID: {nct}")
    arms = []
    for arm in module.get("armGroups") or []:
        out.line()
        out.line(f"Arm: {arm.get('label', '')} ({arm.get('type', '')})")
        description = out.line(str(arm["description"])) if arm.get("description") else None
        names = [str(n).split(":", 1)[-1].strip() for n in arm.get("interventionNames") or []]
        out.line("Interventions: " + ", ".join(names))
        arms.append(Arm(str(arm.get("label", "")), str(arm.get("type", "")), description, names))
    interventions = []
    for item in module.get("interventions") or []:
        out.line()
        out.line(f"Intervention: {item.get('name', '')} ({item.get('type', '')})")
        description = out.line(str(item["description"])) if item.get("description") else None
        interventions.append(Intervention(str(item.get("name", "")), str(item.get("type", "")),
                                          description))
    locations = (protocol.get("contactsLocationsModule") or {}).get("locations") or []
    countries = sorted({str(loc["country"]) for loc in locations if loc.get("country")})
    span = None
    if countries:
        out.line()
        passage = out.line("Countries: " + ", ".join(countries))
        span = (passage.offset + len("Countries: "), passage.offset + len(passage.text))
    return Record(out.text, str(nct) if nct else None, str(title) if title else None, countries,
                  arms, interventions, span)


_HEADINGS = ("Study Groups", "Interventions", "Other Intervention Names", "Eligibility Criteria",
             "Countries", "References", "Locations", "Sponsors")


def _section(text: str, heading: str) -> tuple[str, int] | None:
    """The body of a section of the page (after its heading line and the line that explains
    it), and where it starts."""
    match = re.search(rf"^{re.escape(heading)}[ \t]*$", text, re.MULTILINE)
    if not match:
        return None
    start = match.end()
    ends = [m.start() for h in _HEADINGS if h != heading
            for m in [re.search(rf"^{re.escape(h)}[ \t]*$", text[start:], re.MULTILINE)] if m]
    end = start + min(ends) if ends else len(text)
    return text[start:end], start


def _paragraphs(body: str, offset: int) -> list[Passage]:
    found = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", body):
        value = match.group(0).strip()
        if value:
            found.append(Passage(value, offset + match.start() + match.group(0).index(value)))
    return found


def _blocks(section: tuple[str, int] | None, marker: str) -> list[list[Passage]]:
    """The section's paragraphs in blocks, each ending at a paragraph starting with
    ``marker`` ("Intervention Type"), the first paragraph (the explanation) left out."""
    if section is None:
        return []
    paragraphs = _paragraphs(*section)[1:]
    blocks: list[list[Passage]] = [[]]
    for paragraph in paragraphs:
        blocks[-1].append(paragraph)
        if paragraph.text.startswith(marker):
            blocks.append([])
    return [b for b in blocks if b]


def _from_page(text: str) -> Record:
    nct = re.search(r"\bNCT\d{8}\b", text)
    first = next((line.strip() for line in text.splitlines() if line.strip()), None)
    interventions = []
    for block in _blocks(_section(text, "Interventions"), "Intervention Type"):
        kind = block[-1].text.removeprefix("Intervention Type").strip()
        body = [p for p in block[1:] if not p.text.startswith("Intervention Type")]
        interventions.append(Intervention(block[0].text, kind, body[0] if body else None))
    arms = _page_arms(_section(text, "Study Groups"), {i.name for i in interventions})
    countries: list[str] = []
    span = None
    section = _section(text, "Countries")
    if section:
        names = _paragraphs(*section)[1:]
        countries = [p.text for p in names]
        if names:
            span = (names[0].offset, names[-1].offset + len(names[-1].text))
    if not interventions and not arms:
        raise InputError("no study groups or interventions found: give the record's page text "
                         "(with its 'Study Groups' and 'Interventions' sections) or its JSON")
    return Record(text, nct.group(0) if nct else None, first, countries, arms, interventions, span)


def _page_arms(section: tuple[str, int] | None, names: set[str]) -> list[Arm]:
    """The page's arms: label, description paragraphs, "Group Type X", then each intervention
    as its name, "Intervention Type X" and its description."""
    if section is None:
        return []
    paragraphs = _paragraphs(*section)[1:]
    arms: list[Arm] = []
    current: Arm | None = None
    pending: list[Passage] = []
    skip_description = False
    for paragraph in paragraphs:
        if paragraph.text.startswith("Group Type"):
            description = None
            if len(pending) > 1:
                start, last = pending[1].offset, pending[-1]
                description = Passage(_slice(section, start, last.offset + len(last.text)), start)
            current = Arm(pending[0].text if pending else "",
                          paragraph.text.removeprefix("Group Type").strip(), description)
            arms.append(current)
            pending, skip_description = [], False
        elif paragraph.text.startswith("Intervention Type"):
            skip_description = True
        elif current is not None and paragraph.text in names:
            current.interventions.append(paragraph.text)
            skip_description = False
        elif skip_description:
            skip_description = False
        else:
            pending.append(paragraph)
    return arms


def _slice(section: tuple[str, int], start: int, end: int) -> str:
    body, offset = section
    return body[start - offset:end - offset]
