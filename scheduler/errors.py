"""The exceptions scheduler raises for problems a user can fix.

The library never exits or prints; the CLI maps every :class:`SchedulerError` to one
message on stderr and exit status 2.
"""

from __future__ import annotations

MAX_MESSAGE = 300
"""Characters of one problem's message; longer ones (quoting a long value) are cut."""


class SchedulerError(Exception):
    """A problem with the user's input that they can fix."""


class InputError(SchedulerError):
    """A command-line value (date, zone, country, parameter, path) is not valid."""


class PlanError(SchedulerError):
    """The plan cannot be made as asked (a start on a holiday, a date the template forbids)."""


class TemplateError(SchedulerError):
    """A protocol template is not valid; names the file and, per problem, line and field."""

    def __init__(self, source: str, problems: list[tuple[int | None, str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = []
        for line, field, message in problems:
            if len(message) > MAX_MESSAGE:  # a message may quote the input: never all of it
                message = message[: MAX_MESSAGE - 1] + "…"
            where = f"{source}:{line}" if line else source
            lines.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")
        if len(lines) == 1:
            text = lines[0]
        else:
            text = f"{source}: {len(lines)} problems\n" + "\n".join(f"  {x}" for x in lines)
        super().__init__(text)
