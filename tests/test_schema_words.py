"""pydantic's errors in words (issue 14): each worded from its type and context, never with
the library's own message text."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler.core.schema_words import in_words


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(max_length=6)] = "X"
    label: Annotated[str, Field(min_length=1)] = "x"
    codes: Annotated[list[int], Field(max_length=2)] = []
    weeks: Annotated[int, Field(gt=0, lt=53)] = 1
    rule: Literal["next", "previous"] = "next"
    day: date = date(2026, 1, 5)
    dose: float = 1.0
    flag: bool = False
    names: dict[str, str] = {}


@pytest.mark.parametrize(("data", "words"), [
    ({"code": "CISPLATIN"}, "is 9 characters long; the limit is 6 characters"),
    ({"label": ""}, "is empty; give at least 1 character"),
    ({"codes": [1, 2, 3]}, "has 3 items; the limit is 2 items"),
    ({"weeks": 0}, "must be more than 0 (got 0)"),
    ({"weeks": 53}, "must be less than 53 (got 53)"),
    ({"weeks": 2.5}, "must be a whole number (got 2.5)"),
    ({"weeks": "four"}, "must be a whole number (got 'four')"),
    ({"rule": "later"}, "must be 'next' or 'previous' (got 'later')"),
    ({"day": "2026-02-30"}, "'2026-02-30' is not a real date"),
    ({"day": "5/1/2026"}, "must be a date in the form YYYY-MM-DD (got '5/1/2026')"),
    ({"day": [2026]}, "must be a date in the form YYYY-MM-DD (got a list)"),
    ({"dose": "lots"}, "must be a number (got 'lots')"),
    ({"flag": "maybe"}, "must be true or false (got 'maybe')"),
    ({"names": ["a"]}, "must be a mapping (name: value) (got a list)"),
    ({"label": {"a": 1}}, "must be text (got a mapping)"),
    ({"colour": "red"}, "unknown field"),
])
def test_each_error_type_in_words(data, words):
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    assert [in_words(e) for e in caught.value.errors()] == [words]


def test_a_type_without_words_of_its_own_still_reads_as_a_sentence():
    error = {"type": "uuid_parsing", "loc": ("id",), "msg": "Input should be a valid UUID",
             "input": "x\x1b[31m", "ctx": {}}
    assert in_words(error) == "is not accepted here (got 'x\\x1b[31m')"  # type: ignore[arg-type]
