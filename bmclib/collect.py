"""Collecting a class's answer files for ``bmc grade`` (CONTRACT.md section 8).

Two ways, one result:

- :func:`collect_folders`: each ROOT holds one folder per user (a hub's home folders,
  ``/home/<user>/``); every answer file found under a user's folder is copied into
  ``OUT/<user>/``.
- :func:`collect_hub`: the same through a JupyterHub's REST API, for deployments with a volume
  per user (Zero to JupyterHub): the ``answers/*.json`` files of each running server are read
  through its contents API.

Sources are only ever read. Hidden folders (``.ipython``, ``.local``, checkpoints, kernel runtime
files) and JSON files that are not answer files are skipped and counted. A home folder is the
user's own ground, so it is read the way a careful grader would: symbolic links are never
followed, FIFOs and other special files are never opened for reading (so nothing can block),
files larger than :data:`MAX_BYTES` are left alone, and a file or folder that cannot be read is
listed as a problem with its path without stopping the run.

A file keeps its own name in ``OUT/<user>/``; when one user has several answer files with the
same name (``en/answers/x.json`` and ``ko/answers/x.json``), each is named after its path inside
the user's folder instead (``en__answers__x.json``), so nothing is lost.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import stat
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote, urlsplit

from .answers import FORMAT
from .errors import BMCError
from .fileio import normalise_id, os_reason, shown_path, stage_copy, write_json_atomic
from .i18n import Msg, text_of
from .identity import HomeFolders, home_folders
from .inputs import COLLECTION_FILE, COLLECTION_FORMAT, looks_like_answer

#: An answer file is a few kilobytes; anything larger is not read.
MAX_BYTES = 5 * 1024 * 1024

#: Why files were skipped: key -> the message naming them in the summary (in this order).
SKIP_REASONS = {
    key: Msg(f"collect.skip_{key}", mb=MAX_BYTES // (1024 * 1024))
    for key in ("hidden", "not_answer", "other_set", "symlink", "special", "too_large")
}

_UNSAFE = re.compile(r"[^\w.@+-]+")


#: the longest file or folder name collect writes (file systems allow 255 bytes; Hangul takes 3
#: each)
MAX_NAME = 80


def safe_name(name: str) -> str:
    """A folder or file name for a user's copy: no path separators, no leading dot, nothing a shell
    or file system would trip on; letters of any script are kept. A long name is shortened in the
    middle, keeping its ending (``.json``) and a short fingerprint of the whole name, so two long
    names stay two names.

    >>> [safe_name(n) for n in ("kim", "../../etc", "김민지", "a b/c", "")]
    ['kim', 'etc', '김민지', 'a_b_c', '_']
    >>> long = safe_name("x" * 300 + ".json")
    >>> len(long) <= MAX_NAME, long.endswith(".json")
    (True, True)
    """
    text = unicodedata.normalize("NFC", shown_path(str(name)))
    text = _UNSAFE.sub("_", text).strip("._-") or "_"
    if len(text) <= MAX_NAME:
        return text
    import hashlib

    stem, suffix = os.path.splitext(text)
    if len(suffix) > 10:
        stem, suffix = text, ""
    tag = hashlib.sha1(text.encode("utf-8", "backslashreplace")).hexdigest()[:8]
    return f"{stem[: MAX_NAME - len(suffix) - 9]}~{tag}{suffix}"


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def answer_file_set(data: bytes) -> str | None:
    """The exercise set of an answer file's bytes (``""`` if it names none); ``None`` when the
    bytes are not an answer file at all (not JSON, or no ``"format": "bmclib-answers"``).

    A file with the right format but other faults is still an answer file: ``bmc grade``
    then reports its fault, so the instructor hears about it.

    >>> answer_file_set(b'{"format": "bmclib-answers", "exercise_set": "relationships-practice"}')
    'relationships-practice'
    >>> answer_file_set(b'{"cells": []}') is None, answer_file_set(b"\\xff") is None
    (True, True)
    """
    fields = _answer_fields(data)
    return None if fields is None else fields[0]


def _answer_fields(data: bytes) -> tuple[str, str] | None:
    """``(exercise_set, student_id)`` of an answer file (``""`` where missing), or None.

    Numbers are kept as their text: a number of thousands of digits (which Python refuses to
    turn into an int) costs nothing, and a file with the answer format is copied whatever else is
    wrong with it, so ``bmc grade`` names its fault.

    >>> _answer_fields(b'{"format": "bmclib-answers", "student_id": 1' + b"0" * 5000 + b'}')[1][:3]
    '100'
    """
    try:
        raw = json.loads(bytes(data).decode("utf-8-sig"), parse_int=str, parse_float=str)
    except Exception:  # noqa: BLE001 - by place: whatever JSON these bytes are not, they are no answer file
        return None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return None
    found, student = raw.get("exercise_set"), raw.get("student_id")
    return (
        shown_path(found.strip()) if isinstance(found, str) else "",
        shown_path(str(student).strip())
        if isinstance(student, (str, int)) and not isinstance(student, bool)
        else "",
    )


@dataclass(frozen=True)
class Copied:
    """One answer file copied: where from, where to, whose and for which set."""

    user: str
    source: str
    target: str
    exercise_set: str
    student_id: str = ""
    #: where the source is, however the run named it: the real path of a file (a root given as
    #: ``home``, ``./home``, ``/abs/home`` or through a link is one place), a server's URL path
    where: str = ""


@dataclass
class CollectResult:
    """What a collection did: files copied per user, what was skipped, and what went wrong."""

    out: Path
    copied: list[Copied] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # user name -> folder name in ``out``
    empty_users: list[str] = field(default_factory=list)  # users without an answer file
    skipped: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path or user, reason)
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # hub mode: (user, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: every user found, with or without answer files (whose folder is whose, see
    #: :func:`bmclib.identity.home_folders`)
    known_users: list[str] = field(default_factory=list)
    #: users that stand for one student (``kim`` and ``ｋｉｍ``): (the users, what bmc grade does)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    #: copies an earlier collection into the same folder made for users this run could not read
    #: completely, left in place (their folder is in ``users``)
    kept: list[Copied] = field(default_factory=list)
    #: the folders this run listed, and every answer-like file it saw in them (whatever it did with
    #: it): an earlier copy is stale only when its source's folder was listed and the file is gone
    listed_folders: set[str] = field(default_factory=set, repr=False)
    seen_files: set[str] = field(default_factory=set, repr=False)

    @property
    def foreign(self) -> list[Copied]:
        """Copies whose student id is not that of the user they were found with: legitimate
        where ids come from ``BMC_STUDENT_ID``, worth a look where they should be the hub's
        names. With users ``lee`` and ``jupyter-lee``, a file naming ``lee`` is ``lee``'s only."""
        homes = HomeFolders({*(self.known_users or self.users), *(c.user for c in self.copied)})
        return [c for c in self.copied if homes(c.student_id) != [c.user]]

    @property
    def exit_code(self) -> int:
        """0: everything was read; 1: some file, folder or running server could not be read, or
        two users stand for one student (see ``problems`` and ``unreachable``). A user without a
        running server (when servers are not started) is no failure."""
        not_running = Msg("collect.no_server")
        failed = [u for u, reason in self.unreachable if reason != not_running]
        return 1 if self.problems or self.conflicts or failed else 0

    @property
    def collected_users(self) -> list[str]:
        """Users with at least one answer file copied, sorted."""
        return sorted({c.user for c in self.copied})

    @property
    def kept_users(self) -> list[str]:
        """Users whose earlier copies were kept (this run could not read them completely)."""
        return sorted({c.user for c in self.kept})

    def summary(self, lang: str | None = None) -> str:
        """A few plain lines: users, files, skipped, problems (the same every run)."""
        lines = [
            Msg(
                "collect.collected",
                files=len(self.copied),
                users=len(self.collected_users),
                out=str(self.out),
            )
        ]
        skipped = [
            Msg("collect.count_of", count=self.skipped[k], what=words)
            for k, words in SKIP_REASONS.items()
            if self.skipped[k]
        ]
        lines.append(
            Msg("collect.skipped", list="; ".join(text_of(m, lang) for m in skipped))
            if skipped
            else Msg("collect.skipped_nothing")
        )
        if self.empty_users:
            lines.append(
                Msg(
                    "collect.empty_users",
                    count=len(self.empty_users),
                    users=", ".join(self.empty_users),
                )
            )
        if self.kept:
            lines.append(
                Msg(
                    "collect.kept",
                    count=len(self.kept_users),
                    users=", ".join(self.kept_users),
                )
            )
        if self.unreachable:
            lines.append(
                Msg(
                    "collect.unreachable",
                    count=len(self.unreachable),
                    users=", ".join(u for u, _ in self.unreachable),
                )
            )
        if self.problems:
            lines.append(Msg("collect.problems", count=len(self.problems)))
        if self.conflicts:
            lines.append(Msg("collect.conflicts", count=len(self.conflicts)))
        if self.foreign:
            lines.append(Msg("collect.foreign", count=len(self.foreign)))
        return "\n".join(text_of(line, lang) for line in lines)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """Everything as plain JSON-able data (reasons in ``lang``)."""

        def by_user(copies: list[Copied]) -> dict[str, Any]:
            return {
                u: {
                    "folder": self.users[u],
                    "files": [
                        {
                            "source": c.source,
                            "target": c.target,
                            "exercise_set": c.exercise_set,
                            "student_id": c.student_id,
                        }
                        for c in copies
                        if c.user == u
                    ],
                }
                for u in sorted({c.user for c in copies})
            }

        return {
            "out": str(self.out),
            "users": by_user(self.copied),
            "kept": by_user(self.kept),
            "empty_users": list(self.empty_users),
            "skipped": {k: self.skipped[k] for k in SKIP_REASONS if self.skipped[k]},
            "problems": [
                {"source": s, "problem": text_of(p, lang)}
                for s, p in self.problems + self.conflicts
            ],
            "unreachable": [{"user": u, "reason": text_of(r, lang)} for u, r in self.unreachable],
            "notes": [{"source": s, "note": text_of(n, lang)} for s, n in self.notes],
        }


