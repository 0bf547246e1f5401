"""``bmc report``: what a class got right and wrong, item by item, as an HTML page with figures.

Items are named by company (from the exercise set) in the report's language; every word comes from
the message catalogue, so a Korean report is Korean throughout. Beside ``index.html`` the report
writes ``items.csv`` (facility, discrimination, the choices made, flags and attempt patterns per
item; see :mod:`bmclib.item_stats`) and one page per student under ``students/``, with how they
worked on each item, for when a grade is disputed.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .blocks import _category_index
from .fileio import DEFAULT_MAX_FILE_SIZE, write_files_atomic
from .grading import GradeRow, grade_batch, neutralise
from .i18n import LANGS, Msg, catalogue, lang_or_session, text_of
from .item_stats import (
    ItemAttempt,
    discrimination,
    facility,
    flags,
    item_attempts,
    mean_or_none,
    median,
)
from .keys import Key, KeyItem
from .scoring import DEFAULT_PARTIAL, fmt_points, score_item

#: the report's shares, in the order they are drawn and listed
PARTS = ("right", "partly", "wrong", "unanswered")
_STATUS_PART = {
    "best": "right",
    "acceptable": "partly",
    "wrong": "wrong",
    "unanswered": "unanswered",
}


@dataclass
class ItemStats:
    """How the class answered one item."""

    item: KeyItem
    right: float
    partly: float
    wrong: float
    unanswered: float
    common_wrong: str | None
    common_wrong_count: int
    misconception: dict = field(default_factory=dict)
    name: dict = field(default_factory=dict)  #: the item's company (or id), {"en", "ko"}
    facility: float | None = None  #: mean share of the item's points (0-1)
    discrimination: float | None = None  #: corrected point-biserial (-1..1), None if it cannot vary
    #: choice id -> students who chose it, most chosen first
    choices: dict = field(default_factory=dict)
    flags: tuple = ()  #: see bmclib.item_stats.FLAGS
    first_seconds: float | None = None  #: median seconds before the first answer
    changes: float | None = None  #: mean answer changes per student who answered
    rapid: float = 0.0  #: share of students who guessed rapidly on this item
    #: mean Checks before the right answer, over students who checked until they had it
    checks_before_right: float | None = None

    def label(self, lang: str | None = None) -> str:
        """The item as people know it: its company in ``lang``, else its id."""
        return self.name.get(lang_or_session(lang)) or self.item.item_id


def misconception(item: KeyItem, chosen: str, case=None) -> dict:
    """A short ko/en note on what choosing ``chosen`` instead of the key's best suggests."""
    why_not = {lang: item.why_not_text(chosen, lang) for lang in ("en", "ko")}
    if all(why_not.values()):
        return why_not  # the key says which fact rules this choice out
    cats = _category_index()
    best = cats.get(item.best[0])
    picked = cats.get(chosen)
    if case is not None and picked is not None and picked.taxonomy == "relationship_types":
        from .advisor import explain_choice

        against = explain_choice(case.attrs, chosen).fit.against
        if against["en"]:
            return {lang: against[lang][0] for lang in ("en", "ko")}
    if picked is None or best is None:
        return Msg("report.not_an_option").both()
    out = {}
    for lang in ("en", "ko"):
        test = best.get("test", lang) or picked.get("test", lang)
        head = Msg("report.confuses", picked=picked.label[lang], best=best.label[lang]).text(lang)
        out[lang] = f"{head} {test}" if test else f"{head} {best.definition[lang]}"
    return out


def item_names(key: Key, items: str | os.PathLike | None = None) -> dict[str, dict]:
    """``{item_id: {"en": name, "ko": name}}`` (company, segment where two items share one) for a
    key's items, from its exercise set: ``items`` (a set id or the items CSV), else the shipped set
    of that id, else ``exercises/<set>.csv`` beside the key's ``keys/`` folder (the layout
    ``bmc new-set`` writes). Items it cannot name keep their id."""
    from .exercises import exercise_set_ids, load_exercise_set

    candidates = [items] if items is not None else []
    if key.exercise_set in exercise_set_ids():
        candidates.append(key.exercise_set)
    if key.source:
        candidates.append(Path(key.source).parent.parent / "exercises" / f"{key.exercise_set}.csv")
    for candidate in candidates:
        if isinstance(candidate, Path) and not candidate.is_file():
            continue
        try:
            ex = load_exercise_set(candidate)
        except Exception:  # noqa: BLE001, S112 - no usable items file: the ids are shown instead
            continue
        if ex.id == key.exercise_set:
            labels = {lang: ex.labels(lang) for lang in LANGS}
            return {it.id: {lang: labels[lang][it.id] for lang in LANGS} for it in ex.items}
    return {}


