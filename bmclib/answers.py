"""Answer files (CONTRACT.md section 3): one JSON file per student and exercise set.

Reading is strict and every failure is an ``AnswerFileError`` with a plain reason.
Writing is atomic (temporary file, then ``os.replace``), so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import AnswerFileError

FORMAT = "bmclib-answers"
VERSION = 1


def now_iso() -> str:
    """The current local time as ISO 8601 with its UTC offset, to the second."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def parse_time(text: Any) -> datetime | None:
    """Parse an ISO 8601 time; a time without offset is taken as UTC. None if unreadable.

    >>> parse_time("2026-11-20T10:00:00+09:00").isoformat()
    '2026-11-20T10:00:00+09:00'
    >>> parse_time("yesterday") is None
    True
    """
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class AnswerFile:
    """A student's answers to one exercise set."""

    student_id: str
    exercise_set: str
    answers: dict[str, str] = field(default_factory=dict)
    student_name: str = ""
    saved_at: str = ""
    attempts: list[dict] = field(default_factory=list)
    source: str = ""

    @property
    def saved_time(self) -> datetime | None:
        return parse_time(self.saved_at)

    def to_dict(self) -> dict:
        from . import __version__

        return {
            "format": FORMAT,
            "version": VERSION,
            "student_id": self.student_id,
            "student_name": self.student_name,
            "exercise_set": self.exercise_set,
            "answers": dict(self.answers),
            "saved_at": self.saved_at,
            "attempts": list(self.attempts),
            "bmclib_version": __version__,
        }

    def record(self, item_id: str, choice: str | None, *, event: str = "choose") -> None:
        """Set (or clear, with ``None``) one answer and log the attempt with a timestamp."""
        stamp = now_iso()
        if choice is None:
            self.answers.pop(item_id, None)
        else:
            self.answers[item_id] = choice
        self.attempts.append({"item": item_id, "choice": choice, "event": event, "at": stamp})
        self.saved_at = stamp


