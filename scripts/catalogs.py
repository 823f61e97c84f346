"""Extract the web app's messages and compile its catalogs (Babel).

    .venv/bin/python scripts/catalogs.py extract   # update locale/*/messages.po from the code
    .venv/bin/python scripts/catalogs.py compile   # write messages.mo from messages.po

``extract`` keeps every translation already in a ``.po``, adds new messages untranslated
and drops messages no longer in the code; ``tests/test_i18n.py`` fails until each is
translated and compiled.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "scheduler" / "web" / "locale"
LANGUAGES = ("zh",)
METHODS = [("scheduler/web/**.py", "python"), ("scheduler/web/templates/**.html", "jinja2")]
OPTIONS = {"scheduler/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> Catalog:
    """Every message of the web app's code and templates."""
    catalog = Catalog(project="scheduler")
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, METHODS, options_map=OPTIONS):
        catalog.add(message)
    return catalog


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalog, byte for byte as written to messages.mo."""
    import io

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def extract() -> None:
    template = extracted()
    for language in LANGUAGES:
        path = po_path(language)
        old = read(language) if path.exists() else Catalog(locale=language)
        new = Catalog(locale=language, project="scheduler", fuzzy=False)
        for message in template:
            if not message.id:
                continue
            kept = old.get(message.id)
            new.add(message.id, kept.string if kept is not None else None)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, new, omit_header=False, no_location=True, sort_output=True)


def compile_all() -> None:
    for language in LANGUAGES:
        po_path(language).with_suffix(".mo").write_bytes(mo_bytes(read(language)))


if __name__ == "__main__":
    {"extract": extract, "compile": compile_all}[sys.argv[1]]()