# -- writing the copies -------------------------------------------------------------------------


#: names in the output folder that no user's folder may take (the manifest; hidden temporary
#: files cannot clash, since no folder name starts with a dot)
RESERVED = frozenset({COLLECTION_FILE.casefold()})

#: temporary files a collection writes in its output folder (copies waiting for their name, the
#: manifest being written; ``.bmc-collect-`` from earlier versions): removed when a run ends,
#: and when the next run starts if a killed run left them
_TEMP_PREFIXES = (".bmc-copy-", ".bmc-collect-", f".{COLLECTION_FILE}.")


def _folders_for(names: Iterable[str], taken: dict[str, str]) -> dict[str, str]:
    """Map user names to distinct safe folder names (``taken``: names already given); a user
    named like the manifest gets a numbered folder.

    >>> _folders_for(["bmc-collection.json", "kim"], {})
    {'bmc-collection.json': 'bmc-collection.json-2', 'kim': 'kim'}
    """
    used = {v.casefold() for v in taken.values()} | RESERVED
    out = dict(taken)
    for name in sorted(set(names) - set(taken)):
        base = candidate = safe_name(name)
        n = 2
        while candidate.casefold() in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate.casefold())
        out[name] = candidate
    return out


def _target_names(
    rel_paths: list[str], wanted: list[str | None] | None = None, taken: Iterable[str] = ()
) -> list[str]:
    """File names in the user's collected folder, one per path in order: the own name, or the path
    when names clash; a name given twice (the same path under two roots) gets a number. ``wanted``
    (one per path, or None) keeps a file the name it had, when it is free; ``taken``: names in the
    folder that stay as they are.

    >>> _target_names(
    ...     ["en/answers/x.json", "ko/answers/x.json", "answers/y.json", "answers/y.json"]
    ... )
    ['en__answers__x.json', 'ko__answers__x.json', 'answers__y.json', 'answers__y.2.json']
    >>> _target_names(["en/answers/x.json"], ["en__answers__x.json"], ["ko__answers__x.json"])
    ['en__answers__x.json']
    >>> _target_names(["answers/x.json"], taken=["X.json"])
    ['x.2.json']
    """
    by_name = Counter(p.rsplit("/", 1)[-1].casefold() for p in rel_paths)
    used = {t.casefold() for t in taken}
    out: list[str | None] = [None] * len(rel_paths)
    for i, name in enumerate(wanted or ()):
        if name and name.casefold() not in used:
            used.add(name.casefold())
            out[i] = name
    for i, rel in enumerate(rel_paths):
        if out[i] is not None:
            continue
        name = rel.rsplit("/", 1)[-1]
        wanted_name = name if by_name[name.casefold()] == 1 else rel.replace("/", "__")
        stem, suffix = os.path.splitext(safe_name(wanted_name))
        candidate, n = stem + suffix, 2
        while candidate.casefold() in used:
            candidate, n = f"{stem}.{n}{suffix}", n + 1
        used.add(candidate.casefold())
        out[i] = candidate
    return out  # type: ignore[return-value]


