"""Text from users: the one check on the way in, the one cleaning on the way out.

On the way in (:func:`check_text`), every text field has a maximum length (README,
"Limits") and may not hold control characters: U+0000-U+001F except tab (a line break only
in the fields that are paragraphs), U+007F-U+009F, and the line and paragraph separators
U+2028/U+2029. They are not valid in an ``.ics`` (RFC 5545, 3.3.11), a spreadsheet or a
terminal reads some of them as commands, and a label never needs one. Text that is not
valid UTF-8 (on Linux, a command-line argument arrives with its bad bytes as lone
surrogates) is refused too.

On the way out (:func:`printable`), anything printed to a terminal that did not pass that
check (an error message quoting bad input, a label stored by an older version) shows its
control characters as ``\\x1b``-style escapes instead of sending them.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

ELLIPSIS = "…"


def text_problem(value: str, max_length: int, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as a text field of at most ``max_length`` characters,
    or None when it is fine."""
    if len(value) > max_length:
        return f"is {len(value):,} characters long; the limit is {max_length:,}"
    match = (_CONTROL_BUT_NEWLINE if multiline else _CONTROL).search(value)
    if match:
        return (f"contains the control character U+{ord(match.group()):04X} at character "
                f"{match.start() + 1}; remove it")
    for index, char in enumerate(value):
        if "\ud800" <= char <= "\udfff":
            return f"is not valid UTF-8 (a bad byte at character {index + 1})"
    return None


def printable(text: str, limit: int = 2000) -> str:
    """``text`` safe for a terminal: control characters and lone surrogates as escapes,
    each line cut at ``limit`` characters with an ellipsis."""
    lines = []
    for line in text.split("\n"):
        line = _UNPRINTABLE.sub(lambda m: _escape(m.group()), line)
        lines.append(line if len(line) <= limit else line[:limit] + ELLIPSIS)
    return "\n".join(lines)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as Python's surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object, limit: int = 40) -> str:
    """A value quoted in an error message: text in single quotes with control characters and
    bad bytes escaped (:func:`printable`), anything else as its ``repr``; cut at ``limit``
    characters."""
    text = f"'{printable(value)}'" if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 2] + ELLIPSIS + text[-1]
