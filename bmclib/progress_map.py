"""A learner's progress over every exercise set in their answers folder (CONTRACT.md section 9).

:func:`progress` reads each answer file in the folder (``answers/`` beside the notebook, or
``$BMC_ANSWERS_DIR``), scores the shipped practice sets against their practice keys with
:func:`bmclib.score_answers` (no rules of its own) and returns a :class:`Progress`: a table
(``to_frame()``), a terminal view (``summary()``), a notebook view (the nine blocks in canvas
layout, coloured by mastery) and ``to_dict()``. Sets bmclib does not ship (an instructor's own,
usually assessments) are counted, never scored. A file that cannot be read is listed as a
problem with its reason; nothing in the folder is ever changed.

Nothing here imports pandas, matplotlib or ipywidgets (``to_frame()`` asks for pandas).
"""

from __future__ import annotations

import html
import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from .answers import AnswerFile, parse_answers, parse_time, resolve_answers_dir
from .blocks import block, taxonomy
from .errors import AnswerFileError, BMCError, DataError
from .fileio import os_reason, read_limited
from .i18n import Msg, check_lang, lang_or_session, text_of, ui
from .scoring import fmt_points, score_answers

#: Share of a set's points from which it counts as familiar, and as mastered.
FAMILIAR = 0.5
MASTERED = 0.8
#: Mastery levels, lowest first; ``unscored`` is a set without a practice key (answered counts
#: only).
LEVELS = ("not_started", "started", "familiar", "mastered", "unscored")
#: Statuses that put an item in the review: answered wrong or only partly right.
MISSED = ("wrong", "acceptable")
#: Where each block sits in the notebook view: (first column, last column + 1, first row, last row +
#: 1) on a 10 x 3 grid, the canvas's standard layout (partners on the left, segments on the right).
GRID = {
    "key_partnerships": (1, 3, 1, 3),
    "key_activities": (3, 5, 1, 2),
    "key_resources": (3, 5, 2, 3),
    "value_propositions": (5, 7, 1, 3),
    "customer_relationships": (7, 9, 1, 2),
    "channels": (7, 9, 2, 3),
    "customer_segments": (9, 11, 1, 3),
    "cost_structure": (1, 6, 3, 4),
    "revenue_streams": (6, 11, 3, 4),
}
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _ui(key: str, lang: str, **fields) -> str:
    return ui(key, lang, **fields)


def resolve_lang(lang: str | None) -> str:
    """The language of what a learner reads: ``lang``, else the session's (see
    ``bmc.set_language``).

    >>> resolve_lang("ko")
    'ko'
    """
    return lang_or_session(lang)


# -- reading the answers folder ------------------------------------------------------------------


@dataclass(frozen=True)
class CountedFile:
    """The answer file that counts for one exercise set."""

    path: Path
    answers: AnswerFile


@dataclass
class AnswersScan:
    """What an answers folder holds: the file counted per exercise set, and what was not counted."""

    folder: Path
    exists: bool
    files: dict = field(default_factory=dict)  #: exercise set -> CountedFile
    problems: list = field(default_factory=list)  #: (file name, reason): could not be read
    #: (file name, exercise set, name of the file counted)
    not_counted: list = field(default_factory=list)


