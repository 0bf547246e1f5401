"""The relationship-fit advisor: ranks the six relationship types for a case from its attributes.

The criteria live in ``data/advisor_rules.json`` (after the seed playbook: when each type
fits, and the two pitfalls it warns about). Each rule adds its weight to one type when all
its conditions hold; a type's score is the logistic of its total, so it lies in (0, 1).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from .blocks import attributes, category, check_lang, josa, relationship_types
from .cases import parse_attribute
from .errors import BMCError, DataError, UnknownIdError, unknown
from .jsonfile import read_json
from .paths import data_path


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    when: dict
    weight: float
    reason: dict

    def matches(self, attrs: Mapping[str, object]) -> bool:
        return all(name in attrs and attrs[name] in values for name, values in self.when.items())


@cache
def rules() -> tuple[Rule, ...]:
    """The advisor's rules, checked against the attribute and type ids when first loaded."""
    path = data_path("advisor_rules.json")
    data, _text, problems = read_json(path)
    if problems:
        raise DataError(problems)
    out = []
    type_ids = {t.id for t in relationship_types()}
    specs = attributes()
    for raw in data["rules"]:
        if raw["type"] not in type_ids:
            raise BMCError(f"{path}: rule '{raw['id']}': {unknown('relationship type', raw['type'], type_ids)}")
        for name, values in raw["when"].items():
            for v in values:
                parse_attribute(name, v)
            if name not in specs:
                raise BMCError(f"{path}: rule '{raw['id']}': {unknown('attribute', name, specs)}")
        out.append(Rule(raw["id"], raw["type"], raw["when"], float(raw["weight"]), raw["reason"]))
    return tuple(out)


@dataclass(frozen=True)
class Fit:
    """How well one relationship type fits a case.

    ``reasons`` and ``against`` map ``"en"``/``"ko"`` to lists of sentences: what speaks
    for this type, and what speaks against it (including the seed's pitfalls).
    """

    type_id: str
    score: float
    reasons: dict = field(default_factory=dict)
    against: dict = field(default_factory=dict)
    rules: tuple[str, ...] = ()

    @property
    def label(self) -> dict:
        return category(self.type_id).label

    def explain(self, lang: str = "en") -> str:
        """One paragraph: the type, its score, and the reasons for and against."""
        check_lang(lang)
        parts = [f"{self.label[lang]} ({self.score:.2f})"]
        parts += [f"+ {r}" for r in self.reasons[lang]]
        parts += [f"- {r}" for r in self.against[lang]]
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"Fit({self.type_id!r}, score={self.score:.2f})"


class Advice(list):
    """``advise``'s result: a list of ``Fit``, best first, that shows as a table in a notebook."""

    lang = "en"

    def summary(self, lang: str = "en") -> str:
        """Plain-text ranking with reasons (for a terminal)."""
        check_lang(lang)
        lines = []
        for rank, fit in enumerate(self, start=1):
            lines.append(f"{rank}. {fit.label[lang]} [{fit.type_id}] {fit.score:.2f}")
            lines += [f"   + {r}" for r in fit.reasons[lang]]
            lines += [f"   - {r}" for r in fit.against[lang]]
        return "\n".join(lines)

    def to_dict(self) -> list[dict]:
        return [{"type_id": f.type_id, "score": round(f.score, 4), "reasons": f.reasons, "against": f.against}
                for f in self]

    def _repr_html_(self) -> str:
        lang = self.lang
        rows = []
        for rank, f in enumerate(self, start=1):
            items = "".join(f"<li>✔ {html.escape(r)}</li>" for r in f.reasons[lang])
            items += "".join(f"<li>✘ {html.escape(r)}</li>" for r in f.against[lang])
            bar = f"<div style='background:#4c72b0;height:8px;width:{int(f.score * 100)}px'></div>"
            rows.append(f"<tr><td>{rank}</td><td><b>{html.escape(f.label[lang])}</b></td>"
                        f"<td>{f.score:.2f}{bar}</td><td><ul style='margin:0'>{items}</ul></td></tr>")
        return ("<table><thead><tr><th>#</th><th>type</th><th>score</th><th>why</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")


