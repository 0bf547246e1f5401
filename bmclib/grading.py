"""Batch grading (CONTRACT.md section 5): many answer files, one key, one table of grades.

Bad files never stop a run: each becomes a problem row with a plain reason.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .answers import AnswerFile, parse_answers
from .errors import AnswerFileError, BMCError
from .keys import Key
from .scoring import fmt_points

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLDEST = datetime.min.replace(tzinfo=timezone.utc)


def neutralise(text: object) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with ``'``.

    >>> neutralise("=HYPERLINK(1)"), neutralise("Kim"), neutralise("-1")
    ("'=HYPERLINK(1)", 'Kim', "'-1")
    """
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class GradeRow:
    """One student's grade for the key's exercise set."""

    student_id: str
    student_name: str
    exercise_set: str
    score: float
    max_score: float
    item_points: tuple[float, ...]
    source: str
    saved_at: str = ""
    answers: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0


@dataclass
class GradeBatch:
    """The result of grading a class: rows, problems (``(source, reason)``) and notes."""

    key: Key
    rows: list[GradeRow] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def summary(self) -> str:
        return (f"graded {len(self.rows)} student(s) from {self.files_read} file(s); "
                f"{len(self.problems)} problem(s)")


def iter_sources(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[str, bytes | None, str | None]]:
    """Yield ``(source name, bytes, error)`` for every answer file under ``paths``.

    Folders are searched recursively for ``*.json``; ``.zip`` archives are read in memory
    (never extracted) and their non-JSON entries skipped. A missing path raises BMCError.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise BMCError(f"{path}: no such file or folder")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".zip"))
        else:
            files = [path]
        for f in files:
            if f.suffix.lower() == ".zip":
                yield from _iter_zip(f)
                continue
            try:
                yield str(f), f.read_bytes(), None
            except OSError as exc:
                yield str(f), None, f"cannot read the file ({exc.strerror or exc})"


def _iter_zip(path: Path) -> Iterator[tuple[str, bytes | None, str | None]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield str(path), None, f"not a readable zip archive ({exc})"
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            name = info.filename
            if info.is_dir() or not name.lower().endswith(".json") or "__MACOSX/" in name:
                continue
            source = f"{path}!{name}"
            try:
                yield source, archive.read(info), None
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                yield source, None, f"cannot read this archive entry ({exc})"


def points_for(answers: dict, key: Key, partial: float) -> tuple[float, ...]:
    """Points earned per key item (best: points; acceptable: points x partial; else 0)."""
    out = []
    for k in key.items:
        choice = answers.get(k.item_id)
        if choice in k.best:
            out.append(k.points)
        elif choice in k.acceptable:
            out.append(k.points * partial)
        else:
            out.append(0.0)
    return tuple(out)


def grade_batch(
    paths: Iterable[str | os.PathLike],
    key: Key,
    *,
    partial: float = 0.5,
    student: str | None = None,
    progress: bool = False,
) -> GradeBatch:
    """Grade every answer file under ``paths`` against ``key``.

    The latest ``saved_at`` counts when a student has several files; the others are
    listed as problems ("superseded by ..."). With ``student``, only that student is graded.
    """
    if not (0 <= partial <= 1):
        raise BMCError(f"--partial must be between 0 and 1, not {partial:g}")
    batch = GradeBatch(key)
    sources = iter_sources(paths)
    if progress:
        from tqdm import tqdm

        sources = tqdm(sources, desc="grading", unit=" files", file=sys.stderr, disable=None)
    latest: dict[str, tuple[datetime, str, AnswerFile]] = {}
    known = set(key.item_ids)
    for source, data, error in sources:
        batch.files_read += 1
        if error is None:
            try:
                af = parse_answers(data, source)
            except AnswerFileError as exc:
                error = exc.reason
        if error is not None:
            batch.problems.append((source, error))
            continue
        if student is not None and af.student_id != student:
            continue
        if af.exercise_set != key.exercise_set:
            batch.problems.append((source, f"exercise set '{af.exercise_set}' is not the key's '{key.exercise_set}'"))
            continue
        stamp = af.saved_time or OLDEST
        previous = latest.get(af.student_id)
        if previous is None:
            latest[af.student_id] = (stamp, source, af)
            continue
        if (stamp, source) > previous[:2]:
            latest[af.student_id], loser, winner = (stamp, source, af), previous, (stamp, source)
        else:
            loser, winner = (stamp, source, af), previous[:2]
        batch.problems.append((loser[1], f"superseded by {winner[1]} (saved {_when(winner[0])}, "
                                         f"this one {_when(loser[0])})"))
    for sid in sorted(latest):
        _stamp, source, af = latest[sid]
        pts = points_for(af.answers, key, partial)
        extra = sorted(set(af.answers) - known)
        if extra:
            batch.notes.append((source, "ignored answers to items not in the key: " + ", ".join(extra)))
        batch.rows.append(GradeRow(af.student_id, af.student_name, af.exercise_set, sum(pts), key.max_score,
                                   pts, source, af.saved_at, af.answers))
    batch.problems.sort()
    return batch


def _when(stamp: datetime) -> str:
    return "at an unknown time" if stamp == OLDEST else stamp.isoformat()


# -- writers ---------------------------------------------------------------------------------

def _write(path: str | os.PathLike, rows: list[list[str]]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([[neutralise(c) if isinstance(c, str) else c for c in row] for row in rows])
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, target)


def grade_table(batch: GradeBatch, fmt: str = "csv") -> list[list[str]]:
    """The grade table (header first) in one of the formats ``csv``, ``canvas``, ``moodle``."""
    key = batch.key
    if fmt == "csv":
        rows = [["student_id", "student_name", "exercise_set", "score", "max_score", "percent", *key.item_ids]]
        for r in batch.rows:
            rows.append([r.student_id, r.student_name, r.exercise_set, fmt_points(r.score),
                         fmt_points(r.max_score), f"{r.percent:g}", *[fmt_points(p) for p in r.item_points]])
        return rows
    if fmt == "canvas":
        # Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per
        # assignment; an optional second row "Points Possible" sets the assignment's maximum.
        title = key.exercise_set
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
                ["Points Possible", "", "", "", "", fmt_points(key.max_score)]]
        for r in batch.rows:
            rows.append([r.student_name or r.student_id, "", r.student_id, "", "", fmt_points(r.score)])
        return rows
    if fmt == "moodle":
        # Moodle "Import grades > CSV file": map "ID number" to the user's ID number, the grade
        # column to the grade item, and "Feedback" to that item's feedback.
        rows = [["ID number", "Full name", key.exercise_set, "Feedback"]]
        for r in batch.rows:
            rows.append([r.student_id, r.student_name, fmt_points(r.score),
                         f"{fmt_points(r.score)}/{fmt_points(r.max_score)} ({r.percent:g}%)"])
        return rows
    raise BMCError(f"unknown format {fmt!r}; use csv, canvas or moodle")


def write_grades(batch: GradeBatch, out: str | os.PathLike, fmt: str = "csv") -> None:
    """Write the grades file (atomically, with formula-injection neutralised)."""
    _write(out, grade_table(batch, fmt))


def write_problems(batch: GradeBatch, out: str | os.PathLike) -> None:
    """Write ``source,problem`` rows (header even when there is no problem)."""
    _write(out, [["source", "problem"], *[[s, p] for s, p in batch.problems]])
