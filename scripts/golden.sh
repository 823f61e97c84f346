#!/usr/bin/env bash
# Golden outputs for a refactoring: every shipped template's .ics, PDF, JSON, table and FHIR
# PlanDefinition for a US and a CN start, written into OUTDIR. Run it before and after a change
# that must not alter behaviour and compare the two folders byte for byte:
#   bash scripts/golden.sh /tmp/before; ...; bash scripts/golden.sh /tmp/after; diff -r /tmp/before /tmp/after
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/golden.sh OUTDIR}"
scheduler="${SCHEDULER:-.venv/bin/scheduler}"
mkdir -p "$out"
now=2026-01-01T00:00:00Z
for id in $("$scheduler" templates | awk '{print $1}'); do
  for site in "US:America/New_York:2026-11-23" "CN:Asia/Shanghai:2026-02-09"; do
    IFS=: read -r country zone start <<<"$site"
    dir="$out/$id-$country"
    args=(--start "$start" --holidays "$country" --tz "$zone" --shift-start)
    "$scheduler" generate "$id" "${args[@]}" --now "$now" --force -o "$dir" 2>"$dir.stderr" | sed "s|$out/|OUTDIR/|" >"$dir.stdout" || echo "exit $?" >>"$dir.stderr"
    "$scheduler" show "$id" "${args[@]}" --json >"$dir.json" 2>/dev/null || true
    "$scheduler" show "$id" "${args[@]}" >"$dir.txt" 2>/dev/null || true
  done
  "$scheduler" export fhir-plandefinition "$id" >"$out/$id.fhir.json" 2>&1 || true
done
