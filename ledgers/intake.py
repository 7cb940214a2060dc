"""Take files from the inbox safely: list them without following links, and read each one's bytes
once, so that its SHA-256 and its rows come from the same bytes even when the file changes.

A file in a shared folder can be rewritten (Excel saving, a copy in progress), deleted or replaced
while the pipeline reads it. `snapshot` copies the file into a private working folder while
hashing it, and compares its size and modification time before and after: a file that changed is
read again once, then reported as still being written and left for the next run.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from ledgers.limits import LimitExceeded, ReadLimits, check_file_size
from ledgers.values import visible

T = TypeVar("T")

BLOCK = 1 << 20


@dataclass(frozen=True)
class Listing:
    files: dict[str, Path]  # name inside the inbox -> path
    skipped: dict[str, str]  # name -> why it is not read (links)


class Watcher(Protocol):
    """Shown each block of a file's bytes, in order, as its snapshot copies them."""

    def feed(self, data: bytearray, size: int) -> None:
        """The next `size` bytes of the file: `data[:size]` (a buffer used again after)."""


@dataclass(frozen=True)
class Snapshot:
    copy: Path  # the private copy the rows are read from
    sha256: str
    size: int | None
    modified_ns: int | None
    seen: Watcher | None = None  # what `snapshot`'s `watch` made of the bytes copied


class NotTaken(Exception):
    """A file that could not be taken this run; `status` says for how long (see below)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


# Statuses of files not taken. "still being written" and "locked" pass by themselves (a file
# loaded before keeps its rows meanwhile); the others are reported at once and the file is
# skipped until it is replaced.
BEING_WRITTEN, LOCKED, DELETED, UNREADABLE = (
    "still being written",
    "locked",
    "deleted",
    "unreadable",
)
PASSING = (BEING_WRITTEN, LOCKED)
# Seconds to wait before each new try at a locked file (tests set them to 0).
LOCK_WAITS = (0.5, 1.0, 2.0)
_LOCK_ERRNOS = {errno.EBUSY, errno.ETXTBSY, errno.EAGAIN}


def is_lock(error: OSError, path: Path) -> bool:
    """A lock passes (a file open in Excel on a Windows share, a copy in progress); a file our
    user may not read does not. A share reports a sharing violation as EBUSY, a byte-range lock
    as EACCES on a file whose permissions let us read it."""
    if error.errno in _LOCK_ERRNOS:
        return True
    return isinstance(error, PermissionError) and os.access(path, os.R_OK)


def retrying_locks(path: Path, action: Callable[[], T]) -> T:
    """`action()`, tried again after each of LOCK_WAITS while the file is locked; a lock that
    stays raises NotTaken(LOCKED), any other failure to open raises NotTaken at once."""
    for wait in (*LOCK_WAITS, None):
        try:
            return action()
        except FileNotFoundError:
            raise NotTaken(DELETED, "the file was deleted while the run read it") from None
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT) and error.filename != str(
                path
            ):
                raise  # our own working folder is full or read-only: the run cannot go on
            if not is_lock(error, path):
                raise NotTaken(UNREADABLE, _unreadable(error)) from None
            if wait is None:
                raise NotTaken(
                    LOCKED,
                    "the file is locked by another program (open in Excel, or being copied): "
                    "it is left for the next run",
                ) from None
            time.sleep(wait)
    raise AssertionError("unreachable")


def _unreadable(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "the file cannot be opened (permission denied): let the pipeline's user read it"
    if isinstance(error, IsADirectoryError):
        return "not a file"
    return f"the file cannot be read ({error.strerror or error})"


def display_name(relative: str) -> str:
    """The file's name as text: a name that is not UTF-8 (a GBK name from a Windows share mounted
    without iocharset) is decoded as GB18030, failing that with its bytes escaped, so that the
    name can be stored and shown; control and bidi characters are spelled out (`values.visible`)."""
    raw = os.fsencode(relative)
    for encoding in ("utf-8", "gb18030"):
        try:
            return visible(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    return visible(raw.decode("utf-8", "backslashreplace"))


def list_inbox(inbox: Path) -> Listing:
    """Ledger files of the inbox by their path inside it; Excel lock files and hidden files are
    not, and links (to files or folders) are reported and skipped, never followed: a link could
    bring a system file or another hospital's ledger into the reports."""
    files: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for folder, dirs, names in os.walk(inbox, followlinks=False):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~$")))
        for entry in [*dirs, *sorted(names)]:
            path = base / entry
            relative = path.relative_to(inbox).as_posix()
            if entry.startswith((".", "~$")):
                continue
            if path.is_symlink():
                dirs[:] = [d for d in dirs if d != entry]
                skipped[display_name(relative)] = (
                    "a symbolic link: links are not followed (copy the file itself into the inbox)"
                )
                continue
            if entry in dirs:
                continue
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                files[display_name(relative)] = path
    return Listing(dict(sorted(files.items())), skipped)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    feed_blocks(path, lambda data, size: digest.update(memoryview(data)[:size]))
    return digest.hexdigest()