def check_attrs(attrs: Mapping[str, object]) -> dict:
    """Validate a case's attributes; return them typed. Missing attributes are allowed.

    >>> check_attrs({"market": "b2b", "online": "yes"})
    {'market': 'b2b', 'online': True}
    >>> check_attrs({"size": "big"})
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'size' is not an attribute. Attributes are: market, customer_count, value_per_customer, decision_complexity, online, uses_behaviour_data, user_generated_value, network_effects, peer_support.
    """
    specs = attributes()
    out = {}
    for name, value in attrs.items():
        if name not in specs:
            raise UnknownIdError(unknown("attribute", name, specs))
        if value is None:
            continue
        out[name] = parse_attribute(name, value)
    return out


def advise(attrs: Mapping[str, object], *, lang: str = "en") -> Advice:
    """Rank all six relationship types for a case, best first, with reasons in ko and en.

    ``attrs`` uses the case attributes of CONTRACT.md section 2; missing ones are not used.
    ``lang`` only sets the language the result shows in a notebook.

    >>> fits = advise({"market": "b2b", "customer_count": "few", "value_per_customer": "high",
    ...                "decision_complexity": "high"})
    >>> fits[0].type_id
    'dedicated_personal_assistance'
    >>> print(fits[0].reasons["en"][0])
    The segment has only a few customers, so a named person for each is affordable.
    >>> advise({"market": "b2g"})
    Traceback (most recent call last):
    ...
    ValueError: attribute 'market' cannot be 'b2g'; allowed values: b2b, b2c
    """
    typed = check_attrs(attrs)
    order = [t.id for t in relationship_types()]
    totals = {t: 0.0 for t in order}
    pro = {t: {"en": [], "ko": []} for t in order}
    con = {t: {"en": [], "ko": []} for t in order}
    fired = {t: [] for t in order}
    for rule in rules():
        if rule.matches(typed):
            totals[rule.type] += rule.weight
            side = pro if rule.weight > 0 else con
            for code in ("en", "ko"):
                side[rule.type][code].append(rule.reason[code])
            fired[rule.type].append(rule.id)
    fits = [Fit(t, 1 / (1 + math.exp(-totals[t])), pro[t], con[t], tuple(fired[t])) for t in order]
    fits.sort(key=lambda f: (-round(f.score, 9), order.index(f.type_id)))
    result = Advice(fits)
    result.lang = check_lang(lang)
    return result


@dataclass(frozen=True)
class ChoiceAdvice:
    """What the advisor says about one chosen type: its rank, reasons for, and warnings."""

    type_id: str
    rank: int
    fit: Fit
    best: Fit

    @property
    def fits_well(self) -> bool:
        """True when the choice ranks first or scores within 0.1 of the best type."""
        return self.rank == 1 or self.best.score - self.fit.score <= 0.1

    def message(self, lang: str = "en") -> str:
        """A short explanation in one language, naming mismatches the seed warns about."""
        check_lang(lang)
        label = self.fit.label[lang]
        if lang == "en":
            head = (f"{label} fits this case." if self.fits_well
                    else f"{label} ranks {self.rank} of 6 for this case; "
                         f"{self.best.label['en']} fits better.")
        else:
            head = (f"{josa(label, '은/는')} 이 사례에 잘 맞습니다." if self.fits_well
                    else f"{josa(label, '은/는')} 이 사례에서 6개 유형 중 {self.rank}위입니다. "
                         f"{josa(self.best.label['ko'], '이/가')} 더 잘 맞습니다.")
        lines = [head]
        lines += self.fit.reasons[lang]
        lines += self.fit.against[lang]
        if not self.fits_well:
            lines += self.best.reasons[lang][:2]
        return "\n".join(lines)


def explain_choice(attrs: Mapping[str, object], type_id: str) -> ChoiceAdvice:
    """Say how a chosen relationship type fits a case, and name the mismatches.

    >>> a = explain_choice({"value_per_customer": "low", "customer_count": "mass",
    ...                     "decision_complexity": "low"}, "dedicated_personal_assistance")
    >>> a.fits_well
    False
    >>> "VIP" in a.message("en")
    True
    """
    ids = [t.id for t in relationship_types()]
    if type_id not in ids:
        raise UnknownIdError(unknown("relationship type", type_id, ids))
    fits = advise(attrs)
    rank = next(i for i, f in enumerate(fits, start=1) if f.type_id == type_id)
    return ChoiceAdvice(type_id, rank, fits[rank - 1], fits[0])
