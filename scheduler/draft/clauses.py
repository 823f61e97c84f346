"""One intervention's description, split into its drugs: which dose, days, cycle length, count
and route belong to which drug, and which phrases hold for all of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.draft.reader import Passage, Phrase, Word, phrases


@dataclass
class Drug:
    """What one drug's words say, phrase by phrase (the first of each kind counts)."""

    name: str
    own: dict[str, Phrase] = field(default_factory=dict)
    clause: int = 0
    doses: list[Phrase] = field(default_factory=list)
    """Each dose the words give: more than one is a change of dose ("8 mg/kg, then 6 mg/kg")."""
    phased: Phrase | None = None
    """A cycle length given after a change of dose: a second phase at another interval."""

    def take(self, phrase: Phrase) -> None:
        if _family(phrase.kind) == "dose":
            self.doses.append(phrase)
        self.own.setdefault(_family(phrase.kind), phrase)


@dataclass
class Reading:
    """One intervention's description, read: its drugs and the phrases for all of them."""

    name: str
    kind: str
    passage: Passage | None
    drugs: list[Drug]
    shared: dict[str, Phrase]
    rt: dict[str, Phrase]
    sequence: list[Phrase]


_FAMILIES = {
    "q_every": "cycle", "every": "cycle", "every_one": "cycle", "n_day_cycles": "cycle",
    "weekly": "cycle", "n_cycles": "count", "up_to_cycles": "count", "n_doses": "count",
    "at_least": "minimum",
    "up_to": "within", "for_period": "for", "until": "until", "dose": "dose", "auc": "dose",
    "days": "days", "route": "route", "daily": "daily", "on_rt_days": "on_rt_days",
    "gy_in_fractions": "rt_total", "gy_total": "rt_total", "gy_each": "rt_fraction",
    "per_week": "rt_per_week", "monday_to_friday": "rt_per_week", "week_range": "weeks",
    "start_week": "start_week", "week_one": "week_one", "gap_after": "gap", "sequence": "sequence",
}
_RT = {"rt_total", "rt_fraction", "rt_per_week"}
_SHARED = {"cycle", "count", "minimum", "within", "for", "until", "weeks",
           "start_week", "gap", "on_rt_days"}
_CLAUSE = {"days", "route", "daily"}


def _name(words: list[Word], passage: Passage | None) -> str:
    """A drug's name: its words as written ("S-1", "5-FU"), without the filler around it
    ("patients receive docetaxel" -> "docetaxel")."""
    kept = [i for i, w in enumerate(words) if w.lower() not in _FILLER]
    if not kept or passage is None:
        return ""
    start, end = words[kept[0]].start, words[kept[-1]].end
    return passage.text[start - passage.offset:end - passage.offset].strip()
_NAME_BREAKS = {";", "；", ".", "。", ":", "：", "+", "(", ")", "（", "）", ",", "，", "、", "/"}
_FILLER = {"and", "with", "plus", "or", "the", "of", "drug", "drugs", "regimen", "chemotherapy",
           "given", "at", "a", "dose", "doses", "then", "patients", "participants", "subjects",
           "receive", "receives", "received", "receiving", "will", "be", "is", "are", "administered",
           "by", "及", "和", "联合"}


def _family(kind: str) -> str:
    return _FAMILIES.get(kind, kind)


def read_intervention(name: str, kind: str, passage: Passage | None) -> Reading:
    """Split a description into drugs: a dose starts a drug named by the words just before it;
    the phrases after it, up to the end of its clause, are its own; phrases before any dose
    and the cycle length, count and route (when a drug gives none of its own) are shared."""
    items = phrases(passage.text, passage.offset) if passage else []
    drugs: list[Drug] = []
    shared: dict[str, Phrase] = {}
    rt: dict[str, Phrase] = {}
    sequence: list[Phrase] = []
    words: list[Word] = []
    current: Drug | None = None
    clause = 0
    in_clause: list[tuple[int, Phrase]] = []
    """Days, routes and 'daily' with their clause: each holds for the drugs of its clause."""
    for item in items:
        if isinstance(item, str):
            if item in _NAME_BREAKS:
                words = []
                if item in (";", "；", ".", "。"):
                    current, clause = None, clause + 1
            else:
                words.append(item)
            continue
        family = _family(item.kind)
        if family == "sequence":
            sequence.append(item)
            words = []
            continue
        if family in _RT or (family == "weeks" and item.kind == "week_range" and not drugs):
            rt.setdefault(family, item)
            if family != "weeks":
                continue
        if family == "dose":
            drug_name = _name(words, passage)
            if not drug_name and drugs:  # "8 mg/kg loading dose, then 6 mg/kg": the same drug
                current = drugs[-1]
                if sequence and current.doses and sequence[-1].start > current.doses[-1].end:
                    sequence.pop()  # its 'then' is the change of dose, not a later phase
            else:
                current = Drug(drug_name or name, clause=clause)
                drugs.append(current)
            words = []
        if family in _CLAUSE:
            in_clause.append((clause, item))
        if current is not None:
            if family == "cycle" and len(current.doses) > 1 and "cycle" in current.own:
                current.phased = item  # "... every 3 weeks, then 1500 mg every 4 weeks"
            current.take(item)
        else:
            shared.setdefault(family, item)
        if family in _SHARED:
            shared.setdefault(family, item)
    for drug in drugs:  # "A 1 mg and B 2 mg IV on days 1, 8": for each drug of the clause
        for family in _CLAUSE - drug.own.keys():
            later = [p for c, p in in_clause if c == drug.clause and _family(p.kind) == family
                     and drug.doses and p.start > drug.doses[0].start]
            if later:
                drug.own[family] = later[0]
    if not drugs and kind.upper() != "RADIATION" and not rt and shared:
        drugs.append(Drug(name, {}))
    return Reading(name, kind, passage, drugs, shared, rt, sequence)
