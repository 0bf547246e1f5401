"""Batch grading (CONTRACT.md section 5): many answer files, one key, one table of grades.

Bad files never stop a run: each becomes a problem row with a plain reason.
"""

from __future__ import annotations

import csv
import html
import io
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path

from .answers import MAX_NAME_LENGTH, parse_answers, parse_time
from .errors import AnswerFileError, BMCError, unknown
from .fileio import (
    DEFAULT_MAX_FILE_SIZE,
    cycle_collection_paused,
    normalise_id,
    write_files_atomic,
)
from .i18n import Msg, text_of
from .identity import HomeFolders
from .inputs import MAX_UNPACKED, Scan, iter_sources
from .keys import Key
from .scoring import DEFAULT_PARTIAL, fmt_points, score_item

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLDEST = datetime.min.replace(tzinfo=UTC)
#: how far a file's saved_at may lie ahead of this computer's clock before it counts as "in the
#: future"
CLOCK_SKEW = timedelta(minutes=15)
FORMATS = ("csv", "canvas", "moodle")


def neutralise(text: object) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with ``'``.

    >>> neutralise("=HYPERLINK(1)"), neutralise("Kim"), neutralise("-1")
    ("'=HYPERLINK(1)", 'Kim', "'-1")
    """
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def summary_line(parts: list[Msg], skipped: int, duplicates: int, lang: str | None = None) -> str:
    """A run's one-line summary: ``parts``, then what was skipped and read once (when any)."""
    if skipped:
        parts = [*parts, Msg("grade.skipped", count=skipped)]
    if duplicates:
        parts = [*parts, Msg("grade.duplicates", count=duplicates)]
    return "; ".join(m.text(lang) for m in parts)


@dataclass(slots=True)
class GradeRow:
    """One student's grade for the key's exercise set, and the file it came from. (Not frozen: a
    class makes thousands, and a frozen dataclass takes five times as long to make.)"""

    student_id: str
    student_name: str
    exercise_set: str
    score: float
    max_score: float
    item_points: tuple[float, ...]
    source: str
    saved_at: str = ""
    answers: dict = field(default_factory=dict, repr=False, compare=False)
    #: the file's attempt log (bounded)
    attempts: tuple = field(default=(), repr=False, compare=False)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0


@dataclass
class GradeBatch:
    """The result of grading a class: rows, problems (``(source, reason)``, the reason a message
    shown in the session's language) and notes; with a notebook view, a terminal summary and a
    DataFrame.
    """

    key: Key
    rows: list[GradeRow] = field(default_factory=list)
    problems: list[tuple[str, Msg]] = field(default_factory=list)
    notes: list[tuple[str, Msg]] = field(default_factory=list)
    files_read: int = 0
    skipped: int = 0
    duplicates: int = 0
    #: (device, inode) of every file read: outputs must be none of them
    read: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def summary(self, lang: str | None = None) -> str:
        """One line: how many students, files and problems (and what was skipped)."""
        rows, files, problems = len(self.rows), self.files_read, len(self.problems)
        head = Msg("grade.summary", students=rows, files=files, problems=problems)
        return summary_line([head], self.skipped, self.duplicates, lang)

    def to_frame(self, lang: str | None = None):
        """The grades as a DataFrame, the columns of ``grades.csv`` (numbers as numbers)."""
        from .optional import require

        pd = require("pandas", "GradeBatch.to_frame()")
        columns = [
            "student_id",
            "student_name",
            "exercise_set",
            "score",
            "max_score",
            "percent",
            *self.key.item_ids,
        ]
        rows = [
            [
                r.student_id,
                r.student_name,
                r.exercise_set,
                r.score,
                r.max_score,
                r.percent,
                *r.item_points,
            ]
            for r in self.rows
        ]
        return pd.DataFrame(rows, columns=columns)

    def problems_frame(self, lang: str | None = None):
        """The files that could not be graded, as a DataFrame ``source, problem`` in ``lang``."""
        from .optional import require

        pd = require("pandas", "GradeBatch.problems_frame()")
        return pd.DataFrame(
            [[s, text_of(p, lang)] for s, p in self.problems], columns=["source", "problem"]
        )

    def __repr__(self) -> str:
        rows, problems = len(self.rows), len(self.problems)
        return f"GradeBatch({self.key.exercise_set!r}, {rows} students, {problems} problems)"

    def _repr_html_(self) -> str:
        left = "style='text-align:left'"
        head = "".join(f"<th {left}>{html.escape(h)}</th>" for h in grade_table(self)[0][:6])
        body = "".join(
            "<tr>" + "".join(f"<td {left}>{html.escape(c)}</td>" for c in row[:6]) + "</tr>"
            for row in grade_table(self)[1:]
        )
        problems = "".join(
            f"<li><code>{html.escape(s)}</code>: {html.escape(text_of(p))}</li>"
            for s, p in self.problems
        )
        more = (
            f"<p>{html.escape(Msg('grade.problems_head').text())}</p><ul>{problems}</ul>"
            if problems
            else ""
        )
        return (
            f"<p><b>{html.escape(self.summary())}</b></p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}"
        )


