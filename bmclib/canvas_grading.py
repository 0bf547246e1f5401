"""Grading a class's canvases with a rubric (``bmc canvas grade``, CONTRACT.md section 7).

A **rubric** is a CSV file, one criterion per row (the shipped one is
``data/rubrics/canvas-default.csv``)::

    criterion,points,deduct,rules,checks,label_en,label_ko
    payer,1,0.5,revenue_without_payer;free_without_payer,filled:revenue_streams,...

- ``rules``: coherence rules of :func:`bmclib.canvas_checks.check_canvas` (``;``-separated ids);
  each finding of one of them costs ``deduct`` points (empty ``deduct``: all the points).
- ``checks``: requirements on the blocks; when one is not met the criterion earns nothing.
  ``filled`` (all nine blocks have a note), ``filled:<block id>`` (that block has a note),
  ``segments:<n>`` (at least n customer segments carry a tag).
- A criterion never earns less than 0. ``label_en``/``label_ko`` name it in the feedback;
  optional ``about_en``/``about_ko`` say what it looks for (shown in the gallery).

Grading reads files, folders and zip archives exactly as ``bmc grade`` does
(:func:`bmclib.inputs.iter_sources`); a canvas without ``student_id`` is named by its file
name's stem, and when a student has several canvases the latest ``saved_at`` counts.

>>> from bmclib.canvas import Canvas
>>> from bmclib.paths import data_path
>>> grade_canvas(Canvas.load(data_path("canvases", "ikea.en.json"))).score
10.0
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from .blocks import BLOCK_IDS, block
from .canvas import Canvas, _parse, as_canvas
from .canvas_checks import RULE_IDS, Findings, check_canvas
from .errors import BMCError, DataError, did_you_mean, unknown
from .fileio import DEFAULT_MAX_FILE_SIZE, Problem, item_id_problem, read_csv, read_json, split_ids
from .grading import (
    Candidate,
    candidate,
    latest_per_student,
    neutralise,
    platform_table,
    summary_line,
    with_progress,
    write_rows,
)
from .i18n import LANGS, Msg, lang_or_session, text_of
from .inputs import Scan, iter_sources
from .keys import MAX_TOTAL_POINTS, POINTS
from .paths import data_path
from .scoring import fmt_points

RUBRIC_COLUMNS = ("criterion", "points", "label_en", "label_ko")
OPTIONAL_COLUMNS = ("deduct", "rules", "checks", "about_en", "about_ko")
#: the grade column's name in ``--format canvas|moodle`` unless ``--column`` says otherwise
DEFAULT_COLUMN = "capstone_canvas"
#: the grade file's own columns: a criterion id cannot be one of them
_RESERVED = ("student_id", "student_name", "score", "max_score", "percent", "feedback")
_CHECK = re.compile(r"^(filled)(?::(.*))?$|^(segments):(.*)$")


def default_rubric_path() -> Path:
    """The shipped rubric, ``data/rubrics/canvas-default.csv``."""
    return data_path("rubrics", "canvas-default.csv")


# -- the rubric --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One row of a rubric: what it draws on and how many points it is worth."""

    id: str
    points: float
    deduct: float
    rules: tuple[str, ...]
    checks: tuple[str, ...]
    label: dict
    about: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rubric:
    """The criteria of a rubric file, in file order."""

    criteria: tuple[Criterion, ...]
    source: str = ""
    warnings: tuple = field(default=(), compare=False, repr=False)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.criteria)

    @property
    def name(self) -> str:
        """The file name, for headings (``canvas-default.csv``)."""
        return Path(self.source).name if self.source else ""

    def __repr__(self) -> str:
        points = fmt_points(self.max_score)
        return f"<Rubric {self.name!r}: {len(self.criteria)} criteria, {points} points>"


def _check_problem(check: str) -> Msg | None:
    """Why a ``checks`` entry is not one this module knows, or None."""
    m = _CHECK.match(check)
    if not m:
        return Msg(
            "rubric.bad_check",
            check=check,
            suggestion=did_you_mean(check.split(":")[0], ["filled", "segments"]),
        )
    if m.group(1) and m.group(2) is not None and m.group(2) not in BLOCK_IDS:
        return Msg("rubric.check_block", check=check, error=unknown("block", m.group(2), BLOCK_IDS))
    if m.group(3) and not (m.group(4).isdigit() and 1 <= int(m.group(4)) <= 50):
        return Msg("rubric.check_number", check=check, value=repr(m.group(4)))
    return None


