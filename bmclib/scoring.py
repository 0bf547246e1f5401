"""Scoring one student's answers against a key (CONTRACT.md section 4), with feedback in ko and
en."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .answers import AnswerFile
from .blocks import _category_index, relationship_types
from .errors import BMCError
from .i18n import Msg, lang_or_session
from .keys import Key, KeyItem, load_key

#: how an answer to one item counts, worst last
STATUSES = ("best", "acceptable", "wrong", "unanswered")
#: one colour per status, for every view that shows them (widgets, notebook tables, the class
#: report)
STATUS_COLOURS = {
    "best": "#2e7d32",
    "acceptable": "#b58100",
    "wrong": "#c62828",
    "unanswered": "#757575",
}
#: the share of an item's points that an acceptable answer earns, unless a caller says otherwise
DEFAULT_PARTIAL = 0.5


def status_label(status: str, lang: str | None = None) -> str:
    """The word for a status: ``right``, ``partly right``, ``not right``, ``no answer`` (or Korean).

    >>> status_label("acceptable", "ko")
    '부분 정답'
    """
    return Msg(f"status.{status}").text(lang)


def score_item(
    choice: str | None, item: KeyItem, partial: float = DEFAULT_PARTIAL
) -> tuple[str, float]:
    """How one answer counts: ``(status, points)``. The one scoring rule (CONTRACT.md section 4)
    that scoring, batch grading and the class report all use: best -> the item's points; acceptable
    -> points x ``partial``; anything else, unknown or unanswered -> 0.

    >>> from bmclib.keys import KeyItem
    >>> item = KeyItem("netflix", ("automated_services",), ("self_service",), 2.0)
    >>> score_item("self_service", item), score_item(None, item), score_item("co_creation", item)
    (('acceptable', 1.0), ('unanswered', 0.0), ('wrong', 0.0))
    """
    if not choice:
        return "unanswered", 0.0
    if choice in item.best:
        return "best", item.points
    if choice in item.acceptable:
        return "acceptable", item.points * partial
    return "wrong", 0.0


@lru_cache(maxsize=4096)
def fmt_points(x: float) -> str:
    """Points as written in a key: no needless decimals, never rounded away (keys allow 6).

    >>> fmt_points(2.0), fmt_points(0.5), fmt_points(0.001), fmt_points(1/3), fmt_points(1234567.0)
    ('2', '0.5', '0.001', '0.333333', '1234567')
    """
    if x == int(x):
        return str(int(x))
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class ItemScore:
    """The score of one item, with feedback in both languages."""

    item_id: str
    choice: str | None
    status: str  # best | acceptable | wrong | unanswered
    points: float
    max_points: float
    feedback: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "item_id": self.item_id,
            "choice": self.choice,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "feedback": dict(self.feedback),
        }


def _label(cid: str | None, lang: str) -> str:
    cat = _category_index().get(cid or "")
    return cat.label[lang] if cat else f"'{cid}'"


def _labels(ids, lang: str) -> str:
    return ", ".join(_label(i, lang) for i in ids)


def _advisor_lines(case, choice: str, status: str, lang: str) -> list[str]:
    """The advisor's reasons about a chosen relationship type for a case.

    A right or partly right answer gets the reasons that speak for it (never the advisor's
    objections, which would contradict the key's "defensible"); a wrong one the objections.
    """
    from .advisor import explain_choice

    advice = explain_choice(case.attrs, choice)
    if status in ("best", "acceptable"):
        return advice.fit.reasons[lang][: 2 if status == "best" else 1]
    lines = advice.fit.against[lang][:2]
    if advice.best.type_id != choice:
        lines += advice.best.reasons[lang][:1]
    return lines


def item_feedback(item: KeyItem, choice: str | None, status: str, points: float, case=None) -> dict:
    """Feedback sentences for one answered item, in ``en`` and ``ko``."""
    out = {}
    type_ids = {t.id for t in relationship_types()}
    for lang in ("en", "ko"):
        best = _labels(item.best, lang)
        chosen = _label(choice, lang)
        expl = (item.explanation or {}).get(lang, "")
        if status == "best":
            head = Msg("feedback.best", chosen=chosen)
        elif status == "acceptable":
            head = Msg(
                "feedback.acceptable",
                points=fmt_points(points),
                max=fmt_points(item.points),
                chosen=chosen,
                best=best,
            )
        elif status == "unanswered":
            out[lang] = Msg("feedback.unanswered").text(lang)
            continue
        elif choice not in _category_index():
            head = Msg("feedback.not_a_choice", choice=f"'{choice}'", best=best)
        # "what is wrong with this plan?"
        elif _category_index()[choice].taxonomy == "relationship_pitfalls":
            quoted = {"chosen": f"‘{chosen}’", "best": f"‘{best}’"}  # a pitfall's name is a phrase
            if item.best == ("no_pitfall",):
                head = Msg("feedback.wrong_no_pitfall", chosen=quoted["chosen"])
            elif choice == "no_pitfall":
                head = Msg("feedback.wrong_missed_pitfall", best=quoted["best"])
            else:
                head = Msg("feedback.wrong_pitfall", **quoted)
        else:
            head = Msg("feedback.wrong", chosen=chosen, best=best)
        lines = [head.text(lang)]
        why_not = item.why_not_text(choice, lang) if status != "best" else ""
        if why_not:
            lines.append(why_not)  # the fact that rules this choice out, from the key
        if expl:
            lines.append(expl)
        if (
            case is not None
            and choice in type_ids
            and not why_not
            and not (status == "best" and expl)
        ):
            # (a right answer's explanation says enough)
            lines += _advisor_lines(case, choice, status, lang)
        out[lang] = " ".join(dict.fromkeys(line.strip() for line in lines if line.strip()))
    return out


@dataclass
class ScoreResult:
    """The score of one answer sheet: per item, total, maximum and percent."""

    exercise_set: str
    items: list[ItemScore]
    score: float
    max_score: float
    ignored: tuple[str, ...] = ()
    student_id: str = ""
    lang: str | None = None

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def total(self) -> float:
        return self.score

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for it in self.items:
            out[it.status] += 1
        return out

    def summary(self, lang: str | None = None) -> str:
        """A plain-text report, the same words every run."""
        lang = lang_or_session(lang or self.lang)
        lines = [
            Msg(
                "score.head",
                set=self.exercise_set,
                score=fmt_points(self.score),
                max=fmt_points(self.max_score),
                percent=f"{self.percent:g}",
            ).text(lang)
        ]
        for it in self.items:
            points = f"{fmt_points(it.points)}/{fmt_points(it.max_points)}"
            lines.append(
                f"- {it.item_id}: {status_label(it.status, lang)} "
                f"({points}) {it.feedback.get(lang, '')}".rstrip()
            )
        if self.ignored:
            lines.append(Msg("score.ignored", items=", ".join(self.ignored)).text(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "exercise_set": self.exercise_set,
            "student_id": self.student_id,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "items": [i.to_dict() for i in self.items],
            "ignored": list(self.ignored),
        }

    def __repr__(self) -> str:
        return (
            f"ScoreResult({self.exercise_set!r}, score={fmt_points(self.score)}, "
            f"max_score={fmt_points(self.max_score)}, percent={self.percent:g})"
        )

    def _repr_html_(self) -> str:
        lang = lang_or_session(self.lang)
        left = "style='text-align:left;vertical-align:top'"
        rows = "".join(
            f"<tr><td {left}><code>{html.escape(i.item_id)}</code></td><td {left}><b "
            f"style='color:{STATUS_COLOURS[i.status]}'>{status_label(i.status, lang)}</b></td>"
            f"<td {left}>{fmt_points(i.points)} / {fmt_points(i.max_points)}</td>"
            f"<td {left}>{html.escape(i.feedback.get(lang, ''))}</td></tr>"
            for i in self.items
        )
        head = html.escape(
            Msg(
                "score.head",
                set=self.exercise_set,
                score=fmt_points(self.score),
                max=fmt_points(self.max_score),
                percent=f"{self.percent:g}",
            ).text(lang)
        )
        return f"<p><b>{head}</b></p><table><tbody>{rows}</tbody></table>"


def _as_key(key) -> Key:
    if isinstance(key, Key):
        return key
    if isinstance(key, (str, os.PathLike)):
        return load_key(key)
    raise BMCError(Msg("score.key_type", type=type(key).__name__))


def score_answers(
    answers, key, partial: float = DEFAULT_PARTIAL, *, cases=None, lang: str | None = None
) -> ScoreResult:
    """Score answers against a key: best earns the points, acceptable ``points x partial``.

    ``answers`` is a mapping ``{item_id: choice_id}`` or an ``AnswerFile``; ``key`` a ``Key``,
    a key CSV path, or a shipped practice set id. Answers to items not in the key are ignored
    (and listed in ``ignored``). Relationship items whose id is a case id also get the
    advisor's reasons in their feedback.

    >>> r = score_answers({"netflix": "automated_services", "sap_community": "co_creation"},
    ...                   "relationships-practice")
    >>> sorted((i.item_id, i.status, i.points) for i in r.items if i.choice)
    [('netflix', 'best', 1.0), ('sap_community', 'acceptable', 0.5)]
    """
    key = _as_key(key)
    if not (0 <= partial <= 1):
        raise BMCError(Msg("score.partial", value=repr(partial)))
    if lang is not None:
        lang = lang_or_session(lang)
    student = ""
    if isinstance(answers, AnswerFile):
        student, answers = answers.student_id, answers.answers
    if not isinstance(answers, Mapping):
        raise BMCError(Msg("score.answers_type", type=type(answers).__name__))
    if cases is None:
        from .cases import read_cases

        cases = read_cases()
    by_case = {c.id: c for c in cases}
    answers, ignored, _clashes = key.match(answers)
    items = []
    for k in key.items:
        choice = answers.get(k.item_id)
        status, points = score_item(choice, k, partial)
        feedback = item_feedback(k, choice or None, status, points, by_case.get(k.item_id))
        items.append(ItemScore(k.item_id, choice or None, status, points, k.points, feedback))
    score = sum(i.points for i in items)
    return ScoreResult(key.exercise_set, items, score, key.max_score, ignored, student, lang)
