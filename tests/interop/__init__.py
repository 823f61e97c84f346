"""Interop suite: the .ics files read by independent parsers, checked byte by byte, and the
known Outlook / Google import pitfalls."""
