#!/usr/bin/env bash
# Regenerate every file in samples/ from the current code. Run from the repository root:
#   bash samples/make.sh
# tests/test_samples.py checks that the committed files equal what these commands print.
set -euo pipefail
cd "$(dirname "$0")/.."
scheduler="${SCHEDULER:-.venv/bin/scheduler}"

# The seed protocol, cycle 1 day 1 on Monday 5 January 2026, with the template's calendar
# defaults (holidays CN, Asia/Shanghai): cycle 3 and radiotherapy meet the Spring Festival.
"$scheduler" generate nct06478355 --start 2026-01-05 --now 2026-01-01T00:00:00Z --force -o samples/ >/dev/null
"$scheduler" show nct06478355 --start 2026-01-05 --json 2>/dev/null > samples/nct06478355_2026-01-05.json
"$scheduler" show nct06478355 --start 2026-01-05 > samples/nct06478355_2026-01-05.txt

# PNG previews of the first five pages (overview, January to March, the listed months) of
# the seed PDF in English, Chinese and both on A4, and in English on Letter (poppler-utils'
# pdftoppm); not compared by the tests, since their pixels depend on the poppler version.
if command -v pdftoppm >/dev/null && [ -z "${SKIP_PREVIEWS:-}" ]; then
  rm -f samples/preview-*.png
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  for variant in en:a4 zh:a4 en+zh:a4 en:letter; do
    lang="${variant%%:*}" paper="${variant##*:}"
    "$scheduler" generate nct06478355 --start 2026-01-05 --now 2026-01-01T00:00:00Z \
      --lang "$lang" --paper "$paper" -o "$scratch/$lang-$paper" >/dev/null
    for page in 1 2 3 4 5; do
      pdftoppm -png -r 50 -f "$page" -l "$page" -singlefile \
        "$scratch/$lang-$paper/nct06478355_2026-01-05.pdf" "samples/preview-$lang-$paper-$page"
    done
  done
fi
