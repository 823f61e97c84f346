"""A feed's address as each calendar client wants it.

Apple Calendar and Outlook on a computer open ``webcal://``; Google Calendar adds a calendar
by URL from its own link, ``https://calendar.google.com/calendar/r?cid=webcal://...``;
Outlook on the web subscribes to the ``https://`` address.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Links:
    """The feed's address per client."""

    https: str
    webcal: str
    google: str


def links(url: str) -> Links:
    """``https://host/feed/T.ics`` -> the https, webcal:// and Google add-by-URL links."""
    webcal = "webcal://" + url.split("://", 1)[1]
    # Google takes the webcal:// address as it is (a token is URL-safe: nothing to escape).
    return Links(url, webcal, "https://calendar.google.com/calendar/r?cid=" + webcal)
