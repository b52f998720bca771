"""Temporary files next to their targets, published without clobbering, and orphans of crashed runs cleaned.

Every temporary file Wanmi writes is named ``.wanmi-<host>-<pid>-<token>-<target name>`` in the target's
folder (same file system, so a rename is atomic; the target's suffix is kept, so writers that pick a format by
suffix still do). A run that is killed leaves such a file behind; :func:`clean_orphans`, called by the next
run that writes into the folder, removes those whose process is gone (same host) or that are older than a
day (another host), plus the full-file copies older Wanmi versions left (``.<stem>-XXXXXXXX.gpkg`` next to
``<stem>.gpkg``, ``.<stem>-XXXXXXXX.csv`` next to ``<stem>.csv``, with their ``-journal``/``-wal``/``-shm``)
once they are an hour old. SQLite's own ``<file>-journal`` of a store is never touched: the next connection
rolls it back.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["clean_orphans", "publish_new", "staged_file", "temp_file", "temp_path"]

PREFIX = ".wanmi-"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_TEMP_RE = re.compile(r"^\.wanmi-([0-9a-f]{6})-(\d+)-[0-9a-f]{8}-")
_LEGACY_RE = re.compile(r"^\.(.+)-[a-z0-9_]{8}\.(gpkg|csv)(-journal|-wal|-shm)?$")
_SQLITE_SIDE = ("-journal", "-wal", "-shm")
LEGACY_AGE_S = 3600.0
FOREIGN_AGE_S = 86400.0


def temp_path(target: str | Path) -> Path:
    """A fresh, not yet existing temporary name next to ``target`` (keeps its name and suffix)."""
    target = Path(target)
    return target.with_name(f"{PREFIX}{_HOST}-{os.getpid()}-{os.urandom(4).hex()}-{target.name}")


def _remove(path: Path) -> None:
    """Remove a temporary file and any SQLite side files of it."""
    for name in (str(path), *(str(path) + s for s in _SQLITE_SIDE)):
        with suppress(FileNotFoundError):
            os.unlink(name)


@contextmanager
def temp_file(target: str | Path) -> Iterator[Path]:
    """A temporary name next to ``target``; whatever is still there at exit (file, SQLite side files) is
    removed, so publish or rename it inside the block to keep it."""
    path = temp_path(target)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        _remove(path)


def publish_new(tmp: Path, target: Path) -> bool:
    """Give the finished file ``tmp`` the name ``target`` only if nothing has that name yet.

    True when published (``tmp`` is gone); False when ``target`` exists (``tmp`` is left for the caller,
    e.g. to merge into the existing file). Never replaces an existing file: two processes creating the same
    new file cannot overwrite each other's data.
    """
    try:
        os.link(tmp, target)
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system
        if os.name == "nt":  # pragma: no cover - Windows: rename refuses an existing target
            try:
                os.rename(tmp, target)
            except FileExistsError:
                return False
            return True
        if target.exists():
            return False
        os.replace(tmp, target)
        return True
    os.unlink(tmp)
    return True


def _alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - os.kill would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_orphan(entry: os.DirEntry, now: float) -> bool:
    match = _TEMP_RE.match(entry.name)
    try:
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except FileNotFoundError:
        return False
    if match:
        host, pid = match.group(1), int(match.group(2))
        if host == _HOST and os.name != "nt":
            return pid != os.getpid() and not _alive(pid)
        return age > FOREIGN_AGE_S
    if entry.name.endswith(".gpkg.lock"):  # the file lock of versions before in-file transactions
        return age > LEGACY_AGE_S and entry.stat().st_size == 0 and Path(entry.path[:-5]).exists()
    legacy = _LEGACY_RE.match(entry.name)
    if legacy and age > LEGACY_AGE_S:
        sibling = Path(entry.path).with_name(f"{legacy.group(1)}.{legacy.group(2)}")
        return sibling.exists()
    return False


def clean_orphans(folder: str | Path) -> list[Path]:
    """Remove temporary files that crashed Wanmi runs left in ``folder``; returns what was removed."""
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            candidate = entry.name.startswith(".") or entry.name.endswith(".gpkg.lock")
            if candidate and entry.is_file(follow_symlinks=False) and _is_orphan(entry, now):
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except (FileNotFoundError, PermissionError):
                    pass
    return removed


@contextmanager
def staged_file(target: str | Path | None) -> Iterator[Path | None]:
    """A temporary name for ``target`` (None: no file, yields None). Write it inside the block; when the
    block succeeds, what was written there replaces ``target`` (one rename), and on an error it is removed
    and ``target`` stays as it was. Nest a transaction inside the block to change a store and a file
    together: the file is staged before the commit and renamed after it."""
    if target is None:
        yield None
        return
    target = Path(target)
    path = temp_path(target)
    try:
        yield path
        if path.exists():
            os.replace(path, target)
    finally:
        if path.parent.is_dir():
            _remove(path)
