"""Read protocol templates from YAML, with errors that name file, line and field.

Split from :mod:`scheduler.core.protocol` so that the schema stays free of I/O. YAML is read
with YAML 1.2 scalars: only ``true``/``false`` are booleans (so the country code ``NO``
stays a string) and ``9:30`` is not read as a base-60 number. Dates stay strings until the
schema reads them, so ``2026-02-30`` is reported with its line and field. Duplicate keys
are errors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from scheduler.core.errors import InputError, SchedulerError, TemplateError
from scheduler.core.files import MAX_TEMPLATE_BYTES, read_file_bytes
from scheduler.core.protocol import Component, Template, with_defaults
from scheduler.core.schema_words import in_words
from scheduler.core.text import shown

MAX_YAML_DEPTH = 20
"""Mappings and lists nested deeper than this are refused before any node is built (the
shipped templates nest 5 deep)."""

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser (ten times faster) when PyYAML was built with it, as its wheels are."""


class _Loader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader with YAML 1.2 core scalars and duplicate-key errors. Aliases are
    refused before composing (:func:`_refuse_aliases`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in _SAFE_LOADER.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(  # at most 18 digits: a longer number stays text, refused in words
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,17})$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


Positions = dict[tuple[Any, ...], tuple[int, int]]
"""Field path -> (line, column) where it is written, both counted from 1."""