def _number(text: str) -> float:
    return float(text) if POINTS.fullmatch(text) else math.nan


def check_rubric(
    source: str | Path | bytes, *, name: str | None = None
) -> tuple[Rubric | None, list[Problem]]:
    """Read a rubric CSV; return the rubric (None when it has an error) and every problem.

    Warnings (a rule used by two criteria counts twice; a column that looks like a misspelt
    one) come with a usable rubric, which keeps them in ``Rubric.warnings``.

    >>> rubric, problems = check_rubric(b"criterion,points,rules,label_en,label_ko\\n"
    ...                                 b"payer,1,revenue_without_payr,Payer,Payer (ko)\\n",
    ...                                 name="r.csv")
    >>> print(problems[0].text("en"))  # doctest: +NORMALIZE_WHITESPACE
    r.csv:2: rules: 'revenue_without_payr' is not a rule. Did you mean 'revenue_without_payer'?
    Rules are: empty_block, segment_without_value_proposition, segment_without_channel,
    segment_without_relationship, unknown_segment_tag, untagged_segment, revenue_without_payer,
    free_without_payer, unlinked_infrastructure, dedicated_on_low_price, premium_self_service_only,
    relationship_mechanism, relationship_without_type.
    """
    table, problems = read_csv(source, RUBRIC_COLUMNS, name=name, required_cells=RUBRIC_COLUMNS)
    if table is None:
        return None, problems
    label = table.source
    known = set(RUBRIC_COLUMNS + OPTIONAL_COLUMNS)
    for col in table.columns:
        if col and col not in known:
            guess = did_you_mean(col, sorted(known))
            if guess:
                problems.append(
                    Problem(
                        label,
                        1,
                        Msg("rubric.unknown_column", column=col, suggestion=guess),
                        "warning",
                    )
                )
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    used_by: dict[str, str] = {}
    for line, row in table.rows:
        bad = any(not row.get(c) for c in RUBRIC_COLUMNS)
        cid = row["criterion"]
        why = item_id_problem(cid) if cid else None
        if why:
            problems.append(Problem(label, line, Msg("rubric.bad_id", id=repr(cid), why=why)))
            bad = True
        if cid in _RESERVED:
            problems.append(
                Problem(label, line, Msg("rubric.reserved", id=cid, columns=", ".join(_RESERVED)))
            )
            bad = True
        if cid and cid in seen:
            problems.append(Problem(label, line, Msg("rubric.duplicate", id=cid, line=seen[cid])))
            bad = True
        seen.setdefault(cid, line)
        points = _number(row["points"])
        if row["points"] and not (points > 0 and math.isfinite(points)):
            problems.append(
                Problem(label, line, Msg("rubric.bad_points", value=repr(row["points"])))
            )
            bad = True
        deduct = points
        if row.get("deduct"):
            deduct = _number(row["deduct"])
            if not (deduct > 0 and math.isfinite(deduct)):
                problems.append(
                    Problem(label, line, Msg("rubric.bad_deduct", value=repr(row["deduct"])))
                )
                bad = True
        rules = split_ids(row.get("rules", ""))
        for rid in rules:
            if rid not in RULE_IDS:
                problems.append(
                    Problem(label, line, Msg("rubric.rules", error=unknown("rule", rid, RULE_IDS)))
                )
                bad = True
            elif rid in used_by and used_by[rid] != cid:
                problems.append(
                    Problem(
                        label,
                        line,
                        Msg("rubric.rule_twice", rule=rid, other=used_by[rid]),
                        "warning",
                    )
                )
            used_by.setdefault(rid, cid)
        checks = split_ids(row.get("checks", ""))
        for check in checks:
            why = _check_problem(check)
            if why:
                problems.append(Problem(label, line, Msg("rubric.checks", error=why)))
                bad = True
        if not rules and not checks:
            problems.append(Problem(label, line, Msg("rubric.nothing", id=cid)))
            bad = True
        about = {lang: row.get(f"about_{lang}", "") for lang in LANGS}
        if bool(about["en"]) != bool(about["ko"]):
            missing = "about_ko" if about["en"] else "about_en"
            problems.append(Problem(label, line, Msg("rubric.about_half", id=cid, missing=missing)))
            bad = True
        if not bad:
            criteria.append(
                Criterion(
                    cid,
                    points,
                    deduct,
                    tuple(rules),
                    tuple(checks),
                    {"en": row["label_en"], "ko": row["label_ko"]},
                    about if about["en"] else {},
                )
            )
    if not table.rows and not problems:
        problems.append(Problem(label, 1, Msg("rubric.empty")))
    total = sum(c.points for c in criteria)
    if criteria and not total <= MAX_TOTAL_POINTS:
        problems.append(Problem(label, 1, Msg("rubric.total", max=f"{MAX_TOTAL_POINTS:g}")))
    problems.sort(key=lambda p: p.line)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Rubric(tuple(criteria), label, tuple(problems)), problems