class _Staging:
    """The copies of one run waiting in hidden temporary files in the output folder (so a class's
    files are never all held in memory), until :func:`_publish` moves them to their names; every
    one not moved is removed when the run ends, however it ends. :meth:`halt` asks the readers
    still at work to give up at once (the run is ending): their requests are cut."""

    def __init__(self, out: Path):
        self.out = out
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._files: set[str] = set()
        self._requests: set[_Watched] = set()

    def watch(self, request: _Watched) -> None:
        with self._lock:
            self._requests.add(request)
        if self.stop.is_set():
            request.cut_all()

    def unwatch(self, request: _Watched) -> None:
        with self._lock:
            self._requests.discard(request)

    def halt(self) -> None:
        self.stop.set()
        with self._lock:
            requests = list(self._requests)
        for request in requests:
            request.cut_all()

    def stage(self, data: bytes, mtime: float | None) -> str:
        if self.stop.is_set():
            raise _Stopped
        path = stage_copy(self.out, data, mtime=mtime)
        with self._lock:
            self._files.add(path)
        return path

    def moved(self, path: str) -> None:
        with self._lock:
            self._files.discard(path)

    def discard_all(self) -> None:
        with self._lock:
            files, self._files = self._files, set()
        for path in files:
            try:
                os.unlink(path)
            except OSError:
                pass


class _Stopped(Exception):
    """The run is ending: a reader gives up."""


@dataclass
class _Found:
    rel: str  # path inside the user's folder (or server), with "/"
    source: str  # what to show: a file path or a URL path
    staged: str  # the temporary file holding the copy, in the output folder
    exercise_set: str
    student_id: str
    where: str = ""  # the file's real path (folders; see Copied.where); "" for a URL path


def _publish(
    result: CollectResult,
    per_user: dict[str, list[_Found]],
    staging: _Staging,
    *,
    incomplete: Iterable[str] = (),
    unlisted: Iterable[str] = (),
) -> None:
    """Put the staged copies in place, with the manifest that tells ``bmc grade`` whose folder is
    whose, and remove the copies an earlier collection into the same folder made that this one
    did not make again (a file the student has since deleted or renamed must not be graded from a
    stale copy).

    Only a user read completely loses copies so. A user this run could not read completely
    (``incomplete``; with folders of users that could not be listed, ``unlisted``, also a user
    not found at all, and a user whose earlier copies came from such a folder) keeps every
    earlier copy of a file not read again, in the folder the user had, listed in the manifest as
    before (a stopped server or a folder that could not be read says nothing about the files in
    it); a file read again replaces its copy under the same name.

    The manifest is written before any copy is moved (marked ``"complete": false``, listing what
    is to come and what is to go), so the output never holds copies without it, and a run killed
    half-way still guards every student; the finished manifest replaces it at the end.
    """
    incomplete = set(incomplete)
    unlisted = [os.path.join(os.path.abspath(r), "") for r in unlisted]
    manifest = result.out / COLLECTION_FILE
    old, earlier, earlier_users = _earlier_copies(manifest)
    not_read = set(incomplete)
    for e in earlier:
        if unlisted and (
            e.user not in per_user or os.path.abspath(e.source).startswith(tuple(unlisted))
        ):
            not_read.add(e.user)
    folder_of: dict[str, str] = {}  # a user -> the folder the user had
    owner: dict[str, str] = {}  # that folder (casefolded) -> its user
    again: dict[str, dict[str, str]] = {}  # a user -> source read again -> its earlier name
    read_now = {u: {f.where or f.source for f in found} for u, found in per_user.items()}
    for e in earlier:
        folder = folder_of.setdefault(e.user, e.folder)
        if folder != e.folder or owner.setdefault(folder.casefold(), e.user) != e.user:
            continue  # a manifest edited by hand: one folder per user, one user per folder
        where = e.where or e.source
        if where in read_now.get(e.user, ()):
            again.setdefault(e.user, {}).setdefault(where, e.name)
        elif (e.user in not_read or not _gone(result, where)) and _still_there(
            result.out, e.folder, e.name
        ):
            target = str(result.out / e.folder / e.name)
            result.kept.append(
                Copied(e.user, e.source, target, e.exercise_set, e.student_id, where)
            )
    users = sorted(u for u, found in per_user.items() if found)
    keep_folder = {c.user for c in result.kept} | (set(users) & set(again))
    result.users = _folders_for(users, {u: folder_of[u] for u in keep_folder})
    result.known_users = sorted(set(result.known_users) | set(result.users))
    kept_names: dict[str, list[str]] = {}
    for c in result.kept:
        kept_names.setdefault(c.user, []).append(Path(c.target).name)
    planned = []
    for user in users:
        found = per_user[user]
        names = _target_names(
            [f.rel for f in found],
            [again.get(user, {}).get(f.where or f.source) for f in found],
            kept_names.get(user, ()),
        )
        planned += [(user, f, result.out / result.users[user] / n) for f, n in zip(found, names)]
    stay = [(c.user, c, Path(c.target)) for c in result.kept]
    stale = old - {os.path.relpath(t, result.out) for _u, _f, t in planned + stay}
    _write_manifest(result, planned + stay, stale, complete=False)
    refused: set[Path] = set()
    for user, f, target in planned:
        if target.parent.is_symlink() or (target.parent.exists() and not target.parent.is_dir()):
            if target.parent not in refused:
                refused.add(target.parent)
                result.problems.append((str(target.parent), Msg("collect.output_link")))
            continue
        try:
            target.parent.mkdir(exist_ok=True)
            os.replace(f.staged, target)
        except OSError as exc:
            result.problems.append(
                (str(target), Msg("collect.cannot_write", reason=os_reason(exc)))
            )
            continue
        staging.moved(f.staged)
        result.copied.append(
            Copied(user, f.source, str(target), f.exercise_set, f.student_id, f.where or f.source)
        )
    # nothing is removed from the folder of a user not read (a run killed half-way may have listed
    # a copy there for removal that is the user's last)
    not_read_folders = {folder_of[u] for u in not_read if u in folder_of}
    not_read_folders |= {folder for folder, user in earlier_users.items() if user in not_read}
    for rel in sorted(stale):
        path = result.out / rel
        if len(Path(rel).parts) != 2 or not rel.rstrip().lower().endswith(".json"):
            continue  # only a copy in a user's folder is removed (not what a manifest names else)
        if Path(rel).parts[0] in not_read_folders:
            continue
        try:
            if (
                path.is_file()
                and not path.is_symlink()
                and path.resolve().is_relative_to(result.out.resolve())
            ):
                path.unlink()
                result.notes.append((str(path), Msg("collect.stale_removed")))
                try:
                    path.parent.rmdir()  # only when it is empty now
                except OSError:
                    pass
        except OSError as exc:
            result.problems.append((str(path), Msg("file.cannot_read", reason=os_reason(exc))))
    kept_users = {c.user for c in result.kept}
    result.empty_users = [u for u in result.empty_users if u not in kept_users]
    _write_manifest(
        result,
        [(c.user, c, Path(c.target)) for c in result.copied + result.kept],
        set(),
        complete=True,
    )
    _check_users(result)


