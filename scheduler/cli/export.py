"""The export commands: a template or a registered plan in HL7 FHIR R4.

Part of the command line (:mod:`scheduler.cli`), loaded when ``export`` is asked for. Each
command loads, calls one function of :mod:`scheduler.export.fhir` or
:mod:`scheduler.services.careplan`, and prints JSON.
"""

from __future__ import annotations

import click

from scheduler.cli.common import now_option
from scheduler.cli.store import _registry, db_option

base_option = click.option(
    "--base", metavar="URL", default=None,
    help="Canonical base URL of the PlanDefinition and ActivityDefinitions, e.g. "
         "https://fhir.example.org/fhir. Default: http://scheduler.invalid/fhir.")


@click.group()
def export() -> None:
    """Export a template or a registered plan in another format (HL7 FHIR R4).

    \b
    Example:
        scheduler export fhir-plandefinition nct06478355 > nct06478355.plandefinition.json
        scheduler export fhir P017 --now 2026-03-01T00:00:00Z > P017.careplan.json
    """


@export.command("fhir-plandefinition")
@click.argument("template")
@base_option
def export_plandefinition(template: str, base: str | None) -> None:
    """Print TEMPLATE as a FHIR R4 Bundle: a PlanDefinition and its ActivityDefinitions.

    TEMPLATE is a shipped template id or a path to a YAML file. The definitions' version is
    the first 12 hex digits of the file's SHA-256, the same a registered plan's CarePlan names.

    \b
    Example:
        scheduler export fhir-plandefinition nct06478355
        scheduler export fhir-plandefinition stupp --base https://fhir.example.org/fhir
    """
    from scheduler.core.loader import resolve_template
    from scheduler.export import fhir

    loaded, path = resolve_template(template)
    bundle = fhir.plan_definition_bundle(loaded, fhir.template_version(path.read_bytes()),
                                         base or fhir.DEFAULT_BASE)
    click.echo(fhir.dumps(bundle), nl=False)


@export.command("fhir")
@click.argument("key")
@base_option
@now_option
@db_option
def export_careplan(key: str, base: str | None, now: str | None, db: str | None) -> None:
    """Print KEY's registered plan as a FHIR R4 Bundle of CarePlans.

    One CarePlan per issued version and one for the current plan if it changed since the
    last issue; each replaces the one before, which is revoked. Activities carry every
    event's date and time, and the doses a hold, stop or delay took away. The patient is
    Patient/KEY (the pseudonymous key, never the label). The PlanDefinition and
    ActivityDefinitions come first in the Bundle.

    \b
    Example:
        scheduler export fhir P017 --now 2026-03-01T00:00:00Z > P017.careplan.json
    """
    from scheduler.export import fhir
    from scheduler.services import patients
    from scheduler.services.careplan import care_plan_bundle
    from scheduler.services.options import resolve_now

    stamp = resolve_now(now)
    with _registry(db) as registry:
        snap = patients.snapshot(registry, key)
    click.echo(fhir.dumps(care_plan_bundle(snap, stamp, base or fhir.DEFAULT_BASE)), nl=False)
