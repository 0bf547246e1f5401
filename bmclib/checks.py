"""Checks for the lessons' pandas exercises, and model answers for every exercise.

``bmc.check("q4_1", member_or_higher, lang="ko")`` compares a student's value with the answer
computed from the lesson datasets and returns a :class:`CheckResult`: right, not yet right (with
a hint aimed at the usual mistake behind that value), or not answered yet (the exercise cell
still holds ``...``). Exercise ids are the lessons' own (``q<lesson>_<number>``).

The words (hints, model answers, headings) live in ``data/checks.json``, in both languages; the
answers and the typical wrong values are computed here, from the datasets the lessons load.
"""

from __future__ import annotations

import html
import math
import numbers
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .blocks import BLOCK_IDS
from .errors import BMCError, DataError, unknown, unknown_id
from .fileio import Problem, id_line, line_of, read_json
from .i18n import LANGS, Msg, fill, lang_or_session, text_of
from .paths import data_path

CHECKS_FORMAT = "bmclib-checks"
KINDS = ("pandas", "open")
TEXT_KEYS = (
    "right",
    "wrong",
    "unanswered",
    "exercise",
    "fill_in",
    "want_number",
    "want_series",
    "want_rows",
    "want_text",
    "open_task",
)
#: Authoring words that students never read.
JARGON = re.compile(r"\bseeds?\b|research file|시드|리서치 자료", re.IGNORECASE)
MEMBER_RUNGS = ("member", "advocate", "passionate_fan")
RUNGS = ("prospect", "first_time_buyer", "repeat_customer", *MEMBER_RUNGS)


class _Shape(Exception):
    """The value is not the kind of thing the exercise asks for (a number, a Series, ...)."""

    def __init__(self, key: str, got: str):
        super().__init__(key)
        self.key, self.got = key, got


# -- reading a student's value ---------------------------------------------------------------------


def _describe(value: Any) -> Msg:
    kind = type(value).__name__
    if isinstance(value, str):
        return Msg("checks_file.got_text", text=repr(value[:40]))
    if hasattr(value, "shape"):
        return Msg("checks_file.got_shape", kind=kind, shape=str(tuple(value.shape)))
    return Msg("checks_file.got_kind", kind=kind)