def _gone(result: CollectResult, source: str) -> bool:
    """Whether this run listed the folder an earlier copy's ``source`` was in and did not find
    the file there, or listed a folder above it and the folder is gone: only then has the student
    deleted (or renamed) it. A folder not looked at this time (a root not given, a user no longer
    on the hub, a folder replaced by a link) says nothing about the files in it, and a file
    skipped by ``--set`` is still there."""
    folder = source.rpartition("/")[0]
    if folder in result.listed_folders:
        return source not in result.seen_files
    above = folder
    while "/" in above:  # the folder itself removed (a user's folder deleted from a root)
        above = above.rpartition("/")[0]
        if above in result.listed_folders:
            return not os.path.lexists(folder)
    return False


def _where(where: Any, source: Any) -> str:
    """Where an earlier copy's source is (see :attr:`Copied.where`). A manifest written before
    "where" existed gives only the source as typed: a file path is taken from this run's working
    folder (where an instructor runs bmc collect again), a server's URL path as it is."""
    if isinstance(where, str) and where:
        return where
    if not isinstance(source, str) or not source:
        return ""
    if "/api/contents/" in source:  # a server's file, read through its contents API
        return source
    return shown_path(os.path.realpath(source))


def _still_there(out: Path, folder: str, name: str) -> bool:
    """Whether an earlier copy ``out/folder/name`` is still a file of the collection's own (not
    removed by hand, not a link)."""
    path = out / folder / name
    try:
        return (
            path.is_file()
            and not path.is_symlink()
            and not path.parent.is_symlink()
            and path.resolve().is_relative_to(out.resolve())
        )
    except OSError:
        return False


def _write_manifest(
    result: CollectResult, files: list, remove: set[str], *, complete: bool
) -> None:
    from .answers import now_iso

    write_json_atomic(
        result.out / COLLECTION_FILE,
        {
            "format": COLLECTION_FORMAT,
            "version": 1,
            "complete": complete,
            "collected_at": now_iso(),
            "users": {folder: shown_path(user) for user, folder in sorted(result.users.items())},
            "known_users": sorted({shown_path(u) for u in (*result.known_users, *result.users)}),
            "files": [
                {
                    "target": os.path.relpath(target, result.out),
                    "user": shown_path(user),
                    "source": f.source,
                    "where": f.where or f.source,
                    "student_id": f.student_id,
                    "exercise_set": f.exercise_set,
                }
                for user, f, target in files
            ],
            "remove": sorted(remove),
        },
    )


def _check_users(result: CollectResult) -> None:
    """Notes for files naming another student, and a problem for users that stand for one student
    (``kim`` and full-width ``ｋｉｍ``, ``Kim`` and ``kim`` under two roots, ``lee`` and
    ``jupyter-lee``): they are never merged, and ``bmc grade`` counts a file naming that student
    only from the user spelt as the id (if there is one)."""
    known = sorted(set(result.known_users) | set(result.users))
    homes = HomeFolders({*known, *(c.user for c in result.copied)})
    for c in result.copied:
        if homes(c.student_id) != [c.user]:
            result.notes.append(
                (c.source, Msg("collect.names_other", student=c.student_id, user=c.user))
            )
    groups: dict[str, list[str]] = {}
    for user in known:
        key = normalise_id(user)
        groups.setdefault(key.removeprefix("jupyter-") or key, []).append(user)
    for key, users in sorted(groups.items()):
        if len(users) < 2:
            continue
        homes = home_folders(key, users)
        result.conflicts.append(
            (
                ", ".join(users),
                Msg("collect.same_student", users=", ".join(users), student=key, home=homes[0])
                if len(homes) == 1
                else Msg("collect.same_student_none", users=", ".join(users), student=key),
            )
        )


@dataclass(frozen=True)
class _Earlier:
    """A copy an earlier collection made, as its manifest lists it."""

    user: str
    folder: str
    name: str
    source: str
    exercise_set: str
    student_id: str
    where: str = ""


def _earlier_copies(manifest: Path) -> tuple[set[str], list[_Earlier], dict[str, str]]:
    """What an earlier collection wrote (and, if it was stopped half-way, meant to remove), as
    paths inside the output folder, the copies it lists with their users, and its users' folders
    (folder -> user)."""
    try:
        raw = json.loads(manifest.read_bytes())
    except (OSError, ValueError):
        return set(), [], {}
    if (
        not isinstance(raw, dict)
        or raw.get("format") != COLLECTION_FORMAT
        or not isinstance(raw.get("files"), list)
    ):
        return set(), [], {}

    def usable(t: Any) -> bool:
        return isinstance(t, str) and bool(t) and not os.path.isabs(t) and ".." not in Path(t).parts

    files = [f for f in raw["files"] if isinstance(f, dict) and usable(f.get("target"))]
    targets = {f["target"] for f in files}
    if isinstance(raw.get("remove"), list):
        targets |= {t for t in raw["remove"] if usable(t)}
    folders = raw.get("users") if isinstance(raw.get("users"), dict) else {}
    earlier, seen = [], set()
    for f in files:
        parts = Path(f["target"]).parts
        user = f.get("user")
        if (
            len(parts) != 2
            or not isinstance(user, str)
            or folders.get(parts[0], user) != user
            or parts[0].casefold() in RESERVED
            or is_hidden(parts[0])
            or f["target"] in seen
        ):
            continue
        seen.add(f["target"])
        earlier.append(
            _Earlier(
                user,
                parts[0],
                parts[1],
                *(str(f.get(k) or "") for k in ("source", "exercise_set", "student_id")),
                _where(f.get("where"), f.get("source")),
            )
        )
    users = {str(k): v for k, v in folders.items() if isinstance(v, str)}
    return targets, earlier, users


