"""Every YAML example in the README parses and validates (issue 12: the README once showed
``cycles: {minimum: 6 months, until: progression, intolerance or withdrawal}``, which is not
what it meant in YAML's flow syntax: the comma ends the value).

- A block with ``components:`` is a whole template: it must load as one.
- A block that is a list of drugs is validated inside a regimen holding it.
- A block that is a list of components is a fragment: it is validated inside a template
  holding it, the parameters of the README's first template, and a stand-in regimen for
  each id it names but does not define (``after: rt``).
- A block with ``closed:``/``workdays:`` is a site file.
- Inline ``key: {...}`` snippets parse, and no key of their mapping is left without a value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scheduler.core.loader import parse_template, parse_yaml_text
from scheduler.core.site import Site

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/guide.md", "docs/template-language.md", "docs/security.md",
         "docs/development.md"]
README = "\n".join((ROOT / page).read_text() for page in PAGES)
"""The README and the guides that were its sections, in their old order (a fragment is checked
with the parameters of the first template)."""
BLOCKS = re.findall(r"```yaml\n(.+?)```", README, flags=re.S)
INLINE = sorted(set(re.findall(r"`([a-z_]+: \{[^`]*\})`", README)))


def _first_template_parameters() -> dict[str, Any]:
    for text in BLOCKS:
        data, _ = parse_yaml_text(text, "README.md")
        if isinstance(data, dict) and "components" in data:
            return dict(data.get("parameters") or {})
    raise AssertionError("the README has no whole template")


def _referenced(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("after", "through", "on_days_of", "of", "last_cycle_of", "end_of",
                       "numbering_after", "while_on") and isinstance(item, str):
                found.add(item)
            found |= _referenced(item)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    return found


def _defined(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            found.add(value["id"])
        for item in value.values():
            found |= _defined(item)
    elif isinstance(value, list):
        for item in value:
            found |= _defined(item)
    return found


def test_the_readme_has_yaml_blocks():
    assert len(BLOCKS) >= 6
    assert INLINE


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_yaml_block_is_valid(index):
    text = BLOCKS[index]
    source = f"README.md yaml block {index + 1}"
    data, lines = parse_yaml_text(text, source)
    if isinstance(data, dict) and "components" in data:
        parse_template(data, lines, source)
    elif isinstance(data, dict) and ("closed" in data or "workdays" in data):
        Site.model_validate(data)
    elif isinstance(data, list) and all(isinstance(d, dict) and "days" in d and "kind" not in d
                                        for d in data):
        regimen = {"kind": "cycles", "id": "readme-regimen", "name": "R", "cycle_days": 14,
                   "cycles": 4, "drugs": data}
        parse_template({"id": "readme-fragment", "name": "README fragment", "source": "README.md",
                        "components": [regimen]}, {}, source)
    elif isinstance(data, list) and all(isinstance(c, dict) and "kind" in c for c in data):
        stubs = [
            {"kind": "cycles", "id": ident, "name": ident, "cycle_days": 14, "cycles": 1,
             "drugs": [{"id": f"{ident}-drug", "name": "X", "code": "X", "days": [1]}]}
            for ident in sorted(_referenced(data) - _defined(data))
        ]
        template = {
            "id": "readme-fragment", "name": "README fragment", "source": "README.md",
            "parameters": _first_template_parameters(), "components": [*data, *stubs],
        }
        parse_template(template, {}, source)
    else:
        raise AssertionError(f"{source}: not a template, component list or site file:\n{text}")


@pytest.mark.parametrize("snippet", INLINE)
def test_readme_inline_yaml_means_what_it_says(snippet):
    data = yaml.safe_load(snippet)
    (value,) = data.values()

    def no_bare_keys(item: Any) -> None:
        if isinstance(item, dict):
            for key, inner in item.items():
                assert inner is not None, f"{snippet!r}: '{key}' has no value (a comma?)"
                no_bare_keys(inner)

    no_bare_keys(value)


def test_the_open_ended_example_is_a_valid_cycle_count():
    (snippet,) = [s for s in INLINE if s.startswith("cycles: {minimum")]
    template = {
        "id": "t", "name": "t", "source": "t",
        "components": [{"kind": "cycles", "id": "r", "name": "r", "cycle_days": 21, "drugs": [
            {"id": "d", "name": "d", "code": "D", "days": [1], **yaml.safe_load(snippet)}]}],
    }
    parsed = parse_template(template, {}, "README.md")
    cycles = parsed.components[0].drugs[0].cycles
    assert cycles.until == "progression, intolerance or withdrawal"