def _number(value: Any) -> float:
    if hasattr(value, "shape") and getattr(value, "size", None) == 1 and hasattr(value, "to_numpy"):
        value = value.to_numpy().ravel()[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _Shape("want_number", _describe(value))
    number = float(value)
    if math.isnan(number):
        raise _Shape("want_number", "NaN")
    return number


def _mapping(value: Any) -> dict:
    """A Series, a one-column DataFrame or a dict, as ``{label: number}``."""
    if hasattr(value, "columns") and len(getattr(value, "columns", ())) == 1:
        value = value.iloc[:, 0]
    if hasattr(value, "to_dict") and not hasattr(value, "columns"):
        value = value.to_dict()
    if not isinstance(value, Mapping):
        raise _Shape("want_series", _describe(value))
    out = {}
    for key, v in value.items():
        try:
            out[str(key)] = _number(v)
        except _Shape:
            raise _Shape("want_series", _describe(value)) from None
    return out


def _labels(value: Any, columns: tuple[str, ...] = ()) -> set[str]:
    """The labels a value names: a DataFrame's rows (by a name column or the index), a Series'
    index, or a list of strings."""
    if hasattr(value, "columns"):
        for col in columns:
            if col in value.columns:
                return {str(v) for v in value[col]}
        return {str(v) for v in value.index}
    if hasattr(value, "index") and hasattr(value, "to_dict"):
        if len(value) and all(isinstance(v, str) for v in value):
            return {str(v) for v in value}
        return {str(v) for v in value.index}
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ == "Index":
        return {str(v) for v in value}
    raise _Shape("want_rows", _describe(value))


def _close(a: float, b: float, *, share: bool = False) -> bool:
    return abs(a - b) <= (0.005 if share else max(0.5, abs(b) * 1e-3))


def _same_series(got: Mapping, expected: Mapping, *, share: bool = False) -> bool:
    return set(got) == set(expected) and all(
        _close(got[k], expected[k], share=share) for k in expected
    )


def _scaled(got: Mapping, expected: Mapping, factor: float) -> bool:
    return set(got) == set(expected) and all(_close(got[k], expected[k] * factor) for k in expected)


# -- what the lessons compute ----------------------------------------------------------------------


@cache
def _data(name: str):
    from .datasets import load_dataset

    return load_dataset(name)


def loyalty_stage(customers) -> Any:
    """Each account's highest rung on the loyalty ladder, read from behaviour (lesson 4).

    Prospect: signed up, never bought; first-time buyer: one order; repeat customer: two or more;
    member: a repeat customer for more than a year (first order before 2025) who rates Brewly 4
    or 5; advocate: referred a friend; passionate fan: sells Brewly on its behalf. The paid club
    flag ``is_member`` is a loyalty mechanism, so it is not used.
    """
    import pandas as pd

    c = customers
    stage = pd.Series("prospect", index=c.index)
    stage.loc[c["orders"] == 1] = "first_time_buyer"
    stage.loc[c["orders"] >= 2] = "repeat_customer"
    stage.loc[(c["orders"] >= 2) & (c["satisfaction"] >= 4) & (c["first_order"] < "2025-01-01")] = (
        "member"
    )
    stage.loc[c["referrals"] >= 1] = "advocate"
    stage.loc[c["resells"]] = "passionate_fan"
    return stage


def _ladder():
    c = _data("customers")
    stage = loyalty_stage(c)
    standing = stage.value_counts().reindex(RUNGS, fill_value=0)
    own = c["revenue"].groupby(stage).mean().reindex(RUNGS)
    with_referrals = (
        (c["revenue"] + c["referrals"] * c["revenue"].mean()).groupby(stage).mean().reindex(RUNGS)
    )
    return c, stage, standing, own, with_referrals


def _step_value(standing, value, share: float = 0.1) -> dict:
    uplift = value.shift(-1) - value
    return {k: v for k, v in (share * standing * uplift).iloc[:-1].items()}


def _margin_rate() -> float:
    costs = _data("costs")
    return 1 - float(costs.loc[costs["kind"] == "variable", "amount"].sum()) / 18


# -- the checks: each returns a message key of data/checks.json ("right" or the mistake's hint)
# ------


def _q0_2(value):
    if not isinstance(value, str):
        raise _Shape("want_text", _describe(value))
    if value == "revenue_streams":
        return "right"
    if value == "customer_segments":
        return "start"
    return "other_block" if value in BLOCK_IDS else "not_a_block"


def _q1_2(value):
    c = _data("customers")
    expected = (c["orders"] == 0).groupby(c["segment"]).mean().to_dict()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (
            "overall"
            if _close(float(value), float((c["orders"] == 0).mean()), share=True)
            else "wrong"
        )
    got = _mapping(value)
    if _same_series(got, expected, share=True):
        return "right"
    if _scaled(got, expected, 100):
        return "percent"
    if _same_series(got, {k: 1 - v for k, v in expected.items()}, share=True):
        return "ordered"
    if _same_series(got, (c["orders"] == 0).groupby(c["segment"]).sum().to_dict()):
        return "counts"
    return "segments" if set(got) != set(expected) else "wrong"


def _q2_2(value):
    from .blocks import taxonomy

    means = _data("value_survey").pivot_table(
        index="element", columns="segment", values="importance", aggfunc="mean"
    )
    labels = taxonomy("value_elements").labels
    to_id = {lab: cid for lang in LANGS for cid, lab in labels(lang).items()} | {
        i: i for i in means.index
    }
    got = {to_id.get(label, label) for label in _labels(value, ("element",))}
    cafes = means["cafes"].sort_values(ascending=False)
    if got == set(cafes.index[:3]):
        return "right"
    if len(got) > 3:
        return "too_many"
    if got <= set(cafes.index[-4:]):
        return "smallest"
    if any(got == set(means[s].nlargest(3).index) for s in means.columns if s != "cafes"):
        return "other_segment"
    return "wrong"


def _q3_2(value):
    funnel = _data("channel_funnel")
    table = funnel.pivot(index="phase", columns="channel", values="people")
    expected = (table.loc["after_sales"] / table.loc["purchase"]).to_dict()
    got = _mapping(value)
    if _same_series(got, expected, share=True):
        return "right"
    if _scaled(got, expected, 100):
        return "percent"
    for key, other in (
        ("awareness", table.loc["after_sales"] / table.loc["awareness"]),
        ("delivery", table.loc["after_sales"] / table.loc["delivery"]),
        ("upside_down", table.loc["purchase"] / table.loc["after_sales"]),
    ):
        if _same_series(got, other.to_dict(), share=True):
            return key
    return "segments" if set(got) != set(expected) else "wrong"


def _q4_1(value):
    c, stage, *_ = _ladder()
    number = _number(value)
    expected = float(stage.isin(MEMBER_RUNGS).mean())
    if _close(number, expected, share=True):
        return "right"
    if _close(number, expected * 100):
        return "percent"
    if _close(number, float(stage.isin(MEMBER_RUNGS).sum())):
        return "count"
    if _close(number, float((stage == "member").mean()), share=True):
        return "member_only"
    if _close(number, float(c["is_member"].mean()), share=True):
        return "club_flag"
    if _close(number, float(stage.isin(MEMBER_RUNGS).sum() / (c["orders"] > 0).sum()), share=True):
        return "buyers"
    return "wrong"


def _q4_2(value):
    _c, _stage, standing, own, with_referrals = _ladder()
    got = _mapping(value)
    expected = _step_value(standing, with_referrals)
    if _same_series(got, expected):
        return "right"
    reached = standing[::-1].cumsum()[::-1]
    for key, other in (
        ("no_referrals", _step_value(standing, own)),
        ("share", _step_value(standing, with_referrals, 1.0)),
        ("reached", _step_value(reached, with_referrals)),
    ):
        if _same_series(got, other):
            return key
    if _same_series(got, {k: -v for k, v in expected.items()}):
        return "sign"
    return "rungs" if set(got) != set(expected) else "wrong"


def _q4_3(value):
    costs = _data("relationship_costs").set_index("relationship_type")
    rate = _margin_rate()
    got = _mapping(value)
    expected = (costs["cost_per_customer"] / rate).to_dict()
    if _same_series(got, expected):
        return "right"
    for key, other in (
        ("margin", costs["cost_per_customer"]),
        ("multiplied", costs["cost_per_customer"] * rate),
        ("unit_cost", costs["unit_cost"] / rate),
    ):
        if _same_series(got, other.to_dict()):
            return key
    return "types" if set(got) != set(expected) else "wrong"


def _q5_2(value):
    revenue = _data("revenue_monthly")
    mix = revenue.pivot(index="month", columns="stream", values="revenue")
    yearly = mix.groupby(mix.index.year).sum()
    growth = (yearly.loc[2025] / yearly.loc[2024] - 1).to_dict()
    if hasattr(value, "columns"):
        if len(value) == 2:
            try:
                first, last = _mapping(value.iloc[[0]].T), _mapping(value.iloc[[1]].T)
            except _Shape:
                first = last = {}
            if _same_series(first, yearly.loc[2024].to_dict()) and _same_series(
                last, yearly.loc[2025].to_dict()
            ):
                return "sums_only"
        if not len(value):
            raise _Shape("want_series", _describe(value))
        value = value.iloc[-1]
    got = _mapping(value)
    if _same_series(got, growth, share=True) or _scaled(got, growth, 100):
        return "right"
    if _same_series(got, (yearly.loc[2025] - yearly.loc[2024]).to_dict()):
        return "difference"
    if _same_series(got, (yearly.loc[2024] / yearly.loc[2025] - 1).to_dict(), share=True):
        return "reversed"
    return "wrong"


def _q6_1(value):
    res = _data("resources")
    names = dict(zip(res["name_ko"], res["resource"]))
    got = {names.get(n, n) for n in _labels(value, ("resource", "name_ko"))}

    def rows(mask):
        return set(res.loc[mask, "resource"])

    cost, imp = res["annual_cost"], res["importance"]
    if got == rows((cost > 150) & (imp <= 3)):
        return "right"
    if got == rows((cost > 150) | (imp <= 3)):
        return "or"
    if got == rows((cost > 150) & (imp < 3)):
        return "strict"
    if got in (rows(cost > 150), rows(imp <= 3)):
        return "one_condition"
    return "wrong"


def _q7_1(value):
    hours = _data("activities").groupby("category")["hours_per_week"].sum()
    number = _number(value)
    expected = float(hours["problem_solving"] / hours.sum())
    if _close(number, expected, share=True):
        return "right"
    if _close(number, expected * 100):
        return "percent"
    if _close(number, float(hours["problem_solving"])):
        return "hours"
    counts = _data("activities")["category"].value_counts(normalize=True)
    if _close(number, float(counts["problem_solving"]), share=True):
        return "count"
    if any(
        _close(number, float(h / hours.sum()), share=True) for h in hours.drop("problem_solving")
    ):
        return "category"
    return "wrong"


def _q8_1(value):
    partners = _data("partners")
    by_type = partners.groupby("partnership_type")["annual_value"].sum()
    number = _number(value)
    expected = float(by_type["buyer_supplier"] / by_type.sum())
    if _close(number, expected, share=True):
        return "right"
    if _close(number, expected * 100):
        return "percent"
    if _close(number, float(by_type["buyer_supplier"])):
        return "amount"
    if _close(number, float((partners["partnership_type"] == "buyer_supplier").mean()), share=True):
        return "count"
    return "wrong"


def _q9_1(value):
    costs = _data("costs")
    fixed = float(costs.loc[costs["kind"] == "fixed", "amount"].sum())
    variable = float(costs.loc[costs["kind"] == "variable", "amount"].sum())
    number = _number(value)
    if _close(number, fixed / (20 - variable)):
        return "right"
    if _close(number, fixed / (18 - variable)):
        return "old_price"
    if _close(number, fixed / (18 - variable) - fixed / (20 - variable)):
        return "difference"
    if _close(number, fixed / 20):
        return "no_variable"
    return "wrong"


#: Exercise id -> the function that judges a value (returns a message key).
CHECKS: dict[str, Callable[[Any], str]] = {
    "q0_2": _q0_2,
    "q1_2": _q1_2,
    "q2_2": _q2_2,
    "q3_2": _q3_2,
    "q4_1": _q4_1,
    "q4_2": _q4_2,
    "q4_3": _q4_3,
    "q5_2": _q5_2,
    "q6_1": _q6_1,
    "q7_1": _q7_1,
    "q8_1": _q8_1,
    "q9_1": _q9_1,
}
#: The mistakes each check can name (besides "right" and the generic "wrong").
HINTS: dict[str, tuple[str, ...]] = {
    "q0_2": ("start", "other_block", "not_a_block"),
    "q1_2": ("overall", "percent", "ordered", "counts", "segments"),
    "q2_2": ("too_many", "smallest", "other_segment"),
    "q3_2": ("percent", "awareness", "delivery", "upside_down", "segments"),
    "q4_1": ("percent", "count", "member_only", "club_flag", "buyers"),
    "q4_2": ("no_referrals", "share", "reached", "sign", "rungs"),
    "q4_3": ("margin", "multiplied", "unit_cost", "types"),
    "q5_2": ("sums_only", "difference", "reversed"),
    "q6_1": ("or", "strict", "one_condition"),
    "q7_1": ("percent", "hours", "count", "category"),
    "q8_1": ("percent", "amount", "count"),
    "q9_1": ("old_price", "difference", "no_variable"),
}


# -- the data file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    """One lesson exercise: a checked pandas task or an open task with a model answer."""

    id: str
    lesson: str
    kind: str
    task: dict
    answer: str | dict
    messages: dict
    note: dict | None = None


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _text_ok(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), str) and value[k].strip() for k in LANGS
    )


