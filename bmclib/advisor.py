"""The relationship-fit advisor: ranks the six relationship types for a case from its attributes.

The criteria live in ``data/advisor_rules.json``: one rule per criterion of the playbook
(when each type fits, what rules it out, and the two pitfalls it warns about). A rule has a
*strength* (``decides``, ``supports``, ``leans``, ``leans_against``, ``against``,
``rules_out``); when all its conditions hold it adds the value of its strength to its type.
A type's score is its share of the evidence (a softmax of the totals), so the six scores add
up to 1 and a clear winner stands apart from the rest.

The six strength values were fitted on the case bank with :func:`fit_strengths`, keeping the
playbook's own examples (``examples`` in the rules file) ranked right;
``benchmarks/advisor_agreement.py`` reports agreement in-sample, leave-one-out and on the
held-out cases of ``data/advisor_holdout.csv``, which were never used to set anything.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .blocks import attributes, category, relationship_types
from .cases import parse_attribute
from .errors import BMCError, DataError, unknown, unknown_id
from .fileio import Problem, id_line, line_of, read_json
from .i18n import Msg, check_lang, josa, lang_or_session
from .paths import data_path

RULES_FORMAT = "bmclib-advisor-rules"
RULES_VERSION = 2
#: The strengths a rule can have, strongest for first; the first three add, the last three subtract.
STRENGTHS = ("decides", "supports", "leans", "leans_against", "against", "rules_out")
#: The values set by hand from the playbook's wording before any fitting. ``fit_strengths``
#: prefers values close to these when two candidates agree equally well with the bank.
HAND_SET_STRENGTHS = {
    "decides": 4.0,
    "supports": 1.5,
    "leans": 1.0,
    "leans_against": -1.0,
    "against": -1.5,
    "rules_out": -5.0,
}
#: The values ``fit_strengths`` tries for each strength.
STRENGTH_GRID = {
    "decides": (3.0, 4.0, 5.0, 6.0),
    "supports": (1.0, 1.5, 2.0, 2.5),
    "leans": (0.5, 1.0),
    "leans_against": (-0.5, -1.0),
    "against": (-1.0, -1.5, -2.0, -2.5, -3.0),
    "rules_out": (-4.0, -5.0, -6.0, -8.0),
}
#: Words that belong to authoring, not to what a student reads.
JARGON = re.compile(r"\bseeds?\b|research file|시드|리서치 자료|\b[a-z]+_[a-z_]+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One criterion: when every condition of ``when`` holds, ``weight`` goes to ``type``."""

    id: str
    type: str
    when: dict
    strength: str
    weight: float
    reason: dict

    def matches(self, attrs: Mapping[str, object]) -> bool:
        return all(name in attrs and attrs[name] in values for name, values in self.when.items())


@dataclass(frozen=True)
class Example:
    """One of the playbook's own situations, with the type the playbook gives it."""

    id: str
    attrs: dict
    type: str
    note: dict


@dataclass(frozen=True)
class RuleSet:
    strengths: dict
    rules: tuple[Rule, ...]
    examples: tuple[Example, ...]


def _text_problem(value: Any, where: str, label: str, line: int) -> list[Problem]:
    if not (
        isinstance(value, dict)
        and all(isinstance(value.get(k), str) and value[k].strip() for k in ("en", "ko"))
    ):
        return [Problem(label, line, Msg("data.needs_en_ko", where=where))]
    out = []
    for lang in ("en", "ko"):
        found = JARGON.search(value[lang])
        if found:
            out.append(
                Problem(
                    label, line, Msg("advisor.jargon", where=where, lang=lang, word=found.group(0))
                )
            )
    return out


