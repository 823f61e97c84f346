"""Which calendar client fetched a feed, from the request's User-Agent.

Subscriptions are fetched by the calendar provider's servers or apps, each with its own
User-Agent: ``Google-Calendar-Importer``, ``Microsoft Outlook`` (and Exchange's
``MSExchange...`` for Outlook on the web), Apple's ``dataaccessd`` (iPhone, iPad) and
``CalendarAgent`` (Mac), Thunderbird. A browser, curl or anything else is a person looking at
the address, not a subscription: it is not recorded as one (a coordinator testing the address
with curl no longer marks the patient subscribed). Each shell words the client's name and when
(the web: :func:`scheduler.web.datawords.fetched_by`).
"""

from __future__ import annotations

import re

from scheduler.registry import Registry

CLIENTS = (
    (re.compile(r"Google-Calendar-Importer|Google-Calendar", re.I), "Google Calendar"),
    (re.compile(r"Microsoft Outlook|MSExchange|Outlook-iOS|Outlook-Android|Microsoft Office", re.I),
     "Outlook"),
    (re.compile(r"dataaccessd|CalendarAgent|iOS/.*\bCalendar|macOS/.*\bCalendar", re.I), "Apple Calendar"),
    (re.compile(r"Thunderbird", re.I), "Thunderbird"),
    (re.compile(r"DAVx5|ICSx5", re.I), "ICSx⁵ (Android)"),
)


def calendar_client(user_agent: str | None) -> str | None:
    """The calendar client's name, or None for a browser, curl, or no User-Agent."""
    if not user_agent:
        return None
    for pattern, name in CLIENTS:
        if pattern.search(user_agent):
            return name
    return None


def subscriptions(registry: Registry) -> dict[int, tuple[str, str]]:
    """Plan id -> (client, time of its last fetch) for every live feed a calendar client has
    fetched: for the worklist (one query)."""
    return {plan_id: (token.client, token.client_at)
            for plan_id, token in registry.live_tokens().items()
            if token.client is not None and token.client_at is not None}