def _file_format(data: bytes) -> str | None:
    """The ``format`` of a JSON object's bytes, or None (not JSON, not an object)."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return (
        raw.get("format") if isinstance(raw, dict) and isinstance(raw.get("format"), str) else None
    )


def scan_answers(answers_dir: str | os.PathLike | None = None) -> AnswersScan:
    """Read every ``*.json`` file in the answers folder (not its subfolders, not hidden files).

    Per exercise set one file counts: the one the exercise widget writes (``<set>.json``), else
    the most recently saved. Other answer files of that set (another student's answers set aside
    on a shared computer, a renamed copy) are listed in ``not_counted``. A canvas file (the
    capstone's editor saves one here) is no answer file and is passed over. Any other file that
    cannot be read as an answer file is a problem with its reason, never an exception.
    """
    folder = resolve_answers_dir(answers_dir)
    scan = AnswersScan(folder, folder.is_dir())
    if not scan.exists:
        if os.path.lexists(folder):
            scan.problems.append((folder.name, Msg("progress.not_folder")))
        return scan
    try:
        with os.scandir(folder) as found:
            names = sorted(e.name for e in found)
    except OSError as exc:
        scan.problems.append((folder.name, Msg("inputs.folder_unreadable", reason=os_reason(exc))))
        return scan
    found: dict[str, list[CountedFile]] = {}
    for name in names:
        if name.startswith(".") or not name.lower().endswith(".json"):
            continue  # hidden files (locks, the review schedule) and files of other kinds
        path = folder / name
        if path.is_dir():
            continue
        try:
            data = read_limited(path)
        except OSError as exc:
            scan.problems.append((name, Msg("file.cannot_read", reason=os_reason(exc))))
            continue
        if _file_format(data) == "bmclib-canvas":
            continue
        try:
            af = parse_answers(data, name)
        except AnswerFileError as exc:
            scan.problems.append((name, exc.msg))
            continue
        found.setdefault(af.exercise_set, []).append(CountedFile(path, af))
    for set_id, files in found.items():
        own = [f for f in files if f.path.name == f"{set_id}.json"]
        newest = max(files, key=lambda f: (f.answers.saved_time or _EARLIEST, f.path.name))
        chosen = own[0] if own else newest
        scan.files[set_id] = chosen
        for f in files:
            if f is not chosen:
                scan.not_counted.append((f.path.name, set_id, chosen.path.name))
    return scan


# -- the sets -----------------------------------------------------------------------------------


@cache
def _shipped_sets() -> tuple[str, ...]:
    """Shipped sets with a practice key, in lesson order (the block's number), then by id."""
    from .exercises import exercise_set_ids, is_shipped_set

    ids = [s for s in exercise_set_ids() if is_shipped_set(s)]
    return tuple(sorted(ids, key=lambda s: (_lesson(s) or 99, s)))


@cache
def _lesson(set_id: str) -> int | None:
    """The lesson of a shipped set: the number of its block (lesson n teaches block n)."""
    from .exercises import load_exercise_set

    ex = load_exercise_set(set_id)
    return block(taxonomy(ex.items[0].taxonomy).block).number


def _find_own_set(set_id: str, folder: Path, given: Iterable) -> tuple[object | None, str]:
    """An own set's items, from ``given`` CSV paths or ``<set>.csv`` beside the answers folder,
    in its ``exercises/`` folder, or in the current folder; ``(ExerciseSet or None, file name)``."""
    from .exercises import load_exercise_set

    wanted = f"{set_id}.csv"
    places = [Path(p) for p in given]
    for base in dict.fromkeys((folder.parent, Path.cwd())):
        places += [base / wanted, base / "exercises" / wanted]
    for path in places:
        if not path.is_file():
            continue
        try:
            ex = load_exercise_set(path)
        except (DataError, BMCError, OSError):
            continue
        if ex.id == set_id:
            return ex, path.name
    return None, wanted


@dataclass(frozen=True)
class Miss:
    """An item answered wrong or partly right, and since when (the attempt that set this answer)."""

    exercise_set: str
    item_id: str
    choice: str
    status: str
    since: datetime | None
    order: tuple = field(default=(), compare=False, repr=False)


def _since(af: AnswerFile, item_id: str, choice: str) -> datetime | None:
    """When the current answer to ``item_id`` was given: the first attempt of the latest run of
    attempts with this choice (a later Check of the same choice does not make a miss newer).
    Without such an attempt in the log, the file's ``saved_at``."""
    start = None
    previous = object()
    for attempt in af.attempts:
        if attempt.get("item") != item_id:
            continue
        value = attempt.get("choice")
        if value == choice and value != previous:
            start = attempt
        previous = value
    when = parse_time(start.get("at")) if start is not None else None
    return when or af.saved_time


def _last_activity(af: AnswerFile) -> datetime | None:
    times = [t for t in (parse_time(a.get("at")) for a in af.attempts) if t is not None]
    saved = af.saved_time
    if saved is not None:
        times.append(saved)
    return max(times) if times else None


@dataclass(frozen=True)
class SetProgress:
    """One exercise set: how many items are answered, and (for a practice set) the score."""

    exercise_set: str
    block: str  #: block id, "" when unknown (an own set whose items file was not found)
    lesson: int | None  #: the lesson that practises this set (shipped sets)
    answered: int
    total: int | None  #: None when the items are unknown
    score: float | None  #: None for a set without a shipped practice key (never scored)
    max_score: float | None
    right: int | None = None
    partly_right: int | None = None
    wrong: int | None = None
    last_activity: datetime | None = None
    source: str = ""  #: the answer file counted ("" when there is none)
    items_file: str = ""  #: own sets: the items file used or looked for
    items_found: bool = True

    @property
    def scored(self) -> bool:
        return self.score is not None

    @property
    def share(self) -> float | None:
        """The share of the set's points earned (unanswered items earn none); None if not scored."""
        if self.score is None or not self.max_score:
            return None
        return self.score / self.max_score

    @property
    def mastery(self) -> str:
        """One of :data:`LEVELS`, from the share of points (see :data:`FAMILIAR`,
        :data:`MASTERED`)."""
        if not self.scored:
            return "unscored"
        if self.answered == 0:
            return "not_started"
        share = self.share or 0.0
        return "mastered" if share >= MASTERED else "familiar" if share >= FAMILIAR else "started"

    @property
    def complete(self) -> bool:
        return self.total is not None and self.answered >= self.total

    def name(self, lang: str) -> str:
        return block(self.block).name[lang] if self.block else ""

    def answered_text(self, lang: str) -> str:
        if self.total is None:
            return _ui("progress_answered_count", lang, done=self.answered)
        return _ui("progress_answered", lang, done=self.answered, total=self.total)

    def points_text(self, lang: str) -> str:
        if not self.scored:
            return _ui("progress_not_scored", lang)
        return _ui(
            "progress_points", lang, score=fmt_points(self.score), max=fmt_points(self.max_score)
        )

    def to_dict(self) -> dict:
        return {
            "exercise_set": self.exercise_set,
            "block": self.block or None,
            "lesson": self.lesson,
            "answered": self.answered,
            "total": self.total,
            "score": self.score,
            "max_score": self.max_score,
            "right": self.right,
            "partly_right": self.partly_right,
            "wrong": self.wrong,
            "mastery": self.mastery,
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "source": self.source or None,
            "items_found": self.items_found,
        }


@dataclass
class Study:
    """Everything read from one answers folder: the scan, each set's progress and the misses."""

    scan: AnswersScan
    sets: list[SetProgress]
    misses: list[Miss]
    results: dict  #: exercise set -> ScoreResult (practice sets with an answer file)


def study(answers_dir: str | os.PathLike | None = None, *, own_sets: Iterable = ()) -> Study:
    """Read the answers folder once: progress per set and the missed items, oldest miss first."""
    from .exercises import load_exercise_set
    from .keys import load_key

    scan = scan_answers(answers_dir)
    own_sets = list(own_sets)
    # cases only add the advisor's reasons to feedback; statuses and points do not use them
    cases = ()
    sets, misses, results = [], [], {}
    for set_id in _shipped_sets():
        ex, key, counted = load_exercise_set(set_id), load_key(set_id), scan.files.get(set_id)
        ids = set(ex.item_ids)
        af = counted.answers if counted else AnswerFile("", set_id)
        result = score_answers(af.answers, key, cases=cases)
        counts = result.counts()
        answered = sum(1 for item, choice in af.answers.items() if item in ids and choice)
        sets.append(
            SetProgress(
                set_id,
                taxonomy(ex.items[0].taxonomy).block,
                _lesson(set_id),
                answered,
                len(ex),
                result.score,
                result.max_score,
                counts["best"],
                counts["acceptable"],
                counts["wrong"],
                _last_activity(af) if counted else None,
                counted.path.name if counted else "",
            )
        )
        if counted is None:
            continue
        results[set_id] = result
        for index, it in enumerate(result.items):
            if it.status in MISSED:
                since = _since(af, it.item_id, it.choice)
                misses.append(
                    Miss(
                        set_id,
                        it.item_id,
                        it.choice or "",
                        it.status,
                        since,
                        (_lesson(set_id) or 99, set_id, index),
                    )
                )
    shipped = set(_shipped_sets())
    for set_id in sorted(s for s in scan.files if s not in shipped):
        counted = scan.files[set_id]
        ex, items_file = _find_own_set(set_id, scan.folder, own_sets)
        answers = {i: c for i, c in counted.answers.answers.items() if c}
        if ex is not None:
            ids = set(ex.item_ids)
            answers = {i: c for i, c in answers.items() if i in ids}
        the_block = taxonomy(ex.items[0].taxonomy).block if ex is not None else ""
        sets.append(
            SetProgress(
                set_id,
                the_block,
                None,
                len(answers),
                len(ex) if ex is not None else None,
                None,
                None,
                last_activity=_last_activity(counted.answers),
                source=counted.path.name,
                items_file=items_file,
                items_found=ex is not None,
            )
        )
    misses.sort(key=lambda m: (m.since or _EARLIEST, m.order))
    return Study(scan, sets, misses, results)


# -- the views ----------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns a text takes in a terminal (Hangul and other wide letters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _local(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


_CSS = """
.bmc-pm { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo",
  "Malgun Gothic", "NanumGothic", sans-serif; color: #1f2933; max-width: 860px; line-height: 1.45; }
.bmc-pm-title { font-size: 1.2em; font-weight: 650; margin: 0 0 4px 0; }
.bmc-pm-next { margin: 0 0 8px 0; font-weight: 600; color: #1f4e79; }
.bmc-pm-grid { display: grid; grid-template-columns: repeat(10, 1fr); gap: 6px; }
.bmc-pm-cell { border: 1px solid #cbd2d9; border-radius: 8px; padding: 7px 9px; min-height: 62px;
  background: #f5f7fa; font-size: 0.88em; }
.bmc-pm-cell.bmc-pm-started { background: #fdf0d5; border-color: #e0a43a; }
.bmc-pm-cell.bmc-pm-familiar { background: #e2f0d9; border-color: #7cb35b; }
.bmc-pm-cell.bmc-pm-mastered { background: #b6dcae; border-color: #2e7d32; }
.bmc-pm-name { font-weight: 650; }
.bmc-pm-lesson { color: #52606d; font-size: 0.9em; }
.bmc-pm-level { font-size: 0.85em; color: #323f4b; margin-top: 2px; }
.bmc-pm-bar { height: 5px; background: #e4e7eb; border-radius: 3px; margin-top: 4px; }
.bmc-pm-bar > div { height: 5px; background: #2563eb; border-radius: 3px; }
.bmc-pm-note { color: #52606d; font-size: 0.88em; margin-top: 6px; }
.bmc-pm table { border-collapse: collapse; margin-top: 6px; font-size: 0.92em; }
.bmc-pm td, .bmc-pm th { border-bottom: 1px solid #e4e7eb; padding: 3px 10px; text-align: left; }
.bmc-pm-problems { color: #8a1c1c; }
.bmc-pm-line { display: inline-block; border-radius: 8px; padding: 5px 12px;\
 border: 1px solid #cbd2d9;
  background: #f5f7fa; }
.bmc-pm-line.bmc-pm-started { background: #fdf0d5; border-color: #e0a43a; }
.bmc-pm-line.bmc-pm-familiar { background: #e2f0d9; border-color: #7cb35b; }
.bmc-pm-line.bmc-pm-mastered { background: #b6dcae; border-color: #2e7d32; }
"""


def _esc(value: object) -> str:
    return html.escape(str(value))


class ProgressLine:
    """One exercise set's line of the progress view, for the end of a lesson."""

    def __init__(self, entry: SetProgress, lang: str, review_count: int = 0):
        self.entry, self.lang, self.review_count = entry, lang, review_count

    def text(self) -> str:
        e, lang = self.entry, self.lang
        lesson = _ui("progress_lesson", lang, n=e.lesson) if e.lesson else ""
        head = " · ".join(p for p in (lesson, e.name(lang), e.exercise_set) if p)
        parts = [e.answered_text(lang), e.points_text(lang)]
        if e.scored:
            parts.append(_ui("mastery_" + e.mastery, lang))
        if self.review_count:
            parts.append(_ui("progress_line_review", lang, count=self.review_count))
        return f"{head}: " + " · ".join(parts)

    def __repr__(self) -> str:
        return self.text()

    __str__ = text

    def _repr_html_(self) -> str:
        e = self.entry
        return (
            f"<style>{_CSS}</style><div class='bmc-pm'>"
            f"<div class='bmc-pm-line bmc-pm-{e.mastery}' data-set='{_esc(e.exercise_set)}' "
            f"data-level='{e.mastery}'>{_esc(self.text())}</div></div>"
        )

    def to_dict(self) -> dict:
        return {**self.entry.to_dict(), "review": self.review_count, "text": self.text()}


class Progress:
    """A learner's progress over the exercise sets of one answers folder (see :func:`progress`)."""

    def __init__(self, found: Study, lang: str):
        self.lang = lang
        self.answers_dir = found.scan.folder
        self.folder_exists = found.scan.exists
        self.sets: tuple[SetProgress, ...] = tuple(found.sets)
        self.problems: tuple[tuple[str, str], ...] = tuple(found.scan.problems)
        self.not_counted: tuple[tuple[str, str, str], ...] = tuple(found.scan.not_counted)
        self.review_items: tuple[tuple[str, str], ...] = tuple(
            (m.exercise_set, m.item_id) for m in found.misses
        )

    # -- lookups --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.sets)

    def __iter__(self):
        return iter(self.sets)

    def set(self, set_id: str) -> SetProgress:
        """The progress of one exercise set (a shipped set is always there, answered or not)."""
        for entry in self.sets:
            if entry.exercise_set == set_id:
                return entry
        from .errors import UnknownIdError, unknown

        raise UnknownIdError(unknown("exercise set", set_id, [s.exercise_set for s in self.sets]))

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sets)

    def review_count(self, set_id: str | None = None) -> int:
        return sum(1 for s, _ in self.review_items if set_id is None or s == set_id)

    def next_step(self, lang: str | None = None) -> str:
        """What to do next: the practice set the learner worked on last, if it is not finished; else
        the first lesson whose practice set is not finished; else the review of what was missed;
        else nothing left."""
        lang = check_lang(lang or self.lang)
        unfinished = [s for s in self.sets if s.scored and not s.complete]
        started = [s for s in unfinished if s.answered and s.last_activity is not None]
        if started or unfinished:
            s = max(started, key=lambda s: s.last_activity) if started else unfinished[0]
            return _ui(
                "progress_step_lesson",
                lang,
                n=s.lesson,
                block=s.name(lang),
                done=s.answered,
                total=s.total,
            )
        if self.review_items:
            return _ui("progress_step_review", lang, count=len(self.review_items))
        return _ui("progress_step_done", lang)

    def line(self, set_id: str, lang: str | None = None) -> ProgressLine:
        """One set's line (its lesson, answered count, points, mastery, items to look at again).

        >>> import tempfile
        >>> print(progress(tempfile.mkdtemp(), lang="en").line("channels-practice"))
        Lesson 3 · Channels · channels-practice: 0 of 17 answered · 0 of 17 points · Not started
        """
        return ProgressLine(
            self.set(set_id), check_lang(lang or self.lang), self.review_count(set_id)
        )

    # -- views ------------------------------------------------------------------------------------

    def to_frame(self):
        """One row per exercise set: ``exercise_set``, ``block``, ``lesson``, ``answered``,
        ``total``, ``score``, ``max_score``, ``right``, ``partly_right``, ``wrong``, ``mastery``,
        ``last_activity`` (UTC) and ``source`` (the answer file counted). Counts are integers
        (``Int64``: missing where unknown); ``score`` and ``max_score`` are floats, NaN for a set
        without a practice key."""
        from .optional import require

        pd = require("pandas", "Progress.to_frame()")
        rows = [s.to_dict() for s in self.sets]
        columns = [
            "exercise_set",
            "block",
            "lesson",
            "answered",
            "total",
            "score",
            "max_score",
            "right",
            "partly_right",
            "wrong",
            "mastery",
            "last_activity",
            "source",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        counts = {c: "Int64" for c in ("total", "lesson", "right", "partly_right", "wrong")}
        frame = frame.astype(
            {"answered": "int64", **counts, "score": "float64", "max_score": "float64"}
        )
        frame["last_activity"] = pd.to_datetime(frame["last_activity"], utc=True, format="ISO8601")
        return frame

    def to_dict(self) -> dict:
        return {
            "answers_dir": str(self.answers_dir),
            "sets": [s.to_dict() for s in self.sets],
            "review_items": [list(r) for r in self.review_items],
            "next_step": self.next_step(),
            "problems": [{"file": f, "problem": p} for f, p in self.problems],
            "not_counted": [
                {"file": f, "exercise_set": s, "counted": c} for f, s, c in self.not_counted
            ],
        }

    def _problem_lines(self, lang: str) -> list[str]:
        lines = [f"{name}: {text_of(reason, lang)}" for name, reason in self.problems]
        lines += [
            f"{name}: " + _ui("progress_not_counted", lang, set=set_id, counted=counted)
            for name, set_id, counted in self.not_counted
        ]
        return lines

    def summary(self, lang: str | None = None) -> str:
        """The progress as a plain-text table for a terminal (``bmc progress`` prints it)."""
        lang = check_lang(lang or self.lang)
        head = [
            _ui(f"progress_col_{c}", lang)
            for c in ("lesson", "block", "set", "answered", "points", "mastery", "last")
        ]
        rows = []
        for s in self.sets:
            total = "?" if s.total is None else str(s.total)
            points = f"{fmt_points(s.score)} / {fmt_points(s.max_score)}" if s.scored else "-"
            lesson = str(s.lesson) if s.lesson else _ui("progress_own", lang)
            rows.append(
                [
                    lesson,
                    s.name(lang) or "-",
                    s.exercise_set,
                    f"{s.answered} / {total}",
                    points,
                    _ui("mastery_" + s.mastery, lang),
                    _local(s.last_activity),
                ]
            )
        widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
        right = {3, 4}

        def fmt(row):
            cells = [
                (" " * (widths[i] - _width(c)) + c) if i in right else _pad(c, widths[i])
                for i, c in enumerate(row)
            ]
            return "  ".join(cells).rstrip()

        lines = [_ui("progress_title", lang), fmt(head), fmt(["-" * w for w in widths])]
        lines += [fmt(r) for r in rows]
        for s in self.sets:
            if not s.items_found:
                lines.append(
                    f"{s.exercise_set}: " + _ui("progress_items_missing", lang, file=s.items_file)
                )
        lines.append("")
        if not self.answered:
            lines.append(_ui("progress_nothing_yet", lang))
        lines.append(_ui("progress_next", lang, step=self.next_step(lang)))
        if self.review_items:
            lines.append(_ui("progress_review_line", lang, count=len(self.review_items)))
        problems = self._problem_lines(lang)
        if problems:
            lines += ["", _ui("progress_problems", lang), *("  " + p for p in problems)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _cell(self, s: SetProgress, lang: str) -> str:
        c0, c1, r0, r1 = GRID[s.block]
        share = min(1.0, s.answered / s.total) if s.total else 0.0
        points = (
            f"<div class='bmc-pm-points'>{_esc(s.points_text(lang))}</div>" if s.answered else ""
        )
        return (
            f"<div class='bmc-pm-cell bmc-pm-{s.mastery}' data-block='{s.block}' "
            f"data-set='{_esc(s.exercise_set)}' data-level='{s.mastery}' "
            f"style='grid-column: {c0} / {c1}; grid-row: {r0} / {r1};'>"
            f"<div class='bmc-pm-lesson'>{_esc(_ui('progress_lesson', lang, n=s.lesson))}</div>"
            f"<div class='bmc-pm-name'>{_esc(s.name(lang))}</div>"
            f"<div class='bmc-pm-count'>{_esc(s.answered_text(lang))}</div>{points}"
            f"<div class='bmc-pm-bar'><div style='width: {100 * share:.0f}%'></div></div>"
            f"<div class='bmc-pm-level'>{_esc(_ui('mastery_' + s.mastery, lang))}</div></div>"
        )

    def _repr_html_(self) -> str:
        lang = self.lang
        practice = [s for s in self.sets if s.scored and s.block in GRID]
        by_block = {}
        for s in practice:  # one cell per block: the first set of each block (today there is one)
            by_block.setdefault(s.block, s)
        parts = [
            f"<style>{_CSS}</style><div class='bmc-pm'>",
            f"<div class='bmc-pm-title'>{_esc(_ui('progress_title', lang))}</div>",
        ]
        if not self.answered:
            parts.append(
                f"<div class='bmc-pm-note'>{_esc(_ui('progress_nothing_yet', lang))}</div>"
            )
        step = _ui("progress_next", lang, step=self.next_step(lang))
        parts.append(f"<div class='bmc-pm-next'>{_esc(step)}</div>")
        cells = "".join(self._cell(s, lang) for s in by_block.values())
        parts.append(f"<div class='bmc-pm-grid'>{cells}</div>")
        if self.review_items:
            parts.append(
                f"<div class='bmc-pm-note bmc-pm-review'>"
                f"{_esc(_ui('progress_review_line', lang, count=len(self.review_items)))}</div>"
            )
        legend = _ui(
            "mastery_legend", lang, familiar=round(100 * FAMILIAR), mastered=round(100 * MASTERED)
        )
        parts.append(f"<div class='bmc-pm-note'>{_esc(legend)}</div>")
        others = [s for s in self.sets if s not in by_block.values()]
        if others:

            def missing(s: SetProgress) -> str:
                if s.items_found:
                    return ""
                return _esc(_ui("progress_items_missing", lang, file=s.items_file))

            rows = "".join(
                "<tr "
                f"data-set='{_esc(s.exercise_set)}'><td><code>{_esc(s.exercise_set)}</code></td>"
                f"<td>{_esc(s.name(lang))}</td><td>{_esc(s.answered_text(lang))}</td>"
                f"<td>{_esc(s.points_text(lang))}</td>"
                f"<td>{missing(s)}</td></tr>"
                for s in others
            )
            parts.append(
                f"<div class='bmc-pm-note'>{_esc(_ui('progress_own_sets', lang))}</div>"
                f"<table class='bmc-pm-own'><tbody>{rows}</tbody></table>"
            )
        problems = self._problem_lines(lang)
        if problems:
            items = "".join(f"<li>{_esc(p)}</li>" for p in problems)
            parts.append(
                f"<div class='bmc-pm-note bmc-pm-problems'>{_esc(_ui('progress_problems', lang))}"
                f"<ul>{items}</ul></div>"
            )
        parts.append("</div>")
        return "".join(parts)


def progress(
    answers_dir: str | os.PathLike | None = None,
    lang: str | None = None,
    *,
    own_sets: Iterable[str | os.PathLike] = (),
) -> Progress:
    """A learner's progress over every exercise set in their answers folder.

    Args:
        answers_dir: the folder of answer files (default ``$BMC_ANSWERS_DIR``, else ``answers/``
            in the current folder, which in a notebook is the notebook's own folder).
        lang: ``"ko"`` or ``"en"`` (default ``$BMC_LANG``, else Korean).
        own_sets: paths of exercise-set CSVs of sets bmclib does not ship, so their question counts
            are known (``<set>.csv`` beside the answers folder, or in its ``exercises/`` folder, is
            found without this).

    Returns:
        A :class:`Progress`: every shipped practice set (answered or not, scored against its
        practice key) and every other set found (answered counts only), with ``to_frame()``,
        ``summary()``, ``to_dict()``, ``line(set_id)`` and a notebook view.

    >>> import tempfile
    >>> p = progress(tempfile.mkdtemp(), lang="en")
    >>> p.set("relationships-practice").answered, p.next_step()
    (0, 'lesson 1 (Customer Segments): 0 of 16 answered')
    """
    lang = resolve_lang(lang)
    return Progress(study(answers_dir, own_sets=own_sets), lang)


def print_progress(
    answers_dir: str | os.PathLike | None = None,
    lang: str | None = None,
    *,
    own_sets: Iterable[str | os.PathLike] = (),
    as_json: bool = False,
) -> int:
    """``bmc progress``: print the progress table (or JSON) and return the exit status.

    0 when the folder was read (files that could not be read are listed in the output); 2 when
    ``answers_dir`` was given and is not a folder. With no folder yet at the default place, the
    learner has simply answered nothing: that is said, and the status is 0.
    """
    lang = resolve_lang(lang)
    folder = resolve_answers_dir(answers_dir)
    if answers_dir is not None and not folder.is_dir():
        what = Msg("progress.not_folder" if os.path.lexists(folder) else "progress.no_folder")
        raise BMCError(Msg("progress.answers_folder", path=str(answers_dir), problem=what))
    found = progress(folder, lang, own_sets=own_sets)
    if as_json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if not found.folder_exists and answers_dir is None:
        elsewhere = answers_folders_near(Path.cwd())
        if elsewhere:  # e.g. run from the course's top folder: answers sit beside the notebooks
            shown = [os.path.relpath(p) for p in elsewhere]
            print(
                _ui("progress_elsewhere", lang, path=folder, found=", ".join(shown), first=shown[0])
            )
            return 0
    where = "progress_folder" if found.folder_exists else "progress_no_folder"
    print(_ui(where, lang, path=folder))
    print(found.summary(lang))
    return 0


def answers_folders_near(here: Path) -> list[Path]:
    """Answers folders one or two levels below ``here`` (``ko/answers``, ``notebooks/en/answers``):
    where lessons save when the course is opened from its top folder.

    >>> import tempfile
    >>> top = Path(tempfile.mkdtemp())
    >>> (top / "notebooks" / "ko" / "answers").mkdir(parents=True)
    >>> [p.relative_to(top).as_posix() for p in answers_folders_near(top)]
    ['notebooks/ko/answers']
    """
    found = [*here.glob("*/answers"), *here.glob("*/*/answers")]
    return sorted(
        p for p in found if p.is_dir() and not any(part.startswith(".") for part in p.parts)
    )