class _Output:
    """The output folder, held for one run: created if missing; a second ``bmc collect`` into it
    at the same time is refused (a lock on the folder, where the system has one); temporary files
    a killed run left are removed; what this run staged and did not place is removed at the end.
    """

    def __init__(self, out: str | os.PathLike):
        path = Path(out).expanduser()
        if path.exists() and not path.is_dir():
            raise BMCError(Msg("collect.out_not_folder", path=str(path)))
        manifest = path / COLLECTION_FILE
        if manifest.is_symlink() or (manifest.exists() and not manifest.is_file()):
            raise BMCError(Msg("collect.manifest_taken", path=str(manifest)))
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd: int | None = None
        self.staging = _Staging(path)

    def __enter__(self) -> Self:
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            fcntl = None
        if fcntl is not None:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise BMCError(Msg("collect.out_busy", path=str(self.path))) from None
            self._fd = fd
        try:
            with os.scandir(self.path) as found:
                leftovers = [
                    e.path
                    for e in found
                    if e.name.startswith(_TEMP_PREFIXES)
                    and e.name.endswith(".tmp")
                    and e.is_file(follow_symlinks=False)
                ]
        except OSError:
            leftovers = []
        for leftover in leftovers:
            try:
                os.unlink(leftover)
            except OSError:
                pass
        return self

    def __exit__(self, *exc) -> None:
        self.staging.halt()
        self.staging.discard_all()
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


def _classify(
    result_skipped: Counter, data: bytes, exercise_set: str | None
) -> tuple[str, str] | None:
    """The answer file's ``(set, student id)``, or None after counting why the bytes are skipped."""
    found = _answer_fields(data)
    if found is None:
        result_skipped["not_answer"] += 1
        return None
    if exercise_set is not None and found[0] != exercise_set:
        result_skipped["other_set"] += 1
        return None
    return found


# -- home folders ---------------------------------------------------------------------------------

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _read_regular(path: str, max_bytes: int) -> tuple[str, bytes | None, float | None]:
    """``("ok", bytes, mtime)`` or a skip reason (``special``, ``symlink``, ``too_large``).

    Opened without following links and without blocking, then checked on the open file, so a
    file swapped for a FIFO or a link after the folder was listed is still never read.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        if os.path.islink(path):
            return "symlink", None, None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "special", None, None
        if st.st_size > max_bytes:
            return "too_large", None, None
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            return "too_large", None, None
        return "ok", b"".join(chunks), st.st_mtime
    finally:
        os.close(fd)


def _walk_user(
    result: CollectResult,
    staging: _Staging,
    user_dir: str,
    avoid: set[tuple[int, int]],
    exercise_set: str | None,
    max_bytes: int,
) -> list[_Found]:
    found: list[_Found] = []
    seen: set[tuple[int, int]] = set()
    stack = [(user_dir, "")]
    while stack:
        folder, rel = stack.pop()
        try:
            st = os.stat(folder, follow_symlinks=False)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(
                (shown_path(folder), Msg("inputs.folder_unreadable", reason=os_reason(exc)))
            )
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        real = os.path.realpath(folder)
        result.listed_folders.add(shown_path(real))
        subfolders = []
        for entry in entries:
            name = entry.name
            is_json = name.rstrip().lower().endswith(".json")  # "s4.JSON " too: bmc grade reads it
            try:
                if entry.is_symlink():
                    if is_json or entry.is_dir():  # is_dir follows the link only to ask
                        result.skipped["symlink"] += 1
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_hidden(name):
                    if is_dir or is_json:
                        result.skipped["hidden"] += 1
                    continue
                if is_dir:
                    if _key(entry) in avoid:
                        result.notes.append((entry.path, Msg("collect.output_folder")))
                        continue
                    subfolders.append((entry.path, f"{rel}{name}/"))
                    continue
                if is_json:
                    result.seen_files.add(shown_path(os.path.join(real, name)))
                if not is_json:
                    if looks_like_answer(name):
                        result.notes.append(
                            (shown_path(entry.path), Msg("collect.looks_like_answer"))
                        )
                    continue
                if not entry.is_file(follow_symlinks=False):
                    result.skipped["special"] += 1
                    continue
                status, data, mtime = _read_regular(entry.path, max_bytes)
            except OSError as exc:
                result.problems.append(
                    (shown_path(entry.path), Msg("file.cannot_read", reason=os_reason(exc)))
                )
                continue
            if status != "ok":
                result.skipped[status] += 1
                continue
            fields = _classify(result.skipped, data, exercise_set)
            if fields is not None:
                found.append(
                    _Found(
                        f"{rel}{name}",
                        shown_path(entry.path),
                        staging.stage(data, mtime),
                        *fields,
                        where=shown_path(os.path.join(real, name)),
                    )
                )
            del data
        stack.extend(reversed(subfolders))
    return found


def _key(entry_or_path) -> tuple[int, int]:
    st = (
        entry_or_path.stat(follow_symlinks=False)
        if isinstance(entry_or_path, os.DirEntry)
        else os.stat(entry_or_path)
    )
    return st.st_dev, st.st_ino


def collect_folders(
    roots: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    exercise_set: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> CollectResult:
    """Copy every answer file under ``ROOT/<user>/`` into ``out/<user>/`` (see the module doc).

    Args:
        roots: folders that hold one folder per user (e.g. ``/home``).
        out: the folder to copy into (created if missing; may not be one of ``roots``).
        exercise_set: only answer files of this exercise set (others are counted as skipped).
        max_bytes: files larger than this are not read.

    Returns:
        A :class:`CollectResult`; ``bmc grade out ...`` grades it.
    """
    roots = [Path(r).expanduser() for r in roots]
    if not roots:
        raise BMCError(Msg("collect.no_roots"))
    for root in roots:
        if not root.is_dir():
            raise BMCError(Msg("inputs.missing", path=str(root)))
    with _Output(out) as output:
        out_key = _key(output.path)
        for root in roots:
            if _key(root) == out_key:
                raise BMCError(Msg("collect.out_is_root", path=str(output.path)))
        result = CollectResult(output.path)
        per_user: dict[str, list[_Found]] = {}
        incomplete: set[str] = set()
        unlisted = _collect_roots(
            result, output.staging, roots, per_user, incomplete, out_key, exercise_set, max_bytes
        )
        result.known_users = sorted(per_user)
        result.empty_users = [u for u in sorted(per_user) if not per_user[u]]
        _publish(result, per_user, output.staging, incomplete=incomplete, unlisted=unlisted)
    return result


def _collect_roots(
    result: CollectResult,
    staging: _Staging,
    roots: list[Path],
    per_user: dict[str, list[_Found]],
    incomplete: set[str],
    out_key: tuple[int, int],
    exercise_set: str | None,
    max_bytes: int,
) -> list[str]:
    """Read every user's folder under ``roots`` into ``per_user``; ``incomplete`` gets the users
    whose folder (or a file or folder in it) could not be read. Returns the roots that could not
    be listed (a user not found may still have a folder there)."""
    unlisted = []
    places = set()
    for root in roots:
        place = os.path.realpath(root)
        if place in places:  # the same folder named twice (home and /abs/home): read once
            continue
        places.add(place)
        try:
            with os.scandir(root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(
                (str(root), Msg("inputs.folder_unreadable", reason=os_reason(exc)))
            )
            unlisted.append(shown_path(root))
            continue
        result.listed_folders.add(shown_path(os.path.realpath(root)))
        for entry in entries:
            try:
                if entry.is_symlink():
                    result.skipped["symlink"] += 1
                    result.notes.append((entry.path, Msg("collect.root_link")))
                    continue
                if not entry.is_dir(follow_symlinks=False):
                    if entry.name.lower().endswith(".json"):
                        result.notes.append((entry.path, Msg("collect.root_file")))
                    continue
                if is_hidden(entry.name):
                    result.skipped["hidden"] += 1
                    continue
                if _key(entry) == out_key:
                    continue
            except OSError as exc:
                result.problems.append(
                    (entry.path, Msg("inputs.folder_unreadable", reason=os_reason(exc)))
                )
                incomplete.add(shown_path(entry.name))
                continue
            user = shown_path(entry.name)  # (a name with line breaks or terminal codes, escaped)
            problems = len(result.problems)
            found = _walk_user(result, staging, entry.path, {out_key}, exercise_set, max_bytes)
            per_user.setdefault(user, []).extend(found)
            if len(result.problems) > problems:
                incomplete.add(user)
    return unlisted


# -- through a hub's REST API
# ------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the token must never travel to another address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


#: the largest answer bmc reads from a hub or server (a folder listing, a page of users) unless a
#: request says otherwise: a student's server sending more is cut off, not held in memory
MAX_RESPONSE = 16 * 1024 * 1024

#: how long one student's server may take for everything bmc reads from it (``--server-timeout``)
SERVER_TIMEOUT = 60.0
#: the status of a HubError raised when a server's time (SERVER_TIMEOUT) is up
TIMED_OUT = -2


class _Watched:
    """The connections one request opens, so that a deadline can cut them whatever they are
    waiting for (a server that sends a byte now and then never trips a socket timeout)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.socks: list = []
        self.cut = False

    def connection(self, cls):
        watched = self

        class Connection(cls):
            def connect(self):
                super().connect()
                # the socket itself: urllib drops ``self.sock`` once the headers are in, and the
                # response reads on from the same socket
                with watched.lock:
                    watched.socks.append(self.sock)
                    late = watched.cut
                if late:
                    self.sock.shutdown(socket.SHUT_RDWR)

        return Connection

    def cut_all(self) -> None:
        with self.lock:
            self.cut = True
            socks = list(self.socks)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, watched: _Watched):
        super().__init__()
        self.watched = watched

    def http_open(self, req):
        return self.do_open(self.watched.connection(http.client.HTTPConnection), req)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, watched: _Watched):
        super().__init__()
        self.watched = watched

    def https_open(self, req):
        extra = {"check_hostname": self._check_hostname} if hasattr(self, "_check_hostname") else {}
        return self.do_open(
            self.watched.connection(http.client.HTTPSConnection),
            req,
            context=self._context,
            **extra,
        )


