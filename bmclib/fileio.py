"""The file layer: reading files safely (never blocking, never unbounded), problems that name the
file and line, CSV and JSON readers, atomic writes, and the ids that name things in files.

Everything here is about bytes on disk; no course rules. Every sentence comes from the message
catalogue (:mod:`bmclib.i18n`), so a problem reads in Korean or English as the user chose.
"""

from __future__ import annotations

import csv
import errno
import functools
import gc
import io
import json
import os
import re
import stat
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .i18n import Msg, text_of

#: An answer file is a few kilobytes; anything larger than this is not one (change per call).
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
#: data files (cases, keys, exercise sets, canvases) larger than this are refused, never read whole
MAX_DATA_FILE_SIZE = 50 * 1024 * 1024

_KINDS = {
    stat.S_IFIFO: "file.kind_fifo",
    stat.S_IFSOCK: "file.kind_socket",
    stat.S_IFCHR: "file.kind_device",
    stat.S_IFBLK: "file.kind_device",
    stat.S_IFDIR: "file.kind_folder",
}
#: the operating system's errors people meet with files, in plain words (the OS says them in
#: English)
_ERRNO = {
    errno.ENOENT: "os.enoent",
    errno.EACCES: "os.eacces",
    errno.EPERM: "os.eacces",
    errno.EISDIR: "os.eisdir",
    errno.ENOTDIR: "os.enotdir",
    errno.ENOSPC: "os.enospc",
    errno.EROFS: "os.erofs",
    errno.EIO: "os.eio",
    errno.ELOOP: "os.eloop",
    errno.EEXIST: "os.eexist",
    errno.EFBIG: "os.efbig",
    errno.EDQUOT: "os.enospc",
}


# -- problems
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, printed the way compilers print them: ``file:line: message``.

    ``line`` is 1-based; 0 means the whole file. ``msg`` is a :class:`~bmclib.i18n.Msg` (or plain
    text from a file), shown in the session's language (``message``); ``severity`` is ``"error"``
    (the file cannot be used) or ``"warning"`` (it can, but look at this).

    >>> problem = Problem("k.csv", 3, Msg("keys.best_and_acceptable", choice="x"), "warning")
    >>> print(problem.text("en"))
    k.csv:3: warning: 'x' is listed in both best and acceptable; best counts
    """

    file: str
    line: int
    msg: Any
    severity: str = field(default="error", repr=False)

    @property
    def message(self) -> str:
        """The message alone, in the session's language."""
        return text_of(self.msg)

    def text(self, lang: str | None = None) -> str:
        """The problem as one line in ``lang`` (default: the session's language)."""
        message = text_of(self.msg, lang)
        if self.severity == "warning":
            message = Msg("file.warning", message=message).text(lang)
        return f"{self.file}:{self.line}: {message}" if self.line else f"{self.file}: {message}"

    def reason(self, lang: str | None = None) -> str:
        """Just the message, in ``lang``."""
        return text_of(self.msg, lang)

    def __str__(self) -> str:
        return self.text()

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.reason("en"))


def value_kind(value: Any) -> Msg:
    """What kind of JSON value this is, in plain words ("an object", "a list", "text" ...).

    >>> value_kind([1]).text("en"), value_kind(None).text("ko")
    ('a list', 'null 값')
    """
    key = {
        dict: "object",
        list: "list",
        str: "text",
        bool: "bool",
        type(None): "null",
        int: "number",
        float: "number",
    }.get(type(value), "other")
    return Msg(f"value.{key}", type=type(value).__name__)


def os_reason(exc: BaseException) -> Msg | str:
    """Why an operating-system error happened, in plain words (a message when the error is a known
    one).

    >>> os_reason(PermissionError(13, "Permission denied")).text("ko")
    '권한이 없습니다'
    """
    if isinstance(exc, FileProblem):
        return exc.msg
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return Msg(_ERRNO[exc.errno])
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def cannot_read(label: str, exc: BaseException) -> Problem:
    return Problem(label, 0, Msg("file.cannot_read", reason=os_reason(exc)))