def _check_attrs(raw: Any, where: str, label: str, line: int, *, lists: bool) -> list[Problem]:
    """Problems in a ``when`` mapping (attribute -> list of values) or an example's attributes."""
    specs = attributes()
    if not isinstance(raw, dict) or not raw:
        return [
            Problem(
                label,
                line,
                Msg("advisor.when_lists" if lists else "advisor.when_values", where=where),
            )
        ]
    problems = []
    for name, values in raw.items():
        if name not in specs:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg("canvas.at", where=where, error=unknown("attribute", name, specs)),
                )
            )
            continue
        if lists and (not isinstance(values, list) or not values):
            problems.append(
                Problem(label, line, Msg("advisor.needs_values", where=where, name=name))
            )
            continue
        for v in values if lists else [values]:
            try:
                parse_attribute(name, v)
            except BMCError as exc:
                problems.append(Problem(label, line, Msg("canvas.at", where=where, error=exc.msg)))
    return problems


def _parse_rules(data: Any, text: str, label: str) -> tuple[RuleSet | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(label, 1, Msg("data.wrong_format", format=RULES_FORMAT))]
    if data.get("format") != RULES_FORMAT:
        return None, [
            Problem(label, line_of(text, '"format"'), Msg("data.wrong_format", format=RULES_FORMAT))
        ]
    if data.get("version") != RULES_VERSION:
        return None, [
            Problem(
                label,
                line_of(text, '"version"'),
                Msg("advisor.version", version=repr(data.get("version")), expected=RULES_VERSION),
            )
        ]
    problems: list[Problem] = []
    strengths = data.get("strengths")
    sline = line_of(text, '"strengths"')
    if (
        not isinstance(strengths, dict)
        or set(strengths) != set(STRENGTHS)
        or not all(
            isinstance(strengths[s], (int, float)) and not isinstance(strengths[s], bool)
            for s in STRENGTHS
        )
    ):
        return None, [Problem(label, sline, Msg("advisor.strengths", names=", ".join(STRENGTHS)))]
    values = [float(strengths[s]) for s in STRENGTHS]
    if not (values[0] > values[1] > values[2] > 0 > values[3] > values[4] > values[5]):
        problems.append(Problem(label, sline, Msg("advisor.strength_order")))
    type_ids = [t.id for t in relationship_types()]
    rules, seen = [], {}
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        return None, problems + [Problem(label, line_of(text, '"rules"'), Msg("advisor.no_rules"))]
    for raw in raw_rules:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            problems.append(Problem(label, line_of(text, '"rules"'), Msg("advisor.rule_id")))
            continue
        rid = raw["id"]
        line = id_line(text, rid)
        bad = len(problems)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rid):
            problems.append(Problem(label, line, Msg("cases.bad_id", id=rid)))
        if rid in seen:
            problems.append(Problem(label, line, Msg("data.duplicate_id", id=rid, first=seen[rid])))
        seen.setdefault(rid, line)
        if raw.get("type") not in type_ids:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "advisor.in_rule",
                        rule=rid,
                        error=unknown("relationship type", raw.get("type"), type_ids),
                    ),
                )
            )
        if raw.get("strength") not in STRENGTHS:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "advisor.in_rule",
                        rule=rid,
                        error=unknown("strength", raw.get("strength"), STRENGTHS),
                    ),
                )
            )
        problems += _check_attrs(
            raw.get("when"),
            Msg("advisor.rule_field", rule=rid, field="when"),
            label,
            line,
            lists=True,
        )
        problems += _text_problem(
            raw.get("reason"), Msg("advisor.rule_field", rule=rid, field="reason"), label, line
        )
        if len(problems) == bad:
            when = {
                name: [parse_attribute(name, v) for v in vals] for name, vals in raw["when"].items()
            }
            rules.append(
                Rule(
                    rid,
                    raw["type"],
                    when,
                    raw["strength"],
                    float(strengths[raw["strength"]]),
                    {"en": raw["reason"]["en"], "ko": raw["reason"]["ko"]},
                )
            )
    examples = []
    for raw in data.get("examples") or []:
        eid = raw.get("id") if isinstance(raw, dict) else None
        line = id_line(text, eid) if isinstance(eid, str) else line_of(text, '"examples"')
        bad = len(problems)
        if not isinstance(eid, str):
            problems.append(Problem(label, line, Msg("advisor.example_id")))
            continue
        if raw.get("type") not in type_ids:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "advisor.in_example",
                        example=eid,
                        error=unknown("relationship type", raw.get("type"), type_ids),
                    ),
                )
            )
        problems += _check_attrs(
            raw.get("attrs"),
            Msg("advisor.example_field", example=eid, field="attrs"),
            label,
            line,
            lists=False,
        )
        problems += _text_problem(
            raw.get("note"), Msg("advisor.example_field", example=eid, field="note"), label, line
        )
        if len(problems) == bad:
            attrs = {name: parse_attribute(name, v) for name, v in raw["attrs"].items()}
            examples.append(Example(eid, attrs, raw["type"], dict(raw["note"])))
    if problems:
        return None, problems
    return RuleSet({s: float(strengths[s]) for s in STRENGTHS}, tuple(rules), tuple(examples)), []