class HubError(BMCError):
    """A request to the hub failed; ``status`` is the HTTP status (0: no answer; -1: too large;
    -2: the server's time is up)."""

    def __init__(self, message: Msg | str, status: int = 0):
        self.status = status
        super().__init__(message)


class HubClient:
    """The few hub and server requests ``bmc collect --hub`` makes (standard library only).

    The token goes only into the ``Authorization: token ...`` header (a ``?token=`` URL is
    refused by the servers and would end up in logs), and redirects are never followed. No answer
    is read beyond its limit (:data:`MAX_RESPONSE` unless a request says otherwise), and with a
    ``deadline`` (a :func:`time.monotonic` time) every request stops at it, however slowly the
    other end sends.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 30.0):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BMCError(Msg("collect.bad_hub_url", url=repr(url)))
        if not token:
            raise BMCError(Msg("collect.no_token"))
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base = parts.path.rstrip("/")  # the hub's base_url, if it has one
        self.token = token
        self.timeout = timeout
        self.deadline: float | None = None
        self.allowed = 0.0  # the time the deadline allows, for the message
        self.staging: _Staging | None = None  # a run that may end: it can cut this client's reads

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        limit: int | None = None,
        accept: str = "application/json",
    ) -> tuple[int, Any]:
        """``(status, parsed JSON or None)``; raises :class:`HubError` on failure."""
        limit = MAX_RESPONSE if limit is None else limit
        url = self.origin + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        req.add_unredirected_header("Authorization", f"token {self.token}")
        req.add_header("Accept", accept)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        timeout, timer, watched = self.timeout, None, _Watched()
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._late()
            timeout = min(timeout, left)
            timer = threading.Timer(left, watched.cut_all)
            timer.daemon = True
            timer.start()
        opener = urllib.request.build_opener(
            _NoRedirect(), _WatchedHTTP(watched), _WatchedHTTPS(watched)
        )
        if self.staging is not None:
            self.staging.watch(watched)
        try:
            with opener.open(req, timeout=timeout) as resp:
                chunks, size = [], 0
                while size <= limit:
                    chunk = resp.read1(min(1 << 16, limit + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                raw = b"".join(chunks)
                del chunks
                status = resp.status
        except urllib.error.HTTPError as exc:
            reason = _hub_message(exc)
            if watched.cut:
                raise self._late() from None
            raise HubError(
                Msg(
                    "collect.http",
                    request=f"{method} {path}",
                    code=exc.code,
                    reason=f": {reason}" if reason else "",
                ),
                exc.code,
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            if watched.cut:
                raise self._late() from None
            why = str(getattr(exc, "reason", exc)) or exc.__class__.__name__
            raise HubError(Msg("collect.no_answer", request=f"{method} {path}", why=why)) from None
        finally:
            if timer is not None:
                timer.cancel()
            if self.staging is not None:
                self.staging.unwatch(watched)
        if watched.cut:
            raise self._late()
        if len(raw) > limit:
            raise HubError(Msg("collect.too_large", request=f"{method} {path}", limit=limit), -1)
        if not raw.strip():
            return status, None
        try:
            return status, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HubError(Msg("collect.not_json", request=f"{method} {path}"), status) from None

    def _late(self) -> HubError:
        return HubError(Msg("collect.server_timeout", seconds=f"{self.allowed:g}"), TIMED_OUT)

    def with_token(self, token: str) -> HubClient:
        """The same hub, another token (a user's own short-lived one, for their server)."""
        other = HubClient.__new__(HubClient)
        other.__dict__.update(self.__dict__)
        other.token = token
        return other

    def api(self, method: str, path: str, **kw) -> Any:
        return self.request(method, f"{self.base}/hub/api{path}", **kw)[1]

    def users(self) -> list[dict]:
        """Every user model, page by page."""
        users, offset = [], 0
        while True:
            page = self.api(
                "GET",
                f"/users?offset={offset}&limit=200",
                accept="application/jupyterhub-pagination+json",
            )
            if isinstance(page, list):  # a hub without pagination
                return users + page
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise HubError(Msg("collect.not_users", request="GET /hub/api/users"))
            users += page["items"]
            nxt = (page.get("_pagination") or {}).get("next")
            if not nxt or not page["items"]:
                return users
            offset = int(nxt.get("offset", offset + len(page["items"])))


def _hub_message(exc) -> str:
    try:
        body = json.loads(exc.read(65536).decode("utf-8"))
        return str(body.get("message", ""))[:200] if isinstance(body, dict) else ""
    # an error page of any shape; the status says enough
    except (OSError, ValueError, AttributeError):
        return ""


def _server_urls(model: dict) -> list[tuple[str, str]]:
    """``(server name, url path)`` of a user's ready servers."""
    servers = model.get("servers")
    if isinstance(servers, dict) and servers:
        return sorted(
            (name, s["url"])
            for name, s in servers.items()
            if isinstance(s, dict) and s.get("ready") and isinstance(s.get("url"), str)
        )
    url = model.get("server")
    return [("", url)] if isinstance(url, str) and url else []


def _read_server(
    client: HubClient,
    server_url: str,
    prefix: str,
    skipped: Counter,
    problems: list[tuple[str, str]],
    exercise_set: str | None,
    max_bytes: int,
    staging: _Staging,
    *,
    max_folders: int = 2000,
    max_depth: int = 12,
    max_listing: int | None = None,
    listed: set[str] | None = None,
    seen: set[str] | None = None,
) -> list[_Found]:
    """Every ``answers/*.json`` answer file a server's contents API shows (hidden ones it hides).
    A folder whose listing is larger than ``max_listing`` bytes is a problem, the others are read.
    ``listed`` gets each folder listed and ``seen`` each answer-like file in them (as sources).
    """
    listed = set() if listed is None else listed
    seen = set() if seen is None else seen
    api = server_url.rstrip("/") + "/api/contents/"
    found: list[_Found] = []
    stack, visited = [("", 0)], set()
    while stack and len(visited) < max_folders:
        if staging.stop.is_set():
            raise _Stopped
        folder, depth = stack.pop()
        if folder in visited:
            continue
        visited.add(folder)
        try:
            _status, model = client.request(
                "GET", api + quote(folder) + "?content=1&type=directory", limit=max_listing
            )
        except HubError as exc:
            if exc.status != -1:
                raise
            problems.append((api + folder, exc.msg))
            continue
        content = model.get("content") if isinstance(model, dict) else None
        if not isinstance(content, list):
            raise HubError(Msg("collect.not_listing", request=f"GET {api + folder}"))
        entries = sorted(
            (e for e in content if isinstance(e, dict)), key=lambda e: str(e.get("name", ""))
        )
        in_answers = folder.rsplit("/", 1)[-1] == "answers"
        listed.add((api + folder).rstrip("/"))
        subfolders = []
        for entry in entries:
            name, kind, path = (
                str(entry.get("name", "")),
                entry.get("type"),
                str(entry.get("path", "")),
            )
            if is_hidden(name):  # a save's lock and temporary files are hidden too: not counted
                if kind == "directory" or name.rstrip().lower().endswith(".json"):
                    skipped["hidden"] += 1
                continue
            if kind == "directory":
                if depth < max_depth and path not in visited:
                    subfolders.append((path, depth + 1))
                continue
            if not (in_answers and kind == "file" and name.lower().endswith(".json")):
                continue
            seen.add(api + path)
            size = entry.get("size")
            if isinstance(size, int) and size > max_bytes:
                skipped["too_large"] += 1
                continue
            source = api + path
            try:
                _s, file_model = client.request(
                    "GET",
                    api + quote(path) + "?content=1&type=file&format=text",
                    limit=4 * max_bytes + 65536,
                )
            except HubError as exc:
                if exc.status == TIMED_OUT:  # the server's time is up: the rest of it is not read
                    raise
                if exc.status == -1:
                    skipped["too_large"] += 1
                elif exc.status == 400:  # not UTF-8 text: not an answer file
                    skipped["not_answer"] += 1
                else:
                    problems.append((source, exc.msg))
                continue
            text = file_model.get("content") if isinstance(file_model, dict) else None
            if not isinstance(text, str):
                skipped["not_answer"] += 1
                continue
            data = text.encode("utf-8")
            if len(data) > max_bytes:
                skipped["too_large"] += 1
                continue
            fields = _classify(skipped, data, exercise_set)
            if fields is not None:
                found.append(_Found(prefix + path, source, staging.stage(data, None), *fields))
            del data, text, file_model
        stack.extend(reversed(subfolders))
    if stack:
        problems.append((api, Msg("collect.max_folders", count=max_folders)))
    return found


@dataclass
class _UserOutcome:
    found: list[_Found] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)
    unreachable: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


