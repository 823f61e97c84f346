#!/usr/bin/env bash
# Regenerate the FHIR samples in this folder from the current code. From the repository root:
#   bash samples/fhir/make.sh
# tests/test_fhir.py checks that the committed files equal what these commands print.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scheduler="${SCHEDULER:-.venv/bin/scheduler}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/registry.sqlite3"

# The seed protocol as a PlanDefinition with its ActivityDefinitions.
"$scheduler" export fhir-plandefinition nct06478355 > "$here/nct06478355.plandefinition.json"

# The seed plan registered for P017 (cycle 1 day 1 on Monday 5 January 2026), issued, changed
# (cycle 3 delayed two weeks), issued again, then changed twice more without a new issue
# (cisplatin stopped from cycle 4, then a hold of the PD-1 inhibitor over cycle 5): three CarePlans,
# version 1 and 2 revoked, the current one active. --plan-key makes the UIDs and ids the same
# on every run (a registered plan gets a random key otherwise).
run() { "$scheduler" "$@" --db "$db" >/dev/null; }
run patient add P017 nct06478355 --start 2026-01-05 --label "Patient 017" --plan-key sample-secret \
    --now 2026-01-01T00:00:00Z --author li.na
run issue P017 -o "$work/out" --now 2026-01-02T00:00:00Z --author li.na
run delay P017 --cycle 3 --days 14 --reason "neutropenia" --now 2026-02-10T00:00:00Z --author li.na
run issue P017 -o "$work/out" --now 2026-02-10T01:00:00Z --author li.na
run stop P017 --component cisplatin --from 2026-03-23 --reason "rising creatinine" \
    --now 2026-03-20T00:00:00Z --author dr.wang
run hold P017 --component pd1 --from 2026-04-13 --days 3 --reason "immune-related hepatitis, grade 2" \
    --now 2026-04-10T00:00:00Z --author dr.wang
"$scheduler" export fhir P017 --db "$db" --now 2026-04-10T08:00:00Z > "$here/P017.careplan.json"