def check_rules_file(path: str | Path) -> list[Problem]:
    """Every problem in an advisor rules file; an empty list when it is valid.

    >>> check_rules_file(data_path("advisor_rules.json"))
    []
    """
    data, text, problems = read_json(path)
    return problems or _parse_rules(data, text, str(path))[1]


@cache
def _rule_set() -> RuleSet:
    path = data_path("advisor_rules.json")
    data, text, problems = read_json(path)
    ruleset, more = (None, problems) if problems else _parse_rules(data, text, str(path))
    if more:
        raise DataError(more)
    return ruleset


def rules() -> tuple[Rule, ...]:
    """The advisor's rules, checked against the attribute and type ids when first loaded.

    >>> r = rules()[0]
    >>> r.type, r.strength
    ('dedicated_personal_assistance', 'decides')
    """
    return _rule_set().rules


def strengths() -> dict[str, float]:
    """The value of each rule strength, as fitted on the case bank.

    >>> s = strengths()
    >>> s["decides"] > s["supports"] > 0 > s["against"] > s["rules_out"]
    True
    """
    return dict(_rule_set().strengths)


def playbook_examples() -> tuple[Example, ...]:
    """The playbook's own situations (private banking, SAP's community, ...) and their types."""
    return _rule_set().examples


@dataclass(frozen=True)
class Fit:
    """How well one relationship type fits a case.

    ``score`` is the type's share of the evidence (the six scores add up to 1); ``total`` is
    the sum of the strengths of its rules that hold. ``reasons`` and ``against`` map
    ``"en"``/``"ko"`` to sentences, strongest first: what speaks for this type, and what speaks
    against it (including the playbook's pitfalls).
    """

    type_id: str
    score: float
    reasons: dict = field(default_factory=dict)
    against: dict = field(default_factory=dict)
    rules: tuple[str, ...] = ()
    total: float = 0.0

    @property
    def label(self) -> dict:
        return category(self.type_id).label

    def explain(self, lang: str | None = None) -> str:
        """One paragraph: the type, its score, and the reasons for and against."""
        lang = lang_or_session(lang)
        parts = [f"{self.label[lang]} ({self.score:.2f})"]
        parts += [f"+ {r}" for r in self.reasons[lang]]
        parts += [f"- {r}" for r in self.against[lang]]
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"Fit({self.type_id!r}, score={self.score:.2f})"


def _ui(key: str, lang: str, **fields) -> str:
    return Msg(f"ui.{key}", **fields).text(lang)


