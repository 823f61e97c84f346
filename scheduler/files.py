"""Write output files all or nothing: to temporary files first, then rename into place."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scheduler.errors import InputError


def write_files(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` (name -> bytes) into ``directory``, creating it if needed.

    Every file is written and flushed to a temporary name in the same directory before any
    is renamed, so a failure leaves no half-written output. Raises InputError when the
    directory cannot be made or written.
    """
    staged = stage_files(directory, files)
    try:
        return staged.publish()
    finally:
        staged.discard()


@dataclass
class Staged:
    """Files written and flushed under temporary names, not yet in place."""

    directory: Path
    temporaries: dict[str, Path]

    def publish(self, between: Callable[[], None] | None = None) -> list[Path]:
        """Rename every file to its final name (``between`` runs after each rename)."""
        written = []
        try:
            for name, temporary in self.temporaries.items():
                os.chmod(temporary, 0o644)
                os.replace(temporary, self.directory / name)
                written.append(self.directory / name)
                if between is not None:
                    between()
        except OSError as error:
            raise InputError(f"-o {self.directory}: cannot write ({error.strerror})") from None
        return written

    def discard(self) -> None:
        """Remove whatever is still under a temporary name."""
        for temporary in self.temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


def stage_files(directory: Path, files: Mapping[str, bytes]) -> Staged:
    """Write ``files`` under temporary names ``.<name>.<random>.tmp`` in ``directory``
    (created if needed), flushed to disk; nothing is left behind if this fails."""
    check_folder(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"-o {directory}: cannot create the folder ({error.strerror})") from None
    staged = Staged(directory, {})
    try:
        for name, content in files.items():
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
            staged.temporaries[name] = Path(temporary)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
    except OSError as error:
        staged.discard()
        raise InputError(f"-o {directory}: cannot write ({error.strerror})") from None
    return staged


def check_folder(directory: Path) -> None:
    """InputError when the output folder ``directory`` exists and is not a folder."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"-o {directory}: exists and is not a directory")


def read_file_bytes(path: Path, what: str) -> bytes:
    """A file's bytes; InputError naming the file when it is a folder, missing or unreadable."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {what}")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None


def read_text_file(path: Path, what: str, limit: int = 50_000_000) -> str:
    """A UTF-8 text file's content; InputError naming the file for anything else."""
    raw = read_file_bytes(path, what)
    if len(raw) > limit or b"\x00" in raw:
        raise InputError(f"{path}: not a {what} (binary or larger than {limit} bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None


def file_label(text: str) -> str:
    """A patient key or label as it appears in file names: letters and digits of any script
    ("患者-甲"), '.', '_' and '-'; anything else becomes '-'."""
    return re.sub(r"[^\w.-]+", "-", text).strip("-.")[:64]


def plan_filename(template_id: str, start: date, patient: str | None, suffix: str) -> str:
    """``nct06478355_2026-01-05.ics``; with a patient key or label, ``<it>_<id>_<start>.ics``.

    InputError for a label with no letter or digit: its files would take the plain name of
    the template and start date, and another patient's could overwrite them."""
    stem = f"{template_id}_{start.isoformat()}"
    if not patient:
        return f"{stem}{suffix}"
    label = file_label(patient)
    if not label:
        raise InputError(f"patient label '{patient}' has no letter or digit to name its files by")
    return f"{label}_{stem}{suffix}"
