"""A record's country, as the holidays package's code and its one time zone (when it has one)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def _iso3166() -> dict[str, str]:
    text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    names = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t", 1)
            names[name.strip().lower()] = code
    from holidays.registry import COUNTRIES

    for module, (cls, code, *_) in COUNTRIES.items():
        names.setdefault(module.replace("_", " "), code)
        names.setdefault(re.sub(r"(?<!^)(?=[A-Z])", " ", cls).lower(), code)
    return names


_REGISTRY_NAMES = {"korea, republic of": "KR", "iran, islamic republic of": "IR",
                   "russian federation": "RU", "taiwan": "TW", "vietnam": "VN", "turkey": "TR",
                   "czechia": "CZ", "united kingdom": "GB", "hong kong": "HK"}
"""Country names as ClinicalTrials.gov writes them, where the ISO 3166 table words them otherwise."""


def country_code(name: str) -> str | None:
    """``China`` -> ``CN``, with the holidays package's countries."""
    from holidays.registry import COUNTRIES

    lowered = name.strip().lower()
    code = _REGISTRY_NAMES.get(lowered) or _iso3166().get(lowered)
    known = {entry[1] for entry in COUNTRIES.values()}
    return code if code in known else None


@cache
def single_zone(code: str) -> str | None:
    """The one time zone of a country (zone1970.tab), or None when it has several."""
    text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    zones = [line.split("\t")[2] for line in text.splitlines()
             if line and not line.startswith("#") and line.split("\t")[0] == code]
    return zones[0] if len(zones) == 1 else None
