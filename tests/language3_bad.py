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
    # 2. blocks of consecutive days
    "block_without_consecutive_days.yaml": [
        ":11: components[0].drugs[0]:", "'on: working_days' is for a block of consecutive days "
        "(like '1-5'); days [1, 8, 15] have none"],
    "block_any_day_with_rule.yaml": [":11: components[0].drugs[0]:",
                                     "'on: any_day' gives the block whatever the day: give no "
                                     "'on_non_working_day'"],
    "block_working_days_skip.yaml": [":11: components[0].drugs[0]:",
                                     "its first day moves with 'next' or 'previous', not 'skip'"],
    "block_unknown.yaml": [":11: components[0].drugs[0].on: must be 'working_days' or 'any_day' "
                           "(got 'weekdays')"],
    # 6. how far "the working day before" may move a visit
    "previous_limit_with_next.yaml": [":5: components[0]:", "'previous_within_days' limits "
                                      "on_non_working_day: previous; this visit's rule is 'next'"],
    "previous_limit_zero.yaml": [":6: components[0].previous_within_days: must be at least 1 "
                                 "(got 0)"],
    # 4. anchors on the first or last actual event
    "from_unknown.yaml": [":6: components[1].at.from: must be one of 'last_event', 'last_day1' "
                          "or 'first_event' (got 'first_dose')"],
    # 3. hours after the start of a dose
    "hours_both.yaml": [":11: components[1]:", "give 'hours' (a list of offsets) or 'every_hours' "
                        "with 'doses', not both and not neither"],
    "hours_without_doses.yaml": [":11: components[1]:", "'every_hours' needs 'doses' (how many)"],
    "hours_after_untimed_drug.yaml": [":11: components[1].after_start_of:", "'m' has no clock "
                                      "'time': hours after the start of a dose need the time it "
                                      "starts"],
}