def check_rubric_file(path: str | Path) -> list[Problem]:
    """Every problem in a rubric file (``bmc validate``); empty when it is valid.

    >>> check_rubric_file(default_rubric_path())
    []
    """
    return check_rubric(path)[1]


@cache
def _shipped_rubric() -> Rubric:
    return load_rubric(default_rubric_path())


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load and check a rubric CSV (default: the shipped ``data/rubrics/canvas-default.csv``).

    Raises ``DataError`` listing every problem as ``file:line: message``.

    >>> load_rubric().ids  # doctest: +NORMALIZE_WHITESPACE
    ('complete', 'segments', 'segments_served', 'payer', 'relationship_types', 'relationship_fit',
     'infrastructure')
    """
    if path is None:
        return _shipped_rubric()
    rubric, problems = check_rubric(path)
    if rubric is None:
        raise DataError(problems)
    return rubric


# -- grading one canvas ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    """The points a canvas earned on one criterion, and why points were lost (en/ko messages)."""

    criterion: Criterion
    earned: float
    reasons: tuple = ()  #: every reason points were lost (messages): unmet checks, then findings
    unmet: tuple = ()  #: the checks (requirements) the canvas does not meet

    @property
    def lost(self) -> bool:
        return self.earned < self.criterion.points


def _failed_checks(canvas: Canvas, checks: Iterable[str]) -> list[Msg]:
    reasons = []
    for check in checks:
        kind, _, arg = check.partition(":")
        if kind == "filled":
            for block_id in [arg] if arg else BLOCK_IDS:
                if not canvas[block_id]:
                    reasons.append(Msg("canvas_grade.check_filled", block=block(block_id).name))
        elif kind == "segments":
            count = len({n.segment for n in canvas["customer_segments"] if n.segment})
            if count < int(arg):
                reasons.append(Msg("canvas_grade.check_segments", count=count, min=int(arg)))
    return reasons


def score_criteria(
    canvas: Canvas, rubric: Rubric, findings: Findings | None = None
) -> tuple[CriterionScore, ...]:
    """Points per criterion for one canvas (``findings``: its :func:`check_canvas` result, if
    known)."""
    findings = check_canvas(canvas) if findings is None else findings
    out = []
    for c in rubric.criteria:
        failed = _failed_checks(canvas, c.checks)
        hits = [f.message for f in findings if f.rule in c.rules]
        earned = 0.0 if failed else max(0.0, c.points - c.deduct * len(hits))
        out.append(CriterionScore(c, round(earned, 6), tuple(failed + hits), tuple(failed)))
    return tuple(out)


@dataclass(frozen=True)
class CanvasGrade:
    """One student's canvas, graded: points per criterion, the findings, and the file it came
    from."""

    student_id: str
    student_name: str
    scores: tuple[CriterionScore, ...]
    findings: Findings = field(repr=False)
    canvas: Canvas = field(repr=False, compare=False)
    source: str = ""
    saved_at: str = ""
    #: True when the file has no student_id and the id is its file name's stem
    id_from_file: bool = False

    @property
    def score(self) -> float:
        return round(sum(s.earned for s in self.scores), 6)

    @property
    def max_score(self) -> float:
        return sum(s.criterion.points for s in self.scores)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def criterion_points(self) -> tuple[float, ...]:
        return tuple(s.earned for s in self.scores)

    def feedback(self, lang: str | None = None) -> str:
        """The feedback a student reads, on one line: the score, then each criterion that lost
        points with the reasons (finding messages and unmet checks) in ``lang``.

        >>> from bmclib.canvas import Canvas
        >>> from bmclib.paths import data_path
        >>> ikea = Canvas.load(data_path("canvases", "ikea.en.json"))
        >>> print(grade_canvas(ikea).feedback("ko"))
        10점 만점에 10점(100%). 모든 기준을 충족했습니다.
        >>> ikea["revenue_streams"].clear()
        >>> print(grade_canvas(ikea).feedback("en"))  # doctest: +NORMALIZE_WHITESPACE
        8.5/10 (85%). All nine blocks filled 1.5/2: The Revenue Streams block is empty: add at
        least one note. | Revenue names a payer 0/1: The Revenue Streams block is empty, so this
        criterion cannot be met.
        """
        lang = lang_or_session(lang)
        head = Msg(
            "canvas_grade.score",
            score=fmt_points(self.score),
            max=fmt_points(self.max_score),
            percent=f"{self.percent:g}",
        ).text(lang)
        lost = [
            Msg(
                "canvas_grade.criterion",
                label=s.criterion.label,
                earned=fmt_points(s.earned),
                points=fmt_points(s.criterion.points),
                reasons=_Joined(s.reasons, " "),
            ).text(lang)
            for s in self.scores
            if s.lost
        ]
        return f"{head} {' | '.join(lost) if lost else Msg('canvas_grade.all_met').text(lang)}"

    def summary(self, lang: str | None = None) -> str:
        """A few lines for a terminal: who, the score, and points per criterion."""
        lang = lang_or_session(lang)
        who = f"{self.student_id} ({self.student_name})" if self.student_name else self.student_id
        lines = [
            f"{who or self.canvas.title}: {fmt_points(self.score)}/{fmt_points(self.max_score)}"
        ]
        lines += [
            f"  {s.criterion.label[lang]}: {fmt_points(s.earned)}/{fmt_points(s.criterion.points)}"
            for s in self.scores
        ]
        return "\n".join(lines)

    def to_dict(self, lang: str | None = None) -> dict:
        """One CSV row's worth: ids, score, points per criterion id, feedback in ``lang``."""
        return {
            "student_id": self.student_id,
            "student_name": self.student_name,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            **{s.criterion.id: s.earned for s in self.scores},
            "feedback": self.feedback(lang),
        }

    def _repr_html_(self) -> str:
        import html

        lang = self.canvas.lang
        rows = "".join(
            f"<tr><td>{html.escape(s.criterion.label[lang])}</td><td>{fmt_points(s.earned)}/"
            f"{fmt_points(s.criterion.points)}</td>"
            f"<td>{html.escape(_Joined(s.reasons, ' ').text(lang))}</td></tr>"
            for s in self.scores
        )
        return (
            f"<p><b>{fmt_points(self.score)}/{fmt_points(self.max_score)}</b> "
            f"({self.percent:g}%)</p><table>{rows}</table>"
        )