def read_yaml(path: Path, what: str = "file", follow_links: bool = True) -> tuple[Any, Positions]:
    """Parse one YAML document; returns the data and where each field is written."""
    source = str(path)
    raw = read_file_bytes(path, what, MAX_TEMPLATE_BYTES, follow_links)
    if b"\x00" in raw:
        raise TemplateError(source, [(None, "", "not a text file (it contains NUL bytes)")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TemplateError(
            source, [(None, "", f"not UTF-8 text (bad byte at offset {error.start})")]
        ) from None
    return parse_yaml_text(text, source)


def parse_yaml_text(text: str, source: str) -> tuple[Any, Positions]:
    """Parse YAML text; returns the data and where each field is written."""
    loader = _Loader(text)
    try:
        _refuse_aliases(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise TemplateError(source, [(line, "", f"not valid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    positions: Positions = {}
    if node is not None:
        _record_positions(node, (), positions)
    return data, positions


def _refuse_aliases(text: str) -> None:
    """Raise at the first alias (``*name``): a template says things once, and alias chains can
    expand into billions of nodes; and at nesting deeper than :data:`MAX_YAML_DEPTH`, which
    would exhaust Python's stack. A pass over libyaml's events, before any node is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed; use the 'defaults' block instead",
                event.start_mark,  # type: ignore[arg-type]  # libyaml's Mark: the same fields
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep",
                    event.start_mark,  # type: ignore[arg-type]  # libyaml's Mark: the same fields
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _record_positions(node: yaml.Node, path: tuple[Any, ...], positions: Positions) -> None:
    positions[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, key_node.value)
            _record_positions(value_node, child, positions)
            positions[child] = _position(key_node)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_positions(item, (*path, index), positions)


def field_path(loc: tuple[Any, ...]) -> str:
    """``("components", 2, "drugs", 0, "days")`` -> ``components[2].drugs[0].days``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _walk(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The part of a pydantic location that exists in the data (without union tags), and
    whether its last part is a field the data does not hold (a value the schema added)."""
    path: list[Any] = []
    current = data
    tag_may_follow = False
    absent = False
    for part in loc:
        absent = False
        if tag_may_follow and isinstance(current, dict) and part == current.get("kind"):
            tag_may_follow = False
            continue  # the tag of a discriminated union, e.g. 'radiotherapy'
        tag_may_follow = False
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
            tag_may_follow = True
        elif isinstance(current, dict) and part in current:
            current = current[part]
            path.append(part)
        else:
            absent = isinstance(current, dict) and part != "[key]"
    return tuple(path), absent


def _data_path(data: Any, loc: tuple[Any, ...], missing: bool = False) -> tuple[Any, ...]:
    """The part of a pydantic location that exists in the data (drops union tags).

    For a missing field (``missing``), its name is kept at the end: the line is its parent's.
    """
    path, _ = _walk(data, loc)
    if missing and loc and loc[-1] not in path[-1:]:
        path = (*path, loc[-1])
    return path


def _position_of(path: tuple[Any, ...], positions: Positions) -> tuple[int, int] | None:
    for end in range(len(path), -1, -1):
        if path[:end] in positions:
            return positions[path[:end]]
    return None


Located = tuple[tuple[int, int] | None, str, str]
"""A problem with its (line, column), field path and message."""


def _in_order(found: list[Located]) -> list[tuple[int | None, str, str]]:
    """Problems sorted by line, then column (those of the whole file first), without repeats;
    as a TemplateError takes them."""
    ordered = sorted(set(found), key=lambda p: (p[0] or (0, 0), p[1], p[2]))
    return [(where[0] if where else None, field, message) for where, field, message in ordered]


def _located_schema_problems(error: ValidationError, data: Any, positions: Positions) -> list[Located]:
    found = []
    for item in error.errors():
        loc = tuple(item["loc"])
        path, absent = _walk(data, loc)
        if item["type"] == "missing":
            path = _data_path(data, loc, missing=True)
        elif absent:
            continue  # a value copied from 'defaults': reported where 'defaults' sets it
        found.append((_position_of(path, positions), field_path(path), in_words(item)))
    return found


def located_problems(
    error: ValidationError, data: Any, positions: Positions
) -> list[tuple[int | None, str, str]]:
    """Each schema problem as (line, field path, message) in words, sorted by line and
    column, for a TemplateError."""
    return _in_order(_located_schema_problems(error, data, positions))


def _problems_beside(error: ValidationError, data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """The template's cross-field checks (:meth:`Template.problems`) on the components that
    are valid on their own, when others are not: one run reports every problem. References
    to a component that is itself invalid are not judged."""
    components = data.get("components")
    parameters = data.get("parameters", {})
    if not isinstance(components, list) or not isinstance(parameters, dict):
        return []
    broken = {loc[1] for loc in (tuple(e["loc"]) for e in error.errors())
              if loc[:1] == ("components",) and len(loc) > 1}
    merged = with_defaults(data)["components"]
    kept: list[int] = []
    valid = []
    for index, item in enumerate(merged):
        if index not in broken:
            try:
                valid.append(_COMPONENT.validate_python(item))
            except ValidationError:
                continue
            kept.append(index)
    partial = Template.model_construct(parameters=dict.fromkeys(parameters), components=valid)
    unjudged = frozenset(_ids_written(components[i]) for i in range(len(components)) if i not in kept)
    found = []
    for loc, message in partial.problems(unjudged=frozenset().union(*unjudged)):
        if loc[:1] == ("components",) and len(loc) > 1 and isinstance(loc[1], int):
            loc = ("components", kept[loc[1]], *loc[2:])
        found.append((loc, message))
    return found


def _ids_written(component: Any) -> frozenset[str]:
    """The ids a component (valid or not) declares: its own, its drugs', their end events'."""
    if not isinstance(component, dict):
        return frozenset()
    written: list[Any] = [component.get("id")]
    drugs = component.get("drugs")
    for drug in drugs if isinstance(drugs, list) else []:
        if isinstance(drug, dict):
            end = drug.get("at_end")
            written += [drug.get("id"), end.get("id") if isinstance(end, dict) else None]
    return frozenset(i for i in written if isinstance(i, str))


_COMPONENT: TypeAdapter[Any] = TypeAdapter(Component)


NOT_STATED = "not stated"
"""The value a drafted template (``scheduler draft``) gives what the record leaves open."""


def _not_stated(data: Any) -> dict[str, tuple[Any, ...]]:
    """Field path text -> path of every value that is :data:`NOT_STATED` (outside
    ``provenance``, which quotes them)."""
    found: dict[str, tuple[Any, ...]] = {}

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, str) and value.strip().lower() == NOT_STATED:
            found[field_path(path)] = path
        elif isinstance(value, dict):
            for key, item in value.items():
                if path or key != "provenance":
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(data, ())
    return found


def parse_template(data: Any, positions: Positions, source: str) -> Template:
    """Validate parsed YAML as a :class:`Template`; every problem is reported with its place,
    sorted by line."""
    if not isinstance(data, dict):
        raise TemplateError(source, [(1, "", "a template is a YAML mapping (id:, name:, components: ...)")])
    if "id" not in data and "components" not in data:  # not a template: quote none of its content
        raise TemplateError(source, [(None, "", "not a template (it has neither 'id' nor 'components')")])
    left_open = _not_stated(data)
    try:
        template = Template.model_validate(data)
    except ValidationError as error:
        found = [p for p in _located_schema_problems(error, data, positions)
                 if not any(p[1] == o or p[1].startswith((f"{o}.", f"{o}[")) for o in left_open)]
        beside = _problems_beside(error, data)
    else:
        found, beside = [], template.problems()
    found += [(_position_of(path, positions), field_path(path),
               "not stated in the record: fill it in")
              for path in left_open.values()]
    found += [(_position_of(_data_path(data, loc), positions), field_path(loc), message)
              for loc, message in beside]
    if found:
        raise TemplateError(source, _in_order(found))
    return template


def load_template_file(path: Path, follow_links: bool = True) -> Template:
    """Read and validate one template file (a symbolic link refused without ``follow_links``)."""
    data, positions = read_yaml(path, "template file", follow_links)
    return parse_template(data, positions, str(path))


def load_template_text(text: str, source: str) -> Template:
    """Validate template text kept elsewhere (e.g. the copy stored with a registered plan)."""
    data, positions = parse_yaml_text(text, source)
    return parse_template(data, positions, source)


# --- shipped templates ---------------------------------------------------------------------


def templates_dir() -> Path:
    """The shipped templates: inside the installed package, or ``templates/`` in a checkout."""
    packaged = Path(str(resources.files("scheduler"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class TemplateInfo:
    """One row of ``scheduler templates``."""

    id: str
    name: str
    source: str
    path: Path


def shipped_templates(search: str | None = None) -> list[TemplateInfo]:
    """Every shipped template, sorted by id; with ``search``, those whose id, name, source,
    components or drugs contain every word of it (InputError when none does)."""
    from scheduler.core.describe import matches

    infos = []
    for path in sorted(templates_dir().glob("*.yaml")):
        template = load_template_file(path)
        if search is None or matches(template, search):
            infos.append(TemplateInfo(template.id, template.name, template.source, path))
    if not infos:
        raise InputError(f"--search: no shipped template matches '{search}'")
    return infos


def resolve_template(name: str) -> tuple[Template, Path]:
    """A shipped template id (``nct06478355``) or a path to a YAML file."""
    candidate = Path(name)
    looks_like_path = candidate.suffix in (".yaml", ".yml") or "/" in name or candidate.exists()
    if looks_like_path:
        return load_template_file(candidate), candidate
    shipped = templates_dir() / f"{name}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name) or not shipped.is_file():
        known = ", ".join(p.stem for p in sorted(templates_dir().glob("*.yaml")))
        raise InputError(
            f"unknown template {shown(name)}: give a shipped id ({known}) or a path to a .yaml file"
        )
    return load_template_file(shipped), shipped


def resolve_listed_template(name: str, folder: Path | None) -> tuple[Template, Path]:
    """A template a cohort file names: a shipped id, or (with ``folder``, batch's
    ``--templates``) a ``.yaml`` file in that folder, by name or relative path, that does not
    lead out of it (no ``..``, no symbolic link elsewhere). A CSV cell never names an
    arbitrary file: the cohort file may come from someone else."""
    shipped = templates_dir() / f"{name}.yaml"
    if re.fullmatch(r"[a-z][a-z0-9_-]*", name) and shipped.is_file():
        return load_template_file(shipped), shipped
    known = ", ".join(p.stem for p in sorted(templates_dir().glob("*.yaml")))
    if folder is None:
        raise InputError(f"template {shown(name)} is not a shipped id ({known}); to use your own "
                         "templates, put them in a folder and pass --templates FOLDER")
    candidate = Path(name if Path(name).suffix in (".yaml", ".yml") else f"{name}.yaml")
    root = folder.resolve()
    resolved = (root / candidate).resolve()
    if candidate.is_absolute() or not resolved.is_relative_to(root):
        raise InputError(f"template {shown(name)} is outside the --templates folder {folder}")
    if not resolved.is_file():
        raise InputError(f"template {shown(name)}: no shipped id ({known}) and no such file in "
                         f"the --templates folder {folder}")
    return load_template_file(resolved), resolved


# --- a clinic's own templates --------------------------------------------------------------


@dataclass(frozen=True)
class FolderTemplates:
    """The templates of a clinic's folder (``serve --templates``): the valid ones, sorted by
    id, and every other ``.yaml`` file with what is wrong with it, in words."""

    valid: list[TemplateInfo]
    problems: list[tuple[str, str]]
    """(file name, problem) for the files that cannot be offered."""


def folder_templates(folder: Path) -> FolderTemplates:
    """Every ``.yaml``/``.yml`` file directly in ``folder`` that is a valid template whose id
    no shipped template and no other file of the folder has (an id must name one protocol).
    Only regular files are read, through the bounded reader; a symbolic link is listed as a
    problem and never followed (it could reach outside the folder)."""
    shipped = {path.stem for path in templates_dir().glob("*.yaml")}
    loaded: dict[str, list[TemplateInfo]] = {}
    problems = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            template = load_template_file(path, follow_links=False)
        except SchedulerError as error:  # named by file name: the folder is the server's
            problems.append((path.name, str(error).replace(f"{path.parent}{os.sep}", "")))
            continue
        if template.id in shipped:
            problems.append((path.name, f"its id {template.id!r} is a shipped template's; give it "
                                        "an id of its own"))
            continue
        loaded.setdefault(template.id, []).append(
            TemplateInfo(template.id, template.name, template.source, path))
    valid = []
    for template_id, infos in sorted(loaded.items()):
        if len(infos) > 1:
            names = ", ".join(info.path.name for info in infos)
            problems.extend((info.path.name, f"id {template_id!r} is used by {names}; an id must "
                                             "name one protocol") for info in infos)
        else:
            valid.extend(infos)
    return FolderTemplates(valid, sorted(problems))
