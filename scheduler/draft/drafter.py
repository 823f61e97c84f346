"""Draft a protocol template from a registry record's arm, inventing nothing.

Every value of the draft is a :class:`Value`: what it is, and where it came from: ``stated``
(the record's words say it), ``inferred`` (a named rule reads it from the words, "Q3W ->
21-day cycles") or ``not stated`` (an open value, :data:`OPEN`, that a person fills in). A cycle
length, count, day or start the record does not support is left open, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from scheduler.core.errors import InputError
from scheduler.draft.clauses import Drug, Reading, read_intervention
from scheduler.draft.countries import country_code, single_zone
from scheduler.draft.reader import Arm, Phrase, Record

OPEN = "not stated"
"""The value of every open field of a draft; the schema refuses it until a person fills it in."""


@dataclass(frozen=True)
class Value:
    """One drafted value and its provenance."""

    value: Any
    status: str
    words: str = ""
    span: tuple[int, int] | None = None
    rule: str = ""
    note: str = ""
    """For an open value: what a person should fill in."""
    also: tuple[tuple[str, tuple[int, int]], ...] = ()
    """Other words that give the same value (a merged regimen's second "Q3W")."""


def stated(value: Any, phrase: Phrase, text: str) -> Value:
    return Value(value, "stated", text[phrase.start:phrase.end], (phrase.start, phrase.end))


def inferred(value: Any, phrase: Phrase | None, text: str, rule: str) -> Value:
    if phrase is None:
        return Value(value, "inferred", rule=rule)
    return Value(value, "inferred", text[phrase.start:phrase.end], (phrase.start, phrase.end), rule)


def open_value(note: str) -> Value:
    return Value(OPEN, "not stated", note=note)


# --- from readings to components ---------------------------------------------------------------


def slug(name: str, taken: set[str]) -> str:
    """An id from a name: ``albumin-bound paclitaxel`` -> ``albumin-bound-paclitaxel``."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:36] or "drug"
    if not base[0].isalpha():
        base = "x-" + base
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


_ROUTES = {"intravenous": ("intravenously", "intravenous", "iv", "i.v.", "ivgtt", "iv gtt", "静脉滴注",
                           "静滴"),
           "oral": ("orally", "oral", "po", "p.o.", "口服"),
           "subcutaneous": ("subcutaneously", "subcutaneous", "sc", "s.c.", "皮下注射"),
           "intramuscular": ("intramuscularly", "intramuscular", "im")}


def route_of(words: str) -> str:
    for route, spellings in _ROUTES.items():
        if words.lower().replace("  ", " ") in spellings:
            return route
    return words.lower()


def dose_text(value: dict[str, Any]) -> str:
    """``{'amount': [110, 130], 'unit': 'mg/m2'}`` -> ``110-130 mg/m2``; AUC -> ``AUC 5``."""
    amount = "-".join(str(a) for a in value["amount"])
    return f"AUC {amount}" if value["unit"] == "AUC" else f"{amount} {value['unit']}"


def cycle_days(phrase: Phrase, text: str) -> Value:
    """The cycle length in days: stated in days, inferred from weeks (Q3W -> 21)."""
    words = text[phrase.start:phrase.end]
    if phrase.kind == "weekly":
        return inferred(7, phrase, text, f"{words} → 7-day cycles")
    value = phrase.value
    if value["unit"] == "d":
        return stated(int(value["n"]), phrase, text)
    if value["unit"] == "w":
        days = int(value["n"] * 7)
        return inferred(days, phrase, text, f"{words} → {days}-day cycles")
    return open_value(f"'{words}' is not a whole number of days; give the cycle length in days")


def _span_text(value: dict[str, Any]) -> str:
    unit = {"w": "weeks", "d": "days", "m": "months", "y": "years"}[value["unit"]]
    n = value["n"]
    return f"{n} {unit[:-1] if n == 1 else unit}"


@dataclass
class Draft:
    """A drafted template: the data (with :class:`Value` leaves) and the record it reads."""

    record: Record
    arm: str
    template: dict[str, Any]
    fields: dict[str, Value]
    """Flat ``drug.field`` -> value, what the golden set scores."""


def pick_arm(record: Record, arm: str | None) -> Arm | None:
    if not record.arms:
        return None
    if arm is None:
        return record.arms[0]
    if arm.isdigit() and 1 <= int(arm) <= len(record.arms):
        return record.arms[int(arm) - 1]
    for candidate in record.arms:
        if arm.lower() in candidate.label.lower():
            return candidate
    labels = "; ".join(f"{i}: {a.label}" for i, a in enumerate(record.arms, 1))
    raise InputError(f"no arm matches '{arm}' (the record's arms: {labels})", "arm")


def readings_of(record: Record, arm: Arm | None) -> list[Reading]:
    by_name = {i.name.lower(): i for i in record.interventions}
    names = (arm.interventions if arm else []) or list(by_name)  # an arm naming none: all of them
    chosen = [by_name[n.lower()] for n in names if n.lower() in by_name]
    found = [read_intervention(i.name, i.type, i.description) for i in chosen if i.description]
    if not any(r.drugs or r.rt for r in found if r.passage) and arm and arm.description:
        found = [read_intervention(arm.label, "", arm.description)]
    return [r for r in found if r.drugs or r.rt]


def draft(record: Record, arm_choice: str | None = None) -> Draft:
    """The draft template of one arm of the record (the first, unless ``arm_choice``)."""
    arm = pick_arm(record, arm_choice)
    readings = readings_of(record, arm)
    return _Drafter(record, arm, readings).build()


class _Drafter:
    """One arm's readings made into one template, in a single pass.

    Kept as one class (about 370 lines) on purpose: every builder below reads and writes the
    same state of the pass, which a split would have to hand around. That state is the keys
    already taken (``ids``), the provenance of every value so far (``fields``), the parameters
    the draft opens, and what the arm's own words say about order and concurrency
    (``together``, ``order``). ``start_of`` and ``after_target`` also read the component
    made just before. Its sections follow the template's own order: header, calendar, then
    one builder per component kind (regimen, daily, radiotherapy)."""

    def __init__(self, record: Record, arm: Arm | None, readings: list[Reading]) -> None:
        self.record, self.arm, self.readings = record, arm, readings
        self.text = record.text
        self.fields: dict[str, Value] = {}
        self.ids: set[str] = set()
        self.parameters: dict[str, Any] = {}
        arm_words = " ".join(filter(None, [arm.label if arm else "",
                                           arm.description.text if arm and arm.description else ""]))
        self.together = re.search(r"combined with|concurrent|in combination with|together with|"
                                  r"\bplus\b|\+|同步|联合", arm_words, re.IGNORECASE)
        treatments = "|".join(re.escape(r.name.lower()) for r in readings if r.name) or "-"
        self.order = re.search(
            r"(followed by|\bthen\b|\bafter\b|\bbefore\b|sequential(ly)?|序贯|之后|随后)\W+(\w+\W+){0,3}?"
            rf"(\w*(chemo|radio|immuno)\w*|\brt\b|\bcrt\b|放疗|化疗|免疫|{treatments})",
            arm_words.lower())
        """The arm's words order its treatments ("induction chemotherapy followed by
        chemoradiotherapy"): which comes first is then not the order they are listed in."""

    def build(self) -> Draft:
        components: list[dict[str, Any]] = []
        regimens: list[dict[str, Any]] = []
        previous: dict[str, Any] | None = None
        for reading in self.readings:
            made = self.components_of(reading, previous, first=not components)
            for component in made:
                same = next((r for r in regimens if component["kind"] == "cycles"
                             and self._mergeable(r, component)), None)
                if same is not None:
                    mine, theirs = same["cycle_days"], component["cycle_days"]
                    if theirs.span is not None and theirs.span != mine.span:
                        same["cycle_days"] = replace(mine, also=(*mine.also, (theirs.words, theirs.span)))
                    same["drugs"].extend(component["drugs"])
                    same["name"] = f"{same['name']} + {component['name']}"[:80]
                    continue
                components.append(component)
                if component["kind"] == "cycles":
                    regimens.append(component)
                previous = component
        template = self.header()
        if self.parameters:
            template["parameters"] = self.parameters
        template["components"] = components or [self.nothing_found()]
        return Draft(self.record, self.arm.label if self.arm else "", template, self.fields)

    # --- header ----------------------------------------------------------------------------

    def header(self) -> dict[str, Any]:
        record = self.record
        nct = record.nct_id or "record"
        header: dict[str, Any] = {
            "id": slug(f"{nct}-draft", set()),
            "name": (record.title or nct)[:200],
            "source": nct if record.nct_id else "trial registry record",
        }
        if record.nct_id:
            header["reference"] = f"https://clinicaltrials.gov/study/{record.nct_id}"
        if self.arm is not None:
            header["description"] = f"Drafted from the arm '{self.arm.label}'."[:2000]
        header["calendar"] = self.calendar()
        return header

    def calendar(self) -> dict[str, Value]:
        record = self.record
        countries = record.countries
        phrase = (Phrase("country", countries, *record.country_span)
                  if record.country_span and len(countries) == 1 else None)
        code = country_code(countries[0]) if len(countries) == 1 else None
        if phrase is None or code is None:
            holidays = open_value("the record names " + (
                f"{len(countries)} countries" if countries else "no country")
                + "; give the site's country code for its public holidays (e.g. CN, US)")
            self.fields["calendar.holidays"] = holidays
            return {"holidays": holidays}
        holidays = inferred(code, phrase, self.text, f"sites in {countries[0]} → {code} public holidays")
        self.fields["calendar.holidays"] = holidays
        result = {"holidays": holidays}
        zone = single_zone(code)
        if zone:
            result["timezone"] = inferred(zone, phrase, self.text,
                                          f"{countries[0]} has one time zone → {zone}")
        return result

    def nothing_found(self) -> dict[str, Any]:
        """A placeholder component: the record gives no schedule at all."""
        note = "the record gives no schedule a calendar can be made from; write the components"
        return {"kind": "cycles", "id": "treatment", "name": "Treatment", "cycle_days": open_value(note),
                "drugs": [{"id": "drug", "name": "Drug", "code": "DRUG", "days": open_value(note),
                           "cycles": open_value(note)}]}

    # --- components ------------------------------------------------------------------------

    def components_of(self, reading: Reading, previous: dict[str, Any] | None,
                      first: bool) -> list[dict[str, Any]]:
        made: list[dict[str, Any]] = []
        start = self.start_of(reading, previous, first)
        regimen_drugs = []
        for drug in reading.drugs:
            own = {**reading.shared, **drug.own}
            if ("daily" in own or "on_rt_days" in own) and "cycle" not in own:
                made.append(self.daily(drug, own, start))
                continue
            regimen_drugs.append((drug, own))
        if regimen_drugs:
            made.insert(0, self.regimen(reading, regimen_drugs, start))
        if reading.rt or reading.kind.upper() == "RADIATION":
            made.append(self.radiotherapy(reading, start if not regimen_drugs else
                                          self.rt_start(reading, first and not regimen_drugs)))
        return made

    def start_of(self, reading: Reading, previous: dict[str, Any] | None, first: bool) -> Value:
        shared = reading.shared
        text = self.text
        if "start_week" in shared:
            return stated({"week": shared["start_week"].value}, shared["start_week"], text)
        if "weeks" in shared:
            return stated({"week": shared["weeks"].value[0]}, shared["weeks"], text)
        first_dose = min((d.doses[0].start for d in reading.drugs if d.doses),
                         default=min((p.start for p in reading.rt.values()), default=None))
        after = next((p for p in reading.sequence if _is_after(p.value)
                      and (first_dose is None or p.start < first_dose)), None)
        gap_phrase = shared.get("gap")
        if gap_phrase is not None and re.search(r"[-–~～]\s*$|\bto\s*$", text[:gap_phrase.start]):
            gap_phrase = None  # "4-8 weeks after": a range, no one gap; the start stays open
        target = self.after_target(gap_phrase or after, previous)
        if gap_phrase is not None and target is not None and gap_phrase.value["unit"] in ("d", "w"):
            gap = int(gap_phrase.value["n"] * (7 if gap_phrase.value["unit"] == "w" else 1))
            return inferred({"after": target, "gap_days": gap}, gap_phrase, text,
                            f"{text[gap_phrase.start:gap_phrase.end]} → {gap} days after the last "
                            f"event of {target}")
        if after is not None and target is not None:
            return Value(OPEN, "not stated", text[after.start:after.end], (after.start, after.end),
                         note=f"starts after {target}, but the record does not say how many days "
                              f"after; write {{after: {target}, gap_days: N}}")
        if first and self.order is None:
            return inferred({"day": 1}, None, text, "the arm's first treatment → day 1, the start date")
        if first and self.order is not None:
            return open_value(f"the arm gives an order ('{self.order.group(0)}'); write {{day: 1}} "
                              "for what comes first and {after: ID, gap_days: N} for what follows")
        if gap_phrase is not None or any(_is_after(p.value) for p in reading.sequence):
            return open_value("the record says this comes after something but not when; write "
                              "{day: N}, {week: N} or {after: ID, gap_days: N}")
        together = next((p for p in reading.sequence if re.match(
            r"concurrent|combined|in combination|together|simultaneous|during|starting with|"
            r"beginning with|同步|联合|放疗期间", p.value)), None)
        if together is not None:
            return inferred({"day": 1}, together, text, "given together → day 1 with the first treatment")
        if self.together:
            words = self.together.group(0)
            return inferred({"day": 1}, None, text,
                            f"the arm gives its treatments together ('{words}') → day 1")
        return open_value("the record does not say when this starts; write {day: N}, {week: N} "
                          "or {after: ID, gap_days: N}")

    def after_target(self, phrase: Phrase | None, previous: dict[str, Any] | None) -> str | None:
        """What a component starts after. "followed by", "then": the component before it.
        "after X", "4 weeks after X": X, which must name radiotherapy or the component before
        (its name, a drug of it, or chemotherapy for a regimen); "after surgery" names none."""
        if phrase is None:
            return None
        if phrase.kind == "sequence" and not re.match(r"after|following", phrase.value):
            return str(previous["id"]) if previous is not None else None
        following = self.text[phrase.end:phrase.end + 60].lower()
        if re.match(r"\W*(the )?(completion of |end of )?(chemo)?(radiotherapy|radiation|rt\b|放疗)",
                    following) and "rt" in self.ids:
            return "rt"
        if previous is None:
            return None
        names = [previous["name"], *(d["name"] for d in previous.get("drugs", []))]
        if previous["kind"] == "cycles":
            names.append("chemo")
        head = re.sub(r"^\W*(the )?(completion of |end of |last )?", "", following)
        if any(name and head.startswith(str(name).lower()[:12]) for name in names):
            return str(previous["id"])
        return None

    def rt_start(self, reading: Reading, first: bool) -> Value:
        return self.start_of(reading, None, first)

    def regimen(self, reading: Reading, drugs: list[tuple[Drug, dict[str, Phrase]]],
                start: Value) -> dict[str, Any]:
        text = self.text
        cycle_phrase = next((own["cycle"] for _, own in drugs if "cycle" in own), None)
        length = cycle_days(cycle_phrase, text) if cycle_phrase else open_value(
            "the record gives no cycle length (such as Q3W or 21-day cycles); give it in days")
        phased = next((d.phased for d, _ in drugs if d.phased is not None), None)
        if phased is not None:
            length = Value(OPEN, "not stated", text[phased.start:phased.end], (phased.start, phased.end),
                           note="the record changes the interval; write each phase as its own "
                                "regimen (the second with start: {after: ID, gap_days: N})")
        ident = slug(f"{reading.name} cycles", self.ids)
        regimen: dict[str, Any] = {"kind": "cycles", "id": ident, "name": reading.name[:80] or ident,
                                   "cycle_days": length, "start": start, "drugs": []}
        parameter = None
        for drug, own in drugs:
            key = self.key(drug.name)
            entry: dict[str, Any] = {"id": slug(drug.name, self.ids), "name": drug.name[:80],
                                     "code": _code(drug.name)}
            dose = self.dose(drug, own)
            route = own.get("route")
            if dose is not None:
                words = f"{drug.name} {dose.value}"
                if route is not None:
                    words += f", {route_of(str(route.value))}"
                entry["dose"] = Value(words[:200], "stated", dose.words, dose.span)
                self.fields[f"{key}.dose"] = dose
            if route is not None:
                self.fields[f"{key}.route"] = stated(route_of(str(route.value)), route, text)
                if dose is None:
                    entry["dose"] = stated(route_of(str(route.value)), route, text)
            entry["days"] = self.days(own, length)
            if drug.phased is not None:
                entry["cycles"] = Value(OPEN, "not stated", note="each phase has its own count")
            else:
                entry["cycles"], parameter = self.count(reading, own, length, parameter)
            regimen["drugs"].append(entry)
            for name in ("days", "cycles"):
                self.fields[f"{key}.{name}"] = entry[name]
            self.fields[f"{key}.cycle_days"] = length
            self.fields[f"{key}.start"] = start
        return regimen

    def key(self, name: str) -> str:
        """The drug's name in the scored fields: ``temozolomide``, then ``temozolomide (2)``."""
        key, n = name.lower(), 2
        while f"{key}.start" in self.fields or f"{key}.dose" in self.fields or f"{key}.days" in self.fields:
            key, n = f"{name.lower()} ({n})", n + 1
        return key

    def dose(self, drug: Drug, own: dict[str, Phrase]) -> Value | None:
        """The drug's dose as stated; a change of dose reads "8 mg/kg, then 6 mg/kg"."""
        doses = drug.doses or ([own["dose"]] if "dose" in own else [])
        if not doses:
            return None
        start, end = doses[0].start, doses[-1].end
        texts = list(dict.fromkeys(dose_text(d.value) for d in doses))  # "1500 mg, then 1500 mg"
        return Value(", then ".join(texts), "stated", self.text[start:end], (start, end))

    def days(self, own: dict[str, Phrase], length: Value) -> Value:
        if "days" in own:
            return stated(own["days"].value, own["days"], self.text)
        cycle = own.get("cycle")
        if "daily" in own:
            return open_value(f"taken '{self.text[own['daily'].start:own['daily'].end]}' in "
                              "cycles: give the days of the cycle it is taken, like '1-21'")
        if cycle is not None and length.status != "not stated":
            words = self.text[cycle.start:cycle.end]
            return inferred([1], cycle, self.text, f"once every {length.value} days ('{words}') → "
                                                   "day 1 of each cycle")
        return open_value("the record gives no day of the cycle; give the days, like [1] or [1, 8]")

    def count(self, reading: Reading, own: dict[str, Phrase], length: Value,
              parameter: str | None) -> tuple[Value, str | None]:
        text = self.text
        if "count" in own:
            phrase = own["count"]
            if phrase.kind == "up_to_cycles":
                within = own.get("within")
                capped: dict[str, Any] = {"up_to": phrase.value}
                if within is not None:
                    capped["within"] = _span_text(within.value)
                if "until" in own:
                    capped["until"] = _until_text(own["until"].value)
                return stated(capped, phrase, text), parameter
            if phrase.kind == "n_doses":
                days = own.get("days")
                if days is not None and len(days.value) != 1:
                    return open_value(f"'{text[phrase.start:phrase.end]}' with more than one day a "
                                      "cycle: give the number of cycles"), parameter
                return inferred(phrase.value, phrase, text, f"{text[phrase.start:phrase.end]}, one "
                                f"a cycle → {phrase.value} cycles"), parameter
            return stated(phrase.value, phrase, text), parameter
        if "until" in own:
            until = _until_text(own["until"].value)
            minimum = own.get("minimum")
            if minimum is not None:
                start, end = min(minimum.start, own["until"].start), max(minimum.end, own["until"].end)
                return Value({"minimum": _span_text(minimum.value), "until": until}, "stated",
                             text[start:end], (start, end)), parameter
            return Value({"minimum": OPEN, "until": until}, "not stated", text[own["until"].start:
                         own["until"].end], (own["until"].start, own["until"].end),
                         note="the record gives no minimum time before 'until'; give it, "
                              "like '6 months', or a number of cycles instead"), parameter
        if parameter is None:
            parameter = slug(reading.name, set()).replace("-", "_")[:32] + "_cycles"
            words = " ".join(text[p.start:p.end] for p in (own.get("within"), own.get("for"))
                             if p is not None)
            self.parameters[parameter] = {
                "default": open_value("the record gives no number of cycles"
                                      + (f" (only '{words}')" if words else "")
                                      + "; give the number the site plans"),
                "minimum": 1, "maximum": 100,
                "description": f"Number of cycles of {reading.name}: not stated in the record.",
            }
        return Value(f"${parameter}", "not stated",
                     note=f"the number of cycles is the open parameter {parameter}"), parameter

    def daily(self, drug: Drug, own: dict[str, Phrase], start: Value) -> dict[str, Any]:
        text = self.text
        key = self.key(drug.name)
        entry: dict[str, Any] = {"kind": "daily", "id": slug(drug.name, self.ids),
                                 "name": drug.name[:80], "code": _code(drug.name)}
        dose = self.dose(drug, own)
        if dose is not None:
            route = f", {route_of(str(own['route'].value))}" if "route" in own else ""
            entry["dose"] = Value(f"{drug.name} {dose.value}{route}"[:200], "stated", dose.words, dose.span)
            self.fields[f"{key}.dose"] = dose
        if "route" in own:
            self.fields[f"{key}.route"] = stated(route_of(str(own["route"].value)), own["route"], text)
        if "on_rt_days" in own:
            value = stated("rt", own["on_rt_days"], text)
            entry["on_days_of"] = value
            self.fields[f"{key}.on_days_of"] = value
            return entry
        entry["start"] = start
        self.fields[f"{key}.start"] = start
        period = own.get("for")
        if period is not None and period.value["unit"] in ("d", "w"):
            n = int(period.value["n"] * (7 if period.value["unit"] == "w" else 1))
            entry["days"] = (stated(n, period, text) if period.value["unit"] == "d"
                             else inferred(n, period, text, f"{text[period.start:period.end]} → {n} days"))
        else:
            entry["days"] = open_value("the record gives no number of days; give 'days: N' "
                                       "or 'through: ID'")
        self.fields[f"{key}.days_count"] = entry["days"]
        return entry

    def radiotherapy(self, reading: Reading, start: Value) -> dict[str, Any]:
        text = self.text
        rt = {**{k: v for k, v in reading.shared.items() if k in ("weeks", "start_week")}, **reading.rt}
        ident = "rt" if "rt" not in self.ids else slug("radiotherapy", self.ids)
        self.ids.add(ident)
        entry: dict[str, Any] = {"kind": "radiotherapy", "id": ident, "name": "Radiotherapy",
                                 "code": "RT", "start": start}
        total = rt.get("rt_total")
        if total is not None and total.kind == "gy_in_fractions":
            entry["total_dose_gy"] = Value(total.value["total"], "stated", text[total.start:total.end],
                                           (total.start, total.end))
            entry["fractions"] = Value(total.value["fractions"], "stated", text[total.start:total.end],
                                       (total.start, total.end))
        elif total is not None:
            entry["total_dose_gy"] = stated(total.value, total, text)
        else:
            entry["total_dose_gy"] = open_value("the record gives no total dose in Gy")
        each = rt.get("rt_fraction")
        if each is None and total is not None and "each" in total.value:
            entry["dose_per_fraction_gy"] = Value(total.value["each"], "stated", text[total.start:total.end],
                                                  (total.start, total.end))
        elif each is not None:
            entry["dose_per_fraction_gy"] = stated(each.value, each, text)
        elif "fractions" not in entry:
            entry["fractions"] = open_value("the record gives neither the number of fractions nor "
                                            "the dose per fraction")
        week = rt.get("rt_per_week")
        entry["fractions_per_week"] = (stated(week.value, week, text) if week is not None
                                       else open_value("the record does not say how many fractions "
                                                       "a week"))
        weeks = rt.get("weeks")
        if weeks is not None:
            entry["planned_weeks"] = stated(weeks.value, weeks, text)
        for name in ("total_dose_gy", "fractions", "dose_per_fraction_gy", "fractions_per_week",
                     "planned_weeks", "start"):
            if name in entry:
                self.fields[f"radiotherapy.{name}"] = entry[name]
        return entry

    def _mergeable(self, one: dict[str, Any], two: dict[str, Any]) -> bool:
        """Two regimens become one when both state the same cycle length and start on day 1."""
        a, b = one["cycle_days"], two["cycle_days"]
        sa, sb = one["start"], two["start"]
        return bool(a.status != "not stated" and b.status != "not stated" and a.value == b.value
                and sa.status != "not stated" and sb.status != "not stated"
                and sa.value == {"day": 1} and sb.value == {"day": 1})


def _is_after(words: str) -> bool:
    return words.lower() in ("after", "after completion of", "after the end of", "following",
                             "followed by", "then", "thereafter", "sequentially", "序贯", "随后", "之后")


def _until_text(events: list[str]) -> str:
    text = ", ".join(events[:-1]) + (" or " if len(events) > 1 else "") + events[-1]
    return text[:80]


def _code(name: str) -> str:
    """A short code for the calendar: a Latin name's initials, else its first characters."""
    letters = "".join(w[0] for w in re.findall(r"[A-Za-z]+", name)).upper()
    return (letters or "".join(name.split())[:3] or "RX")[:6]