def _start_server(
    client: HubClient, name: str, timeout: float, sleep: Callable[[float], None]
) -> str:
    """Start a user's default server and wait until it is ready; return its URL path."""
    user = quote(name, safe="")
    client.request("POST", f"{client.base}/hub/api/users/{user}/server")
    deadline = time.monotonic() + timeout
    while True:
        model = client.api("GET", f"/users/{user}")
        if not isinstance(model, dict):
            raise HubError(Msg("collect.not_user", request=f"GET /hub/api/users/{user}"))
        if isinstance(model.get("server"), str) and model["server"]:
            return model["server"]
        if not model.get("pending"):
            raise HubError(Msg("collect.server_stopped"))
        if time.monotonic() > deadline:
            raise HubError(Msg("collect.server_slow", seconds=f"{timeout:g}"))
        sleep(0.5)


def _server_token(client: HubClient, name: str) -> tuple[HubClient, Callable[[], None]]:
    """A client for user ``name``'s own server with a token made for that alone, and a function
    that deletes the token again.

    A student controls their server: whatever it is sent, the student can read. So bmc never
    sends its own token there (with it, a student could read every classmate's server). It asks
    the hub instead for a token owned by the student, allowed only ``access:servers!user=<name>``
    (what the student can do anyway) and expiring in 5 minutes, and deletes it after reading.
    This needs the ``tokens`` scope for the users collected from.
    """
    user = quote(name, safe="")
    model = client.api(
        "POST",
        f"/users/{user}/tokens",
        body={"scopes": [f"access:servers!user={name}"], "expires_in": 300, "note": "bmc-collect"},
    )
    if not isinstance(model, dict) or not isinstance(model.get("token"), str) or not model["token"]:
        raise HubError(Msg("collect.not_token", request=f"POST /hub/api/users/{user}/tokens"))
    token_id = model.get("id")

    def forget() -> None:
        if token_id is None:
            return
        try:
            client.api("DELETE", f"/users/{user}/tokens/{quote(str(token_id), safe='')}")
        except HubError:
            pass  # it expires within minutes anyway

    return client.with_token(model["token"]), forget


