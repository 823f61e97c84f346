"""How the patient's own calendar reads (language and reminders), stored with the plan.

Below :mod:`scheduler.services.patients` (which re-exports it) so that the feed's renderer
(:mod:`scheduler.services.feedrender`), called from the change's transaction, needs nothing of
the patients module.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.core.errors import InputError
from scheduler.export.reminders import DEFAULT_REMINDERS, Reminder, parse_reminders, reminders_text
from scheduler.registry import StoredPlan

LANGUAGES = ("en", "zh", "en+zh")


@dataclass(frozen=True)
class CalendarSettings:
    """How the patient's own calendar reads: their language (``en``, ``zh`` or ``en+zh``:
    feed, issued .ics and PDF) and the reminders before each visit
    (:mod:`scheduler.export.reminders`). Stored with the plan's settings."""

    lang: str = "en"
    reminders: str = DEFAULT_REMINDERS

    def checked(self) -> CalendarSettings:
        """The settings with the reminders written the standard way; InputError naming the
        field for a language or reminder that is not one."""
        if self.lang not in LANGUAGES:
            raise InputError(f"'{self.lang}' is not one of en, zh, en+zh", field="lang")
        return CalendarSettings(self.lang, reminders_text(parse_reminders(self.reminders)))

    @property
    def alarms(self) -> tuple[Reminder, ...]:
        """The reminders, parsed."""
        return parse_reminders(self.reminders)


def calendar_settings(stored: StoredPlan) -> CalendarSettings:
    """A stored plan's calendar settings (the defaults for a plan registered before them)."""
    return CalendarSettings(stored.settings.get("lang", "en"),
                            stored.settings.get("reminders", DEFAULT_REMINDERS))
