"""The exceptions scheduler raises for problems a user can fix.

The library never exits or prints; the CLI maps every :class:`SchedulerError` to one
message on stderr and exit status 2.

An error names the input it concerns as data, a *field*: a path that is the same for every
shell (``start``, ``holidays``, ``timezone``, ``horizon``, ``parameters`` or
``parameters.chemo_cycles``, ``closed[2]``, ``workdays[0]``, ``site``, ``now``, ``db``, ...),
and its words belong to no shell. Each shell says the field its own way, from one table of
its own: a flag on the command line, a label in the web form, a column in a cohort file
(:meth:`SchedulerError.worded`). A *remedy* names another field that would resolve the
problem (``force``, ``shift_start``); the shell says how to set it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

MAX_MESSAGE = 300
"""Characters of one problem's message; longer ones (quoting a long value) are cut."""


Namer = Callable[[str], str]
"""How a shell names a field: ``"parameters.cycles"`` -> ``"--set cycles"``."""


def field_root(field: str) -> str:
    """``closed[2]`` -> ``closed``; ``parameters.cycles`` -> ``parameters``."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]


def field_index(field: str) -> int | None:
    """``closed[2]`` -> 2; None without an index."""
    found = re.search(r"\[(\d+)\]", field)
    return int(found.group(1)) if found else None


def field_key(field: str) -> str | None:
    """``parameters.cycles`` -> ``cycles``; None without a key."""
    _, dot, key = field.partition(".")
    return key or None if dot else None


class SchedulerError(Exception):
    """A problem with the user's input that they can fix.

    ``str(error)`` names the field by its path; a shell calls :meth:`worded` instead."""

    def __init__(self, message: str, field: str | None = None, remedy: str | None = None,
                 value: str | None = None) -> None:
        self.message = message
        self.field = field
        self.remedy = remedy
        self.value = value
        """The field's value as the user gave it, when the message is about all of it (a
        registry's location): said after the field's name."""
        super().__init__(message)

    def worded(self, name: Namer, remedies: Mapping[str, str] | None = None) -> str:
        """The message with its field named by ``name`` and its remedy said from
        ``remedies`` (remedy field -> what to do, where ``{value}`` is the value), as one
        shell says them."""
        text = self.message
        if self.remedy is not None:
            said = (remedies or {}).get(self.remedy)
            text = f"{text}; {said.format(value=self.value) if said else 'see ' + name(self.remedy)}"
        if self.field is None:
            return text
        return f"{name(self.field)}{' ' + self.value if self.value else ''}: {text}"

    def __str__(self) -> str:
        return self.worded(lambda field: field)


class InputError(SchedulerError):
    """A command-line value (date, zone, country, parameter, path) is not valid."""


class PlanError(SchedulerError):
    """The plan cannot be made as asked (a start on a holiday, a date the template forbids)."""


class TemplateError(SchedulerError):
    """A protocol template is not valid; names the file and, per problem, line and field."""

    def __init__(self, source: str, problems: list[tuple[int | None, str, str]]) -> None:
        self.source = source
        self.problems = problems
        self.located = [_located(source, *problem) for problem in problems]
        """Each problem as ``FILE:LINE: FIELD: message``, in the order given (by line)."""
        if len(self.located) == 1:
            text = self.located[0]
        else:
            text = f"{source}: {len(self.located)} problems\n" + "\n".join(f"  {x}" for x in self.located)
        super().__init__(text)


def _located(source: str, line: int | None, field: str, message: str) -> str:
    if len(message) > MAX_MESSAGE:  # a message may quote the input: never all of it
        message = message[: MAX_MESSAGE - 1] + "…"
    where = f"{source}:{line}" if line else source
    return f"{where}: {field}: {message}" if field else f"{where}: {message}"