def decode_utf8(data: bytes, source: str) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (a leading byte-order mark is allowed), or explain where it fails.

    >>> decode_utf8("a,b\\n".encode(), "x.csv")
    ('a,b\\n', None)
    >>> text, problem = decode_utf8("a\\n\\xe9".encode("latin-1"), "x.csv")
    >>> print(problem.text("en"))  # doctest: +NORMALIZE_WHITESPACE
    x.csv:2: not UTF-8 text (byte 0xe9 cannot be decoded); save the file as UTF-8
    (in Excel: 'CSV UTF-8')
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(source, line, Msg("file.not_utf8", byte=f"0x{data[exc.start]:02x}"))


# -- reading safely
# ----------------------------------------------------------------------------------


class FileProblem(OSError):
    """A file that cannot be read as an answer or data file; ``str()`` says why in plain words."""

    def __init__(self, msg: Msg):
        super().__init__(0, msg.text("en"))
        self.msg = msg

    def __str__(self) -> str:
        return str(self.msg)


class FileTooLarge(FileProblem):
    """A file is larger than the limit given for it."""


def size_text(n: int) -> str:
    """A byte count as people write it.

    >>> size_text(5 * 1024 * 1024), size_text(1536), size_text(12)
    ('5 MB', '1.5 KB', '12 bytes')
    """
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


def parse_size(text: str | int) -> int:
    """Read a size such as ``5MB``, ``500k``, ``2 GB`` or ``4096`` (bytes); ``ValueError``
    otherwise.

    >>> parse_size("5MB"), parse_size("500k"), parse_size(" 4096 ")
    (5242880, 512000, 4096)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = re.fullmatch(
            r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)i?b?\s*", str(text), re.IGNORECASE
        )
        if not match:
            raise ValueError(str(Msg("file.bad_size", text=repr(text))))
        value = int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " "))
    if value <= 0:
        raise ValueError(str(Msg("file.bad_size", text=repr(text))))
    return value


def not_regular(path: str | os.PathLike) -> Msg | None:
    """Why ``path`` cannot be read as a plain file, in plain words; None when it can.

    Symbolic links are followed; a broken link or a loop of links is named as such.
    Nothing is opened, so a named pipe never blocks.

    >>> not_regular(__file__) is None
    True
    >>> not_regular("/no/such/file.json").text("en")
    'no such file'
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Msg("file.dangling_link" if os.path.islink(path) else "file.missing")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Msg("file.link_loop")
        return Msg("file.cannot_read", reason=os_reason(exc))
    if stat.S_ISREG(st.st_mode):
        return None
    return Msg(
        "file.not_regular", kind=Msg(_KINDS.get(stat.S_IFMT(st.st_mode), "file.kind_special"))
    )


def file_identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(device, inode)`` of the file ``path`` names (links followed), or None when there is none.
    Two names with one identity are one file: a hard link, a symbolic link, ``a/../b``.

    >>> same = os.path.join(os.path.dirname(__file__), ".", os.path.basename(__file__))
    >>> file_identity(__file__) == file_identity(same)
    True
    >>> file_identity("/no/such/file") is None
    True
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def output_problem(path: str | os.PathLike) -> Msg | None:
    """Why ``path`` must not be replaced by a file this program writes, or None when it may.

    An output may be new or an existing regular file. Anything else that is already there (a
    symbolic link, a device such as ``/dev/null``, a named pipe, a socket, a folder) would be
    replaced by a plain file by an atomic write: that is refused, never done. Nothing is opened.

    >>> output_problem("/no/such/folder/grades.csv") is None, output_problem(__file__) is None
    (True, True)
    >>> output_problem(os.path.dirname(__file__)).text("en")
    'it is there already and is not a regular file: it is a folder'
    """
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(st.st_mode):
        return None
    kind = (
        "file.kind_link"
        if stat.S_ISLNK(st.st_mode)
        else _KINDS.get(stat.S_IFMT(st.st_mode), "file.kind_special")
    )
    return Msg("file.output_not_regular", kind=Msg(kind))


