"""The tool's one reader and one writer of files.

Reading: :func:`read_file_bytes` is the only way a file the user names is read. It refuses
anything that is not a regular file (a folder, ``/dev/zero``, a FIFO, a socket) before
reading a byte, and never reads more than the limit for that kind of file (see README,
"Limits"), so no input can exhaust memory or hang the command.

Writing: :func:`write_files` writes every output of one command all or nothing: each file is
written and flushed under a temporary name in the target folder, every target name is
checked (an existing folder or special file there, or an existing file without
``overwrite``) before anything is renamed, and only then are the files moved into place. New
files are created with mode 0666 minus the process's umask, like any other program's.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import secrets
import signal
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scheduler.core.errors import InputError

MAX_TEMPLATE_BYTES = 1_000_000
"""A template or site file: the shipped templates are under 10 kB."""
MAX_CSV_BYTES = 50_000_000
"""A cohort CSV: 100,000 rows of 500 bytes."""


def read_file_bytes(path: Path, what: str, limit: int = MAX_TEMPLATE_BYTES,
                    follow_links: bool = True) -> bytes:
    """A regular file's bytes, at most ``limit`` of them; InputError naming the file otherwise.

    The file is opened without blocking (a FIFO does not hang the command) and checked with
    ``fstat`` on the open descriptor, so what is read is what was checked. Without
    ``follow_links``, a symbolic link is refused, not followed (the server's template folder)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if path.is_symlink():  # where O_NOFOLLOW is missing, and to say so in words
            raise InputError(f"{path}: is a symbolic link, not a {what}; it is not read")
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}") from None
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_links:
            raise InputError(f"{path}: is a symbolic link, not a {what}; it is not read") from None
        if error.errno == errno.ENXIO:  # a socket, or a FIFO-like device
            raise InputError(f"{path}: not a regular file, not a {what}") from None
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{path}: is a directory, not a {what}")
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file (a device, FIFO or socket), not a {what}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise InputError(f"{path}: larger than {limit:,} bytes, the limit for a {what}")
        return b"".join(chunks)
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    finally:
        os.close(fd)


