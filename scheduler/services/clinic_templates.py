"""A clinic's own templates kept in the registry, with a second pair of eyes.

An admin saves a template's text as a draft (each save a new version of its id, checked as
``validate`` checks: every problem located at once); a second admin, never its author,
approves it, and from then on it is *published*: offered at registration, its newest
published version. Every version stays, with its author, approver and times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.core.errors import InputError
from scheduler.core.loader import TemplateInfo, load_template_text, shipped_templates
from scheduler.core.protocol import Template
from scheduler.registry import Registry
from scheduler.registry import clinic_templates as store
from scheduler.registry.clinic_templates import TemplateVersion

if TYPE_CHECKING:
    from scheduler.services.options import PlanOptions
    from scheduler.services.patients import CalendarSettings, Prepared

TEXT_MAX = 256 * 1024


def source_name(template_id: str, version: int) -> str:
    """How a registry template is named in errors and in a registered plan's record."""
    return f"registry:{template_id} v{version}"


def check(text: str, name: str = "pasted text") -> Template:
    """The template in ``text``, or TemplateError with every problem located; a clinic
    template may not take a shipped template's id."""
    if len(text.encode("utf-8")) > TEXT_MAX:
        raise InputError(f"{name}: larger than {TEXT_MAX // 1024} kB")
    template = load_template_text(text, name)
    if template.id in {info.id for info in shipped_templates()}:
        raise InputError(f"{name}: id '{template.id}' is a shipped template's; give your "
                         f"clinic's version its own id (e.g. {template.id}-clinic)")
    return template


def draft(registry: Registry, text: str, author: str, now: datetime) -> TemplateVersion:
    """Save ``text`` as a new draft version of its template id (checked first; line ends
    as a browser's form sends them, CR LF, kept as LF)."""
    text = text.replace("\r\n", "\n")
    template = check(text)
    with registry.transaction():
        number = store.add_version(registry, template.id, text, author, now.isoformat())
        return next(v for v in store.versions(registry, template.id) if v.version == number)


def approve(registry: Registry, template_id: str, version: int, reviewer: str, now: datetime) -> None:
    """Publish a draft: approved by an admin who is not its author (the caller checks the
    role). InputError in words otherwise."""
    with registry.transaction():
        found = next((v for v in store.versions(registry, template_id) if v.version == version), None)
        if found is None:
            raise InputError(f"no version {version} of template '{template_id}'")
        if found.published:
            raise InputError(f"{template_id} version {version} was approved already, by {found.approver}")
        if found.author == reviewer:
            raise InputError(f"{template_id} version {version}: you drafted it, so a second admin "
                             "must approve it")
        check(found.text, source_name(template_id, version))  # still valid with this release
        store.add_review(registry, found.id, "approve", reviewer, now.isoformat())


@dataclass(frozen=True)
class Published:
    """The newest published version of a clinic template, as registration offers it."""

    info: TemplateInfo
    version: TemplateVersion


def published(registry: Registry) -> list[Published]:
    """Each clinic template's newest published version, by id."""
    newest: dict[str, TemplateVersion] = {}
    for version in store.versions(registry):
        if version.published:
            newest[version.template_id] = version
    result = []
    for template_id, version in sorted(newest.items()):
        template = load_template_text(version.text, source_name(template_id, version.version))
        result.append(Published(TemplateInfo(template_id, template.name, template.source,
                                             Path(source_name(template_id, version.version))), version))
    return result


def prepare_published(published: Published, patient_key: str, label: str | None, options: PlanOptions,
                      now: datetime, author: str, calendar: CalendarSettings | None = None) -> Prepared:
    """:func:`scheduler.services.patients.prepare` for a published clinic template: the plan
    keeps the version's text and names it as its source (``registry:ID vN``)."""
    from scheduler.services import patients

    version = published.version
    source = source_name(version.template_id, version.version)
    return patients.prepare_loaded(patient_key, label, check(version.text, source),
                                   version.text.encode("utf-8"), source, options, now, author, calendar)
