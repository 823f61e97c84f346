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


def said(message: str, field: str | None, remedy: str | None, value: str | None, name: Namer,
         remedies: Mapping[str, str] | None = None) -> str:
    """``message`` as one shell says it: its field named by ``name`` (then the value, if
    any), its remedy from ``remedies`` (the remedy's field root -> what to do, where
    ``{value}`` is the value and ``{key}`` the remedy's key: ``parameters.cycles`` -> cycles).
    A phrase starting with a comma (or a Chinese one) continues the sentence; any other follows
    a semicolon."""
    text = message
    if remedy is not None:
        phrase = (remedies or {}).get(field_root(remedy))
        phrase = (phrase.format(value=value, key=field_key(remedy)) if phrase is not None
                  else f"see {name(remedy)}" + (f": {value}" if value and field is None else ""))
        stop = "." if text.endswith(".") else ""
        joined = phrase.startswith((",", "，"))  # a shell's words may be Chinese
        text = text.removesuffix(".") + (phrase if joined else f"; {phrase}") + stop
    if field is None:
        return text
    return f"{name(field)}{' ' + value if value else ''}: {text}"


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
        registry's location), said after the field's name; else what a remedy quotes."""
        super().__init__(message)

    def worded(self, name: Namer, remedies: Mapping[str, str] | None = None) -> str:
        """The message as one shell says it (:func:`said`)."""
        return said(self.message, self.field, self.remedy, self.value, name, remedies)

    def __str__(self) -> str:
        return self.worded(lambda field: field)


class Note(str):
    """A note of the library about a plan, in words that belong to no shell, with the field
    it concerns and its remedy as data (like :class:`SchedulerError`). As a ``str`` it names
    them by their paths; a shell calls :meth:`worded`."""

    message: str
    field: str | None
    remedy: str | None
    value: str | None

    def __new__(cls, message: str, field: str | None = None, remedy: str | None = None,
                value: str | None = None) -> Note:
        note = super().__new__(cls, said(message, field, remedy, value, lambda f: f))
        note.message, note.field, note.remedy, note.value = message, field, remedy, value
        return note

    def worded(self, name: Namer, remedies: Mapping[str, str] | None = None) -> str:
        """The note as one shell says it (:func:`said`)."""
        return said(self.message, self.field, self.remedy, self.value, name, remedies)


def worded(text: str, name: Namer, remedies: Mapping[str, str] | None = None) -> str:
    """A note or message as one shell says it: a :class:`Note` by its fields, any other
    text as it is."""
    return text.worded(name, remedies) if isinstance(text, Note) else text


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
