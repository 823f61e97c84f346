"""A small reader of .ics bytes for the static checks: content lines as written (after
unfolding), components, values, and a VTIMEZONE model that turns local times into UTC the
way RFC 5545 says (DTSTART and every RDATE/RRULE instance of an observance are onsets).

Deliberately independent of the parsers under test: no icalendar, no vobject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

CRLF = b"\r\n"


def physical_lines(data: bytes) -> list[bytes]:
    """The lines as stored (folded), without their CRLF; the file must end with CRLF."""
    assert data.endswith(CRLF), "the file does not end with CRLF"
    return data[: -len(CRLF)].split(CRLF)


def unfold(data: bytes) -> list[str]:
    """Content lines: each continuation line (leading space or tab) joined to the one before,
    then decoded as UTF-8 (strictly)."""
    logical: list[bytes] = []
    for line in physical_lines(data):
        if line[:1] in (b" ", b"\t"):
            assert logical, "a continuation line opens the file"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


@dataclass(frozen=True)
class Line:
    """``NAME;PARAM=VALUE:value``, split (parameter values unquoted)."""

    name: str
    params: dict[str, str]
    value: str


def parse_line(text: str) -> Line:
    quoted, colon = False, -1
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            colon = index
            break
    assert colon > 0, f"no name and ':' in content line {text!r}"
    parts, current, quoted = [], "", False
    for char in text[:colon]:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    params = {}
    for part in parts[1:]:
        key, _, param = part.partition("=")
        params[key.upper()] = param.strip('"')
    return Line(parts[0].upper(), params, text[colon + 1:])


@dataclass
class Component:
    name: str
    lines: list[Line] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> Line | None:
        return next((line for line in self.lines if line.name == name), None)

    def all(self, name: str) -> list[Line]:
        return [line for line in self.lines if line.name == name]

    def walk(self, name: str) -> list[Component]:
        found = [self] if self.name == name else []
        for child in self.children:
            found += child.walk(name)
        return found


def parse(data: bytes) -> Component:
    """The VCALENDAR of a file (asserting BEGIN/END nesting)."""
    stack: list[Component] = []
    root = None
    for text in unfold(data):
        line = parse_line(text)
        if line.name == "BEGIN":
            component = Component(line.value.upper())
            if stack:
                stack[-1].children.append(component)
            stack.append(component)
        elif line.name == "END":
            assert stack and stack[-1].name == line.value.upper(), f"unbalanced END:{line.value}"
            root = stack.pop()
        else:
            assert stack, f"content line outside any component: {text!r}"
            stack[-1].lines.append(line)
    assert not stack and root is not None and root.name == "VCALENDAR"
    return root


def value(line: Line) -> date | datetime:
    """A DATE (``VALUE=DATE``) or DATE-TIME; UTC ones (``Z``) are aware, others naive."""
    text = line.value
    if line.params.get("VALUE") == "DATE":
        return datetime.strptime(text, "%Y%m%d").date()
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y%m%dT%H%M%S")


def utc_offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    return sign * timedelta(hours=int(digits[0:2]), minutes=int(digits[2:4]),
                            seconds=int(digits[4:6] or 0))


@dataclass(frozen=True)
class Onset:
    local: datetime
    """The onset in the local time before it (TZOFFSETFROM), as RFC 5545 writes it."""
    offset_from: timedelta
    offset_to: timedelta
    kind: str
    """STANDARD or DAYLIGHT."""
    from_dtstart: bool
    """The observance's DTSTART (not one of its RDATE or RRULE instances)."""
    has_rdate: bool
    has_rrule: bool


def onsets(vtimezone: Component) -> list[Onset]:
    """Every onset of every observance, in time order (RRULEs expanded to 2100)."""
    found = []
    for observance in vtimezone.children:
        start = value(observance.get("DTSTART"))
        offset_from = utc_offset(observance.get("TZOFFSETFROM").value)
        offset_to = utc_offset(observance.get("TZOFFSETTO").value)
        times = [(start, True)]
        for rdate in observance.all("RDATE"):
            times += [(value(Line("RDATE", rdate.params, v)), False) for v in rdate.value.split(",")]
        rrule = observance.get("RRULE")
        if rrule is not None:
            from dateutil.rrule import rrulestr

            rule = rrulestr(rrule.value, dtstart=start, ignoretz=True)
            times += [(t, False) for t in rule.between(start, datetime(2100, 1, 1), inc=False)]
        found += [Onset(t, offset_from, offset_to, observance.name, first,
                        bool(observance.all("RDATE")), rrule is not None) for t, first in times]
    return sorted(found, key=lambda onset: onset.local - onset.offset_from)


def to_utc(local: datetime, zone_onsets: list[Onset]) -> datetime | None:
    """The UTC instant of a local time by the given onsets (None before the first one)."""
    offset = None
    for onset in zone_onsets:
        if onset.local <= local:
            offset = onset.offset_to
    return None if offset is None else (local - offset).replace(tzinfo=UTC)


def unescape_text(text: str) -> str:
    """An RFC 5545 TEXT value; asserts that every ``,`` ``;`` and ``\\`` is escaped."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            following = text[i + 1: i + 2]
            assert following in ("\\", ";", ",", "n", "N"), f"bad escape \\{following} in {text!r}"
            out.append("\n" if following in "nN" else following)
            i += 2
            continue
        assert char not in ",;", f"unescaped {char!r} in TEXT value {text!r}"
        out.append(char)
        i += 1
    return "".join(out)
