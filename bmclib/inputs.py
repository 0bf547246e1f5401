"""A class's answer files as they arrive: files, folders and zip archives, also zips inside zips.

Every answer file or archive entry becomes one :class:`Source`: its name and bytes, or the reason
it cannot be read. One bad file never stops the others: each error while reading, decompressing
or unpacking one file or entry is caught where it happens and becomes that file's problem. Nothing
here blocks on a named pipe, follows a folder link into a loop, or reads without a size limit.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BMCError
from .fileio import (
    DEFAULT_MAX_FILE_SIZE,
    FileTooLarge,
    not_regular,
    os_reason,
    read_limited,
    read_stream_limited,
    size_text,
)
from .i18n import Msg

#: zip inside zip inside zip is read; one level deeper is reported, not opened
MAX_ARCHIVE_DEPTH = 2
ANSWER_SUFFIXES = (".json", ".zip")


@dataclass(frozen=True)
class Source:
    """One answer file (or archive entry): ``data`` when it could be read, else ``problem`` (a
    message)."""

    name: str
    data: bytes | None = None
    problem: Msg | None = None


@dataclass
class Scan:
    """What a walk over the inputs met besides answer files (for the run's summary)."""

    skipped: int = 0  #: files in folders or archives that are not .json or .zip (not answer files)
    duplicates: int = 0  #: the same file named twice (e.g. a folder given twice): read once
    seen: set = field(default_factory=set, repr=False)


_reason = os_reason


def check_inputs(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The input paths, checked before anything is read: a missing one is a usage error."""
    out = []
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise BMCError(Msg("inputs.missing", path=str(path)))
        out.append(path)
    if not out:
        raise BMCError(Msg("inputs.none"))
    return out


def _walk(folder: Path, scan: Scan) -> Iterator[Source | str]:
    """Candidate files under ``folder`` in a stable order. Links to folders are reported, not
    followed (they could loop); files that are not .json or .zip are counted as skipped."""
    errors: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=errors.append, followlinks=False):
        dirs.sort()
        for name in dirs:
            path = os.path.join(root, name)
            if os.path.islink(path):
                yield Source(path, None, Msg("inputs.folder_link"))
        files.sort()
        for name in files:
            if name.lower().endswith(ANSWER_SUFFIXES) and not name.startswith("._"):
                yield os.path.join(root, name)
            else:
                scan.skipped += 1
        while errors:
            exc = errors.pop(0)
            yield Source(
                str(exc.filename or folder),
                None,
                Msg("inputs.folder_unreadable", reason=_reason(exc)),
            )
    for exc in errors:
        yield Source(
            str(exc.filename or folder), None, Msg("inputs.folder_unreadable", reason=_reason(exc))
        )


def iter_sources(
    paths: Iterable[str | os.PathLike],
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    scan: Scan | None = None,
) -> Iterator[Source]:
    """Yield a :class:`Source` for every answer file under ``paths``.

    Folders are searched recursively for ``*.json`` and ``*.zip``; archives are read in memory
    (never extracted), zips inside them too, down to :data:`MAX_ARCHIVE_DEPTH`; archive entries that
    are not ``.json`` or ``.zip`` are skipped and counted in ``scan``. A file named twice is read
    once. Links, pipes and other special files become problems, never reads.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s1.json").write_text("{}")
    >>> [(s.name.endswith("s1.json"), s.data) for s in iter_sources([folder, folder])]
    [(True, b'{}')]
    """
    scan = scan if scan is not None else Scan()
    for path in check_inputs(paths):
        if path.is_dir():
            candidates = _walk(path, scan)
        else:
            candidates = iter([str(path)])
        for candidate in candidates:
            if isinstance(candidate, Source):
                yield candidate
                continue
            yield from _read_path(candidate, max_file_size, scan)


def _read_path(name: str, limit: int, scan: Scan) -> Iterator[Source]:
    try:
        try:
            st = os.stat(name)
        except OSError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            yield Source(
                name, None, not_regular(name) or Msg("file.cannot_read", reason=Msg("file.missing"))
            )
            return
        # the same file under two names (a folder given twice, a link)
        identity = (st.st_dev, st.st_ino)
        if identity in scan.seen:
            scan.duplicates += 1
            return
        scan.seen.add(identity)
        if name.lower().endswith(".zip"):
            with open(name, "rb") as fh:
                yield from _zip_sources(name, fh, 0, limit, scan)
            return
        yield Source(name, read_limited(name, limit))
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, whatever it is
        yield Source(name, None, Msg("file.cannot_read", reason=_reason(exc)))


def _overlapping(infos: list[zipfile.ZipInfo]) -> set[int]:
    """Indexes of entries whose data overlaps an earlier entry's (a malformed or malicious zip)."""
    bad, end = set(), -1
    for index in sorted(range(len(infos)), key=lambda i: infos[i].header_offset):
        info = infos[index]
        if info.header_offset < end:
            bad.add(index)
            continue
        name_length = len(
            info.orig_filename.encode(
                "utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace"
            )
        )
        end = info.header_offset + 30 + name_length + info.compress_size
    return bad


def _zip_sources(name: str, fileobj, depth: int, limit: int, scan: Scan) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except Exception as exc:  # noqa: BLE001
        yield Source(name, None, Msg("inputs.bad_zip", reason=_reason(exc)))
        return
    with archive:
        overlapping = _overlapping(infos)
        archive_limit = max(limit * 20, 64 * 1024 * 1024)
        for index in sorted(range(len(infos)), key=lambda i: infos[i].filename):
            info = infos[index]
            entry = info.filename
            base = entry.rsplit("/", 1)[-1]
            if info.is_dir() or "__MACOSX/" in entry or base.startswith("._"):
                continue
            source = f"{name}!{entry}"
            lower = entry.lower()
            if not lower.endswith(ANSWER_SUFFIXES):
                scan.skipped += 1
                continue
            if index in overlapping:
                yield Source(source, None, Msg("inputs.overlap"))
                continue
            nested = lower.endswith(".zip")
            cap = archive_limit if nested else limit
            if nested and depth >= MAX_ARCHIVE_DEPTH:
                yield Source(source, None, Msg("inputs.too_deep", levels=MAX_ARCHIVE_DEPTH + 1))
                continue
            try:
                if info.file_size > cap:
                    raise FileTooLarge(
                        Msg(
                            "inputs.unpacks_to",
                            size=size_text(info.file_size),
                            limit=size_text(cap),
                            what=Msg("inputs.an_archive" if nested else "inputs.a_file"),
                        )
                    )
                with archive.open(info) as stream:
                    data = read_stream_limited(stream, cap)
            except Exception as exc:  # noqa: BLE001
                yield Source(source, None, Msg("inputs.bad_entry", reason=_reason(exc)))
                continue
            if nested:
                yield from _zip_sources(source, io.BytesIO(data), depth + 1, limit, scan)
            else:
                yield Source(source, data)