class Advice(list):
    """``advise``'s result: a list of ``Fit``, best first, that shows as a table in a notebook."""

    lang: str | None = None

    def summary(self, lang: str | None = None) -> str:
        """Plain-text ranking with reasons (for a terminal), in ``lang`` (default: the
        session's)."""
        lang = lang_or_session(lang or self.lang)
        lines = []
        for rank, fit in enumerate(self, start=1):
            lines.append(f"{rank}. {fit.label[lang]} {fit.score:.2f}")
            lines += [f"   + {r}" for r in fit.reasons[lang]]
            lines += [f"   - {r}" for r in fit.against[lang]]
        return "\n".join(lines)

    def to_dict(self) -> list[dict]:
        return [
            {
                "type_id": f.type_id,
                "score": round(f.score, 4),
                "reasons": f.reasons,
                "against": f.against,
            }
            for f in self
        ]

    def _repr_html_(self) -> str:
        lang = lang_or_session(self.lang)
        left = "style='text-align:left;vertical-align:top'"
        rows = []
        for rank, f in enumerate(self, start=1):
            items = "".join(f"<li>✔ {html.escape(r)}</li>" for r in f.reasons[lang])
            items += "".join(f"<li>✘ {html.escape(r)}</li>" for r in f.against[lang])
            bar = f"<div style='background:#4c72b0;height:8px;width:{int(f.score * 100)}px'></div>"
            rows.append(
                f"<tr><td {left}>{rank}</td><td {left}><b>{html.escape(f.label[lang])}</b></td>"
                f"<td {left}>{f.score:.2f}{bar}</td><td {left}><ul "
                f"style='margin:0;padding-left:1.2em;text-align:left'>{items}</ul></td></tr>"
            )
        head = "".join(
            f"<th {left}>{html.escape(_ui(k, lang))}</th>"
            for k in ("advisor_rank", "advisor_type", "advisor_score", "advisor_why")
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def check_attrs(attrs: Mapping[str, object]) -> dict:
    """Validate a case's attributes; return them typed. Missing attributes are allowed.

    >>> check_attrs({"market": "b2b", "online": "yes"})
    {'market': 'b2b', 'online': True}
    >>> check_attrs({"size": "big"})  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'size' is not an attribute. Attributes are: market,
    customer_count, value_per_customer, decision_complexity, online, uses_behaviour_data,
    user_generated_value, network_effects, peer_support.
    """
    specs = attributes()
    out = {}
    for name, value in attrs.items():
        if name not in specs:
            raise unknown_id("attribute", name, specs)
        if value is None:
            continue
        out[name] = parse_attribute(name, value)
    return out


def _rank(typed: Mapping[str, object], values: Mapping[str, float]) -> list[Fit]:
    order = [t.id for t in relationship_types()]
    fired: dict[str, list[Rule]] = {t: [] for t in order}
    for rule in rules():
        if rule.matches(typed):
            fired[rule.type].append(rule)
    totals = {t: sum(values[r.strength] for r in fired[t]) for t in order}
    top = max(totals.values())
    exps = {t: math.exp(totals[t] - top) for t in order}
    norm = sum(exps.values())
    fits = []
    for t in order:
        ranked = sorted(fired[t], key=lambda r: -abs(values[r.strength]))
        pro = [r for r in ranked if values[r.strength] > 0]
        con = [r for r in ranked if values[r.strength] < 0]
        fits.append(
            Fit(
                t,
                exps[t] / norm,
                {lang: [r.reason[lang] for r in pro] for lang in ("en", "ko")},
                {lang: [r.reason[lang] for r in con] for lang in ("en", "ko")},
                tuple(r.id for r in ranked),
                totals[t],
            )
        )
    fits.sort(key=lambda f: (-f.total, order.index(f.type_id)))
    return fits


def advise(attrs: Mapping[str, object], *, lang: str | None = None) -> Advice:
    """Rank all six relationship types for a case, best first, with reasons in ko and en.

    ``attrs`` uses the case attributes of CONTRACT.md section 2; missing ones are not used.
    ``lang`` only sets the language the result shows in a notebook.

    >>> fits = advise({"market": "b2b", "customer_count": "few", "value_per_customer": "high",
    ...                "decision_complexity": "high"})
    >>> fits[0].type_id, round(fits[0].score, 2)
    ('dedicated_personal_assistance', 1.0)
    >>> print(fits[0].reasons["en"][0])  # doctest: +NORMALIZE_WHITESPACE
    A small B2B market with only a handful of clients, such as an early beachhead market, is where
    the playbook gives each client a dedicated person.
    >>> advise({"market": "b2g"})
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: attribute 'market' cannot be 'b2g'; allowed values: b2b, b2c
    """
    result = Advice(_rank(check_attrs(attrs), strengths()))
    result.lang = None if lang is None else check_lang(lang)
    return result


@dataclass(frozen=True)
class ChoiceAdvice:
    """What the advisor says about one chosen type: its rank, reasons for, and warnings."""

    type_id: str
    rank: int  #: 1 + how many types score higher (tied types share a rank)
    fit: Fit
    best: Fit
    tied: int = 0  #: how many other types score exactly the same

    @property
    def fits_well(self) -> bool:
        """True when the choice ranks first or scores at least half as high as the best type."""
        return self.rank == 1 or self.fit.score >= 0.5 * self.best.score

    def ruled_out_by(self, lang: str | None = None) -> list[str]:
        """The facts of the case that speak against the chosen type, strongest first."""
        return list(self.fit.against[lang_or_session(lang)])

    def message(self, lang: str | None = None) -> str:
        """A short explanation in one language: for a poor choice, the facts that rule it out
        and why the best type fits better (the playbook's pitfalls included)."""
        lang = lang_or_session(lang)
        label, best = self.fit.label[lang], self.best.label[lang]
        ko = lang == "ko"
        names = {
            "label": label,
            "best": best,
            "rank": _ui(
                "advisor_place_tied" if self.tied else "advisor_place", lang, rank=self.rank
            ),
            "score": f"{self.fit.score:.2f}",
            "best_score": f"{self.best.score:.2f}",
            "label_topic": josa(label, "은/는") if ko else label,
            "label_object": josa(label, "을/를") if ko else label,
            "best_subject": josa(best, "이/가") if ko else best,
        }
        if self.rank == 1 and self.type_id != self.best.type_id:  # tied with the first
            lines = [_ui("advisor_choice_tied", lang, **names)]
            lines += self.fit.reasons[lang][:2] + self.fit.against[lang][:2]
            return "\n".join(lines)
        if self.rank == 1:
            lines = [_ui("advisor_choice_fits", lang, **names)]
            lines += self.fit.reasons[lang] + self.fit.against[lang]
            return "\n".join(lines)
        if self.fits_well:
            lines = [_ui("advisor_choice_close", lang, **names)]
            lines += self.fit.reasons[lang][:2] + self.fit.against[lang][:2]
            return "\n".join(lines)
        lines = [_ui("advisor_choice_ranks", lang, **names)]
        if self.fit.against[lang]:
            lines.append(_ui("advisor_against_head", lang, **names))
            lines += [f"- {r}" for r in self.fit.against[lang][:3]]
        else:
            lines.append(_ui("advisor_nothing_against", lang, **names))
        lines.append(_ui("advisor_best_head", lang, **names))
        lines += [f"- {r}" for r in self.best.reasons[lang][:2]]
        return "\n".join(lines)


def explain_choice(attrs: Mapping[str, object], type_id: str) -> ChoiceAdvice:
    """Say how a chosen relationship type fits a case, and name the facts that rule it out.

    >>> a = explain_choice({"value_per_customer": "low", "customer_count": "mass",
    ...                     "decision_complexity": "low"}, "dedicated_personal_assistance")
    >>> a.fits_well, a.rank
    (False, 6)
    >>> print(a.ruled_out_by("en")[0])
    The segment is a mass market: a person of their own for every customer is impossible to pay for.
    """
    ids = [t.id for t in relationship_types()]
    if type_id not in ids:
        raise unknown_id("relationship type", type_id, ids)
    fits = advise(attrs)
    position = next(i for i, f in enumerate(fits, start=1) if f.type_id == type_id)
    fit = fits[position - 1]
    rank = 1 + sum(f.score > fit.score for f in fits)  # a tie shares the better place
    tied = sum(f.score == fit.score for f in fits) - 1
    return ChoiceAdvice(type_id, rank, fit, fits[0], tied)


# -- agreement with a case bank, and fitting the strengths ---------------------------------------


def _evidence(items: Sequence[tuple[Mapping, str]]) -> tuple[Any, Any]:
    """Per item, how many rules of each strength hold for each type; and each answer's index.

    ``items`` are ``(attrs, type_id)`` pairs.
    """
    import numpy as np

    order = [t.id for t in relationship_types()]
    counts = np.zeros((len(items), len(order), len(STRENGTHS)))
    for c, (attrs, _type_id) in enumerate(items):
        typed = check_attrs(attrs)
        for rule in rules():
            if rule.matches(typed):
                counts[c, order.index(rule.type), STRENGTHS.index(rule.strength)] += 1
    answer = np.array([order.index(type_id) for _attrs, type_id in items], dtype=int)
    return counts, answer


def _ranks_of(totals: Any, answer: Any) -> Any:
    """0-based rank of each item's answer in ``totals`` (shape ``(..., items, types)``); ties go
    to the type listed first, as ``advise`` orders them."""
    import numpy as np

    index = np.broadcast_to(answer[:, None], totals.shape[:-1] + (1,))
    own = np.take_along_axis(totals, index, axis=-1)
    before = np.arange(totals.shape[-1]) < answer[:, None]
    return ((totals > own) | ((totals == own) & before)).sum(axis=-1)


def _pairs(cases: Sequence) -> list[tuple[Mapping, str]]:
    return [(c.attrs, c.primary) for c in cases]


def agreement(cases: Sequence, values: Mapping[str, float] | None = None) -> tuple[int, int, int]:
    """``(first, top_two, n)``: cases whose primary type the advisor ranks first, in its top two.

    ``cases`` are ``bmclib.cases.Case`` objects (or anything with ``attrs`` and ``primary``);
    ``values`` are strength values to try instead of the shipped ones.
    """
    import numpy as np

    if not cases:
        return 0, 0, 0
    values = dict(values or strengths())
    counts, primary = _evidence(_pairs(cases))
    ranks = _ranks_of(counts @ np.array([values[s] for s in STRENGTHS]), primary)
    return int((ranks == 0).sum()), int((ranks <= 1).sum()), len(cases)


def fit_strengths(
    cases: Sequence,
    *,
    grid: Mapping[str, Sequence[float]] | None = None,
    prior: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The strength values, from ``grid``, that agree best with ``cases``.

    Only values that keep every playbook example ranked first, and that keep the strengths in
    order, are candidates. Among them the fit maximises first-choice agreement, then top-two
    agreement, then stays closest to ``prior`` (the hand-set values).

    With no cases the fit only keeps the examples right and stays near the hand-set values:

    >>> fit_strengths([])  # doctest: +NORMALIZE_WHITESPACE
    {'decides': 4.0, 'supports': 1.0, 'leans': 0.5, 'leans_against': -1.0, 'against': -1.5,
     'rules_out': -5.0}
    """
    import numpy as np

    grid = grid or STRENGTH_GRID
    prior = prior or HAND_SET_STRENGTHS
    combos = np.array(
        [
            c
            for c in itertools.product(*(grid[s] for s in STRENGTHS))
            if c[0] > c[1] > c[2] > 0 > c[3] > c[4] > c[5]
        ],
        dtype=float,
    )
    if not len(combos):
        raise BMCError(Msg("advisor.grid_order"))
    examples = [(e.attrs, e.type) for e in playbook_examples()]
    keep = np.ones(len(combos), dtype=bool)
    if examples:
        ex_counts, ex_answer = _evidence(examples)
        keep = (_ranks_of(np.einsum("ets,ks->ket", ex_counts, combos), ex_answer) == 0).all(axis=1)
    if not keep.any():
        raise BMCError(Msg("advisor.grid_examples"))
    combos = combos[keep]
    if cases:
        counts, primary = _evidence(_pairs(cases))
        ranks = _ranks_of(np.einsum("cts,ks->kct", counts, combos), primary)
        first, top2 = (ranks == 0).sum(axis=1), (ranks <= 1).sum(axis=1)
    else:
        first = top2 = np.zeros(len(combos))
    distance = np.abs(combos - np.array([prior[s] for s in STRENGTHS])).sum(axis=1)
    best = np.lexsort((distance, -top2, -first))[0]
    return {s: float(v) for s, v in zip(STRENGTHS, combos[best])}