def shown_path(name: str | os.PathLike) -> str:
    """A file (or user) name as text that can always be printed and written to a UTF-8 file.

    File names are bytes; one that is not UTF-8 (a CP949 name from a Windows zip, a damaged
    name) arrives in Python with stand-in characters that cannot be written. They are shown as
    ``\\xNN`` escapes instead, and so are control characters, line breaks and invisible format
    characters (a name could otherwise clear a terminal, start a line of its own, read backwards
    or pass for another); other names are returned unchanged.

    >>> shown_path("class/s1.json"), shown_path(os.fsdecode(b"class/\\xff\\xfe.json"))
    ('class/s1.json', 'class/\\\\xff\\\\xfe.json')
    >>> print(shown_path("ev\\x1b[2Jil\\nnote: x.json"), shown_path("a\\u202egpj.json"))
    ev\\x1b[2Jil\\x0anote: x.json a\\u202egpj.json
    """
    text = os.fspath(name)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "backslashreplace")
    if text.isprintable():  # the usual name (no control, separator or unpaired surrogate)
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = (
            text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            if _only_escapes(text)
            else text.encode("utf-8", "backslashreplace").decode("utf-8")
        )
    return "".join(_escape_unsafe(c) for c in text)


#: characters that change the direction of the text around them (bidirectional controls)
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def terminal_safe(text: str) -> str:
    """``text`` with every control character but line ends and tabs escaped, as printed to a
    terminal: no name or field can send it terminal codes (clear the screen, recolour, retitle).

    >>> terminal_safe("ok\\nnext"), terminal_safe("a\\x1b[2Jb")
    ('ok\\nnext', 'a\\\\x1b[2Jb')
    """
    if text.isprintable() or not any(
        unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text
    ):
        return text
    return "".join(c if c in "\n\t" else _escape_unsafe(c) for c in text)


def _escape_unsafe(char: str) -> str:
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):  # (Cf: bidi, zero-width, ...)
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def _only_escapes(text: str) -> bool:
    """True when every surrogate in ``text`` stands for one undecodable byte (os.fsdecode's
    escapes)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def text_problem(value: str) -> Msg | None:
    """Why a text from a file cannot be stored or shown as it is, or None: a lone surrogate (half of
    a character, which no UTF-8 file can hold) or an invisible control character such as NUL.

    >>> text_problem("Kim Minji"), text_problem("김민지")
    (None, None)
    >>> text_problem("s\\udc80").text("en")
    'it holds half of a character (U+DC80), which is not valid text'
    >>> text_problem("s\\x00").text("en")
    'it holds the control character U+0000'
    """
    if value.isascii() and value.isprintable():
        return None
    for c in value:
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            return Msg("text.surrogate", code=f"U+{code:04X}")
        if unicodedata.category(c) == "Cc":
            return Msg("text.control", code=f"U+{code:04X}")
    return None


def lone_surrogate(data: Any) -> str | None:
    """The first half-character (a lone surrogate, from a JSON escape such as ``"\\udc80"``) in any
    text of parsed JSON, keys included, or None. No file can hold one, and drawing one crashes.

    >>> lone_surrogate({"title": ["ok", "T\\udc80"]}), lone_surrogate({"a": "😀"})
    ('\\udc80', None)
    """
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                for c in value:
                    if 0xD800 <= ord(c) <= 0xDFFF:
                        return c
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


def cycle_collection_paused(fn):
    """Run ``fn`` with Python's cycle collector paused (and restored after): parsing thousands of
    answer files makes millions of small objects, none in cycles (they are freed as usual), and
    the collector's passes over them took a quarter of a class's grading time."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