def _parse(
    data: Any, text: str, label: str
) -> tuple[tuple[dict, dict[str, Exercise]] | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(label, 1, Msg("data.wrong_format", format=CHECKS_FORMAT))]
    if data.get("format") != CHECKS_FORMAT or data.get("version") != 1:
        return None, [
            Problem(
                label, line_of(text, '"format"'), Msg("data.wrong_format", format=CHECKS_FORMAT)
            )
        ]
    problems: list[Problem] = []
    texts = data.get("texts")
    if not isinstance(texts, dict):
        return None, [
            Problem(label, line_of(text, '"texts"'), Msg("charts.missing_object", name="texts"))
        ]
    for key in TEXT_KEYS:
        if not _text_ok(texts.get(key)):
            problems.append(
                Problem(
                    label,
                    line_of(text, f'"{key}"', '"texts"'),
                    Msg("data.needs_en_ko", where=f"texts.{key}"),
                )
            )
    exercises: dict[str, Exercise] = {}
    for raw in data.get("exercises") or []:
        eid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(eid, str):
            problems.append(
                Problem(label, line_of(text, '"exercises"'), Msg("checks_file.exercise_id"))
            )
            continue
        line = id_line(text, eid)
        if eid in exercises:
            problems.append(Problem(label, line, Msg("checks_file.duplicate", id=eid)))
            continue
        kind = raw.get("kind")
        if kind not in KINDS:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg("checks_file.at", id=eid, error=unknown("item kind", kind, KINDS)),
                )
            )
            continue
        if not isinstance(raw.get("lesson"), str) or not _text_ok(raw.get("task")):
            problems.append(Problem(label, line, Msg("checks_file.lesson_task", id=eid)))
            continue
        messages = raw.get("messages") or {}
        if kind == "pandas":
            if eid not in CHECKS:
                problems.append(
                    Problem(
                        label,
                        line,
                        Msg("checks_file.at", id=eid, error=unknown("exercise", eid, CHECKS)),
                    )
                )
                continue
            if not isinstance(raw.get("answer"), str) or not raw["answer"].strip():
                problems.append(Problem(label, line, Msg("checks_file.answer_code", id=eid)))
            for key in ("right", "wrong", *HINTS[eid]):
                msg = messages.get(key)
                if not _text_ok(msg):
                    problems.append(
                        Problem(
                            label,
                            line,
                            Msg(
                                "data.needs_en_ko",
                                where=Msg("checks_file.message_where", id=eid, key=key),
                            ),
                        )
                    )
                elif _fields(msg["en"]) != _fields(msg["ko"]):
                    problems.append(
                        Problem(label, line, Msg("checks_file.fields", id=eid, key=key))
                    )
        elif not _text_ok(raw.get("answer")):
            problems.append(Problem(label, line, Msg("checks_file.answer_text", id=eid)))
        for where, value in [
            ("task", raw.get("task")),
            ("note", raw.get("note")),
            *((f"message '{k}'", v) for k, v in messages.items()),
            *([("answer", raw.get("answer"))] if kind == "open" else []),
        ]:
            for lang in LANGS:
                found = JARGON.search(value.get(lang, "")) if isinstance(value, dict) else None
                if found:
                    problems.append(
                        Problem(
                            label,
                            line,
                            Msg(
                                "advisor.jargon",
                                where=f"{eid} {where}",
                                lang=lang,
                                word=found.group(0),
                            ),
                        )
                    )
        note = raw.get("note")
        if note is not None and not _text_ok(note):
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "data.needs_en_ko",
                        where=Msg("checks_file.message_where", id=eid, key="note"),
                    ),
                )
            )
        exercises[eid] = Exercise(
            eid,
            raw["lesson"],
            kind,
            dict(raw["task"]),
            raw.get("answer"),
            messages,
            dict(note) if note else None,
        )
    missing = sorted(set(CHECKS) - set(exercises))
    if missing:
        problems.append(
            Problem(
                label,
                line_of(text, '"exercises"'),
                Msg("checks_file.missing", ids=", ".join(missing)),
            )
        )
    return (None if problems else (texts, exercises)), problems


