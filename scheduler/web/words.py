"""Changes said as a coordinator says them: who did what, with the template's display names
("li.na delayed cycle 3 of Immunochemotherapy by 7 days at 10:02"), not its ids."""

from __future__ import annotations

from datetime import datetime, tzinfo

from scheduler.core.adjust import Delay, Hold, Move, Stop
from scheduler.core.history import Change
from scheduler.core.protocol import Regimen, Template
from scheduler.web.datawords import library
from scheduler.web.i18n import _, ngettext


def names(template: Template) -> dict[str, str]:
    """Component and drug id -> the name the template shows, in the page's language."""
    from scheduler.web.datawords import named

    found = {}
    for component in template.components:
        found[component.id] = named(component)
        if isinstance(component, Regimen):
            found.update({drug.id: named(drug) for drug in component.drugs})
    return found


def what(change: Change, template: Template) -> str:
    """What ``change`` did, in display names, without who or when: ``Cycle 3 of
    Immunochemotherapy delayed 7 days: neutropenia``."""
    shown = names(template)
    adjustment = change.adjustment
    if isinstance(adjustment, Delay):
        name = shown.get(adjustment.regimen, adjustment.regimen)
        if adjustment.days < 0:
            return ngettext("Cycle %(cycle)s of %(name)s brought forward %(days)s day: %(reason)s",
                            "Cycle %(cycle)s of %(name)s brought forward %(days)s days: %(reason)s",
                            -adjustment.days) % {"cycle": adjustment.cycle, "name": name,
                                                 "days": -adjustment.days, "reason": adjustment.reason}
        return ngettext("Cycle %(cycle)s of %(name)s delayed %(days)s day: %(reason)s",
                        "Cycle %(cycle)s of %(name)s delayed %(days)s days: %(reason)s",
                        adjustment.days) % {"cycle": adjustment.cycle, "name": name,
                                            "days": adjustment.days, "reason": adjustment.reason}
    if isinstance(adjustment, Hold):
        return _("%(name)s held %(first)s to %(last)s: %(reason)s",
                 name=shown.get(adjustment.component, adjustment.component),
                 first=adjustment.start.isoformat(), last=adjustment.end.isoformat(),
                 reason=adjustment.reason)
    if isinstance(adjustment, Stop):
        return _("%(name)s stopped from %(first)s: %(reason)s",
                 name=shown.get(adjustment.component, adjustment.component),
                 first=adjustment.start.isoformat(), reason=adjustment.reason)
    if isinstance(adjustment, Move):
        return _("Moved to version %(version)s of %(name)s: %(reason)s", version=adjustment.version,
                 name=template.name, reason=adjustment.reason)
    if change.kind == "revert":
        return _("Change %(number)s reverted: %(reason)s", number=change.fields["change"],
                 reason=change.reason)
    if change.kind == "end":
        return _("Plan ended: %(reason)s", reason=change.reason)
    if change.kind == "feed-detail":
        return (_("Feed detail switched on: %(reason)s", reason=change.reason) if change.fields["detail"]
                else _("Feed detail switched off: %(reason)s", reason=change.reason))
    return library(change.describe())


def said(change: Change, template: Template, zone: tzinfo, today: datetime) -> str:
    """Who did what and when, one sentence: ``li.na delayed cycle 3 of Immunochemotherapy by 7
    days at 10:02`` (with the date when it was not ``today``)."""
    shown = names(template)
    moment = datetime.fromisoformat(change.at).astimezone(zone)
    when = (_("at %(time)s", time=moment.strftime("%H:%M")) if moment.date() == today.astimezone(zone).date()
            else _("on %(day)s at %(time)s", day=moment.date().isoformat(), time=moment.strftime("%H:%M")))
    adjustment = change.adjustment
    who = change.author
    if isinstance(adjustment, Delay):
        name = shown.get(adjustment.regimen, adjustment.regimen)
        if adjustment.days < 0:
            return ngettext("%(who)s brought cycle %(cycle)s of %(name)s forward by %(days)s day %(when)s.",
                            "%(who)s brought cycle %(cycle)s of %(name)s forward by %(days)s days %(when)s.",
                            -adjustment.days) % {"who": who, "cycle": adjustment.cycle, "name": name,
                                                 "days": -adjustment.days, "when": when}
        return ngettext("%(who)s delayed cycle %(cycle)s of %(name)s by %(days)s day %(when)s.",
                        "%(who)s delayed cycle %(cycle)s of %(name)s by %(days)s days %(when)s.",
                        adjustment.days) % {"who": who, "cycle": adjustment.cycle, "name": name,
                                            "days": adjustment.days, "when": when}
    if isinstance(adjustment, Hold):
        return _("%(who)s held %(name)s from %(first)s to %(last)s %(when)s.", who=who,
                 name=shown.get(adjustment.component, adjustment.component),
                 first=adjustment.start.isoformat(), last=adjustment.end.isoformat(), when=when)
    if isinstance(adjustment, Stop):
        return _("%(who)s stopped %(name)s from %(first)s %(when)s.", who=who,
                 name=shown.get(adjustment.component, adjustment.component),
                 first=adjustment.start.isoformat(), when=when)
    if isinstance(adjustment, Move):
        return _("%(who)s moved the plan to version %(version)s of %(name)s %(when)s.", who=who,
                 version=adjustment.version, name=template.name, when=when)
    if change.kind == "revert":
        return _("%(who)s reverted change %(number)s %(when)s.", who=who, number=change.fields["change"],
                 when=when)
    if change.kind == "end":
        return _("%(who)s ended the plan %(when)s.", who=who, when=when)
    return _("%(who)s changed the plan %(when)s.", who=who, when=when)
