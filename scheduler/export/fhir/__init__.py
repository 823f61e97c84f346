"""HL7 FHIR R4 export: a template as a PlanDefinition, a registered plan as CarePlans.

Pure apart from the validation against the R4B models of ``fhir.resources``: resources are
built as plain JSON values and every export is validated before it is returned, so an
invalid shape is a bug found here, never a file written.

- :mod:`scheduler.export.fhir.plandefinition`: a template as a PlanDefinition and its
  ActivityDefinitions.
- :mod:`scheduler.export.fhir.common`: canonical URLs, ids, coded concepts, validation.
- A registered plan's CarePlans are built by :mod:`scheduler.services.careplan`, which replays
  the registry's history of the plan (a service, above the registry).

Codes only where they are certain (RxNorm ingredients of the shipped templates' drugs, SNOMED
CT for radiotherapy); everything else is text.
"""

from scheduler.export.fhir.common import (
    CODEXRT_FRACTIONS,
    DEFAULT_BASE,
    RXNORM,
    SNOMED,
    UCUM,
    Canon,
    Json,
    dumps,
    fhir_id,
    template_version,
    validated,
)
from scheduler.export.fhir.plandefinition import plan_definition, plan_definition_bundle

__all__ = ["CODEXRT_FRACTIONS", "DEFAULT_BASE", "RXNORM", "SNOMED", "UCUM", "Canon", "Json", "dumps",
           "fhir_id", "plan_definition", "plan_definition_bundle", "template_version", "validated"]