def check_checks_file(path: str | Path) -> list[Problem]:
    """Every problem in a checks file (``data/checks.json``); an empty list when it is valid.

    >>> check_checks_file(data_path("checks.json"))
    []
    """
    data, text, problems = read_json(path)
    return problems or _parse(data, text, str(path))[1]


@cache
def _loaded() -> tuple[dict, dict[str, Exercise]]:
    path = data_path("checks.json")
    data, text, problems = read_json(path)
    parsed, more = (None, problems) if problems else _parse(data, text, str(path))
    if more:
        raise DataError(more)
    return parsed


def exercises() -> dict[str, Exercise]:
    """Every exercise with a check or a model answer, by id, in lesson order."""
    return dict(_loaded()[1])


# -- results ---------------------------------------------------------------------------------------

_MARKS = {"right": "✔", "wrong": "✘", "unanswered": "…"}
_COLOURS = {"right": "#e8f5e9", "wrong": "#fdecea", "unanswered": "#f2f2f2"}


@dataclass(frozen=True)
class CheckResult:
    """What ``bmc.check`` says about one answer. ``status`` is ``right``, ``wrong`` or
    ``unanswered``; ``message`` holds the feedback in ``en`` and ``ko``."""

    exercise: str
    status: str
    message: dict
    lang: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "right"

    def summary(self, lang: str | None = None) -> str:
        """One or two lines in one language: the verdict, then the feedback."""
        lang = lang_or_session(lang or self.lang)
        texts = _loaded()[0]
        exercise = fill(texts["exercise"][lang], id=self.exercise)
        head = f"{_MARKS[self.status]} {exercise}: {texts[self.status][lang]}"
        return f"{head}\n{self.message[lang]}"

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head, body = self.summary().split("\n", 1)
        return (
            f"<div style='background:{_COLOURS[self.status]};padding:6px 10px;border-radius:4px'>"
            f"<b>{html.escape(head)}</b><br>{html.escape(body)}</div>"
        )


