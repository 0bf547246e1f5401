"""Answer files (CONTRACT.md section 3): one JSON file per student and exercise set.

Reading is strict and every failure is an ``AnswerFileError`` with a plain reason.
Writing is atomic (temporary file, then ``os.replace``), so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import AnswerFileError
from .fileio import (
    BIDI_CONTROLS,
    FileTooLarge,
    clean_stale_temp_files,
    json_reason,
    normalise_id,
    os_reason,
    read_limited,
    strip_ignorable,
    text_problem,
    to_json,
    value_kind,
    write_atomic,
    write_json_atomic,  # noqa: F401 - imported from here by callers
)
from .i18n import Msg

FORMAT = "bmclib-answers"
VERSION = 1
#: the attempt log keeps this many newest entries; older ones are counted in ``attempts_dropped``
MAX_ATTEMPTS = 1000
#: a longer student id is refused (no school's id is this long)
MAX_ID_LENGTH = 100
#: a longer student name is cut to this many characters (and the cut noted where it is graded)
MAX_NAME_LENGTH = 200


def resolve_answers_dir(given: str | os.PathLike | None = None) -> Path:
    """Where answer files go: ``given``, else ``$BMC_ANSWERS_DIR``, else ``answers/`` in the
    current folder (a notebook kernel's folder is the notebook's own folder).

    >>> resolve_answers_dir("/tmp/x").as_posix()
    '/tmp/x'
    """
    chosen = given if given is not None else os.environ.get("BMC_ANSWERS_DIR") or "answers"
    return Path(chosen).expanduser().absolute()


#: ``bmc.answers_dir()``: the folder the exercises save into (a lesson saves its own files there
#: too).
answers_dir = resolve_answers_dir


def now_iso() -> str:
    """The current local time as ISO 8601 with its UTC offset, to the second."""
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


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
        value = datetime.fromisoformat(text.strip())  # "Z" too, since Python 3.11
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    #: attempts dropped from the front of the log when it outgrew MAX_ATTEMPTS
    attempts_dropped: int = 0
    #: changes made in memory that no save has written yet (item -> choice, None = cleared)
    pending: dict = field(default_factory=dict, repr=False, compare=False)
    #: how many of the newest attempts no save has written yet
    unsaved: int = field(default=0, repr=False, compare=False)
    #: the length of the student name as the file wrote it, when it was cut (MAX_NAME_LENGTH)
    name_cut: int = field(default=0, repr=False, compare=False)

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
            **({"attempts_dropped": self.attempts_dropped} if self.attempts_dropped else {}),
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
        self.pending[item_id] = choice
        self.unsaved += 1

    def note_open(self) -> None:
        """Log that the exercise was opened (no answer changes); the next save writes it, so the
        time to a first answer is measured from here, not from an earlier session."""
        self.attempts.append({"item": None, "choice": None, "event": "open", "at": now_iso()})
        self.unsaved += 1

    def trim_attempts(self, limit: int | None = None) -> None:
        """Keep the newest ``limit`` attempts (default :data:`MAX_ATTEMPTS`) and count the rest,
        so a save costs the same however long a student has worked."""
        limit = MAX_ATTEMPTS if limit is None else limit
        extra = len(self.attempts) - limit
        if extra > 0:
            del self.attempts[:extra]
            self.attempts_dropped += extra


_describe = value_kind
#: an answer file with more JSON objects than this is not one bmclib wrote (1,000 attempts are
#: ~1,000)
MAX_OBJECTS = 100_000


class _Refused(Exception):
    def __init__(self, msg: Msg):
        self.msg = msg


_LOCAL = threading.local()


def _decoder() -> tuple[json.JSONDecoder, list[int]]:
    """This thread's JSON decoder for answer files and its object counter (reset per file).

    Its object hook counts objects (stops past :data:`MAX_OBJECTS`, so a small file of ``{}``
    cannot fill memory) and refuses a name given twice in one object. One decoder is kept per
    thread: making one per file costs as much as parsing a small file."""
    found = getattr(_LOCAL, "decoder", None)
    if found is None:
        counter = [0]

        def hook(pairs: list, _dict=dict, _len=len) -> dict:
            obj = _dict(pairs)
            counter[0] += 1
            if counter[0] > MAX_OBJECTS:
                raise _Refused(Msg("answers.too_many_objects", limit=f"{MAX_OBJECTS:,}"))
            if _len(obj) != _len(pairs):
                seen = set()
                for name, _value in pairs:
                    if name in seen:
                        raise _Refused(Msg("answers.duplicate_name", name=_quoted(name)))
                    seen.add(name)
            return obj

        found = _LOCAL.decoder = (json.JSONDecoder(object_pairs_hook=hook), counter)
    return found


def _quoted(text: str) -> str:
    return json.dumps(text[:60], ensure_ascii=True)


def _check_text(field_name: str, value: str) -> None:
    why = text_problem(value)
    if why is not None:
        raise _Refused(Msg("answers.bad_text", field=field_name, why=why))


def parse_answers(
    data: bytes, source: str = "<answers>", *, keep_attempts: bool = True
) -> AnswerFile:
    """Parse the bytes of an answer file; raise ``AnswerFileError`` with a plain reason.

    Refused besides what CONTRACT.md section 3 requires: a name given twice in one object (which
    value counts would be a guess), text that no UTF-8 file can hold or that hides control
    characters (in the student's id and name, the set, the time or an answer), and more than
    :data:`MAX_OBJECTS` objects. ``keep_attempts=False`` drops the attempt log at once (grading
    does not read it), so a long log costs no memory after parsing.

    >>> af = parse_answers(b'{"format": "bmclib-answers", "version": 1, "student_id": "s1",'
    ...                    b' "exercise_set": "x", "answers": {"netflix": "self_service"}}')
    >>> af.answers
    {'netflix': 'self_service'}
    >>> parse_answers(b'{"format": "bmclib-answers", "version": 2}', "a.json")
    Traceback (most recent call last):
    ...
    bmclib.errors.AnswerFileError: a.json: unknown version 2 (this bmclib reads version 1)
    >>> parse_answers(  # doctest: +NORMALIZE_WHITESPACE
    ...     b'{"format": "bmclib-answers", "format": "x"}', "b.json"
    ... )
    Traceback (most recent call last):
    ...
    bmclib.errors.AnswerFileError: b.json: the name "format" is given twice in one object; which
    value counts cannot be known
    """
    if not isinstance(data, (bytes, bytearray)):
        raise AnswerFileError(source, Msg("answers.not_bytes"))
    try:
        text = bytes(data).decode("utf-8")  # (not "utf-8-sig": its codec is Python, 8x slower)
        if text[:1] == "\ufeff":  # a byte-order mark (Notepad's UTF-8)
            text = text[1:]
    except UnicodeDecodeError:
        # (UTF-16 is looked for only when reading failed: JSON in UTF-16 never parses as UTF-8)
        why = "answers.utf16" if _utf16(data) else "answers.not_utf8"
        raise AnswerFileError(source, Msg(why)) from None
    try:
        decoder, counter = _decoder()
        counter[0] = 0
        try:  # the usual file: one call of the C scanner (JSONDecoder.decode adds two regexes)
            raw, end = decoder.scan_once(text, 0)
        except StopIteration:  # leading spaces, an empty file: decode() says what is wrong
            end = -1
        if end != len(text) and (end < 0 or text[end:].strip(" \t\n\r")):
            counter[0] = 0
            raw = decoder.decode(text)
    except _Refused as exc:
        raise AnswerFileError(source, exc.msg) from None
    except Exception as exc:  # noqa: BLE001 - anything json raises on this text (by place, not by type)
        if _utf16(data):
            raise AnswerFileError(source, Msg("answers.utf16")) from None
        raise AnswerFileError(source, json_reason(exc, with_line=True)) from None
    del text
    try:
        return _answer_file(raw, source, keep_attempts)
    except _Refused as exc:
        raise AnswerFileError(source, exc.msg) from None


def _utf16(data: bytes) -> bool:
    """Whether ``data`` looks like UTF-16 text (with a byte-order mark or without): among its
    first characters, most have a NUL byte on the same side, as ``{``, ``"`` and every other ASCII
    character saved as UTF-16 have, and no JSON text in UTF-8 holds.

    >>> [_utf16(t) for t in ('{"a": 1}'.encode("utf-16-le"), '{"a": 1}'.encode("utf-16"))]
    [True, True]
    >>> [_utf16(t) for t in (b'{"a": 1}', b"\\x00\\x01", bytes(range(16)))]
    [False, False, False]
    """
    head = bytes(data[:66])
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head[2:]
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2][: len(head) // 2]
    even = even[: len(odd)]
    return any(
        zeros.count(0) * 4 >= len(zeros) * 3 and 0 not in other
        for zeros, other in ((odd, even), (even, odd))
    )


#: characters that change the direction of the text around them (bidirectional controls): they
#: make one id look like another in a table, so they are removed from names too
_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))
#: line and paragraph separators: they break a table's row in two where they are shown
_LINE_BREAKS = ("\u2028", "\u2029", "\x85")


def clean_student_id(value: str) -> str:
    """A student id as it is shown and stored: without surrounding spaces and invisible
    characters (:func:`bmclib.fileio.strip_ignorable`: zero-width spaces, direction controls,
    Hangul fillers); "" when nothing visible is left. Case and width are kept (compare with
    :func:`bmclib.fileio.normalise_id`).

    >>> [clean_student_id(t) for t in (" S0007\u200b ", "\u202es0007", "\u3164")]
    ['S0007', 's0007', '']
    >>> [clean_student_id(t) for t in ("\u2800\u2800", "\u0301", "\ufffe", "\u0378")]  # blank signs
    ['', '', '', '']
    """
    if value.isascii():
        return value.strip()
    cleaned = strip_ignorable(value).strip()
    return cleaned if any(_visible(c) for c in cleaned) else ""


def _visible(char: str) -> bool:
    """Whether ``char`` shows as something a person can read: a letter, digit, punctuation or
    symbol that is assigned (not a lone accent, not a non-character, not the blank Braille
    pattern U+2800, which looks like a space)."""
    return unicodedata.category(char)[0] in "LNPS" and char != "\u2800"


def _clean_name(value: str) -> str:
    return value.translate(_BIDI).strip() if not value.isascii() else value.strip()


def _answer_file(raw: Any, source: str, keep_attempts: bool) -> AnswerFile:
    if not isinstance(raw, dict):
        raise AnswerFileError(source, Msg("answers.top_level", value=_describe(raw)))
    if raw.get("format") != FORMAT:
        got = raw.get("format")
        raise AnswerFileError(
            source,
            Msg("answers.wrong_format", found=repr(got), format=FORMAT)
            if "format" in raw
            else Msg("answers.no_format", format=FORMAT),
            other_format=got if isinstance(got, str) and got.startswith("bmclib-") else None,
        )
    version = raw.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0, not true
        raise AnswerFileError(
            source, Msg("answers.version", version=repr(version), expected=VERSION)
        )
    student = raw.get("student_id")
    if isinstance(student, int) and not isinstance(student, bool):
        student = str(student)
    if not isinstance(student, str) or not clean_student_id(student):
        raise AnswerFileError(source, Msg("answers.no_student"))
    if not student.isascii() and any(c in student for c in _LINE_BREAKS):
        line_break = next(c for c in student if c in _LINE_BREAKS)
        why = Msg("text.control", code=f"U+{ord(line_break):04X}")
        raise AnswerFileError(source, Msg("answers.bad_text", field="student_id", why=why))
    student = clean_student_id(student)
    if len(student) > MAX_ID_LENGTH:
        raise AnswerFileError(
            source, Msg("answers.id_too_long", length=f"{len(student):,}", limit=MAX_ID_LENGTH)
        )
    exercise_set = raw.get("exercise_set")
    if not isinstance(exercise_set, str) or not exercise_set.strip():
        raise AnswerFileError(source, Msg("answers.no_set"))
    answers = raw.get("answers")
    if not isinstance(answers, dict):
        raise AnswerFileError(source, Msg("answers.not_object", value=_describe(answers)))
    values = answers.values()
    clean: dict[str, str] = (
        answers if None not in values else {item: c for item, c in answers.items() if c is not None}
    )
    if not set(map(type, clean.values())) <= {str}:  # one pass in C for the usual case
        item, choice = next((i, c) for i, c in clean.items() if not isinstance(c, str))
        raise AnswerFileError(source, Msg("answers.not_string", item=item, value=_describe(choice)))
    name = raw.get("student_name")
    saved_at = raw.get("saved_at")
    name = name if type(name) is str else None
    saved_at = saved_at if type(saved_at) is str else ""
    every = (
        f"{''.join(clean)}{''.join(clean.values())}{student}{exercise_set}{name or ''}{saved_at}"
    )
    if not (every.isascii() and every.isprintable()):  # the usual case: one check for all
        _check_text("student_id", student)
        _check_text("exercise_set", exercise_set)
        for item, choice in clean.items():
            _check_text("answers", item)
            _check_text("answers", choice)
        if name is not None:
            _check_text("student_name", name)
        _check_text("saved_at", saved_at)
    attempts = raw.get("attempts") if keep_attempts else None
    dropped = raw.get("attempts_dropped")
    name = _clean_name(name) if name is not None else ""
    if not name.isascii():
        for line_break in _LINE_BREAKS:
            name = name.replace(line_break, " ")
    name_cut = 0
    if len(name) > MAX_NAME_LENGTH:
        name_cut, name = len(name), name[:MAX_NAME_LENGTH].rstrip() + "…"
    return AnswerFile(
        name_cut=name_cut,
        student_id=student,
        exercise_set=exercise_set.strip(),
        answers=clean,
        student_name=name,
        saved_at=saved_at,
        attempts=[a for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else [],
        source=source,
        attempts_dropped=dropped
        if isinstance(dropped, int) and not isinstance(dropped, bool) and dropped > 0
        else 0,
    )


def read_answers(path: str | os.PathLike) -> AnswerFile:
    """Read and check one answer file from disk.

    Raises ``AnswerFileError``; its ``unreadable`` is True when the file could not be read at all
    (as opposed to read and found wrong).
    """
    try:
        data = read_limited(path)
    except FileTooLarge as exc:
        raise AnswerFileError(str(path), Msg("answers.too_large", reason=exc.msg)) from None
    except OSError as exc:
        raise AnswerFileError(
            str(path), Msg("file.cannot_read", reason=os_reason(exc)), unreadable=True
        ) from None
    return parse_answers(data, str(path))


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock beside ``path`` while reading and rewriting it (where the OS has
    flock).

    Yields True when the lock is held. Temporary files left by a save that was killed are
    removed here: under the lock no other save can be under way, so every one found is stale.
    """
    try:
        from fcntl import LOCK_EX, LOCK_UN, flock
    # Windows, or JupyterLite (whose fcntl is an empty stub): atomic replace alone
    except ImportError:
        clean_stale_temp_files(path, older_than=60)
        yield False
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        try:
            flock(lock, LOCK_EX)
        # e.g. ENOLCK on a network folder without a lock service: save all the same
        except OSError as exc:
            _warn_no_lock(path, exc)
            clean_stale_temp_files(path, older_than=60)
            yield False
            return
        try:
            clean_stale_temp_files(path)
            yield True
        finally:
            flock(lock, LOCK_UN)


_WARNED_NO_LOCK: set[str] = set()


def _warn_no_lock(path: Path, exc: OSError) -> None:
    """Say once per folder that saves there go without a lock (two open copies could then race)."""
    import warnings

    folder = str(path.parent)
    if folder in _WARNED_NO_LOCK:
        return
    _WARNED_NO_LOCK.add(folder)
    warnings.warn(
        Msg("answers.no_lock", folder=folder, reason=os_reason(exc)).text(),
        RuntimeWarning,
        stacklevel=4,
    )


def answers_text(payload: dict) -> str:
    """The text of an answer file: indented like :func:`to_json`, but one attempt per line, which
    keeps a long attempt log readable and fast to write (the C encoder does each line).

    >>> payload = {"student_id": "s1", "attempts": [{"item": "a", "choice": "x"}]}
    >>> print(answers_text(payload), end="")
    {
      "student_id": "s1",
      "attempts": [
        {"item": "a", "choice": "x"}
      ]
    }
    >>> json.loads(answers_text({"attempts": [{"a": 1}, {"b": 2}]}))
    {'attempts': [{'a': 1}, {'b': 2}]}
    """
    attempts = payload.get("attempts")
    if not attempts:
        return to_json(payload)
    head = json.dumps(
        {k: v for k, v in payload.items() if k != "attempts"}, ensure_ascii=False, indent=2
    )
    lines = ",\n".join("    " + json.dumps(a, ensure_ascii=False) for a in attempts)
    body = f'  "attempts": [\n{lines}\n  ]'
    return (head[:-2] + ",\n" + body + "\n}\n") if len(payload) > 1 else "{\n" + body + "\n}\n"


def write_answers(path: str | os.PathLike, answers: AnswerFile) -> Path:
    """Save an answer file atomically and return its path."""
    if not answers.saved_at:
        answers.saved_at = now_iso()
    target = Path(path)
    with _locked(target):
        write_atomic(target, answers_text(answers.to_dict()))
    answers.pending.clear()
    answers.unsaved = 0
    return target


def _aside_tag(tag: str) -> str:
    """The part of a set-aside copy's name that says whose (or what) it is."""
    return re.sub(r"[^\w.-]+", "_", tag).strip("._") or "old"


#: the time :func:`set_aside` adds when ``<stem>.<tag>.json`` is taken already
_ASIDE_STAMP = re.compile(r"\.\d{8}-\d{6}-\d{6}$")


def set_aside(path: Path, tag: str) -> Path:
    """Move a file that must not be overwritten to ``<stem>.<tag>.json`` beside it (never
    deleted)."""
    tag = _aside_tag(tag)
    aside = path.with_name(f"{path.stem}.{tag}{path.suffix}")
    if aside.exists():
        aside = path.with_name(f"{path.stem}.{tag}.{datetime.now():%Y%m%d-%H%M%S-%f}{path.suffix}")
    os.replace(path, aside)
    return aside


def own_set_aside(path: str | os.PathLike, student_id: str, exercise_set: str) -> list[AnswerFile]:
    """The copies of ``student_id``'s answers that were set aside beside ``path`` when another
    student opened the exercise there (``<stem>.<id>.json``, ids compared as
    :func:`~bmclib.fileio.normalise_id` does), oldest first. Copies that cannot be read, or whose
    content belongs to another student or set, are not theirs and are left alone.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "set.json"
    >>> _ = write_answers(p.with_name("set.S1.json"), AnswerFile("S1", "set", {"a": "x"}))
    >>> [af.answers for af in own_set_aside(p, "s1", "set")], own_set_aside(p, "s2", "set")
    ([{'a': 'x'}], [])
    """
    target = Path(path)
    if not student_id:
        return []
    want = normalise_id(student_id)
    want_tag = normalise_id(_aside_tag(student_id))
    prefix, suffix = f"{target.stem}.", target.suffix
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return []
    found = []
    for name in names:
        if name == target.name or not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        tag = _ASIDE_STAMP.sub("", name[len(prefix) : len(name) - len(suffix)])
        if normalise_id(tag) != want_tag:
            continue
        try:
            af = read_answers(target.parent / name)
        except AnswerFileError:
            continue
        if af.exercise_set == exercise_set and normalise_id(af.student_id) == want:
            found.append(af)
    found.sort(key=lambda af: af.saved_time or _OLDEST)
    return found


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _change_times(af: AnswerFile) -> dict[str, datetime]:
    """When each item last changed in ``af``: its newest attempt, else (an answer whose attempts
    were dropped from the log) the file's ``saved_at``."""
    times: dict[str, datetime] = {}
    for a in af.attempts:
        item, at = a.get("item"), parse_time(a.get("at"))
        if isinstance(item, str) and at is not None and (item not in times or at > times[item]):
            times[item] = at
    for item in af.answers:
        times.setdefault(item, af.saved_time or _OLDEST)
    return times


def merge_answer_files(first: AnswerFile, *others: AnswerFile) -> AnswerFile:
    """One student's answer files merged into one: for each item the newest change wins (a
    cleared answer too), on a tie the earlier argument; the attempt logs are joined.

    >>> old = AnswerFile("s1", "set", {"a": "x", "b": "y"}, saved_at="2026-11-20T10:00:00+09:00")
    >>> new = AnswerFile("s1", "set", {"b": "z"}, saved_at="2026-11-21T10:00:00+09:00")
    >>> merge_answer_files(new, old).answers
    {'b': 'z', 'a': 'x'}
    """
    files = (first, *others)
    times = [_change_times(af) for af in files]
    answers: dict[str, str] = {}
    for item in dict.fromkeys(i for t in times for i in t):
        newest = max(
            (n for n in range(len(files)) if item in times[n]),
            key=lambda n: (times[n][item], -n),
        )
        if item in files[newest].answers:
            answers[item] = files[newest].answers[item]
    seen: set[tuple] = set()
    attempts = []
    for af in files:
        for a in af.attempts:
            if _attempt_key(a) not in seen:
                seen.add(_attempt_key(a))
                attempts.append(a)
    attempts.sort(key=lambda a: str(a.get("at", "")))
    merged = AnswerFile(
        student_id=first.student_id,
        exercise_set=first.exercise_set,
        answers=answers,
        student_name=next((af.student_name for af in files if af.student_name), ""),
        saved_at=now_iso(),
        attempts=attempts,
        source=first.source,
        attempts_dropped=max(af.attempts_dropped for af in files),
    )
    merged.trim_attempts()
    return merged


def _attempt_key(a: dict) -> tuple:
    return tuple(str(a.get(k)) for k in ("at", "item", "choice", "event"))


def record_change(
    path: str | os.PathLike,
    answers: AnswerFile,
    item_id: str,
    choice: str | None,
    *,
    event: str = "choose",
) -> AnswerFile:
    """Record one change and save it, keeping whatever another open copy saved meanwhile.

    The change is applied to ``answers`` in memory first, so it is never lost: when the save
    fails (a full disk, a read-only folder) the error is raised and ``answers`` still holds the
    change, marked pending, and the next successful save writes it. The same exercise may be
    open twice (a second browser tab, a re-run notebook), so each save re-reads the file under a
    lock, keeps what the other copy saved, and lays this copy's pending changes over it: the
    newest change always wins. Returns the merged answers, which the caller keeps as its state.

    A file that cannot be read at all is never touched (``AnswerFileError`` with ``unreadable``);
    a file that was read and is damaged, or belongs to another student or set, is set aside.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "set.json"
    >>> tab1, tab2 = AnswerFile("s1", "set"), AnswerFile("s1", "set")
    >>> tab1 = record_change(p, tab1, "a", "self_service")
    >>> tab2 = record_change(p, tab2, "b", "communities")
    >>> tab1 = record_change(p, tab1, "c", "co_creation")   # tab1 never saw "b": it is kept
    >>> sorted(read_answers(p).answers.items())
    [('a', 'self_service'), ('b', 'communities'), ('c', 'co_creation')]
    """
    answers.record(item_id, choice, event=event)
    target = Path(path)
    with _locked(target):
        disk = None
        if os.path.lexists(target):
            try:
                disk = read_answers(target)
            except AnswerFileError as exc:
                if exc.unreadable:
                    raise
                set_aside(target, f"bad-{datetime.now():%Y%m%d-%H%M%S}")
        merged = AnswerFile(
            student_id=answers.student_id,
            exercise_set=answers.exercise_set,
            answers=dict(answers.answers),
            student_name=answers.student_name,
            saved_at=answers.saved_at,
            attempts=list(answers.attempts),
            source=str(target),
            attempts_dropped=answers.attempts_dropped,
        )
        if disk is not None and (disk.exercise_set, normalise_id(disk.student_id)) != (
            answers.exercise_set,
            normalise_id(answers.student_id),
        ):
            set_aside(
                target,
                disk.student_id if disk.exercise_set == answers.exercise_set else "bad-other-set",
            )
        elif disk is not None:
            merged.answers = dict(disk.answers)
            for item, value in answers.pending.items():
                if value is None:
                    merged.answers.pop(item, None)
                else:
                    merged.answers[item] = value
            merged.student_name = answers.student_name or disk.student_name
            # The disk holds every attempt saved so far, by any copy, and counts those it dropped;
            # this copy adds only its attempts that no save has written yet. (Adding all it holds
            # would bring back attempts another copy has since dropped, and count them twice.)
            seen = {_attempt_key(a) for a in disk.attempts}
            new = answers.attempts[-answers.unsaved :] if answers.unsaved else []
            merged.attempts = disk.attempts + [a for a in new if _attempt_key(a) not in seen]
            merged.attempts.sort(key=lambda a: str(a.get("at", "")))
            merged.attempts_dropped = disk.attempts_dropped
        merged.trim_attempts()
        write_atomic(target, answers_text(merged.to_dict()))
    answers.pending.clear()
    answers.unsaved = 0
    return merged


def _settle(target: Path, student_id: str, exercise_set: str) -> AnswerFile | None:
    """Make ``target`` this student's file: a damaged file or one of another set is set aside as
    ``bad-<time>``, another student's under their id; copies of this student's own answers that
    were set aside are brought back (the newest moved back in place, any others merged in and
    left where they are, older than the merged file). Returns the file now at ``target``."""
    current = None
    if os.path.lexists(target):
        try:
            current = read_answers(target)
        except AnswerFileError as exc:
            if exc.unreadable:
                raise
        if current is None or current.exercise_set != exercise_set:
            set_aside(target, f"bad-{datetime.now():%Y%m%d-%H%M%S}")
            current = None
        elif student_id and normalise_id(current.student_id) != normalise_id(student_id):
            # a shared computer: the other student's answers are kept, under their id
            set_aside(target, current.student_id)
            current = None
    own = own_set_aside(target, student_id, exercise_set)
    if not own:
        return current
    if current is None:
        back = own.pop()  # the newest copy goes back in place, as it is
        os.replace(back.source, target)
        back.source = str(target)
        current = back
    if own:
        merged = merge_answer_files(current, *reversed(own))
        write_atomic(target, answers_text(merged.to_dict()))
        current = merged
    return current


def load_or_new(
    path: str | os.PathLike, *, student_id: str, exercise_set: str, student_name: str = ""
) -> AnswerFile:
    """Open an existing answer file to continue, or start a new one.

    A file that was read and is damaged, or belongs to another exercise set, is kept aside as
    ``<name>.bad-<time>.json`` (never deleted) and a fresh file is started. A file of another
    student (a shared computer) is kept aside as ``<name>.<their id>.json``; when this student's
    own answers were kept aside that way, they are brought back (merged with the file in place,
    the newest change of each item winning). A file that cannot be read at all raises
    ``AnswerFileError`` (``unreadable``) and is left exactly as it is.
    """
    target = Path(path)
    # look first without the lock (a read-only folder can be read but holds no lock file)
    try:
        quick = read_answers(target) if os.path.lexists(target) else None
    except AnswerFileError as exc:
        if exc.unreadable:
            raise
        quick = None
    untouched = (
        quick is not None
        and quick.exercise_set == exercise_set
        and (not student_id or normalise_id(quick.student_id) == normalise_id(student_id))
    ) or (quick is None and not os.path.lexists(target))
    if untouched and not own_set_aside(target, student_id, exercise_set):
        af = quick
    else:
        with _locked(target):
            af = _settle(target, student_id, exercise_set)
    if af is not None:
        if student_id:
            af.student_id = student_id
        if student_name:
            af.student_name = student_name
        af.source = str(target)
        return af
    return AnswerFile(
        student_id=student_id,
        exercise_set=exercise_set,
        student_name=student_name,
        source=str(target),
    )