def points_for(answers: dict, key: Key, partial: float = DEFAULT_PARTIAL) -> tuple[float, ...]:
    """Points earned per key item, by :func:`bmclib.scoring.score_item` (item ids matched as
    :meth:`bmclib.keys.Key.match` does).

    >>> from bmclib.keys import Key, KeyItem
    >>> a = KeyItem("a", ("self_service",), ("communities",), 2.0)
    >>> key = Key("s", (a, KeyItem("b", ("co_creation",))))
    >>> points_for({"a": "communities", "B": "co_creation"}, key, 0.5)
    (1.0, 1.0)
    """
    get = key.match(answers)[0].get
    return tuple(score_item(get(k.item_id), k, partial)[1] for k in key.items)


@dataclass(slots=True)
class Candidate:
    """One student's file as "the latest saved file wins" compares them (answer files, canvases).
    Not frozen: a frozen dataclass takes five times as long to make, and a class has thousands."""

    future: bool
    stamp: datetime
    source: str
    payload: object = field(compare=False)  #: what was read from the file (AnswerFile, Canvas)
    student: str = ""  #: the id as compared (normalise_id)
    shown_id: str = ""  #: the id as the file writes it
    saved_at: str = ""  #: the file's saved_at as written
    owner: str | None = None  #: the user whose collected folder the file came from (bmc collect)

    @property
    def rank(self):
        return (not self.future, self.stamp, self.source)


#: the answers to a key's items that an ignored-items note lists by name; the rest are counted
MAX_LISTED = 10


def listed(names, limit: int = MAX_LISTED) -> str | Msg:
    """Names as a comma-separated list, at most ``limit`` of them and then "and N more".

    >>> listed(["a", "b"]), listed(list("abcd"), 2).text("en")
    ('a, b', 'a, b and 2 more')
    """
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return Msg("list.more", shown=", ".join(names[:limit]), count=len(names) - limit)


def candidate(
    student_id: str,
    saved_at: str,
    source: str,
    payload: object,
    now: datetime,
    *,
    owner: str | None = None,
    student: str | None = None,
) -> Candidate:
    """A :class:`Candidate` for a file of ``student_id`` saved at ``saved_at`` (ISO 8601 or ""),
    found in the collected folder of user ``owner`` (None: not in a folder ``bmc collect``
    wrote). ``student`` is ``normalise_id(student_id)`` when the caller has it already."""
    stamp = parse_time(saved_at) or OLDEST
    return Candidate(
        stamp > now + CLOCK_SKEW,
        stamp,
        source,
        payload,
        normalise_id(student_id) if student is None else student,
        student_id,
        saved_at,
        owner,
    )


def latest_per_student(
    by_student: dict[str, list[Candidate]],
    now: datetime,
    problems: list[tuple[str, Msg]],
    notes: list[tuple[str, Msg]] | None = None,
    users: Iterable[str] = (),
) -> list[Candidate]:
    """The file that counts for each student, sorted by student id; the others become problems.

    The latest ``saved_at`` wins; a file saved in the future (more than :data:`CLOCK_SKEW` after
    ``now``) never replaces another file. Each file that does not count is added to ``problems``
    as "superseded by ...", and a future file that counts all the same is noted there too.
    Files from collected folders (with an ``owner``) are first sorted out as :func:`grade_batch`
    describes, among the collections' ``users`` (all of them, with answer files or without); its
    notes go to ``notes`` (or ``problems`` when None).
    """
    homes: HomeFolders | None = None  # made when the first collected file needs it
    winners = []
    for candidates in by_student.values():
        if len(candidates) == 1 and candidates[0].owner is None:  # the usual case: nothing to sort
            best = candidates[0]
            winners.append(best)
            if best.future:
                problems.append((best.source, Msg("grade.future_only", future=_future(best, now))))
            continue
        if homes is None:
            owners = {c.owner for found in by_student.values() for c in found}
            homes = HomeFolders({*users, *owners} - {None})
        candidates = _trusted(candidates, problems, problems if notes is None else notes, homes)
        if not candidates:
            continue
        candidates.sort(key=lambda c: c.rank)
        best = candidates[-1]
        winners.append(best)
        for c in candidates[:-1]:
            reason = Msg(
                "grade.superseded", winner=best.source, saved=_when(best.stamp), this=_when(c.stamp)
            )
            if c.future:
                reason = Msg("grade.future_loser", future=_future(c, now), reason=reason)
            problems.append((c.source, reason))
        if best.future:
            problems.append(
                (
                    best.source,
                    Msg(
                        "grade.future_only" if len(candidates) == 1 else "grade.future_all",
                        future=_future(best, now),
                    ),
                )
            )
    return sorted(winners, key=attrgetter("student", "shown_id"))