#: how answer and data files are opened for reading: never blocking (a named pipe), never inherited
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_limited(path: str | os.PathLike, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file, refusing anything larger than ``limit``.

    Never blocks on a named pipe and never reads more than ``limit + 1`` bytes, whatever the
    file claims. Raises ``FileTooLarge`` for a large file and ``FileProblem`` for anything that is
    not a regular file (both are ``OSError``s whose ``str()`` is a plain reason).
    """
    fd = os.open(path, READ_FLAGS)
    try:
        return read_open(fd, os.fstat(fd), limit)
    finally:
        os.close(fd)


def read_open(fd: int, st: os.stat_result, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of the file open as ``fd`` (``st`` is its ``os.fstat``), as :func:`read_limited`
    reads them."""
    if not stat.S_ISREG(st.st_mode):
        kind = Msg(_KINDS.get(stat.S_IFMT(st.st_mode), "file.kind_special"))
        raise FileProblem(Msg("file.not_regular", kind=kind))
    if st.st_size > limit:
        raise FileTooLarge(
            Msg("file.too_large_sized", size=size_text(st.st_size), limit=size_text(limit))
        )
    want = min(st.st_size + 1, limit + 1, 1024 * 1024)  # the usual file: one read, then done
    chunk = os.read(fd, want)
    if len(chunk) < want and len(chunk) >= st.st_size:  # a short read at the size: the end
        return chunk
    chunks, total = [chunk], len(chunk)
    while chunk:
        if total > limit:
            raise FileTooLarge(Msg("file.too_large", limit=size_text(limit)))
        chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
        if len(chunk) == 0:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise FileTooLarge(Msg("file.too_large", limit=size_text(limit)))
    return b"".join(chunks)


def read_stream_limited(stream, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """Read a stream (e.g. a zip entry) to its end, stopping as soon as it passes ``limit`` bytes.

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
            raise FileTooLarge(Msg("file.too_large", limit=size_text(limit)))


def walk_files(folder: str | os.PathLike) -> list[str]:
    """Every file under ``folder`` (not folders; links to folders are not followed, so nothing
    loops), walked with a list rather than recursion, so that no depth of folders can exhaust
    Python's recursion limit. A folder that cannot be opened is passed over.

    >>> import tempfile
    >>> top = Path(tempfile.mkdtemp())
    >>> (top / "a" / "b").mkdir(parents=True)
    >>> _ = (top / "a" / "b" / "x.csv").write_text("")
    >>> [os.path.relpath(p, top) for p in walk_files(top)]
    ['a/b/x.csv']
    """
    found, stack = [], [os.fspath(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif not entry.is_symlink() or not entry.is_dir():
                    found.append(entry.path)
            except OSError:
                continue
    return found


# -- CSV and JSON data files
# --------------------------------------------------------------------------


def _csv_reason(exc: BaseException) -> Msg | str:
    """The csv module's complaint in plain words (its field limit, above all)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return Msg("csv.field_limit", limit=f"{csv.field_size_limit():,}")
    if "unexpected end of data" in text:
        return Msg("csv.unexpected_end")
    if "new-line character seen in unquoted field" in text:
        return Msg("csv.newline_unquoted")
    if "NUL" in text:
        return Msg("csv.nul")
    return text or type(exc).__name__


@dataclass
class CsvTable:
    """Rows of a CSV file with the line each row starts on."""

    source: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def read_csv(
    source: str | Path | bytes,
    required: tuple[str, ...],
    *,
    name: str | None = None,
    required_cells: tuple[str, ...] = (),
    raw_columns: tuple[str, ...] = (),
) -> tuple[CsvTable | None, list[Problem]]:
    """Read a CSV file strictly; return the table and every problem found.

    Checks encoding, required columns, ragged rows and empty required cells.
    Blank lines are skipped. Cell values are stripped of surrounding spaces, except in
    ``raw_columns`` (ids whose spaces at the ends are a mistake to report, not to hide).

    >>> table, problems = read_csv(b"id,name\\na,\\n", ("id", "name"), name="t.csv",
    ...                            required_cells=("name",))
    >>> [p.text("en") for p in problems]
    ["t.csv:2: empty cell in required column 'name'"]
    """
    if isinstance(source, bytes):
        data, label = source, name or "<data>"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            data = read_limited(path, MAX_DATA_FILE_SIZE)
        except OSError as exc:
            return None, [cannot_read(label, exc)]
    text, problem = decode_utf8(data, label)
    if problem:
        return None, [problem]
    if not text.strip():
        return None, [Problem(label, 1, Msg("csv.empty", header=",".join(required)))]
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration) as exc:
        return None, [Problem(label, 1, Msg("csv.bad_header", reason=_csv_reason(exc)))]
    missing = [c for c in required if c not in header]
    if missing:
        return None, [
            Problem(
                label,
                1,
                Msg(
                    "csv.missing_column" if len(missing) == 1 else "csv.missing_columns",
                    columns=", ".join(map(repr, missing)),
                    header=",".join(required),
                ),
            )
        ]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(
            Problem(label, 1, Msg("csv.duplicate_column", columns=", ".join(map(repr, dupes))))
        )
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(label, start, Msg("csv.bad_row", reason=_csv_reason(exc))))
            break
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                Problem(label, line, Msg("csv.ragged", cells=len(cells), columns=len(header)))
            )
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        for col in raw_columns:
            if row.get(col):
                row[col] = cells[header.index(col)]
        for col in required_cells:
            if not row.get(col):
                problems.append(Problem(label, line, Msg("csv.empty_cell", column=col)))
        rows.append((line, row))
    return CsvTable(label, header, rows), problems


