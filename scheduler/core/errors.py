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