def _choice_label(choice: str | None, lang: str) -> str:
    cats = _category_index()
    if choice is None:
        return ""
    return cats[choice].label[lang] if choice in cats else str(choice)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _event_label(event: str, lang: str) -> str:
    """A logged event as people say it ("choose" -> "chose", "선택"); unknown events as written."""
    key = f"report.event_{event}"
    return Msg(key).text(lang) if key in catalogue() else event


def _seconds(x: float | None) -> str:
    return "" if x is None else f"{x:.0f}"


PAGE_STYLE = """<style>@font-face{font-family:"BMC Gothic";src:url("BMCGothic-Regular.ttf")}
body{font-family:"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR",\
"NanumGothic","BMC Gothic",sans-serif;max-width:64em;margin:2em auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
.flag{color:#B00020}</style>"""


@dataclass
class StudentView:
    """One student's graded answers with their attempt patterns, item by item."""

    report: ClassReport
    row: GradeRow
    attempts: dict  #: item id -> ItemAttempt

    def __repr__(self) -> str:
        points = f"{fmt_points(self.row.score)}/{fmt_points(self.row.max_score)}"
        return f"StudentView({self.row.student_id!r}, {points})"

    def lines(self, lang: str | None = None) -> list[dict]:
        """Per key item: the item, the answer, its status and points, and the attempt pattern."""
        from .scoring import status_label

        lang = lang_or_session(lang)
        names = {s.item.item_id: s.label(lang) for s in self.report.items}
        out = []
        for item, points in zip(self.report.key.items, self.row.item_points):
            choice = self.row.answers.get(item.item_id)
            status, _ = score_item(choice, item, self.report.partial)
            a: ItemAttempt | None = self.attempts.get(item.item_id)
            out.append(
                {
                    "item_id": item.item_id,
                    "item": names.get(item.item_id, item.item_id),
                    "answer": _choice_label(choice, lang),
                    "status": status_label(status, lang),
                    "points": f"{fmt_points(points)}/{fmt_points(item.points)}",
                    "first_answer_seconds": a.first_seconds if a else None,
                    "changes": a.changes if a else 0,
                    "checks": a.checks if a else 0,
                    "checks_before_right": a.checks_before_right if a else None,
                    "rapid_guessing": bool(a and a.rapid),
                    "events": [
                        (t.isoformat(timespec="seconds"), e, _choice_label(c, lang))
                        for t, e, c in (a.events if a else [])
                    ],
                }
            )
        return out

    def summary(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang)
        head = Msg(
            "report.student_head",
            student=self.row.student_id,
            name=self.row.student_name or "-",
            score=fmt_points(self.row.score),
            max=fmt_points(self.row.max_score),
            percent=f"{self.row.percent:g}",
            source=self.row.source,
        ).text(lang)
        lines = [head]
        for x in self.lines(lang):
            line = f"- {x['item']}: {x['answer'] or '-'} ({x['status']}, {x['points']})"
            if x["events"]:
                line += " " + Msg(
                    "report.student_pattern",
                    seconds=_seconds(x["first_answer_seconds"]) or "-",
                    changes=x["changes"],
                    checks=x["checks"],
                ).text(lang)
            if x["rapid_guessing"]:
                line += " " + Msg("report.flag_rapid").text(lang)
            lines.append(line)
        return "\n".join(lines)

    def to_html(self, lang: str | None = None, *, page: bool = False) -> str:
        lang = lang_or_session(lang)

        def t(key: str, **fields) -> str:
            return html.escape(Msg(f"report.{key}", **fields).text(lang))

        heads = "".join(
            f"<th>{t(k)}</th>"
            for k in (
                "item",
                "answer",
                "status",
                "points",
                "first_seconds_one",
                "changes",
                "checks",
                "checks_before_right",
                "timeline",
            )
        )
        body = []
        for x in self.lines(lang):
            timeline = "<br>".join(
                html.escape(f"{when[11:19]} {_event_label(e, lang)} {c}".rstrip())
                for when, e, c in x["events"]
            )
            rapid = f" <span class='flag'>{t('flag_rapid')}</span>" if x["rapid_guessing"] else ""
            body.append(
                f"<tr><td>{html.escape(x['item'])}{rapid}</td><td>{html.escape(x['answer'])}</td>"
                f"<td>{html.escape(x['status'])}</td><td>{x['points']}</td>"
                f"<td>{_seconds(x['first_answer_seconds'])}</td>"
                f"<td>{x['changes'] if x['events'] else ''}</td>"
                f"<td>{x['checks'] if x['events'] else ''}</td>"
                f"<td>{'' if x['checks_before_right'] is None else x['checks_before_right']}</td>"
                f"<td>{timeline}</td></tr>"
            )
        head = t(
            "student_head",
            student=self.row.student_id,
            name=self.row.student_name or "-",
            score=fmt_points(self.row.score),
            max=fmt_points(self.row.max_score),
            percent=f"{self.row.percent:g}",
            source=self.row.source,
        )
        table = (
            f"<p>{head}</p><table><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )
        if not page:
            return table
        title = t("student_title", student=self.row.student_id)
        # the page sits in students/, the font beside index.html
        style = PAGE_STYLE.replace('url("', 'url("../')
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta '
            f'charset="utf-8"><title>{title}</title>'
            f"{style}</head><body><h1>{title}</h1>{table}<p>{t('student_note')}</p></body></html>\n"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass
class ClassReport:
    """Per-item statistics, scores and attempt patterns of a graded class."""

    key: Key
    items: list[ItemStats]
    percents: list[float]
    problems: list[tuple[str, Msg]]
    rows: list[GradeRow] = field(default_factory=list, repr=False)
    #: student id -> {item id: ItemAttempt}
    attempts: dict = field(default_factory=dict, repr=False)
    partial: float = DEFAULT_PARTIAL
    #: (device, inode) of every file read: the report's own files must be none of them
    read: frozenset = field(default_factory=frozenset, repr=False)

    def to_frame(self, lang: str | None = None):
        """Per-item statistics as a DataFrame: shares (0-1), facility, discrimination, flags, the
        most common wrong choice and its idea, the choices made, and the attempt patterns."""
        from .optional import require

        pd = require("pandas", "ClassReport.to_frame()")
        lang = lang_or_session(lang)
        return pd.DataFrame(
            [
                {
                    "item_id": s.item.item_id,
                    "item": s.label(lang),
                    "facility": s.facility,
                    "discrimination": s.discrimination,
                    "right": s.right,
                    "partly": s.partly,
                    "wrong": s.wrong,
                    "unanswered": s.unanswered,
                    "common_wrong": _choice_label(s.common_wrong, lang),
                    "count": s.common_wrong_count,
                    "misconception": s.misconception.get(lang, ""),
                    "flags": "; ".join(Msg(f"report.flag_{f}").text(lang) for f in s.flags),
                    "choices": "; ".join(
                        f"{_choice_label(c, lang)}: {n}" for c, n in s.choices.items()
                    ),
                    "first_answer_seconds": s.first_seconds,
                    "changes": s.changes,
                    "checks_before_right": s.checks_before_right,
                    "rapid_guessing": s.rapid,
                }
                for s in self.items
            ]
        )

    def items_table(self, lang: str | None = None) -> list[list[str]]:
        """The rows of ``items.csv`` (header first): ids and flags as ids, the company in
        ``lang``."""
        lang = lang_or_session(lang)

        def num(x: float | None, digits: int = 3) -> str:
            return "" if x is None else f"{round(x, digits):g}"

        rows = [
            [
                "item_id",
                "company",
                "facility",
                "discrimination",
                "right",
                "partly",
                "wrong",
                "unanswered",
                "common_wrong",
                "choices",
                "flags",
                "first_answer_seconds",
                "changes",
                "checks_before_right",
                "rapid_guessing",
            ]
        ]
        for s in self.items:
            rows.append(
                [
                    s.item.item_id,
                    s.label(lang),
                    num(s.facility),
                    num(s.discrimination),
                    num(s.right),
                    num(s.partly),
                    num(s.wrong),
                    num(s.unanswered),
                    s.common_wrong or "",
                    ";".join(f"{c}:{n}" for c, n in s.choices.items()),
                    ";".join(s.flags),
                    num(s.first_seconds, 1),
                    num(s.changes, 2),
                    num(s.checks_before_right, 2),
                    num(s.rapid),
                ]
            )
        return rows

    def attempts_frame(self):
        """One row per student and item the log mentions: seconds before the first answer, changes,
        Checks, Checks before the right answer, rapid guessing."""
        from .optional import require

        pd = require("pandas", "ClassReport.attempts_frame()")
        return pd.DataFrame(
            [
                {
                    "student_id": a.student_id,
                    "item_id": a.item_id,
                    "first_answer_seconds": a.first_seconds,
                    "changes": a.changes,
                    "checks": a.checks,
                    "checks_before_right": a.checks_before_right,
                    "rapid_guessing": a.rapid,
                }
                for per_item in self.attempts.values()
                for a in per_item.values()
            ],
            columns=[
                "student_id",
                "item_id",
                "first_answer_seconds",
                "changes",
                "checks",
                "checks_before_right",
                "rapid_guessing",
            ],
        )

    def student(self, student_id: str) -> StudentView:
        """One student's answers and how they worked on each item (``summary()``, notebook view)."""
        from .errors import unknown_id
        from .fileio import normalise_id

        wanted = normalise_id(student_id)
        for row in self.rows:
            if normalise_id(row.student_id) == wanted:
                return StudentView(self, row, self.attempts.get(row.student_id, {}))
        raise unknown_id("student", student_id, [r.student_id for r in self.rows])

    def write(self, out: str | os.PathLike, *, lang: str | None = None) -> Path:
        """Write ``index.html``, ``items.png``, ``scores.png``, ``items.csv`` and one page per
        student (``students/``) into ``out``; return the HTML path. A Korean report also gets the
        bundled Korean font, for computers that have none."""
        import csv
        import io

        lang = lang_or_session(lang)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        # drawn in memory: all files replace the old ones together
        files = self._figures(folder, lang)
        if lang == "ko":
            from .plots import FONT_FILE

            files.append((folder / FONT_FILE.name, FONT_FILE.read_bytes()))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(
            [[c if _is_number(c) else neutralise(c) for c in row] for row in self.items_table(lang)]
        )
        files.append((folder / "items.csv", buf.getvalue()))
        for row, name in zip(self.rows, self.student_pages()):
            page = StudentView(self, row, self.attempts.get(row.student_id, {})).to_html(
                lang, page=True
            )
            files.append((folder / name, page))
        files.append((folder / "index.html", self.to_html(lang)))
        write_files_atomic(files)
        return folder / "index.html"

    def student_pages(self) -> list[str]:
        """The file name of each student's page, in the order of ``rows``:
        ``students/<n>-<id>.html``."""
        import re

        return [
            f"students/{n:03d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', r.student_id)[:40]}.html"
            for n, r in enumerate(self.rows, start=1)
        ]

    def _figures(self, folder: Path, lang: str) -> list[tuple[Path, bytes]]:
        import io

        from .plots import draw_item_shares, draw_score_hist

        out = []
        for name, ax in (
            ("items.png", draw_item_shares(self.items, lang=lang)),
            ("scores.png", draw_score_hist(self.percents, lang=lang)),
        ):
            buf = io.BytesIO()
            ax.figure.savefig(buf, format="png", dpi=100)
            out.append((folder / name, buf.getvalue()))
        return out

    def to_html(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang)

        def t(key: str, **fields) -> str:
            return html.escape(Msg(f"report.{key}", **fields).text(lang))

        mean = sum(self.percents) / len(self.percents) if self.percents else 0.0

        def pct(x: float) -> str:
            return f"{100 * x:.0f}%"

        def num(x: float | None) -> str:
            return "" if x is None else f"{x:.2f}"

        rows = []
        for s in self.items:
            wrong = (
                f"{html.escape(_choice_label(s.common_wrong, lang))} ({s.common_wrong_count})"
                if s.common_wrong
                else ""
            )
            marks = "".join(f"<br><span class='flag'>{t('flag_' + f)}</span>" for f in s.flags)
            rows.append(
                f"<tr><td>{html.escape(s.label(lang))}{marks}</td><td>{num(s.facility)}</td>"
                f"<td>{num(s.discrimination)}</td><td>{pct(s.right)}</td>"
                f"<td>{pct(s.partly)}</td><td>{pct(s.wrong)}</td><td>{pct(s.unanswered)}</td>"
                f"<td>{wrong}</td><td>{html.escape(s.misconception.get(lang, ''))}</td>"
                f"<td>{_seconds(s.first_seconds)}</td><td>{num(s.checks_before_right)}</td>"
                f"<td>{pct(s.rapid) if s.rapid else ''}</td></tr>"
            )
        problems = "".join(
            f"<li><code>{html.escape(src)}</code>: {html.escape(text_of(p, lang))}</li>"
            for src, p in self.problems
        )
        heads = "".join(
            f"<th>{t(k)}</th>"
            for k in (
                "item",
                "facility",
                "discrimination",
                "right",
                "partly",
                "wrong",
                "none",
                "common",
                "idea",
                "first_seconds",
                "checks_before_right_mean",
                "rapid",
            )
        )

        def rapid_items(student_id: str) -> int:
            return sum(a.rapid for a in self.attempts.get(student_id, {}).values())

        students = "".join(
            f"<tr><td><a href='{html.escape(page)}'>{html.escape(r.student_id)}</a></td>"
            f"<td>{html.escape(r.student_name)}</td>"
            f"<td>{fmt_points(r.score)}/{fmt_points(r.max_score)}</td><td>{r.percent:g}%</td>"
            f"<td>{rapid_items(r.student_id) or ''}</td></tr>"
            for r, page in zip(self.rows, self.student_pages())
        )
        student_heads = "".join(
            f"<th>{t(k)}</th>" for k in ("student", "name", "points", "percent", "rapid_items")
        )
        title = t("title", set=self.key.exercise_set)
        overview = t(
            "overview",
            students=len(self.percents),
            mean=f"{mean:.1f}",
            max=fmt_points(self.key.max_score),
        )
        return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
{PAGE_STYLE}</head><body>
<h1>{title}</h1>
<p>{overview}</p>
<img src="scores.png" alt="{t("hist_fig")}"><img src="items.png" alt="{t("items_fig")}">
<h2>{t("items_head")}</h2>
<p>{t("items_note")}</p>
<table><thead><tr>{heads}</tr></thead><tbody>
{"".join(rows)}</tbody></table>
<h2>{t("students_head")}</h2>
<table><thead><tr>{student_heads}</tr></thead><tbody>{students}</tbody></table>
{f"<h2>{t('problems')}</h2><ul>{problems}</ul>" if problems else ""}
</body></html>
"""


def build_report(
    paths,
    key: Key,
    *,
    partial: float = DEFAULT_PARTIAL,
    cases=None,
    items=None,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> ClassReport:
    """Grade the answer files under ``paths`` and gather per-item statistics.

    ``items`` names the exercise set (its id or items CSV) whose companies name the items; by
    default the shipped set, or ``exercises/<set>.csv`` beside the key's folder.
    """
    batch = grade_batch(paths, key, partial=partial, max_file_size=max_file_size)
    if cases is None:
        from .cases import read_cases

        cases = read_cases()
    by_case = {c.id: c for c in cases}
    names = item_names(key, items)
    n = len(batch.rows) or 1
    totals = [row.score for row in batch.rows]
    attempts = {
        row.student_id: item_attempts(row.student_id, row.attempts, key, partial)
        for row in batch.rows
    }
    stats = []
    for position, item in enumerate(key.items):
        counts = Counter()
        wrong_choices = Counter()
        chosen = Counter()
        for row in batch.rows:
            choice = row.answers.get(item.item_id)
            status, _points = score_item(choice, item, partial)
            counts[_STATUS_PART[status]] += 1
            if choice is not None:
                chosen[choice] += 1
            if status == "wrong":
                wrong_choices[choice] += 1
        common, common_n = (
            min(wrong_choices.items(), key=lambda kv: (-kv[1], kv[0]))
            if wrong_choices
            else (None, 0)
        )
        points = [row.item_points[position] for row in batch.rows]
        fac = facility([p / item.points for p in points]) if item.points else None
        disc = discrimination(points, totals)
        worked = [
            attempts[row.student_id][item.item_id]
            for row in batch.rows
            if item.item_id in attempts[row.student_id]
        ]
        patterns = {
            "facility": fac,
            "discrimination": disc,
            "choices": dict(sorted(chosen.items(), key=lambda kv: (-kv[1], kv[0]))),
            "flags": flags(fac, disc),
            "first_seconds": median(a.first_seconds for a in worked),
            "changes": (sum(a.changes for a in worked) / len(worked)) if worked else None,
            "rapid": sum(a.rapid for a in worked) / n,
            "checks_before_right": mean_or_none(
                a.checks_before_right for a in worked if a.checks_before_right is not None
            ),
        }
        idea = misconception(item, common, by_case.get(item.item_id)) if common else {}
        stats.append(
            ItemStats(
                item,
                *(counts[p] / n for p in PARTS),
                common,
                common_n,
                idea,
                names.get(item.item_id, {}),
                **patterns,
            )
        )
    return ClassReport(
        key,
        stats,
        [r.percent for r in batch.rows],
        batch.problems,
        batch.rows,
        attempts,
        partial,
        batch.read,
    )