def check(exercise_id: str, value: Any = ..., *, lang: str | None = None) -> CheckResult:
    """Check a lesson exercise's value: right, not yet right with a hint, or not answered yet.

    >>> print(check("q9_1", ...).summary("en"))
    … Exercise q9_1: Not answered yet
    Replace ... with your answer and run the cell again.
    >>> check("q9_1", 7950.0).passed
    True
    >>> print(check("q9_1", 9937.5, lang="ko").summary())
    ✘ 연습 q9_1: 아직 아닙니다
    지금의 가격(1만 8천 원)으로 계산한 손익분기점입니다. 새 가격 20을 넣어 보세요.
    """
    lang = lang_or_session(lang)
    texts, known = _loaded()
    if exercise_id not in known:
        raise unknown_id("exercise", exercise_id, list(known))
    exercise = known[exercise_id]
    if exercise.kind != "pandas":
        raise BMCError(fill(texts["open_task"][lang], id=exercise_id))
    if value is ... or value is None:
        return CheckResult(exercise_id, "unanswered", dict(texts["fill_in"]), lang)
    try:
        key = CHECKS[exercise_id](value)
    except _Shape as shape:
        message = {k: texts[shape.key][k].format(got=text_of(shape.got, k)) for k in LANGS}
        return CheckResult(exercise_id, "wrong", message, lang)
    status = "right" if key == "right" else "wrong"
    return CheckResult(exercise_id, status, dict(exercise.messages[key]), lang)