def with_progress(sources: Iterable, progress: bool, desc: str = "grading") -> Iterable:
    """``sources`` with a progress bar on stderr when ``progress`` (tqdm hides it off a
    terminal)."""
    if not progress:
        return sources
    from tqdm import tqdm

    return tqdm(sources, desc=desc, unit=" files", file=sys.stderr, disable=None)


#: what an attempt-log entry holds for item statistics (bmclib.item_stats); other fields are dropped
ATTEMPT_FIELDS = ("item", "choice", "event", "at")


@cycle_collection_paused
def grade_batch(
    paths: Iterable[str | os.PathLike],
    key: Key,
    *,
    partial: float = DEFAULT_PARTIAL,
    student: str | None = None,
    progress: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    now: datetime | None = None,
    max_unpacked: int = MAX_UNPACKED,
    attempts: bool = True,
) -> GradeBatch:
    """Grade every answer file under ``paths`` against ``key``.

    Student ids are compared as :func:`bmclib.fileio.normalise_id` does (so ``S0007`` and
    ``s0007`` are one student); the id is shown as the chosen file writes it. Item ids are
    matched the same way (:meth:`bmclib.keys.Key.match`). When a student has several files the
    latest ``saved_at`` counts and the others are listed as problems ("superseded by ...").
    A file saved in the future (more than :data:`CLOCK_SKEW` after ``now``) is a problem and
    never replaces another file. With ``student``, only that student is graded. Files larger
    than ``max_file_size`` bytes are problems, never read whole; so are archive entries once the
    run has unpacked ``max_unpacked`` bytes. Each row keeps the newest
    :data:`~bmclib.answers.MAX_ATTEMPTS` entries of its file's attempt log (for item statistics);
    ``attempts=False`` keeps none, so a run holds little more than the answers themselves.

    In a folder that ``bmc collect`` wrote (its manifest names the user of every folder, and every
    user it found), a file found in one user's folder that names another student counts only when
    nothing speaks against it: it is a problem naming both when that student's own folder holds a
    file of theirs, or was collected and holds none; when the files naming a student with no own
    folder come from several users' folders, none is trusted over the others (all are problems);
    a file naming another student that is the only one for that student is graded, with a note.
    Which folder is a student's own is :func:`bmclib.identity.home_folders`: the user spelt as
    the id (``lee`` over ``jupyter-lee``); when several users compare as the student (``kim`` and
    full-width ``ｋｉｍ``), none of their files is graded.
    """
    if not (0 <= partial <= 1):
        raise BMCError(Msg("score.partial", value=f"{partial:g}"))
    now = now or datetime.now(UTC)
    batch = GradeBatch(key)
    scan = Scan(max_unpacked=max_unpacked)
    sources = with_progress(iter_sources(paths, max_file_size=max_file_size, scan=scan), progress)
    wanted = normalise_id(student) if student is not None else None
    by_student: dict[str, list[Candidate]] = {}
    for src in sources:
        batch.files_read += 1
        owner = src.owner
        if src.problem is not None:
            batch.problems.append((src.name, src.problem))
            continue
        try:
            af = parse_answers(src.data, src.name, keep_attempts=attempts)
            if af.attempts:
                af.trim_attempts()
        except AnswerFileError as exc:
            if exc.other_format:  # a canvas beside the answers: not a submission gone wrong
                batch.notes.append((src.name, Msg("grade.other_format", format=exc.other_format)))
            else:
                batch.problems.append((src.name, exc.msg))
            continue
        except Exception as exc:  # noqa: BLE001 - whatever goes wrong with one file is that file's problem
            batch.problems.append(
                (src.name, Msg("grade.unreadable", reason=f"{type(exc).__name__}: {exc}"))
            )
            continue
        finally:
            del src  # the file's bytes are not needed any more
        sid = normalise_id(af.student_id)
        if wanted is not None and sid != wanted:
            continue
        if af.exercise_set != key.exercise_set:
            batch.problems.append(
                (
                    af.source,
                    Msg("grade.other_set", found=af.exercise_set, expected=key.exercise_set),
                )
            )
            continue
        # only what grading needs is kept until every file is read: the answers to the key's items,
        # the ignored items' names (at most MAX_LISTED) and the attempts' four fields
        af.answers, extra, clashes = key.match(af.answers)
        if af.attempts:
            af.attempts = [{k: a[k] for k in ATTEMPT_FIELDS if k in a} for a in af.attempts]
        kept = (af, listed(extra) if extra else "", clashes[:1])
        by_student.setdefault(sid, []).append(
            candidate(af.student_id, af.saved_at, af.source, kept, now, owner=owner, student=sid)
        )
    batch.skipped, batch.duplicates = scan.skipped, scan.duplicates
    batch.read = frozenset((dev, ino) for dev, ino, _changed in scan.seen)
    batch.notes += [(name, Msg("grade.set_aside")) for name in scan.set_aside]
    max_score = key.max_score
    # each item's points per choice, from the one scoring rule (every other answer scores 0)
    item_ids = [k.item_id for k in key.items]
    tables = [
        {c: score_item(c, k, partial)[1] for c in (*k.best, *k.acceptable)} for k in key.items
    ]
    zeros = [0.0] * len(item_ids)
    for best in latest_per_student(
        by_student, now, batch.problems, batch.notes, users=scan.known_users
    ):
        af, extra, clashes = best.payload
        if clashes:
            item, given = clashes[0]
            batch.problems.append((best.source, Msg("grade.item_twice", item=item, given=given)))
            continue
        pts = tuple(map(dict.get, tables, map(af.answers.get, item_ids), zeros))
        if extra:
            batch.notes.append((best.source, Msg("score.ignored", items=extra)))
        if af.name_cut:
            batch.notes.append(
                (
                    best.source,
                    Msg("grade.name_cut", length=f"{af.name_cut:,}", limit=MAX_NAME_LENGTH),
                )
            )
        batch.rows.append(
            GradeRow(
                af.student_id,
                af.student_name,
                af.exercise_set,
                sum(pts),
                max_score,
                pts,
                best.source,
                af.saved_at,
                af.answers,
                tuple(af.attempts),
            )
        )
    # one row per file and reason, however many times the file was named
    unique = {
        (source, text_of(problem, "en")): (source, problem) for source, problem in batch.problems
    }
    batch.problems = [unique[k] for k in sorted(unique)]
    return batch


