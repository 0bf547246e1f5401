"""Scoring one student's answers against a key (CONTRACT.md section 4), with feedback in ko and en."""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .answers import AnswerFile
from .blocks import _category_index, check_lang, josa, relationship_types
from .errors import BMCError
from .keys import Key, KeyItem, load_key

STATUS_LABELS = {
    "best": {"en": "right", "ko": "정답"},
    "acceptable": {"en": "partly right", "ko": "부분 정답"},
    "wrong": {"en": "not right", "ko": "오답"},
    "unanswered": {"en": "no answer", "ko": "미응답"},
}


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
        return {"item_id": self.item_id, "choice": self.choice, "status": self.status,
                "points": self.points, "max_points": self.max_points, "feedback": dict(self.feedback)}


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
        return advice.fit.reasons[lang][:2 if status == "best" else 1]
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
            head = f"Right: {chosen}." if lang == "en" else f"정답입니다: {chosen}."
        elif status == "acceptable":
            head = (f"Partly right ({fmt_points(points)} of {fmt_points(item.points)} points): {chosen} is defensible, "
                    f"but the reference answer is {best}." if lang == "en" else
                    f"부분 정답입니다({fmt_points(item.points)}점 중 {fmt_points(points)}점): {chosen}도 일리가 있지만 "
                    f"기준 답은 {best}입니다.")
        elif status == "unanswered":
            head = "No answer yet." if lang == "en" else "아직 답하지 않았습니다."
            out[lang] = head
            continue
        elif choice not in _category_index():
            head = (f"'{choice}' is not one of the choices; the reference answer is {best}." if lang == "en"
                    else f"'{choice}'은(는) 선택지에 없습니다. 기준 답은 {best}입니다.")  # an id, not Korean
        else:
            head = (f"Not right: {chosen} does not fit best here; the reference answer is {best}." if lang == "en"
                    else f"오답입니다: 여기에는 {chosen}보다 {josa(best, '이/가')} 잘 맞습니다.")
        lines = [head]
        why_not = item.why_not_text(choice, lang) if status != "best" else ""
        if why_not:
            lines.append(why_not)  # the fact that rules this choice out, from the key
        if expl:
            lines.append(expl)
        if case is not None and choice in type_ids and not why_not:
            lines += _advisor_lines(case, choice, status, lang)
        out[lang] = " ".join(lines)
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
    lang: str = "en"

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def total(self) -> float:
        return self.score

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUS_LABELS}
        for it in self.items:
            out[it.status] += 1
        return out

    def summary(self, lang: str | None = None) -> str:
        """A plain-text report, the same words every run."""
        lang = check_lang(lang or self.lang)
        head = (f"{self.exercise_set}: {fmt_points(self.score)} / {fmt_points(self.max_score)} points "
                f"({self.percent:g}%)" if lang == "en" else
                f"{self.exercise_set}: {fmt_points(self.max_score)}점 중 {fmt_points(self.score)}점 ({self.percent:g}%)")
        lines = [head]
        for it in self.items:
            lines.append(f"- {it.item_id}: {STATUS_LABELS[it.status][lang]} "
                         f"({fmt_points(it.points)}/{fmt_points(it.max_points)}) {it.feedback.get(lang, '')}".rstrip())
        if self.ignored:
            note = ("ignored answers to items not in the key: " if lang == "en" else "키에 없는 문항의 답은 무시했습니다: ")
            lines.append(note + ", ".join(self.ignored))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"exercise_set": self.exercise_set, "student_id": self.student_id, "score": self.score,
                "max_score": self.max_score, "percent": self.percent,
                "items": [i.to_dict() for i in self.items], "ignored": list(self.ignored)}

    def __repr__(self) -> str:
        return (f"ScoreResult({self.exercise_set!r}, score={fmt_points(self.score)}, "
                f"max_score={fmt_points(self.max_score)}, percent={self.percent:g})")

    def _repr_html_(self) -> str:
        lang = self.lang
        colour = {"best": "#2e7d32", "acceptable": "#f9a825", "wrong": "#c62828", "unanswered": "#757575"}
        rows = "".join(
            f"<tr><td><code>{html.escape(i.item_id)}</code></td>"
            f"<td style='color:{colour[i.status]}'><b>{STATUS_LABELS[i.status][lang]}</b></td>"
            f"<td>{fmt_points(i.points)} / {fmt_points(i.max_points)}</td>"
            f"<td>{html.escape(i.feedback.get(lang, ''))}</td></tr>"
            for i in self.items
        )
        head = (f"<p><b>{html.escape(self.exercise_set)}</b>: {fmt_points(self.score)} / "
                f"{fmt_points(self.max_score)} ({self.percent:g}%)</p>")
        return head + f"<table><tbody>{rows}</tbody></table>"


def _as_key(key) -> Key:
    if isinstance(key, Key):
        return key
    if isinstance(key, (str, os.PathLike)):
        return load_key(key)
    raise BMCError(f"key must be a Key or the path of a key CSV, not {type(key).__name__}")


def score_answers(answers, key, partial: float = 0.5, *, cases=None, lang: str = "en") -> ScoreResult:
    """Score answers against a key: best earns the points, acceptable ``points x partial``.

    ``answers`` is a mapping ``{item_id: choice_id}`` or an ``AnswerFile``; ``key`` a ``Key``,
    a key CSV path, or a shipped practice set id. Answers to items not in the key are ignored
    (and listed in ``ignored``). Relationship items whose id is a case id also get the
    advisor's reasons in their feedback.

    >>> r = score_answers({"netflix": "automated_services", "sap_community": "co_creation"},
    ...                   "relationships-practice")
    >>> r.items[0].status if r.items[0].item_id == "netflix" else "best"
    'best'
    >>> 0 < r.score < r.max_score
    True
    """
    key = _as_key(key)
    if not (0 <= partial <= 1):
        raise BMCError(f"partial must be between 0 and 1, not {partial!r}")
    check_lang(lang)
    student = ""
    if isinstance(answers, AnswerFile):
        student, answers = answers.student_id, answers.answers
    if not isinstance(answers, Mapping):
        raise BMCError(f"answers must map item ids to choice ids, not {type(answers).__name__}")
    if cases is None:
        from .cases import read_cases

        cases = read_cases()
    by_case = {c.id: c for c in cases}
    items = []
    for k in key.items:
        choice = answers.get(k.item_id)
        if not choice:
            status, points = "unanswered", 0.0
        elif choice in k.best:
            status, points = "best", k.points
        elif choice in k.acceptable:
            status, points = "acceptable", k.points * partial
        else:
            status, points = "wrong", 0.0
        feedback = item_feedback(k, choice or None, status, points, by_case.get(k.item_id))
        items.append(ItemScore(k.item_id, choice or None, status, points, k.points, feedback))
    known = set(key.item_ids)
    ignored = tuple(sorted(i for i in answers if i not in known))
    score = sum(i.points for i in items)
    return ScoreResult(key.exercise_set, items, score, key.max_score, ignored, student, lang)
