"""A class's answer files as they arrive: files, folders and zip archives, also zips inside zips.

Every answer file or archive entry becomes one :class:`Source`: its name and bytes, or the reason
it cannot be read. One bad file never stops the others: each error while reading, decompressing
or unpacking one file or entry is caught where it happens and becomes that file's problem. Nothing
here blocks on a named pipe, follows a folder link into a loop, recurses without bound (folders are
walked with a list, not with recursion), or reads without a size limit. What archives unpack is
capped three ways: each student's upload (a zip inside the class zip, or a folder of it) may
unpack at most :func:`upload_cap` bytes, so one upload cannot use up the budget of the others; the
whole run at most ``Scan.max_unpacked``; and an archive may list at most
:data:`MAX_ANSWER_ENTRIES` answer files (and :data:`MAX_ENTRIES` entries). A zip whose end record
is not at its end (a download cut short) is damaged, never read for what it seems to hold.

A folder that ``bmc collect`` wrote carries a manifest (:data:`COLLECTION_FILE`) naming the user
each of its folders belongs to; every source found under it then carries that user as ``owner``,
so grading can tell a student's own file from a copy found in a classmate's folder.
"""

from __future__ import annotations

import io
import json
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import BMCError
from .fileio import (
    DEFAULT_MAX_FILE_SIZE,
    READ_FLAGS,
    FileTooLarge,
    not_regular,
    os_reason,
    read_limited,
    read_open,
    read_stream_limited,
    shown_path,
    size_text,
)
from .i18n import Msg

#: zip inside zip inside zip is read; one level deeper is reported, not opened
MAX_ARCHIVE_DEPTH = 2
ANSWER_SUFFIXES = (".json", ".zip")
#: all archive entries of one run together may unpack to this many bytes at most (then: problems);
#: counted are the answer files unpacked and what nested archives grew by when unpacked
MAX_UNPACKED = 1024**3
#: an archive listing more answer files (``*.json``, ``*.zip``) than this is one problem, not read
MAX_ANSWER_ENTRIES = 10_000
#: an archive listing more entries than this (of any kind) is one problem, not read
MAX_ENTRIES = 100_000
#: the manifest ``bmc collect`` writes at the top of its output folder
COLLECTION_FILE = "bmc-collection.json"
COLLECTION_FORMAT = "bmclib-collection"


@dataclass(slots=True)
class Source:
    """One answer file (or archive entry): ``data`` when it could be read, else ``problem`` (a
    message).

    ``name`` is printable (see :func:`bmclib.fileio.shown_path`); ``owner`` is the user whose
    collected folder the file came from (``bmc collect``'s manifest), or None.
    """

    name: str
    data: bytes | None = None
    problem: Msg | None = None
    owner: str | None = None


@dataclass
class Scan:
    """What a walk over the inputs met besides answer files (for the run's summary), and every file
    it read (their identities), so outputs can be checked against them."""

    skipped: int = 0  #: files in folders or archives that are not .json or .zip (not answer files)
    duplicates: int = 0  #: the same file named twice (e.g. a folder given twice): read once
    #: (device, inode, change time) of every file read: with the time, a file saved while the run
    #: reads (a new inode) whose number the file system gives to a classmate's new file is not
    #: taken for that file
    seen: set = field(default_factory=set, repr=False)
    #: bytes unpacked from archives so far (answer files, and what nested archives grew by)
    unpacked: int = 0
    max_unpacked: int = MAX_UNPACKED
    collections: int = 0  #: folders recognised as ``bmc collect`` output (their manifest read)
    #: copies an exercise set aside, not read (see is_set_aside)
    set_aside: list = field(default_factory=list)
    #: (device, inode) of every file named as a problem, so a folder given twice names it once
    seen_problems: set = field(default_factory=set, repr=False)
    #: every user of the collected folders read (see :class:`Collection`)
    known_users: set = field(default_factory=set)