def _trusted(
    candidates: list[Candidate], problems: list, notes: list, home_folders: HomeFolders
) -> list[Candidate]:
    """The files of one student that may count (see :func:`grade_batch` on collected folders)."""
    owned = [c for c in candidates if c.owner is not None]
    if not owned:
        return candidates
    homes = home_folders(owned[0].student)
    if len(homes) > 1:  # two users that compare as this student: neither folder can be trusted
        for c in owned:
            problems.append(
                (
                    c.source,
                    Msg("grade.same_student_folders", student=c.shown_id, users=", ".join(homes)),
                )
            )
        return [c for c in candidates if c.owner is None]
    foreign = [c for c in owned if c.owner not in homes]
    if not foreign:
        return candidates
    own = [c for c in owned if c.owner in homes]
    left = [c for c in candidates if all(c is not f for f in foreign)]
    if own:
        for c in foreign:
            problems.append(
                (
                    c.source,
                    Msg(
                        "grade.in_other_folder", student=c.shown_id, user=c.owner, own=own[0].source
                    ),
                )
            )
        return left
    if homes:  # the student has a folder of their own in the collection, and no file from it
        for c in foreign:
            problems.append(
                (
                    c.source,
                    Msg("grade.has_own_folder", student=c.shown_id, user=c.owner, home=homes[0]),
                )
            )
        return left
    senders = sorted({c.owner for c in foreign})
    if len(senders) > 1:
        for c in foreign:
            problems.append(
                (
                    c.source,
                    Msg("grade.in_several_folders", student=c.shown_id, users=", ".join(senders)),
                )
            )
        return left
    for c in foreign:
        notes.append((c.source, Msg("grade.names_other", student=c.shown_id, user=c.owner)))
    return candidates