_MATCH_JSON_ERRORS = {
    "Expecting value": "json.expecting_value",
    "Expecting property name enclosed in double quotes": "json.expecting_name",
    "Expecting ':' delimiter": "json.expecting_colon",
    "Expecting ',' delimiter": "json.expecting_comma",
    "Unterminated string starting at": "json.unterminated",
    "Invalid control character at": "json.control_character",
    "Invalid \\escape": "json.bad_escape",
    "Invalid \\uXXXX escape": "json.bad_escape",
    "Extra data": "json.extra_data",
}


def json_reason(exc: BaseException, *, with_line: bool = False) -> Msg:
    """Why ``json.loads`` refused a text, in plain words (a problem's message). The place is the
    column (the problem's own line says which line) or, ``with_line``, the line.

    >>> json_reason(json.JSONDecodeError("Expecting value", "{", 1), with_line=True).text("en")
    'not valid JSON: expected a value (line 1)'
    """
    if isinstance(exc, json.JSONDecodeError):
        key = _MATCH_JSON_ERRORS.get(exc.msg)
        detail = Msg(key) if key else exc.msg
        if with_line:
            return Msg("json.invalid_line", detail=detail, line=exc.lineno)
        return Msg("json.invalid_at", detail=detail, column=exc.colno)
    if isinstance(exc, RecursionError):
        return Msg("json.invalid", detail=Msg("json.too_deep"))
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return Msg("json.invalid", detail=Msg("json.too_many_digits"))
    if isinstance(exc, MemoryError):
        return Msg("json.invalid", detail=Msg("json.too_large"))
    return Msg("json.invalid", detail=f"{type(exc).__name__}: {exc}")


def read_json(
    source: str | Path | bytes, *, name: str | None = None
) -> tuple[Any, str, list[Problem]]:
    """Return ``(data, text, problems)``; ``data`` is None when the file is unusable.

    >>> data, text, problems = read_json(b'{"a": [1, 2}', name="x.json")
    >>> [p.text("en") for p in problems]
    ["x.json:1: not valid JSON: expected ',' (column 12)"]
    """
    if isinstance(source, bytes):
        raw, label = source, name or "<data>"
    else:
        label = name or str(source)
        try:
            raw = read_limited(source, MAX_DATA_FILE_SIZE)
        except OSError as exc:
            return None, "", [cannot_read(label, exc)]
    text, problem = decode_utf8(raw, label)
    if problem:
        return None, "", [problem]
    try:
        return json.loads(text), text, []
    except Exception as exc:  # noqa: BLE001 - by place: whatever json raises on this text is its problem
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else 1
        return None, text, [Problem(label, line, json_reason(exc))]