def upload_cap(limit: int) -> int:
    """How many bytes one student's upload (a zip inside the class zip, or one folder of it) may
    unpack, for answer files of at most ``limit`` bytes: twenty such files, and at least 64 MB.

    >>> upload_cap(5 * 1024 * 1024) // 1024**2
    100
    """
    return max(limit * 20, 64 * 1024 * 1024)


@dataclass
class _Budget:
    """What one upload may still unpack, and what it could not."""

    name: str  #: the upload as problems name it
    cap: int
    left: int = -1  #: bytes it may still unpack (starts at ``cap``)
    refused: int = 0  #: answer entries not read once ``left`` ran out

    def __post_init__(self):
        if self.left < 0:
            self.left = self.cap


_reason = os_reason


def check_inputs(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The input paths, checked before anything is read: a missing one is a usage error."""
    out = []
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            raise BMCError(Msg("inputs.missing", path=shown_path(path)))
        out.append(path)
    if not out:
        raise BMCError(Msg("inputs.none"))
    return out


def is_answer_name(name: str) -> bool:
    """Whether a file or entry name is read as an answer file (or an archive of them): ``*.json``
    or ``*.zip`` in any case; spaces after the name (a platform's or an upload's slip) are forgiven.
    Names starting with ``._`` (macOS resource forks) are not.

    >>> names = ("s1.json", "S2.JSON ", "class.zip", "._s1.json", "s3.json.txt")
    >>> [is_answer_name(n) for n in names]
    [True, True, True, False, False]
    """
    return name.rstrip().lower().endswith(ANSWER_SUFFIXES) and not name.startswith("._")


def looks_like_answer(name: str) -> bool:
    """A name that is not read as an answer file but probably was meant to be one (``s3.json.txt``,
    ``s6.json.gz``): such files are named as problems, never dropped silently. Hidden files (a
    save's lock or temporary file) are not.

    >>> [looks_like_answer(n) for n in ("s3.json.txt", "s6.JSON.gz", "notes.txt", ".s1.json.lock")]
    [True, True, False, False]
    """
    return "json" in name.lower() and not name.startswith(".") and not is_answer_name(name)


#: a copy an exercise set aside (``answers.set_aside``): ``<set>.bad-<time>.json``,
#: ``<set>.bad-other-set.json``
_SET_ASIDE = re.compile(r"\.bad-[^/]*\.json\s*$", re.IGNORECASE)


def is_hidden(name: str) -> bool:
    """A hidden file, such as the lock (``.<set>.json.lock``) and temporary files
    (``.<set>.json.<random>.tmp``) a save makes beside an answer file: ignored quietly when found
    in a folder or archive, neither graded nor counted.

    >>> [is_hidden(n) for n in (".s1.json.lock", ".s1.json.x1y2.tmp", "s1.json")]
    [True, True, False]
    """
    return name.startswith(".")


def is_set_aside(name: str) -> bool:
    """A copy an exercise set aside when it found a damaged file, or one of another set, where it
    saves (``<set>.bad-<time>.json``, ``<set>.bad-other-set.json``): found in a folder or archive it
    is not graded but named in a note (its student's own file is the one that counts); named
    directly it is graded like any file.

    >>> names = ("quiz.bad-20260101-100000.json", "quiz.bad-other-set.json", "quiz.json")
    >>> [is_set_aside(n) for n in names]
    [True, True, False]
    """
    return ".bad-" in name.lower() and bool(_SET_ASIDE.search(name))


# -- collected folders --------------------------------------------------------------------------


class Collection(NamedTuple):
    """What the manifest of a folder ``bmc collect`` wrote says about its users."""

    users: dict[str, str]  #: folder name -> the user whose files were copied into it
    #: every user the collection found, with answer files or without (whose folder is a student's
    #: own is decided among all of them: :func:`bmclib.identity.home_folders`)
    known: frozenset[str]


def read_collection(folder: str | os.PathLike) -> Collection | None:
    """The users named by the manifest ``bmc collect`` wrote in ``folder``, or None when there is
    none (or it is not one: then it is read as an answer file, and reported as such). A manifest
    from before ``known_users`` was written knows only the users with copies.

    >>> read_collection("/no/such/folder") is None
    True
    """
    path = os.path.join(os.fspath(folder), COLLECTION_FILE)
    try:
        raw = json.loads(read_limited(path, 64 * 1024 * 1024))
    except Exception:  # noqa: BLE001 - no usable manifest: the folder is read as plain folders
        return None
    if (
        not isinstance(raw, dict)
        or raw.get("format") != COLLECTION_FORMAT
        or not isinstance(raw.get("users"), dict)
    ):
        return None
    users = {
        str(f): str(u) for f, u in raw["users"].items() if isinstance(f, str) and isinstance(u, str)
    }
    known = raw.get("known_users")
    known = {u for u in known if isinstance(u, str)} if isinstance(known, list) else set()
    return Collection(users, frozenset(known | set(users.values())))


def _collection_above(path: Path, read: dict) -> tuple[Path, Collection] | None:
    """The collected folder that ``path`` lies in, at any depth (``OUT/<user>``,
    ``OUT/<user>/<file>``, ``OUT/<user>/a/b``), with its users; a folder's own manifest is found
    by the walk. ``read`` keeps the manifests read so far in this run (``class/*/*.json`` reads
    one once)."""
    for candidate in Path(os.path.abspath(path)).parents:
        if candidate not in read:
            read[candidate] = read_collection(candidate)
        if read[candidate] is not None:
            return candidate, read[candidate]
    return None


def _owner_of(path: str, collection: tuple[Path, Collection] | None) -> str | None:
    if collection is None:
        return None
    root, found = collection
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).split(os.sep)
    if rel[0] == os.pardir or len(rel) < 2:  # outside the collection, or its own top folder
        return None
    return found.users.get(rel[0])


# -- walking folders ------------------------------------------------------------------------------


def _walk(folder: Path, scan: Scan, collection) -> Iterator[Source | tuple[str, str | None, bool]]:
    """Candidate files under ``folder`` with their owners and whether the folder listing calls
    them regular files, in a stable order (a folder's files, then its folders, by name), walked
    with a list so that no depth of folders can exhaust Python's
    recursion limit. Links to folders are reported, not followed (they could loop); files that are
    not answer files are counted as skipped, or named when they look like one. A folder holding
    ``bmc collect``'s manifest gives its files their owners."""

    def first_time(path: str) -> bool:
        try:
            st = os.lstat(path)
        except OSError:
            return True
        identity = (st.st_dev, st.st_ino)
        if identity in scan.seen_problems:
            scan.duplicates += 1
            return False
        scan.seen_problems.add(identity)
        return True

    # each folder with the owner of the files in it (known once per folder, not once per file)
    stack = [(os.fspath(folder), collection, _owner_of(os.path.join(folder, "_"), collection))]
    while stack:
        current, context, owner = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if first_time(current):
                yield Source(
                    shown_path(current), None, Msg("inputs.folder_unreadable", reason=_reason(exc))
                )
            continue
        if any(e.name == COLLECTION_FILE for e in entries):
            found = read_collection(current)
            if found is not None:
                scan.collections += 1
                scan.known_users |= found.known
                context, owner = (Path(current), found), None
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    at_top = context is not None and os.fspath(context[0]) == current
                    subfolders.append(
                        (entry.path, context, context[1].users.get(name) if at_top else owner)
                    )
                    continue
                if entry.is_symlink() and entry.is_dir():
                    if first_time(entry.path):
                        yield Source(shown_path(entry.path), None, Msg("inputs.folder_link"))
                    continue
            except OSError:
                pass  # read below, where the reason is named
            if name == COLLECTION_FILE and context is not None and os.fspath(context[0]) == current:
                continue  # bmc collect's manifest: not an answer file
            if is_hidden(name):
                continue
            if is_set_aside(name):
                scan.set_aside.append(shown_path(entry.path))
                continue
            if is_answer_name(name):
                try:
                    plain = entry.is_file(follow_symlinks=False)
                except OSError:
                    plain = False
                yield entry.path, owner, plain
            elif looks_like_answer(name):
                if first_time(entry.path):
                    yield Source(
                        shown_path(entry.path),
                        None,
                        Msg("inputs.looks_like_answer", name=shown_path(name)),
                    )
            else:
                scan.skipped += 1
        stack.extend(reversed(subfolders))


def iter_sources(
    paths: Iterable[str | os.PathLike],
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    scan: Scan | None = None,
) -> Iterator[Source]:
    """Yield a :class:`Source` for every answer file under ``paths``.

    Folders are searched (to any depth) for ``*.json`` and ``*.zip``; archives are read in memory
    (never extracted), zips inside them too, down to :data:`MAX_ARCHIVE_DEPTH`; other files and
    archive entries are skipped and counted in ``scan``, except names that look like answer files
    (``s1.json.txt``), which are problems. A file named twice is read once. Links, pipes and other
    special files become problems, never reads.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s1.json").write_text("{}")
    >>> [(s.name.endswith("s1.json"), s.data) for s in iter_sources([folder, folder])]
    [(True, b'{}')]
    """
    scan = scan if scan is not None else Scan()
    manifests: dict[Path, Collection | None] = {}
    for path in check_inputs(paths):
        collection = _collection_above(path, manifests)
        if collection is not None:
            scan.known_users |= collection[1].known
        if path.is_dir():
            candidates = _walk(path, scan, collection)
        else:
            if collection is not None:
                scan.collections += 1
            candidates = iter([(os.fspath(path), _owner_of(os.fspath(path), collection), False)])
        for candidate in candidates:
            if isinstance(candidate, Source):
                yield candidate
                continue
            file, owner, plain = candidate
            found = _read_plain(file, max_file_size, scan) if plain else None
            for source in _read_path(file, max_file_size, scan) if found is None else found:
                yield Source(source.name, source.data, source.problem, owner) if owner else source


def _read_plain(path: str, limit: int, scan: Scan) -> tuple[Source, ...] | None:
    """A file the folder listing calls regular (no link, no pipe, no device) read with one open:
    its Source, or none when it was read already under another name. None when it is a zip or not
    a regular file when opened (:func:`_read_path` reads those)."""
    if path.rstrip().lower().endswith(".zip"):
        return None
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        identity = (st.st_dev, st.st_ino, st.st_ctime_ns)
        if identity in scan.seen:  # the same file under two names (a folder given twice, a link)
            scan.duplicates += 1
            return ()
        scan.seen.add(identity)
        return (Source(shown_path(path), read_open(fd, st, limit)),)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, whatever it is
        return (Source(shown_path(path), None, Msg("file.cannot_read", reason=_reason(exc))),)
    finally:
        os.close(fd)


def _read_path(path: str, limit: int, scan: Scan) -> Iterator[Source]:
    name = shown_path(path)
    try:
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            try:
                lst = os.lstat(path)
                identity = (lst.st_dev, lst.st_ino)
            except OSError:
                identity = None
            if identity is not None and identity in scan.seen_problems:
                scan.duplicates += 1
                return
            if identity is not None:
                scan.seen_problems.add(identity)
            yield Source(
                name, None, not_regular(path) or Msg("file.cannot_read", reason=Msg("file.missing"))
            )
            return
        # the same file under two names (a folder given twice, a link)
        identity = (st.st_dev, st.st_ino, st.st_ctime_ns)
        if identity in scan.seen:
            scan.duplicates += 1
            return
        scan.seen.add(identity)
        if path.rstrip().lower().endswith(".zip"):
            with open(path, "rb") as fh:
                yield from _zip_sources(name, fh, 0, limit, scan)
            return
        yield Source(name, read_limited(path, limit))
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, whatever it is
        yield Source(name, None, Msg("file.cannot_read", reason=_reason(exc)))


# -- zip archives ---------------------------------------------------------------------------------


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


class _Patched(io.RawIOBase):
    """A read-only view of a seekable file with a few bytes replaced (see :func:`_open_zip`)."""

    def __init__(self, fileobj, patches: dict[int, int]):
        self._f, self._patches = fileobj, patches

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()

    def readinto(self, buffer) -> int:
        start = self._f.tell()
        data = self._f.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        for p, value in self._patches.items():
            if start <= p < start + n:
                buffer[p - start] = value
        return n


def _central_directory(fileobj) -> tuple[int, int] | None:
    """Where the central directory starts in ``fileobj`` and its size, read from the end record
    as zipfile reads it; None when there is no end record (zipfile then says so)."""
    endrec = zipfile._EndRecData(fileobj)  # the same reading of the end record that zipfile does
    if not endrec:
        return None
    size_cd, offset_cd = endrec[zipfile._ECD_SIZE], endrec[zipfile._ECD_OFFSET]
    concat = endrec[zipfile._ECD_LOCATION] - size_cd - offset_cd
    if endrec[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        concat -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    return offset_cd + concat, size_cd


def _damaged(fileobj) -> Msg | None:
    """Why a zip archive cannot be trusted to list what it holds, or None.

    zipfile looks for the archive's end record in its last 64 KB and takes the last one found. In a
    class zip cut short by a download, that can be the end record of a student's own zip stored
    whole inside it: zipfile would then list only that one upload and the rest of the class would
    vanish without a word. So the end record (and its comment) must end exactly where the file
    ends, and an archive that starts with an entry must list its entries from its start."""
    endrec = zipfile._EndRecData(fileobj)
    if not endrec:
        return None  # not a zip at all: zipfile says so
    size = fileobj.seek(0, io.SEEK_END)
    comment = endrec[zipfile._ECD_COMMENT]
    end = endrec[zipfile._ECD_LOCATION] + zipfile.sizeEndCentDir + len(comment)
    if len(comment) != endrec[zipfile._ECD_COMMENT_SIZE] or end != size:
        return Msg("inputs.zip_cut")
    start, _size_cd = _central_directory(fileobj)
    offset_cd = endrec[zipfile._ECD_OFFSET]
    if start != offset_cd:  # data before the first entry it lists: fine for a self-extractor,
        fileobj.seek(0)  # not for a file that itself starts with an entry nobody lists
        if fileobj.read(4) == b"PK\x03\x04":
            return Msg("inputs.zip_cut")
    return None


def _count_entries(fileobj) -> tuple[int, int]:
    """How many entries the central directory lists, and how many of them are answer files, read
    without building zipfile's record of each; counting stops just past :data:`MAX_ENTRIES` or
    :data:`MAX_ANSWER_ENTRIES` (a zip of a million empty entries costs nothing to refuse)."""
    where = _central_directory(fileobj)
    if where is None:
        return 0, 0
    start, left = where
    fileobj.seek(max(start, 0))
    buf, pos, total, answers = bytearray(), 0, 0, 0
    whole_record = 46 + 3 * 0xFFFF
    while total <= MAX_ENTRIES and answers <= MAX_ANSWER_ENTRIES:
        if len(buf) - pos < whole_record and left > 0:
            del buf[:pos]
            pos = 0
            chunk = fileobj.read(min(left, 1024 * 1024))
            if not chunk:
                left = 0
            left -= len(chunk)
            buf += chunk
        if len(buf) - pos < 46 or buf[pos : pos + 4] != b"PK\x01\x02":
            break  # the end, or damage that zipfile names
        (flags,) = struct.unpack_from("<H", buf, pos + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, pos + 28)
        raw = bytes(buf[pos + 46 : pos + 46 + name_len])
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        total += 1
        if is_answer_name(name.rsplit("/", 1)[-1]):
            answers += 1
        pos += 46 + name_len + extra_len + comment_len
    return total, answers


def _bad_utf8_names(fileobj) -> tuple[dict[int, int], set[int]]:
    """Patches that clear the "name is UTF-8" flag of central-directory records whose name is not
    UTF-8 (so zipfile can list the archive; those entries are then reported, the rest read), and
    the indexes of those records."""
    where = _central_directory(fileobj)
    if where is None:
        return {}, set()
    start, size_cd = where
    if size_cd > 64 * 1024 * 1024:
        return {}, set()
    fileobj.seek(start)
    central = fileobj.read(size_cd)
    patches, bad, pos, index = {}, set(), 0, 0
    while pos + 46 <= len(central) and central[pos : pos + 4] == b"PK\x01\x02":
        (flags,) = struct.unpack_from("<H", central, pos + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", central, pos + 28)
        if flags & 0x800:
            try:
                central[pos + 46 : pos + 46 + name_len].decode("utf-8")
            except UnicodeDecodeError:
                patches[start + pos + 9] = central[pos + 9] & ~0x08  # bit 11 of the flags
                bad.add(index)
        pos += 46 + name_len + extra_len + comment_len
        index += 1
    return patches, bad


def _open_zip(fileobj) -> tuple[zipfile.ZipFile, set[int]]:
    """Open an archive; also one whose entry names claim UTF-8 but are not (their indexes
    returned)."""
    try:
        return zipfile.ZipFile(fileobj), set()
    except UnicodeDecodeError:
        patches, bad = _bad_utf8_names(fileobj)
        if not patches:
            raise
    return zipfile.ZipFile(io.BufferedReader(_Patched(fileobj, patches))), bad


def _entry_reason(exc: BaseException) -> Msg | str:
    """Why an archive entry could not be unpacked, in plain words."""
    text = str(exc)
    if isinstance(exc, FileTooLarge):
        return exc.msg
    if isinstance(exc, (zlib.error, lzma.LZMAError, EOFError)) or (
        isinstance(exc, OSError) and "data stream" in text
    ):
        return Msg("inputs.entry_damaged")
    if isinstance(exc, zipfile.BadZipFile):
        return Msg("inputs.entry_checksum" if "CRC" in text else "inputs.entry_damaged")
    if isinstance(exc, NotImplementedError):
        return Msg("inputs.entry_method")
    if isinstance(exc, RuntimeError) and "password" in text:
        return Msg("inputs.entry_encrypted")
    return _reason(exc)


def _no_room(charge: _Budget | None, room: int, scan: Scan, source: str) -> Source | None:
    """An archive entry that does not fit the room left: when its upload's own cap is what is
    used up, the upload is charged (one problem for it later, not one per entry); else a problem
    naming the run's limit."""
    if charge is not None and room == charge.left:
        charge.refused += 1
        charge.left = 0
        return None
    return Source(source, None, Msg("inputs.run_limit", limit=size_text(scan.max_unpacked)))


def _zip_sources(
    name: str, fileobj, depth: int, limit: int, scan: Scan, budget: _Budget | None = None
) -> Iterator[Source]:
    """The answer files in the archive ``fileobj`` (named ``name``), zips inside it too.

    ``budget`` is the upload this archive belongs to (a zip inside another): everything unpacked
    from it is charged there. In an archive that is no one's upload (a class zip), each top folder
    is one student's upload with a budget of its own, and each zip at its top level too."""
    try:
        damage = _damaged(fileobj)
        if damage is not None:
            yield Source(name, None, damage)
            return
        total, answers = _count_entries(fileobj)
        if total > MAX_ENTRIES or answers > MAX_ANSWER_ENTRIES:
            yield Source(
                name,
                None,
                Msg(
                    "inputs.too_many_entries",
                    limit=f"{MAX_ANSWER_ENTRIES:,}",
                    all_limit=f"{MAX_ENTRIES:,}",
                ),
            )
            return
        fileobj.seek(0)
        archive, bad_names = _open_zip(fileobj)
        infos = archive.infolist()
    except Exception as exc:  # noqa: BLE001
        yield Source(name, None, Msg("inputs.bad_zip", reason=_reason(exc)))
        return
    cap = upload_cap(limit)
    folders: dict[str, _Budget] = {}
    with archive:
        overlapping = _overlapping(infos)
        names = Counter(info.filename for info in infos)
        nth: Counter = Counter()
        order = sorted(range(len(infos)), key=lambda i: (infos[i].filename, infos[i].header_offset))
        for index in order:
            info = infos[index]
            entry = info.filename
            if names[entry] > 1:  # the same name twice in one archive: tell them apart
                nth[entry] += 1
                source = f"{name}!{entry}#{nth[entry]}"
            else:
                source = f"{name}!{entry}"
            if index in bad_names:
                shown = entry.encode("cp437").decode("utf-8", "backslashreplace")
                yield Source(f"{name}!{shown}", None, Msg("inputs.entry_name_not_utf8"))
                continue
            base = entry.rsplit("/", 1)[-1]
            if info.is_dir() or "__MACOSX/" in entry or is_hidden(base):
                continue
            if is_set_aside(base):
                scan.set_aside.append(source)
                continue
            if not is_answer_name(base):  # skipped unread: never decompressed
                if looks_like_answer(base):
                    yield Source(source, None, Msg("inputs.looks_like_answer", name=base))
                else:
                    scan.skipped += 1
                continue
            if index in overlapping:
                yield Source(source, None, Msg("inputs.overlap"))
                continue
            nested = base.rstrip().lower().endswith(".zip")
            if nested and depth >= MAX_ARCHIVE_DEPTH:
                yield Source(source, None, Msg("inputs.too_deep", levels=MAX_ARCHIVE_DEPTH + 1))
                continue
            charge = budget
            if charge is None and "/" in entry:  # one student's folder in a class zip
                top = entry.split("/", 1)[0]
                charge = folders.get(top)
                if charge is None:
                    charge = folders[top] = _Budget(f"{name}!{top}/", cap)
            if charge is not None and charge.left <= 0:
                charge.refused += 1
                continue
            # what this entry may unpack: the entry's limit, what its upload and the run have left
            entry_cap = cap if nested else limit
            room = scan.max_unpacked - scan.unpacked
            if charge is not None:
                room = min(room, charge.left)
            if info.file_size > entry_cap:
                why = Msg(
                    "inputs.unpacks_to",
                    size=size_text(info.file_size),
                    limit=size_text(entry_cap),
                    what=Msg("inputs.an_archive" if nested else "inputs.a_file"),
                )
                yield Source(source, None, Msg("inputs.bad_entry", reason=why))
                continue
            # a nested archive is charged what it grows by when unpacked (a zip of PDFs: little)
            declared = max(info.file_size - info.compress_size, 0) if nested else info.file_size
            if declared > room:
                if (refused := _no_room(charge, room, scan, source)) is not None:
                    yield refused
                continue
            try:
                with archive.open(info) as stream:
                    data = (
                        _unpack(stream, entry_cap) if nested else read_stream_limited(stream, limit)
                    )
            except FileTooLarge as exc:
                yield Source(source, None, Msg("inputs.bad_entry", reason=exc.msg))
                continue
            except Exception as exc:  # noqa: BLE001
                yield Source(source, None, Msg("inputs.bad_entry", reason=_entry_reason(exc)))
                continue
            size = data.getbuffer().nbytes if nested else len(data)
            used = max(size - info.compress_size, 0) if nested else size
            if used > room:  # it lied about its size
                if (refused := _no_room(charge, room, scan, source)) is not None:
                    yield refused
                del data
                continue
            scan.unpacked += used
            if charge is not None:
                charge.left -= used
            if nested:
                upload = charge if charge is not None else _Budget(source, cap)
                yield from _zip_sources(source, data, depth + 1, limit, scan, upload)
                if charge is None and upload.refused:
                    yield _over_budget(upload)
            else:
                yield Source(source, data)
            del data
    for folder in folders.values():
        if folder.refused:
            yield _over_budget(folder)


def _unpack(stream, limit: int) -> io.BytesIO:
    """A nested archive unpacked into memory (one copy, never more than ``limit`` bytes)."""
    out = io.BytesIO()
    total = 0
    while True:
        chunk = stream.read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            out.seek(0)
            return out
        out.write(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(Msg("file.too_large", limit=size_text(limit)))


def _over_budget(budget: _Budget) -> Source:
    return Source(
        budget.name,
        None,
        Msg("inputs.upload_limit", limit=size_text(budget.cap), count=budget.refused),
    )