def _when(stamp: datetime) -> str | Msg:
    return Msg("grade.unknown_time") if stamp == OLDEST else stamp.isoformat()


def _future(c: Candidate, now: datetime) -> Msg:
    return Msg(
        "grade.future",
        saved=c.saved_at,
        now=now.astimezone(c.stamp.tzinfo).isoformat(timespec="seconds"),
    )


# -- writers ---------------------------------------------------------------------------------
# Every text cell that came from a file (ids, names, set ids, item ids, sources) goes through
# neutralise(); numbers are written by fmt_points and never start with a formula character.


def _check_scale(scale: float | None) -> None:
    if scale is not None and not (isinstance(scale, (int, float)) and 0 < scale < 1e9):
        raise BMCError(Msg("grade.bad_scale", value=str(scale)))


def csv_text(rows: list[list[str]], *, bom: bool = False) -> bytes:
    """CSV rows as the bytes of a UTF-8 file (``\\n`` line ends); cells are written as given.
    ``bom`` starts the file with a UTF-8 byte-order mark. Every text is checked where it is read,
    so this is a last guard: a character no UTF-8 file can hold is written as a ``\\uXXXX``
    escape, never a crash.

    >>> csv_text([["a", "s\\udc80"]])
    b'a,s\\\\udc80\\n'
    """
    buf = io.StringIO()
    if bom:  # Excel on a double-click reads UTF-8 only with it; Canvas and Moodle accept it
        buf.write("\ufeff")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def write_rows(path: str | os.PathLike, rows: list[list[str]], *, bom: bool = False) -> None:
    """Write CSV rows to ``path`` atomically, as :func:`csv_text` makes them."""
    write_files_atomic([(path, csv_text(rows, bom=bom))])


class _PointsText(dict):
    """Points -> their text (:func:`~bmclib.scoring.fmt_points`), made the first time asked for."""

    def __missing__(self, points: float) -> str:
        text = self[points] = fmt_points(points)
        return text


def grade_table(
    batch: GradeBatch, fmt: str = "csv", *, scale: float | None = None, column: str | None = None
) -> list[list[str]]:
    """The grade table (header first) in one of the formats ``csv``, ``canvas``, ``moodle``.

    For the platforms, ``scale`` writes each grade out of ``scale`` instead of the key's points
    (``100``: percentages; a new Moodle grade item has maximum 100), and ``column`` names the grade
    column (Canvas: ``Title (assignment id)`` updates that existing assignment; default: the set
    id).
    """
    key, n = batch.key, neutralise
    _check_scale(scale)
    if fmt == "csv":
        if scale is not None or column is not None:
            raise BMCError(Msg("grade.csv_options"))
        rows = [
            [
                "student_id",
                "student_name",
                "exercise_set",
                "score",
                "max_score",
                "percent",
                *map(n, key.item_ids),
            ]
        ]
        text = _PointsText().__getitem__  # a class's points take few values: each written once
        for r in batch.rows:
            rows.append(
                [
                    n(r.student_id),
                    n(r.student_name),
                    n(r.exercise_set),
                    text(r.score),
                    text(r.max_score),
                    f"{r.percent:g}",
                    *map(text, r.item_points),
                ]
            )
        return rows
    return platform_table(
        fmt,
        column.strip() if column and column.strip() else key.exercise_set,
        key.max_score,
        [
            (
                r.student_id,
                r.student_name,
                r.score,
                f"{fmt_points(r.score)}/{fmt_points(r.max_score)} ({r.percent:g}%)",
            )
            for r in batch.rows
        ],
        scale=scale,
    )


