"""The file layer: reading files safely (never blocking, never unbounded), writing atomically, ids.

Everything here is about bytes on disk and the ids that name things in files; no course rules.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
import unicodedata
from pathlib import Path

#: An answer file is a few kilobytes; anything larger than this is not one (change per call).
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024

_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder"}


class FileProblem(OSError):
    """A file that cannot be read as an answer or data file; ``str()`` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(0, reason)

    def __str__(self) -> str:
        return self.strerror


class FileTooLarge(FileProblem):
    """A file is larger than the limit given for it."""


def size_text(n: int) -> str:
    """A byte count as people write it.

    >>> size_text(5 * 1024 * 1024), size_text(1536), size_text(12)
    ('5 MB', '1.5 KB', '12 bytes')
    """
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


def parse_size(text: str | int) -> int:
    """Read a size such as ``5MB``, ``500k``, ``2 GB`` or ``4096`` (bytes).

    >>> parse_size("5MB"), parse_size("500k"), parse_size(" 4096 ")
    (5242880, 512000, 4096)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    ValueError: 'lots' is not a size; write it like 5MB, 500KB or 4096 (bytes)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)i?b?\s*", str(text), re.IGNORECASE)
        if not match:
            raise ValueError(f"{text!r} is not a size; write it like 5MB, 500KB or 4096 (bytes)")
        value = int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " "))
    if value <= 0:
        raise ValueError(f"a size must be more than 0 bytes, not {text!r}")
    return value


def not_regular(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be read as a plain file, in plain words; None when it can.

    Symbolic links are followed; a broken link or a loop of links is named as such.
    Nothing is opened, so a named pipe never blocks.

    >>> not_regular(__file__) is None
    True
    >>> not_regular("/no/such/file.json")
    'no such file'
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a symbolic link to a file that does not exist" if os.path.islink(path) else "no such file"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "a loop of symbolic links"
        return f"cannot read the file ({exc.strerror or exc})"
    if stat.S_ISREG(st.st_mode):
        return None
    return f"not a regular file: it is {_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')}"


def read_limited(path: str | os.PathLike, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file, refusing anything larger than ``limit``.

    Never blocks on a named pipe and never reads more than ``limit + 1`` bytes, whatever the
    file claims. Raises ``FileTooLarge`` for a large file and ``FileProblem`` for anything that is
    not a regular file (both are ``OSError``s whose ``str()`` is a plain reason).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
            raise FileProblem(f"not a regular file: it is {kind}")
        if st.st_size > limit:
            raise FileTooLarge(f"{size_text(st.st_size)}, more than the limit of {size_text(limit)} "
                                  "for one file")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLarge(f"more than the limit of {size_text(limit)} for one file")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stream_limited(stream, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """Read a stream (e.g. a zip entry) to its end, stopping as soon as it passes ``limit`` bytes.

    >>> import io
    >>> read_stream_limited(io.BytesIO(b"abc"), 10)
    b'abc'
    >>> read_stream_limited(io.BytesIO(b"x" * 11), 10)
    Traceback (most recent call last):
    ...
    bmclib.fileio.FileTooLarge: more than the limit of 10 bytes for one file
    """
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(f"more than the limit of {size_text(limit)} for one file")


# -- writing ---------------------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def clean_stale_temp_files(target: Path, *, older_than: float = 0.0) -> int:
    """Remove temporary files that an interrupted save of ``target`` left behind; return how many.

    Only files named like this module's own temporary files (``.<name>.<random>.tmp``) are touched.
    """
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    prefix = f".{target.name}."
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
            try:
                if older_than and now - entry.stat(follow_symlinks=False).st_mtime < older_than:
                    continue
                os.unlink(entry.path)
                removed += 1
            except OSError:
                continue
    return removed


def write_atomic(path: str | os.PathLike, text: str, *, fsync: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: a temporary file in the same folder, then
    ``os.replace``. A crash leaves the old file whole; a failure removes the temporary file.

    The new file keeps the mode of the file it replaces, or gets the usual mode the user's umask
    gives (temporary files are created private). A folder, or a missing parent that cannot be
    made, raises ``OSError`` with a plain message.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, f"{target} is a folder; give the name of a file to write", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


# -- ids -----------------------------------------------------------------------------------------

#: An exercise-set id: a file name without a folder (letters of any script, digits, ``_ - .``).
SET_ID = re.compile(r"[^\W_][\w.\-]*")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def item_id_problem(item_id: str) -> str | None:
    """Why ``item_id`` cannot be an item id, or None when it can.

    Any id an instructor would write is fine (letters of any script, digits, spaces inside,
    ``_``, ``-``, ``.``); refused is only what breaks the file formats.

    >>> [item_id_problem(i) for i in ("harbor-bank", "Q1.a", "하버뱅크")]
    [None, None, None]
    >>> item_id_problem("a;b")
    "it contains ';', which separates ids"
    >>> item_id_problem(" a")
    'it begins or ends with a space'
    """
    if not item_id:
        return "it is empty"
    if item_id != item_id.strip():
        return "it begins or ends with a space"
    for ch in (";", ","):
        if ch in item_id:
            return f"it contains {ch!r}, which separates ids"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in item_id):
        return "it contains a line break or an invisible control character"
    return None


def set_id_problem(set_id: str) -> str | None:
    """Why ``set_id`` cannot name an exercise set (it names the answer file), or None.

    >>> set_id_problem("my-quiz_2026.1"), set_id_problem("관계-퀴즈")
    (None, None)
    >>> set_id_problem("../../x")
    "it must start with a letter or digit and hold only letters, digits, '_', '-' and '.'"
    """
    if not SET_ID.fullmatch(set_id or ""):
        return "it must start with a letter or digit and hold only letters, digits, '_', '-' and '.'"
    return None


def normalise_id(text: str) -> str:
    """The form in which two ids are compared: Unicode NFKC, no zero-width characters,
    no surrounding spaces, case-folded. Show the original text; compare this.

    >>> normalise_id(" S0007\\u200b") == normalise_id("s0007") == normalise_id("ｓ０００７")
    True
    """
    text = str(text)
    if text.isascii():  # the usual case, and NFKC cannot change ASCII
        return text.strip().casefold()
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).strip().casefold()
