"""A site file: a clinic's own calendar (holidays region, time zone, closures, extra workdays).

```yaml
name: Fourth Hospital of Hebei Medical University
holidays: CN
timezone: Asia/Shanghai
closed:
  - 2026-03-02                      # a date,
  - {date: 2026-03-03, reason: Linac service}   # or a date with a reason,
  - {from: 2026-04-13, to: 2026-04-14, reason: Department move}  # or a range
workdays:
  - 2026-03-07
```

A clinic that always uses the same file sets it once as the *default site file*:
``SCHEDULER_SITE`` (a path), else ``site.yaml`` in the user config folder (see
:func:`default_site_file`). It is used when no ``--site`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scheduler.core.errors import InputError, TemplateError
from scheduler.core.loader import located_problems, read_yaml
from scheduler.core.protocol import Detail, Name

MAX_RANGE_DAYS = 366


class DateEntry(BaseModel):
    """One date, or a range of dates, with an optional reason."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    date_: date | None = Field(None, alias="date")
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    reason: Detail | None = None
    """At most :data:`~scheduler.core.protocol.MAX_DETAIL` characters, like ``--closed``'s."""
    resource: str | None = Field(None, pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    """A closure of one resource only (``linac``): see README, "Closures for one resource"."""

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, value: Any) -> Any:
        return {"date": value} if isinstance(value, date | str) else value

    @model_validator(mode="after")
    def _one_form(self) -> DateEntry:
        if (self.date_ is None) == (self.from_ is None):
            raise ValueError("give 'date', or 'from' and 'to'")
        if self.from_ is not None:
            if self.to is None:
                raise ValueError("'from' needs 'to'")
            if self.to < self.from_:
                raise ValueError("'to' is before 'from'")
            if (self.to - self.from_).days >= MAX_RANGE_DAYS:
                raise ValueError(f"a range may span at most {MAX_RANGE_DAYS} days")
        return self

    def days(self) -> list[date]:
        """Every date the entry covers."""
        if self.date_ is not None:
            return [self.date_]
        assert self.from_ is not None and self.to is not None
        return [self.from_ + timedelta(days=i) for i in range((self.to - self.from_).days + 1)]


class Site(BaseModel):
    """A clinic's calendar."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name | None = None
    holidays: str | None = None
    timezone: str | None = None
    closed: list[DateEntry] = []
    workdays: list[DateEntry] = []
    location: Detail | None = None

    @model_validator(mode="after")
    def _workdays_are_site_wide(self) -> Site:
        if any(e.resource is not None for e in self.workdays):
            raise ValueError("an extra working day is for the whole site; only a closure "
                             "may name a 'resource'")
        return self

    def closures(self) -> dict[date, str]:
        """Closed date -> reason (closures of the whole site)."""
        return {d: e.reason or "Site closure" for e in self.closed if e.resource is None
                for d in e.days()}

    def resource_closures(self) -> dict[str, dict[date, str]]:
        """Resource -> closed date -> reason (closures of one resource)."""
        scoped: dict[str, dict[date, str]] = {}
        for entry in self.closed:
            if entry.resource is not None:
                days = scoped.setdefault(entry.resource, {})
                days.update({d: entry.reason or f"{entry.resource} closed" for d in entry.days()})
        return scoped

    def extra_workdays(self) -> dict[date, str]:
        """Extra working date -> reason."""
        return {d: e.reason or "Site working day" for e in self.workdays for d in e.days()}


def load_site(path: Path) -> Site:
    """Read and validate a site file; errors name the file, line and field."""
    data, lines = read_yaml(path, "site file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TemplateError(str(path), [(1, "", "a site file is a YAML mapping (holidays:, closed: ...)")])
    try:
        return Site.model_validate(data)
    except ValidationError as error:
        raise TemplateError(str(path), located_problems(error, data, lines)) from None


SITE_VARIABLE = "SCHEDULER_SITE"
SITE_FILE_NAME = "site.yaml"


@dataclass(frozen=True)
class DefaultSite:
    """The default site file found, and where it was named (for the note that says so)."""

    path: Path
    origin: str
    """``SCHEDULER_SITE`` or ``the user config folder``."""


def user_site_path() -> Path:
    """``site.yaml`` in the user config folder: ``~/.config/scheduler/`` on Linux (or
    ``$XDG_CONFIG_HOME/scheduler/``), ``~/Library/Application Support/scheduler/`` on macOS,
    ``%LOCALAPPDATA%\\scheduler\\scheduler\\`` on Windows."""
    return platformdirs.user_config_path("scheduler") / SITE_FILE_NAME


def default_site_file(environ: Mapping[str, str] | None = None) -> DefaultSite | None:
    """The default site file: ``SCHEDULER_SITE`` if set (InputError when that file does not
    exist), else the user config folder's ``site.yaml`` if there is one, else None."""
    environ = os.environ if environ is None else environ
    named = environ.get(SITE_VARIABLE, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            problem = ("is a folder, not a site file" if path.is_dir() else
                       "not a regular file (a device, FIFO or socket), not a site file" if path.exists()
                       else "no such site file")
            raise InputError(f"{SITE_VARIABLE}={named}: {problem} (unset {SITE_VARIABLE} to "
                             "use no default site file)")
        return DefaultSite(path, SITE_VARIABLE)
    path = user_site_path()
    return DefaultSite(path, "the user config folder") if path.is_file() else None