def grade_canvas(
    canvas: Canvas | str | Path | dict, rubric: Rubric | str | Path | None = None
) -> CanvasGrade:
    """Grade one canvas with a rubric (default: the shipped one).

    >>> from bmclib.canvas import Canvas
    >>> savers = {"customer_segments": [{"text": "Savers", "segment": "s"}]}
    >>> g = grade_canvas(Canvas("Demo", blocks=savers))
    >>> g.score, g.max_score, [s.criterion.id for s in g.scores if not s.lost]
    (0.0, 10.0, [])
    """
    canvas = as_canvas(canvas)
    rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    findings = check_canvas(canvas)
    return CanvasGrade(
        canvas.student_id,
        canvas.student_name,
        score_criteria(canvas, rubric, findings),
        findings,
        canvas,
        canvas.source,
        canvas.saved_at,
    )


# -- grading a class ---------------------------------------------------------------------------


@dataclass
class CanvasBatch:
    """The result of grading a class's canvases: rows, problems (``(source, reason)``) and notes."""

    rubric: Rubric
    rows: list[CanvasGrade] = field(default_factory=list)
    problems: list[tuple[str, Msg]] = field(default_factory=list)
    notes: list[tuple[str, Msg]] = field(default_factory=list)
    files_read: int = 0
    skipped: int = 0
    duplicates: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    @property
    def ids_from_files(self) -> int:
        return sum(r.id_from_file for r in self.rows)

    def summary(self, lang: str | None = None) -> str:
        """One line: how many canvases, files and problems (and what was skipped)."""
        parts = [
            Msg(
                "canvas_grade.summary",
                canvases=len(self.rows),
                files=self.files_read,
                problems=len(self.problems),
            )
        ]
        if self.ids_from_files:
            parts.append(Msg("canvas_grade.ids_from_files", count=self.ids_from_files))
        return summary_line(parts, self.skipped, self.duplicates, lang)

    def to_frame(self, lang: str | None = None):
        """The grades as a DataFrame, the columns of ``grades.csv`` (numbers as numbers, feedback in
        ``lang``)."""
        from .optional import require

        pd = require("pandas", "CanvasBatch.to_frame()")
        columns = [
            "student_id",
            "student_name",
            "score",
            "max_score",
            "percent",
            *self.rubric.ids,
            "feedback",
        ]
        rows = [
            [
                r.student_id,
                r.student_name,
                r.score,
                r.max_score,
                r.percent,
                *r.criterion_points,
                r.feedback(lang),
            ]
            for r in self.rows
        ]
        return pd.DataFrame(rows, columns=columns)

    def problems_frame(self, lang: str | None = None):
        """The files that could not be graded, as a DataFrame ``source, problem`` in ``lang``."""
        from .optional import require

        pd = require("pandas", "CanvasBatch.problems_frame()")
        return pd.DataFrame(
            [[s, text_of(p, lang)] for s, p in self.problems], columns=["source", "problem"]
        )

    def __repr__(self) -> str:
        return (
            f"CanvasBatch({self.rubric.name!r}, {len(self.rows)} canvases, "
            f"{len(self.problems)} problems)"
        )

    def _repr_html_(self) -> str:
        import html

        table = canvas_grade_table(self)
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in table[0][:-1])
        body = "".join(
            "<tr>"
            + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row[:-1])
            + "</tr>"
            for row in table[1:]
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