def feed_blocks(path: Path, feed: Callable[[bytearray, int], None]) -> None:
    """Show the file's bytes to `feed(data, size)` block by block, in order: each block read
    into one buffer (`data[:size]`, used again after), not a new block each time."""
    buffer = bytearray(BLOCK)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            feed(buffer, size)


def _stamp(path: Path) -> tuple[int, int]:
    info = os.stat(path, follow_symlinks=False)
    return info.st_size, info.st_mtime_ns


def snapshot(
    path: Path,
    work: Path,
    limits: ReadLimits,
    after_copy: Callable[[Path], None] | None = None,
    watch: Callable[[], Watcher] | None = None,
) -> Snapshot:
    """Copy the file into `work` while hashing it; raise NotTaken when it cannot be taken.

    `watch()` makes an object shown every block copied (`Watcher`), kept as the snapshot's
    `seen`: what else the bytes say is measured in the same pass (a CSV's lines, `bulk.Lines`),
    from the very bytes hashed and copied. `after_copy(path)` runs between hashing and parsing
    (tests use it to rewrite the file at that very moment, which a shared drive does at random)."""
    for attempt in (1, 2):
        copy = work / f"{attempt}-{os.urandom(6).hex()}{path.suffix.lower()}"
        seen = watch() if watch is not None else None
        before, digest = retrying_locks(path, lambda c=copy, w=seen: _copy(path, c, limits, w))
        if after_copy is not None:
            after_copy(path)
        try:
            after = _stamp(path)
        except FileNotFoundError:
            copy.unlink(missing_ok=True)
            raise NotTaken(DELETED, "the file was deleted while the run read it") from None
        if before == after:
            return Snapshot(copy, digest, before[0], before[1], seen)
        copy.unlink(missing_ok=True)
    raise NotTaken(
        BEING_WRITTEN,
        "the file changed while it was read (is it still being saved or copied?): "
        "it is left for the next run",
    )


def _copy(
    path: Path, copy: Path, limits: ReadLimits, seen: Watcher | None = None
) -> tuple[tuple[int, int], str]:
    """(size and mtime before reading, SHA-256) of the file, copied to `copy`, each block shown
    to `seen`. One buffer read into, hashed, shown and written: no block is allocated or copied
    in Python (reading, writing and hashing it release the GIL)."""
    before = _stamp(path)
    try:
        check_file_size(before[0], limits)
    except LimitExceeded as error:
        raise NotTaken(UNREADABLE, str(error)) from None
    digest = hashlib.sha256()
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    copied = 0
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    with (
        os.fdopen(os.open(path, flags), "rb", buffering=0) as source,
        copy.open("wb", buffering=0) as target,
    ):
        while size := source.readinto(buffer):
            block = view[:size]
            digest.update(block)
            if seen is not None:
                seen.feed(buffer, size)
            written = 0
            while written < size:  # an unbuffered write may take part of the block
                written += target.write(block[written:])
            copied += size
            if copied > limits.max_file_bytes:
                raise NotTaken(BEING_WRITTEN, "the file kept growing while it was read")
    return before, digest.hexdigest()


def fresh_work_folder(root: Path) -> Path:
    """An empty private folder for this load's copies (removed with `shutil.rmtree` after)."""
    root.mkdir(parents=True, exist_ok=True)
    work = root / f"load-{os.getpid()}-{os.urandom(4).hex()}"
    work.mkdir(mode=0o700)
    return work


def remove_work_folder(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