def _describe(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def parse_answers(data: bytes, source: str = "<answers>") -> AnswerFile:
    """Parse the bytes of an answer file; raise ``AnswerFileError`` with a plain reason.

    >>> af = parse_answers(b'{"format": "bmclib-answers", "version": 1, "student_id": "s1",'
    ...                    b' "exercise_set": "x", "answers": {"netflix": "self_service"}}')
    >>> af.answers
    {'netflix': 'self_service'}
    >>> parse_answers(b'{"format": "bmclib-answers", "version": 2}', "a.json")
    Traceback (most recent call last):
    ...
    bmclib.errors.AnswerFileError: a.json: unknown version 2 (this bmclib reads version 1)
    """
    if not isinstance(data, (bytes, bytearray)):
        raise AnswerFileError(source, "expected the bytes of a file")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnswerFileError(source, "not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise AnswerFileError(source, f"not valid JSON{where}") from None
    if not isinstance(raw, dict):
        raise AnswerFileError(source, f"not an answer file: the top level is {_describe(raw)}, not an object")
    if raw.get("format") != FORMAT:
        got = raw.get("format")
        raise AnswerFileError(source, f"wrong format {got!r}; an answer file has \"format\": \"{FORMAT}\""
                              if "format" in raw else f"not an answer file: no \"format\": \"{FORMAT}\"")
    version = raw.get("version")
    if version != VERSION or isinstance(version, bool):
        raise AnswerFileError(source, f"unknown version {version!r} (this bmclib reads version {VERSION})")
    student = raw.get("student_id")
    if isinstance(student, int) and not isinstance(student, bool):
        student = str(student)
    if not isinstance(student, str) or not student.strip():
        raise AnswerFileError(source, "missing student_id")
    exercise_set = raw.get("exercise_set")
    if not isinstance(exercise_set, str) or not exercise_set.strip():
        raise AnswerFileError(source, "missing exercise_set")
    answers = raw.get("answers")
    if not isinstance(answers, dict):
        raise AnswerFileError(source, f"'answers' must be an object mapping item ids to choices, not {_describe(answers)}")
    clean: dict[str, str] = {}
    for item, choice in answers.items():
        if choice is None:
            continue
        if not isinstance(choice, str):
            raise AnswerFileError(source, f"answer to '{item}' is {_describe(choice)}; each answer is one choice id (a string)")
        clean[item] = choice
    name = raw.get("student_name")
    saved_at = raw.get("saved_at")
    attempts = raw.get("attempts")
    return AnswerFile(
        student_id=student.strip(),
        exercise_set=exercise_set.strip(),
        answers=clean,
        student_name=name.strip() if isinstance(name, str) else "",
        saved_at=saved_at if isinstance(saved_at, str) else "",
        attempts=[a for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else [],
        source=source,
    )


def read_answers(path: str | os.PathLike) -> AnswerFile:
    """Read and check one answer file from disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AnswerFileError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    return parse_answers(data, str(path))


def write_json_atomic(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON to ``path`` atomically: a temporary file in the same folder, then ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def write_answers(path: str | os.PathLike, answers: AnswerFile) -> Path:
    """Save an answer file atomically and return its path."""
    if not answers.saved_at:
        answers.saved_at = now_iso()
    return write_json_atomic(path, answers.to_dict())


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock beside ``path`` while reading and rewriting it (where the OS has flock)."""
    try:
        from fcntl import LOCK_EX, LOCK_UN, flock
    except ImportError:  # Windows, or JupyterLite (whose fcntl is an empty stub): atomic replace alone
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        flock(lock, LOCK_EX)
        try:
            yield
        finally:
            flock(lock, LOCK_UN)


def record_change(path: str | os.PathLike, answers: AnswerFile, item_id: str, choice: str | None, *,
                  event: str = "choose") -> AnswerFile:
    """Record one change and save it, keeping whatever another open copy saved meanwhile.

    The same exercise may be open twice (a second browser tab, a re-run notebook). Each change
    therefore re-reads the file, merges it with ``answers``, applies the change and writes the
    result atomically, all under a lock. Returns the merged answers, which the caller should
    keep as its new state.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "set.json"
    >>> tab1, tab2 = AnswerFile("s1", "set"), AnswerFile("s1", "set")
    >>> tab1 = record_change(p, tab1, "a", "self_service")
    >>> tab2 = record_change(p, tab2, "b", "communities")
    >>> tab1 = record_change(p, tab1, "c", "co_creation")   # tab1 never saw "b": it is kept
    >>> sorted(read_answers(p).answers.items())
    [('a', 'self_service'), ('b', 'communities'), ('c', 'co_creation')]
    """
    target = Path(path)
    with _locked(target):
        merged = answers
        try:
            disk = read_answers(target) if target.is_file() else None
        except AnswerFileError:
            disk = None
        if disk is not None and (disk.exercise_set, disk.student_id) == (answers.exercise_set, answers.student_id):
            seen = {json.dumps(a, sort_keys=True) for a in disk.attempts}
            attempts = disk.attempts + [a for a in answers.attempts if json.dumps(a, sort_keys=True) not in seen]
            attempts.sort(key=lambda a: str(a.get("at", "")))
            merged = AnswerFile(student_id=answers.student_id, exercise_set=answers.exercise_set,
                                answers={**answers.answers, **disk.answers},
                                student_name=answers.student_name or disk.student_name,
                                saved_at=disk.saved_at, attempts=attempts, source=str(target))
        merged.record(item_id, choice, event=event)
        write_answers(target, merged)
    return merged


def load_or_new(path: str | os.PathLike, *, student_id: str, exercise_set: str, student_name: str = "") -> AnswerFile:
    """Open an existing answer file to continue, or start a new one.

    A file that belongs to another exercise set or cannot be read is kept aside as
    ``<name>.bad-<time>.json`` (never deleted) and a fresh file is started.
    """
    target = Path(path)
    if target.exists():
        try:
            af = read_answers(target)
        except AnswerFileError:
            af = None
        if af is not None and af.exercise_set == exercise_set:
            if student_id:
                af.student_id = student_id
            if student_name:
                af.student_name = student_name
            af.source = str(target)
            return af
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        os.replace(target, target.with_name(f"{target.stem}.bad-{stamp}{target.suffix}"))
    return AnswerFile(student_id=student_id, exercise_set=exercise_set, student_name=student_name, source=str(target))