def _stem(source: str) -> str:
    """The file name's stem of a source, also inside an archive: ``a.zip!x/kim.json`` -> ``kim``.

    >>> _stem("/class/s0001.json"), _stem("lms.zip!sub/Kim_Minji.json"), _stem("lms.zip!kim.json")
    ('s0001', 'Kim_Minji', 'kim')
    """
    return Path(re.split(r"\.zip!", source, flags=re.IGNORECASE)[-1]).stem


def parse_canvas(data: bytes, source: str) -> Canvas:
    """A canvas from a file's bytes; raise ``DataError`` whose problems say what is wrong, with
    lines."""
    parsed, text, problems = read_json(data, name=source)
    if not problems:
        canvas, problems, _unknown = _parse(parsed, text, source)
        if not problems:
            canvas.source = source
            return canvas
    raise DataError(problems)


class _Joined:
    """Several messages read as one, joined by ``sep`` (rendered in any language, like a
    message)."""

    def __init__(self, parts, sep: str = "; "):
        self.parts, self.sep = tuple(parts), sep

    def text(self, lang: str | None = None) -> str:
        return self.sep.join(text_of(p, lang) for p in self.parts)

    def __str__(self) -> str:
        return self.text()

    # read as text in a script, like a message: `"JSON" in reason`, `reason.startswith(...)`
    def __contains__(self, part: str) -> bool:
        return part in self.text()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other in (self.text("en"), self.text())

    __hash__ = object.__hash__

    def __getattr__(self, name: str):
        if not name.startswith("_") and hasattr(str, name):
            return getattr(self.text(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _reason(problems: list[Problem]) -> _Joined:
    """What is wrong with a file, without its name: ``line 3: ...; line 7: ...``."""
    return _Joined(
        Msg("canvas_grade.at_line", line=p.line, message=p.msg) if p.line else p.msg
        for p in problems
    )


def grade_canvases(
    paths: Iterable[str | os.PathLike],
    rubric: Rubric | str | Path | None = None,
    *,
    progress: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    now: datetime | None = None,
) -> CanvasBatch:
    """Grade every canvas file under ``paths`` (files, folders, zip archives) with ``rubric``.

    A file that cannot be read as a canvas is a problem row, never the end of the run. The
    student id is the file's ``student_id``, else its file name's stem; ids compare as
    :func:`bmclib.fileio.normalise_id` does. Several files for one student: the latest
    ``saved_at`` counts, the others are problems ("superseded by ..."). Rows are sorted by id.
    """
    rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    now = now or datetime.now(UTC)
    batch = CanvasBatch(rubric)
    scan = Scan()
    by_student: dict[str, list[Candidate]] = {}
    for src in with_progress(iter_sources(paths, max_file_size=max_file_size, scan=scan), progress):
        batch.files_read += 1
        if src.problem is not None:
            batch.problems.append((src.name, src.problem))
            continue
        try:
            canvas = parse_canvas(src.data, src.name)
        except DataError as exc:
            batch.problems.append((src.name, _reason(exc.problems)))
            continue
        except Exception as exc:  # noqa: BLE001 - whatever goes wrong with one file is that file's problem
            batch.problems.append(
                (src.name, Msg("canvas_grade.unreadable", reason=f"{type(exc).__name__}: {exc}"))
            )
            continue
        sid = canvas.student_id or _stem(src.name)
        c = candidate(sid, canvas.saved_at, src.name, canvas, now)
        by_student.setdefault(c.student, []).append(c)
    batch.skipped, batch.duplicates = scan.skipped, scan.duplicates
    for best in latest_per_student(by_student, now, batch.problems):
        canvas = best.payload
        try:
            findings = check_canvas(canvas)
            scores = score_criteria(canvas, rubric, findings)
        except Exception as exc:  # noqa: BLE001 - one canvas that breaks a check is its own problem
            batch.problems.append(
                (
                    best.source,
                    Msg("canvas_grade.check_failed", reason=f"{type(exc).__name__}: {exc}"),
                )
            )
            continue
        batch.rows.append(
            CanvasGrade(
                best.shown_id,
                canvas.student_name,
                scores,
                findings,
                canvas,
                best.source,
                canvas.saved_at,
                id_from_file=not canvas.student_id,
            )
        )
    batch.problems.sort(key=lambda p: (p[0], text_of(p[1], "en")))
    return batch


# -- writers -----------------------------------------------------------------------------------


def canvas_grade_table(
    batch: CanvasBatch,
    fmt: str = "csv",
    *,
    lang: str | None = None,
    column: str | None = None,
    scale: float | None = None,
) -> list[list[str]]:
    """The grade table (header first): ``csv`` (one column per criterion, then ``feedback`` in
    ``lang``), or the ``canvas`` / ``moodle`` import layouts that ``bmc grade --format`` writes,
    with ``column`` (default ``capstone_canvas``) and ``scale`` as in
    :func:`bmclib.grading.grade_table`; Moodle's ``Feedback`` column gets the rubric feedback."""
    lang = lang_or_session(lang)
    n = neutralise
    if fmt == "csv":
        if scale is not None or column is not None:
            raise BMCError(Msg("grade.csv_options"))
        rows = [
            [
                "student_id",
                "student_name",
                "score",
                "max_score",
                "percent",
                *map(n, batch.rubric.ids),
                "feedback",
            ]
        ]
        for r in batch.rows:
            rows.append(
                [
                    n(r.student_id),
                    n(r.student_name),
                    fmt_points(r.score),
                    fmt_points(r.max_score),
                    f"{r.percent:g}",
                    *map(fmt_points, r.criterion_points),
                    n(r.feedback(lang)),
                ]
            )
        return rows
    title = column.strip() if column and column.strip() else DEFAULT_COLUMN
    return platform_table(
        fmt,
        title,
        batch.rubric.max_score,
        [(r.student_id, r.student_name, r.score, r.feedback(lang)) for r in batch.rows],
        scale=scale,
    )


def write_canvas_grades(
    batch: CanvasBatch,
    out: str | os.PathLike,
    fmt: str = "csv",
    *,
    lang: str | None = None,
    column: str | None = None,
    scale: float | None = None,
    excel: bool = False,
) -> None:
    """Write the grades file (atomically, with formula-injection neutralised); ``excel`` starts it
    with a UTF-8 byte-order mark, so Korean names survive a double-click in Excel."""
    write_rows(
        out, canvas_grade_table(batch, fmt, lang=lang, column=column, scale=scale), bom=excel
    )
