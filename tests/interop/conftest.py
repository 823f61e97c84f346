"""Session fixtures: every case's file made once, and each parser run once over all of them."""

from __future__ import annotations

from typing import Any

import pytest

from . import parsers
from .cases import Case, make_cases


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """Case id -> the produced .ics file and what it must read as."""
    return make_cases(tmp_path_factory.mktemp("interop"))


def _by_case(cases: dict[str, Case], readings: dict[str, Any]) -> dict[str, Any]:
    return {case_id: readings[str(case.path)] for case_id, case in cases.items()}


@pytest.fixture(scope="session")
def icaljs_readings(cases: dict[str, Case]) -> dict[str, Any]:
    return _by_case(cases, parsers.icaljs([c.path for c in cases.values()]))


@pytest.fixture(scope="session")
def libical_binary(tmp_path_factory: pytest.TempPathFactory):
    return parsers.build_libical_dump(tmp_path_factory.mktemp("libical"))


@pytest.fixture(scope="session")
def libical_readings(cases: dict[str, Case], libical_binary) -> dict[str, Any]:
    return _by_case(cases, parsers.libical(libical_binary, [c.path for c in cases.values()]))


@pytest.fixture(scope="session")
def vobject_readings(cases: dict[str, Case]) -> dict[str, Any]:
    return {case_id: parsers.vobject_reading(case.path) for case_id, case in cases.items()}


@pytest.fixture(scope="session")
def icalendar_readings(cases: dict[str, Case]) -> dict[str, Any]:
    return {case_id: parsers.icalendar_reading(case.path) for case_id, case in cases.items()}