def read_text_file(path: Path, what: str, limit: int = MAX_CSV_BYTES) -> str:
    """A UTF-8 text file's content (at most ``limit`` bytes); InputError naming the file
    for anything else."""
    raw = read_file_bytes(path, what, limit)
    if b"\x00" in raw:
        raise InputError(f"{path}: not a {what} (binary: it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None


_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{12}\.scheduler-tmp$")


def remove_temporary_files(directory: Path) -> None:
    """Remove the temporary files a stopped writer left in ``directory`` (a batch killed
    mid-row); only names this module makes, ``.<name>.<12 hex digits>.scheduler-tmp``."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _create(directory: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to a new temporary file next to ``name``; mode 0666 minus umask."""
    while True:
        temporary = directory / f".{name[:100]}.{secrets.token_hex(6)}.scheduler-tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                         0o666)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return temporary


def check_target(target: Path, overwrite: bool) -> None:
    """InputError unless ``target`` is free, or (with ``overwrite``) an existing regular file."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{target}: is a directory; cannot write the file there")
    if not stat.S_ISREG(mode):
        raise InputError(f"{target}: exists and is not a regular file; cannot write the file there")
    if not overwrite:
        raise InputError(f"{target}: already exists", remedy="force")


def write_files(directory: Path, files: Mapping[str, bytes], overwrite: bool = False,
                idempotent: bool = False) -> list[Path]:
    """Write ``files`` (name -> bytes) into ``directory``, creating it if needed: all of
    them or none.

    Every file is written and flushed under a temporary name first and every target is
    checked before any is moved into place; an existing file is replaced only with
    ``overwrite`` (``--force``). Raises InputError when the folder cannot be made or written,
    or a target is taken."""
    staged = stage_files(directory, files, overwrite, idempotent)
    try:
        return staged.publish()
    finally:
        staged.discard()


@dataclass
class Staged:
    """Files written and flushed under temporary names, not yet in place (a command that
    must record something between writing and publishing stages first, then publishes)."""

    directory: Path
    temporaries: dict[str, Path]
    overwrite: bool = False
    idempotent: bool = False
    """A target that already holds exactly these bytes counts as written (see publish)."""

    def publish(self, between: Callable[[], None] | None = None) -> list[Path]:
        """Move every file to its name, after checking every target again (a folder, a
        special file or, without ``overwrite``, any file there refuses them all); on a
        failure the files already moved are removed. ``between`` runs after each move. A
        SIGTERM or SIGINT that arrives while the files are moved takes effect once they all
        are (when there is no ``between``).

        With ``idempotent``, a target that already holds exactly these bytes counts as
        written, not as taken: two writers of the same file (``issue`` putting a version's
        files in place while another ``issue`` restores them from the registry) both
        succeed. Without it (``generate``, ``batch``), any existing file needs ``overwrite``."""
        placed: list[Path] = []
        written: list[Path] = []
        try:
            for name, temporary in self.temporaries.items():
                _check_free(self.directory / name, temporary.read_bytes, self.overwrite,
                            self.idempotent)
            with _signals_held(between is None):
                for name, temporary in self.temporaries.items():
                    target = self.directory / name
                    if self.idempotent and _holds(target, temporary):
                        temporary.unlink()
                    elif self.overwrite:
                        os.replace(temporary, target)
                        placed.append(target)
                    else:
                        _link_new(temporary, target, self.idempotent)
                        temporary.unlink()
                        placed.append(target)
                    written.append(target)
                    if between is not None:
                        between()
            return written
        except OSError as error:
            _remove(placed)
            raise InputError(f"-o {self.directory}: cannot write ({error.strerror})") from None
        except BaseException:
            _remove(placed)
            raise

    def discard(self) -> None:
        """Remove whatever is still under a temporary name."""
        for temporary in self.temporaries.values():
            with contextlib.suppress(OSError):
                temporary.unlink()


def stage_files(directory: Path, files: Mapping[str, bytes], overwrite: bool = False,
                idempotent: bool = False) -> Staged:
    """Write ``files`` under temporary names in ``directory`` (created if needed), flushed
    to disk, after checking every target (see :meth:`Staged.publish`); nothing is left
    behind if this fails."""
    check_folder(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"-o {directory}: cannot create the folder ({error.strerror})") from None
    for name, content in files.items():
        _check_free(directory / name, functools.partial(bytes, content), overwrite, idempotent)
    staged = Staged(directory, {}, overwrite, idempotent)
    try:
        for name, content in files.items():
            staged.temporaries[name] = _create(directory, name, content)
    except OSError as error:
        staged.discard()
        raise InputError(f"-o {directory}: cannot write ({error.strerror})") from None
    except BaseException:
        staged.discard()
        raise
    return staged


@contextlib.contextmanager
def _signals_held(hold: bool = True) -> Iterator[None]:
    """Hold SIGTERM and SIGINT (delivered on leaving) where the platform allows it."""
    held = {signal.SIGTERM, signal.SIGINT}
    if not hold:
        yield
        return
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _check_free(target: Path, content: Callable[[], bytes], overwrite: bool,
                idempotent: bool) -> None:
    """:func:`check_target`, except that with ``idempotent`` a target holding exactly
    ``content()`` is free too. The second writer of the same file may put it there between
    this function's two looks (found by the 20-coordinator test), so a refusal looks again."""
    if idempotent and _holds_bytes_of(target, content):
        return
    try:
        check_target(target, overwrite)
    except InputError:
        if idempotent and _holds_bytes_of(target, content):
            return
        raise


def _holds_bytes_of(target: Path, content: Callable[[], bytes]) -> bool:
    """True when ``target`` holds exactly ``content()`` (False when that cannot be read)."""
    try:
        return _holds_bytes(target, content())
    except OSError:
        return False


def _holds(target: Path, temporary: Path) -> bool:
    """True when ``target`` is a regular file with exactly the bytes of ``temporary``."""
    return _holds_bytes_of(target, temporary.read_bytes)


def _holds_bytes(target: Path, content: bytes) -> bool:
    """True when ``target`` is a regular file holding exactly ``content``."""
    try:
        if not stat.S_ISREG(os.lstat(target).st_mode) or os.lstat(target).st_size != len(content):
            return False
        return target.read_bytes() == content
    except OSError:
        return False


def _link_new(temporary: Path, target: Path, idempotent: bool = False) -> None:
    """Move ``temporary`` to ``target`` only if no file is there (never replacing one), or,
    ``idempotent``, the one there just now holds the same bytes."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        if idempotent and _holds(target, temporary):
            return
        raise InputError(f"{target}: already exists", remedy="force") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        os.replace(temporary, target)  # a file system without hard links; checked just before


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def prepare_folder(directory: Path) -> None:
    """Make the output folder and prove it writable (a file is created and removed), for a
    command that writes many files later (batch): an unwritable ``-o`` fails before any work."""
    check_folder(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"-o {directory}: cannot create the folder ({error.strerror})") from None
    try:
        _create(directory, "probe", b"").unlink()
    except OSError as error:
        raise InputError(f"-o {directory}: cannot write ({error.strerror})") from None


def check_folder(directory: Path) -> None:
    """InputError when the output folder ``directory`` exists and is not a folder."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"-o {directory}: exists and is not a directory")


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