def line_of(text: str, *needles: str) -> int:
    """The 1-based line where the first of ``needles`` occurs in ``text`` (1 if none does).

    >>> line_of('{\\n  "id": "a",\\n  "id": "b"\\n}', '"id": "b"')
    3
    """
    for needle in needles:
        pos = text.find(needle)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1
    return 1


def id_line(text: str, ident: str) -> int:
    """The line of ``"id": "<ident>"`` in a JSON text (spacing-tolerant for the common forms)."""
    return line_of(text, f'"id": "{ident}"', f'"id":"{ident}"', f'"{ident}"')


# -- writing
# -----------------------------------------------------------------------------------------


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
        with os.scandir(target.parent) as found:
            entries = list(found)
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


def write_atomic(path: str | os.PathLike, text: str | bytes, *, fsync: bool = True) -> Path:
    """Write ``text`` (UTF-8; or bytes as they are) to ``path`` atomically: a temporary file in the
    same folder, then ``os.replace``. A crash leaves the old file whole; a failure removes the
    temporary file.

    The new file keeps the mode of the file it replaces, or gets the usual mode the user's umask
    gives (temporary files are created private). A folder raises ``IsADirectoryError``.
    """
    target = Path(path)
    tmp = _stage(target, text, fsync=fsync)
    try:
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def write_files_atomic(files: list[tuple[str | os.PathLike, str | bytes]]) -> list[Path]:
    """Write several files as one: every text goes to a temporary file beside its target first;
    only when all are written are they renamed into place. A full disk or any other failure
    while writing leaves every target as it was (old or absent) and removes the temporary
    files; the ``OSError`` raised names the target that could not be written.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> files = [(folder / "a.csv", "a\\n"), (folder / "b.csv", b"b\\n")]
    >>> [p.name for p in write_files_atomic(files)]
    ['a.csv', 'b.csv']
    """
    staged: list[tuple[str, Path]] = []
    made: list[Path] = []  # folders this call creates: removed again if it fails
    try:
        for path, text in files:
            target = Path(path)
            parent = target.parent
            while not parent.exists() and parent not in made and parent != parent.parent:
                made.append(parent)
                parent = parent.parent
            try:
                staged.append((_stage(target, text), target))
            except OSError as exc:
                if exc.filename is None or str(exc.filename) != str(target):
                    raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
                raise
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _target in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
        raise
    return [target for _tmp, target in staged]