def platform_table(
    fmt: str,
    title: str,
    max_score: float,
    students: Iterable[tuple[str, str, float, str]],
    *,
    scale: float | None = None,
) -> list[list[str]]:
    """A learning platform's grade-import layout (header first), for ``fmt`` ``canvas`` or
    ``moodle``.

    ``students`` are ``(student_id, student_name, score, feedback)`` with scores out of
    ``max_score``; ``title`` names the grade column (the assignment); ``scale`` writes each grade
    out of ``scale`` instead. Canvas has no feedback column.

    >>> platform_table("moodle", "quiz", 4, [("s1", "Kim", 3.5, "3.5/4")])
    [['ID number', 'Full name', 'quiz', 'Feedback'], ['s1', 'Kim', '3.5', '3.5/4']]
    >>> platform_table("canvas", "quiz", 4, [("s1", "Kim", 3.5, "")], scale=100)[1:]
    [['Points Possible', '', '', '', '', '100'], ['Kim', '', 's1', '', '', '87.5']]
    """
    n = neutralise
    _check_scale(scale)

    def grade(score: float) -> str:
        if scale is None:
            return fmt_points(score)
        return fmt_points(round(score / max_score * scale, 2) if max_score else 0.0)

    out_of = fmt_points(max_score if scale is None else float(scale))
    if fmt == "canvas":
        # Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column
        # per assignment; an optional second row "Points Possible" sets the assignment's maximum.
        rows = [
            ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", n(title)],
            ["Points Possible", "", "", "", "", out_of],
        ]
        for sid, name, score, _feedback in students:
            rows.append([n(name or sid), "", n(sid), "", "", grade(score)])
        return rows
    if fmt == "moodle":
        # Moodle "Import grades > CSV file": map "ID number" to the user's ID number, the grade
        # column to the grade item, and "Feedback" to that item's feedback.
        rows = [["ID number", "Full name", n(title), "Feedback"]]
        for sid, name, score, feedback in students:
            rows.append([n(sid), n(name), grade(score), n(feedback)])
        return rows
    raise BMCError(unknown("format", fmt, FORMATS))


def sources_path(out: str | os.PathLike) -> Path:
    """Where the grades' sources are written beside ``out``: ``grades.csv`` ->
    ``grades.sources.csv``.

    >>> sources_path("out/grades.csv").as_posix(), sources_path("grades").as_posix()
    ('out/grades.sources.csv', 'grades.sources.csv')
    """
    out = Path(out)
    stem = out.stem if out.suffix.lower() == ".csv" else out.name
    return out.with_name(f"{stem}.sources.csv")


def write_grades(
    batch: GradeBatch,
    out: str | os.PathLike,
    fmt: str = "csv",
    *,
    scale: float | None = None,
    column: str | None = None,
    excel: bool = False,
) -> None:
    """Write the grades file (atomically, with formula-injection neutralised); ``scale`` and
    ``column`` as in :func:`grade_table`; ``excel`` starts the file with a UTF-8 byte-order mark,
    so Korean names survive a double-click in Excel."""
    write_rows(out, grade_table(batch, fmt, scale=scale, column=column), bom=excel)


def write_sources(batch: GradeBatch, out: str | os.PathLike) -> None:
    """Write which file each grade came from: ``student_id, student_name, source, saved_at``."""
    write_rows(out, sources_table(batch))


def write_problems(batch: GradeBatch, out: str | os.PathLike, lang: str | None = None) -> None:
    """Write ``source,problem`` rows (header even when there is no problem), problems in
    ``lang``."""
    write_rows(out, problem_table(batch, lang))


def problem_table(batch, lang: str | None = None) -> list[list[str]]:
    """The problems file's rows (``source, problem``), header first."""
    return [
        ["source", "problem"],
        *[[neutralise(s), neutralise(text_of(p, lang))] for s, p in batch.problems],
    ]


def sources_table(batch: GradeBatch) -> list[list[str]]:
    """The sources file's rows (``student_id, student_name, source, saved_at``), header first."""
    n = neutralise
    return [
        ["student_id", "student_name", "source", "saved_at"],
        *[[n(r.student_id), n(r.student_name), n(r.source), n(r.saved_at)] for r in batch.rows],
    ]


def write_outputs(
    batch: GradeBatch,
    out: str | os.PathLike,
    fmt: str = "csv",
    *,
    sources: str | os.PathLike | None = None,
    problems: str | os.PathLike | None = None,
    scale: float | None = None,
    column: str | None = None,
    excel: bool = False,
) -> None:
    """Write the grades (as :func:`write_grades`), and beside them the sources and problems files,
    as one: all are written to temporary files first and replace the old ones only when every one
    is complete, so a full disk never leaves new grades beside old problems. An ``OSError`` names
    the file that failed."""
    files = [(out, csv_text(grade_table(batch, fmt, scale=scale, column=column), bom=excel))]
    if sources is not None:
        files.append((sources, csv_text(sources_table(batch))))
    if problems is not None:
        files.append((problems, csv_text(problem_table(batch))))
    write_files_atomic(files)
