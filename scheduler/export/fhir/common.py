"""What the FHIR exports share: canonical URLs and ids, the coded concept of a component, and
validation against the R4B models before anything is written (see :mod:`scheduler.export.fhir`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler.core.protocol import (
    Daily,
    Drug,
    EndEvent,
    Hours,
    Radiotherapy,
    Template,
    Visit,
)

if TYPE_CHECKING:
    pass

Json = dict[str, Any]
Definable = Drug | Radiotherapy | Daily | Visit | EndEvent | Hours
"""What has an ActivityDefinition: a drug, the end event of its infusion, or a component."""

DEFAULT_BASE = "http://scheduler.invalid/fhir"
"""Canonical base of the exported definitions; ``.invalid`` until a site gives its own."""

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
CODEXRT_FRACTIONS = ("http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
                     "codexrt-radiotherapy-fractions-planned")

RXNORM_INGREDIENTS: dict[str, tuple[str, str]] = {
    "carboplatin": ("40048", "carboplatin"),
    "cisplatin": ("2555", "cisplatin"),
    "paclitaxel": ("56946", "paclitaxel"),
    "temozolomide": ("37776", "temozolomide"),
}
"""RxNorm ingredient codes, by the name a component must have exactly (case aside, a
parenthesised remark removed). Albumin-bound paclitaxel and "PD-1 inhibitor" are not coded."""

RADIOTHERAPY_CODE = (SNOMED, "108290001", "Radiation oncology AND/OR radiotherapy")

ACTIVITY_STATUSES = ("scheduled", "on-hold", "cancelled", "stopped")


def fhir_id(text: str) -> str:
    """A FHIR id (letters, digits, '-', '.'; at most 64) from one of our ids."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64]


def template_version(raw: bytes) -> str:
    """The version of a template's definitions: the first 12 hex digits of its SHA-256, so a
    CarePlan names the exact text it was made from."""
    return hashlib.sha256(raw).hexdigest()[:12]


@dataclass(frozen=True)
class Canon:
    """Canonical URLs of one template's definitions."""

    template: Template
    version: str
    base: str = DEFAULT_BASE

    @property
    def plan_definition(self) -> str:
        """The PlanDefinition's canonical URL."""
        return f"{self.base.rstrip('/')}/PlanDefinition/{fhir_id(self.template.id)}"

    def activity_id(self, component: str) -> str:
        """The ActivityDefinition id of a component or drug."""
        return fhir_id(f"{self.template.id}-{component}")

    def activity(self, component: str) -> str:
        """The ActivityDefinition's canonical URL of a component or drug."""
        return f"{self.base.rstrip('/')}/ActivityDefinition/{self.activity_id(component)}"

    def versioned(self, url: str) -> str:
        """``url|version``."""
        return f"{url}|{self.version}"


def _ingredient(name: str) -> tuple[str, str] | None:
    key = re.sub(r"\s*\(.*\)\s*", "", name).strip().lower()
    return RXNORM_INGREDIENTS.get(key)


def concept(component: Definable) -> Json:
    """The coded concept of a component: RxNorm or SNOMED CT when certain, else text."""
    concept: Json = {"text": component.name}
    if isinstance(component, Radiotherapy):
        system, code, display = RADIOTHERAPY_CODE
        concept["coding"] = [{"system": system, "code": code, "display": display}]
    elif isinstance(component, Drug | Daily):
        found = _ingredient(component.name)
        if found:
            concept["coding"] = [{"system": RXNORM, "code": found[0], "display": found[1]}]
    return concept


def kind_of(component: Definable) -> str:
    """The kind of request an activity of ``component`` is."""
    if isinstance(component, Hours):
        return "MedicationRequest" if component.event == "dose" else "ServiceRequest"
    if isinstance(component, Drug | Daily):
        return "MedicationRequest"
    if isinstance(component, Radiotherapy | EndEvent):
        return "ServiceRequest"  # radiotherapy; the end of an infusion (a pump disconnection)
    return "Appointment"


def entry(resource: Json, full_url: str) -> Json:
    """A Bundle entry."""
    return {"fullUrl": full_url, "resource": resource}


# --- checking and writing --------------------------------------------------------------------------


def validated(resource: Json) -> Json:
    """``resource`` unchanged, after parsing it with the R4B model of its type (ValueError if
    it does not fit, or if a status code is not one FHIR defines)."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    _check_codes(resource)
    return resource


def _check_codes(resource: Json) -> None:
    """The value sets fhir.resources does not check: statuses and kinds we write."""
    for entry in resource.get("entry", []):
        _check_codes(entry["resource"])
    if resource["resourceType"] == "CarePlan":
        if resource["status"] not in ("draft", "active", "on-hold", "revoked", "completed",
                                      "entered-in-error", "unknown"):
            raise ValueError(f"CarePlan status {resource['status']!r}")
        for activity in resource.get("activity", []):
            if activity["detail"]["status"] not in ACTIVITY_STATUSES:
                raise ValueError(f"activity status {activity['detail']['status']!r}")


def dumps(resource: Json) -> str:
    """Validated JSON with sorted keys, two-space indents and a final newline: the same input
    always gives the same bytes."""
    return json.dumps(validated(resource), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