class ModelAnswers(list):
    """Model answers, one per exercise, for the instructor guide (``_repr_html_`` in a notebook)."""

    lang = "en"

    def __repr__(self) -> str:
        return self.summary()

    def summary(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang or self.lang)
        out = []
        for e in self:
            answer = e.answer if isinstance(e.answer, str) else e.answer[lang]
            note = f"\n{e.note[lang]}" if e.note else ""
            out.append(f"{e.id} ({e.lesson}): {e.task[lang]}\n{answer}{note}")
        return "\n\n".join(out)

    def _repr_html_(self) -> str:
        lang = self.lang
        texts = _loaded()[0]
        parts = []
        for e in self:
            answer = (
                f"<pre>{html.escape(e.answer)}</pre>"
                if isinstance(e.answer, str)
                else f"<p>{html.escape(e.answer[lang])}</p>"
            )
            if e.note:
                answer += f"<p>{html.escape(e.note[lang])}</p>"
            title = fill(texts["exercise"][lang], id=e.id)
            parts.append(
                f"<details><summary><b>{html.escape(title)}</b> "
                f"{html.escape(e.task[lang])}</summary>{answer}</details>"
            )
        return "".join(parts)


def model_answers(lesson: str | None = None, *, lang: str | None = None) -> ModelAnswers:
    """The model answers of every exercise (or of one lesson, e.g. ``"04_customer_relationships"``).

    >>> [e.id for e in model_answers("09_cost_structure")]
    ['q9_1', 'q9_3']
    """
    chosen = [e for e in exercises().values() if lesson is None or e.lesson == lesson]
    if lesson is not None and not chosen:
        raise unknown_id("lesson", lesson, sorted({e.lesson for e in exercises().values()}))
    out = ModelAnswers(chosen)
    out.lang = lang_or_session(lang)
    return out