def _stage(target: Path, text: str | bytes, *, fsync: bool = False) -> str:
    """Write ``text`` to a new temporary file beside ``target`` (with the mode ``target`` will
    have) and return its path; on failure nothing is left behind."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    return _fill(fd, tmp, text, mode=mode, fsync=fsync)


def stage_copy(folder: Path, data: bytes, *, mtime: float | None = None) -> str:
    """Write ``data`` to a new hidden temporary file in ``folder`` (the usual mode the umask gives,
    modification time ``mtime`` if given) and return its path, for a copy whose name is chosen
    later (``bmc collect``); ``os.replace`` it into place. On failure nothing is left behind."""
    fd, tmp = tempfile.mkstemp(prefix=".bmc-copy-", suffix=".tmp", dir=folder)
    return _fill(fd, tmp, data, mode=0o666 & ~_umask(), mtime=mtime)


def _fill(
    fd: int,
    tmp: str,
    text: str | bytes,
    *,
    mode: int,
    fsync: bool = False,
    mtime: float | None = None,
) -> str:
    """Write ``text`` to the new temporary file ``tmp`` (open as ``fd``), give it ``mode`` (and
    ``mtime``), and return its path; on failure remove it and raise."""
    try:
        with (
            os.fdopen(fd, "wb")
            if isinstance(text, bytes)
            else os.fdopen(fd, "w", encoding="utf-8", newline="")
        ) as fh:
            fh.write(text)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp


def to_json(payload: Any) -> str:
    """The text of a JSON file as bmclib writes it (UTF-8, indented, ending in a newline)."""
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def write_json_atomic(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, to_json(payload))


# -- ids -----------------------------------------------------------------------------------------

#: An id in the shipped data (cases, categories): lower-case letters, digits and ``_``.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
#: An exercise-set id: a file name without a folder (letters of any script, digits, ``_ - .``).
SET_ID = re.compile(r"[^\W_][\w.\-]*")
#: Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt, Unicode 15.1):
#: characters that show as nothing (zero-width spaces and joiners, direction marks, variation
#: selectors, Hangul fillers, tags). Together with every format character (category Cf) they are
#: removed from ids.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def is_ignorable(char: str) -> bool:
    """True for a character that shows as nothing: Unicode's default-ignorable code points and
    every format character (Cf).

    >>> [is_ignorable(c) for c in "\u200b\u200e\u180e\u034f\ufe0fa "]
    [True, True, True, True, True, False, False]
    """
    code = ord(char)
    return unicodedata.category(char) == "Cf" or any(
        lo <= code <= hi for lo, hi in _DEFAULT_IGNORABLE
    )


def strip_ignorable(text: str) -> str:
    """``text`` without the characters :func:`is_ignorable` names.

    >>> strip_ignorable("s0\u200e00\ufe0f7")
    's0007'
    """
    return "".join(c for c in text if not is_ignorable(c))


def split_ids(cell: str) -> list[str]:
    """Split a ``;``-separated cell into ids, dropping blanks.

    >>> split_ids(" self_service; ;communities ")
    ['self_service', 'communities']
    """
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def item_id_problem(item_id: str) -> Msg | None:
    """Why ``item_id`` cannot be an item id, or None when it can.

    Any id an instructor would write is fine (letters of any script, digits, spaces inside,
    ``_``, ``-``, ``.``); refused is only what breaks the file formats.

    >>> [item_id_problem(i) for i in ("harbor-bank", "Q1.a", "하버뱅크")]
    [None, None, None]
    >>> item_id_problem("a;b").text("en")
    "it contains ';', which separates ids"
    >>> item_id_problem(" a").text("en")
    'it begins or ends with a space'
    """
    if not item_id:
        return Msg("id.empty")
    if item_id != item_id.strip():
        return Msg("id.spaces_at_ends")
    for ch in (";", ","):
        if ch in item_id:
            return Msg("id.separator", char=repr(ch))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in item_id):
        return Msg("id.control")
    return None


def set_id_problem(set_id: str) -> Msg | None:
    """Why ``set_id`` cannot name an exercise set (it names the answer file), or None.

    >>> set_id_problem("my-quiz_2026.1"), set_id_problem("관계-퀴즈")
    (None, None)
    >>> set_id_problem("../../x").text("en")
    "it must start with a letter or digit and hold only letters, digits, '_', '-' and '.'"
    """
    if not SET_ID.fullmatch(set_id or ""):
        return Msg("id.bad_set")
    return None


def normalise_id(text: str) -> str:
    """The form in which two ids are compared: Unicode NFKC, no invisible characters
    (:func:`is_ignorable`), no surrounding spaces, case-folded. Show the original text; compare
    this.

    >>> normalise_id(" S0007\\u200b") == normalise_id("s0007") == normalise_id("ｓ０００７")
    True
    """
    text = str(text)
    if text.isascii():  # the usual case, and NFKC cannot change ASCII
        return text.strip().casefold()
    return strip_ignorable(unicodedata.normalize("NFKC", text)).strip().casefold()