def _collect_user(
    client: HubClient,
    model: dict,
    *,
    start_stopped: bool,
    exercise_set: str | None,
    max_bytes: int,
    start_timeout: float,
    sleep: Callable[[float], None],
    staging: _Staging,
    server_timeout: float,
) -> _UserOutcome:
    outcome = _UserOutcome()
    name = model["name"]
    servers = _server_urls(model)
    started = False
    if not servers:
        if not start_stopped:
            outcome.unreachable = Msg("collect.no_server")
            return outcome
        try:
            servers = [("", _start_server(client, name, start_timeout, sleep))]
            started = True
        except HubError as exc:
            outcome.unreachable = Msg("collect.could_not_start", error=exc)
            return outcome
    try:
        try:
            server_client, forget = _server_token(client, name)
        except HubError as exc:
            outcome.unreachable = Msg("collect.no_user_token", error=exc)
            return outcome
        server_client.deadline = time.monotonic() + server_timeout
        server_client.allowed = server_timeout
        server_client.staging = staging
        try:
            for server_name, url in servers:
                prefix = f"{server_name}/" if server_name else ""
                try:
                    outcome.found += _read_server(
                        server_client,
                        url,
                        prefix,
                        outcome.skipped,
                        outcome.problems,
                        exercise_set,
                        max_bytes,
                        staging,
                        listed=outcome.listed,
                        seen=outcome.seen,
                    )
                except HubError as exc:
                    # none of this user's files is copied: an older file on one server must not
                    # be graded while a newer one on another was not read
                    outcome.unreachable = Msg("collect.server_error", url=url, error=exc)
                    outcome.found = []
                    break
        finally:
            forget()
    finally:
        if started:
            try:
                client.request(
                    "DELETE", f"{client.base}/hub/api/users/{quote(name, safe='')}/server"
                )
            except HubError as exc:
                outcome.notes.append((name, Msg("collect.not_stopped", error=exc)))
    return outcome


def collect_hub(
    url: str,
    out: str | os.PathLike,
    *,
    token: str | None = None,
    start_stopped: bool = False,
    exercise_set: str | None = None,
    max_bytes: int = MAX_BYTES,
    start_timeout: float = 120.0,
    workers: int = 4,
    timeout: float = 30.0,
    server_timeout: float = SERVER_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> CollectResult:
    """Copy every user's ``answers/*.json`` answer files, read through the hub, into
    ``out/<user>/``.

    Args:
        url: the hub's address (``https://hub.example.edu``, with its base URL if it has one).
        out: the folder to copy into (created if missing).
        token: an API token (default ``$JUPYTERHUB_API_TOKEN``) of a hub service with the
            scopes ``list:users``, ``read:users`` and ``tokens`` (``--start-stopped`` also needs
            ``servers``). It is sent to the hub only: each server is read with a token the hub
            makes for that user alone (see :func:`_server_token`), deleted afterwards.
        start_stopped: start users' stopped servers, collect, and stop them again.
        exercise_set: only answer files of this exercise set.
        timeout: seconds any one read may wait for the other end.
        server_timeout: seconds one student's server may take for everything read from it
            (however slowly it sends); then it is listed as not reached.

    A user whose server is not running, cannot be started, does not answer or runs out of time
    is listed in ``unreachable``; the others are collected all the same.
    """
    client = HubClient(
        url, os.environ.get("JUPYTERHUB_API_TOKEN", "") if token is None else token, timeout=timeout
    )
    try:
        models = [
            m for m in client.users() if isinstance(m, dict) and isinstance(m.get("name"), str)
        ]
    except HubError as exc:
        hint = {
            401: Msg("collect.hint_401"),
            403: Msg("collect.hint_403"),
            404: Msg("collect.hint_404"),
        }.get(exc.status, "")
        raise BMCError(Msg("collect.cannot_list", error=exc, hint=hint)) from None
    models.sort(key=lambda m: m["name"])
    with _Output(out) as output:
        result = CollectResult(output.path)
        result.known_users = [shown_path(m["name"]) for m in models]

        def work(model):
            return _collect_user(
                client,
                model,
                start_stopped=start_stopped,
                exercise_set=exercise_set,
                max_bytes=max_bytes,
                start_timeout=start_timeout,
                sleep=sleep,
                staging=output.staging,
                server_timeout=server_timeout,
            )

        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            outcomes = list(pool.map(work, models))
        except BaseException:
            output.staging.halt()  # the servers still being read give up at once
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        per_user: dict[str, list[_Found]] = {}
        incomplete: set[str] = set()
        for model, outcome in zip(models, outcomes):
            user = shown_path(model["name"])  # (a name with line breaks or terminal codes, escaped)
            result.listed_folders |= outcome.listed
            result.seen_files |= outcome.seen
            result.skipped.update(outcome.skipped)
            result.problems += outcome.problems
            result.notes += outcome.notes
            per_user[user] = [] if outcome.unreachable else outcome.found
            if outcome.unreachable or outcome.problems:
                incomplete.add(user)
            if outcome.unreachable:
                result.unreachable.append((user, outcome.unreachable))
            elif not outcome.found:
                result.empty_users.append(user)
        _publish(result, per_user, output.staging, incomplete=incomplete)
    return result
