"""Template language 3: the misuse files in tests/data/bad_language/ and the located message
each must give (checked by tests/test_language.py with the language 2 ones)."""

from __future__ import annotations

LANGUAGE3 = {
    # 1. events before day 1
    "regimen_before_day1.yaml": [":10: components[0].start.day:",
                                 "a regimen's cycle 1 day 1 cannot come before day 1 of the plan "
                                 "(got day -2); give a drug days before day 1 instead"],
    "drug_day_too_early.yaml": [":11: components[0].drugs[0].days:",
                                "day -70 is too early: a drug's days go back at most to day -60"],
    "visit_a_year_before.yaml": [":5: components[0].at.day:",
                                 "must be between -365 and 10000 (got -400)"],
}
