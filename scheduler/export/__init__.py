"""Exporters: turn a plan's events into bytes (.ics, JSON, CSV, text; PDF in its own module)."""
