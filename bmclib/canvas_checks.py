"""Coherence checks of a canvas, after published canvas rubrics and the Lean Sprint playbook's
pitfalls.

``check_canvas(canvas)`` returns :class:`Finding` objects, worst first. The rules, their
severities, messages (Korean and English) and every keyword list live in
``data/canvas_rules.json``; this module only holds the logic. In short:

- ``empty_block``: a block without notes (an error for Customer Segments and Value Propositions).
- ``segment_without_value_proposition`` / ``_channel`` / ``_relationship``: "no orphans": each
  segment tag used in Customer Segments appears on at least one note of those blocks.
- ``unknown_segment_tag``, ``untagged_segment``: tags that no segment defines; segments without a
  tag.
- ``revenue_without_payer``: a revenue note that is not tagged and names no segment.
- ``free_without_payer``: something free for a segment, and no other segment pays.
- ``unlinked_infrastructure``: a key partner, resource or activity note with no tag and no word
  in common with a note of another block.
- ``dedicated_on_low_price``, ``premium_self_service_only``: the Lean Sprint playbook's two
  relationship pitfalls.
- ``relationship_mechanism``, ``relationship_without_type``: a relationship note that names a tool
  (points, coupons, lock-in, an app, a chatbot) or nothing, instead of one of the six types.

How notes are linked, simply: a note belongs to a segment when it carries its tag, or (for
untagged notes) when it mentions the tag or a word of that segment's note. Words are Latin
words of three or more letters (a trailing plural "s" ignored) or runs of two or more Hangul
syllables (a trailing particle such as 을/를/에서 ignored), minus the stopwords in the data file;
a Korean word matches anywhere in the other text, a Latin word at the start of a word.

>>> from bmclib.canvas import Canvas
>>> c = Canvas("Demo", blocks={"customer_segments": [{"text": "Savers", "segment": "young"}]})
>>> [f.rule for f in check_canvas(c)][:2]
['empty_block', 'empty_block']
>>> print(check_canvas(c)[0].summary("en"))  # doctest: +NORMALIZE_WHITESPACE
error [empty block] Value Propositions: The Value Propositions block is empty: add at least one
note.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .blocks import BLOCK_IDS, block, relationship_types
from .canvas import Canvas, Note, as_canvas
from .errors import DataError, unknown
from .fileio import Problem, id_line, line_of, read_json
from .i18n import Msg, check_lang, fill, lang_or_session
from .paths import data_path

RULES_FORMAT = "bmclib-canvas-rules"
SEVERITIES = ("error", "warning", "info")

#: The rules this module implements, in the order they run. The data file must define exactly these.
RULE_IDS = (
    "empty_block",
    "segment_without_value_proposition",
    "segment_without_channel",
    "segment_without_relationship",
    "unknown_segment_tag",
    "untagged_segment",
    "revenue_without_payer",
    "free_without_payer",
    "unlinked_infrastructure",
    "dedicated_on_low_price",
    "premium_self_service_only",
    "relationship_mechanism",
    "relationship_without_type",
)
_INFRASTRUCTURE = ("key_partnerships", "key_resources", "key_activities")
_PRICE_BLOCKS = ("value_propositions", "revenue_streams")
_PERSONAL = ("dedicated_personal_assistance", "personal_assistance")


# -- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing a canvas check found: which rule, how serious, what to do (en and ko), which
    blocks.

    >>> f = Finding(
    ...     "segment_without_relationship",
    ...     "warning",
    ...     {"en": "Add one.", "ko": "추가하세요."},
    ...     ("customer_segments", "customer_relationships"),
    ... )
    >>> print(f.summary("en"))
    warning [segment without a relationship] Customer Segments, Customer Relationships: Add one.
    >>> print(f.summary("ko"))
    경고 [관계 없는 세그먼트] 고객 세그먼트, 고객 관계: 추가하세요.
    """

    rule: str
    severity: str
    message: dict
    blocks: tuple

    def __repr__(self) -> str:
        return f"Finding({self.severity!r}, {self.rule!r}, blocks={self.blocks!r})"

    def summary(self, lang: str | None = None) -> str:
        """One line for a terminal: ``severity [rule] blocks: message``, all in ``lang``."""
        lang = lang_or_session(lang)
        names = ", ".join(block(b).name[lang] for b in self.blocks)
        return Msg(
            "checks.finding",
            severity=Msg(f"severity.{self.severity}"),
            rule=Msg(f"rule.{self.rule}"),
            blocks=names,
            message=self.message[lang],
        ).text(lang)

    def to_dict(self) -> dict:
        """A plain dict for JSON or a DataFrame row."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "blocks": list(self.blocks),
            "message_en": self.message["en"],
            "message_ko": self.message["ko"],
        }

    def _repr_html_(self) -> str:
        return Findings([self])._repr_html_()


class Findings(list):
    """The findings of :func:`check_canvas`, worst first; a list with terminal and notebook views.

    ``lang`` is the language the views use when none is given (:func:`check_canvas` sets it to the
    canvas's language); ``None`` means the session's language.
    """

    def __init__(self, findings=(), lang: str | None = None):
        super().__init__(findings)
        self.lang = check_lang(lang) if lang is not None else None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self if f.severity == "error"]

    def summary(self, lang: str | None = None) -> str:
        """One line per finding, or a line saying there is nothing to report."""
        lang = lang or self.lang
        if not self:
            return Msg("checks.no_findings").text(lang)
        return "\n".join(f.summary(lang) for f in self)

    def to_dict(self) -> list[dict]:
        return [f.to_dict() for f in self]

    def to_frame(self):
        """A pandas DataFrame, one row per finding."""
        from .optional import require

        pd = require("pandas", "Findings.to_frame()")
        return pd.DataFrame(
            self.to_dict(), columns=["rule", "severity", "blocks", "message_en", "message_ko"]
        )

    def _repr_html_(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang or self.lang)
        if not self:
            return f"<p>{html.escape(self.summary(lang))}</p>"
        colours = {"error": "#B00020", "warning": "#B35900", "info": "#555555"}
        left = "style='text-align:left;vertical-align:top'"
        rows = "".join(
            f"<tr><td {left}><span style='color:{colours[f.severity]};font-weight:bold'>"
            f"{html.escape(Msg(f'severity.{f.severity}').text(lang))}</span></td>"
            f"<td {left}>{html.escape(Msg(f'rule.{f.rule}').text(lang))}</td>"
            f"<td {left}>{html.escape(', '.join(block(b).name[lang] for b in f.blocks))}</td>"
            f"<td {left}>{html.escape(f.message[lang])}</td></tr>"
            for f in self
        )
        head = "".join(
            f"<th {left}>{html.escape(Msg(k).text(lang))}</th>"
            for k in ("checks.severity", "checks.rule", "checks.blocks", "checks.message")
        )
        return f"<table><tr>{head}</tr>{rows}</table>"


# -- the rule book (data/canvas_rules.json) ------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    message: dict
    raw: dict

    def text(self, key: str, lang: str) -> str:
        return self.raw[key][lang]


@dataclass(frozen=True)
class Mechanism:
    id: str
    label: dict
    pattern: re.Pattern
    serves: tuple
    hint: dict


@dataclass(frozen=True)
class RuleBook:
    rules: dict
    type_pattern: re.Pattern
    type_of_keyword: dict
    mechanisms: tuple
    free: re.Pattern
    low_price: re.Pattern
    premium: re.Pattern
    stopwords: frozenset
    particles: tuple


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _is_hangul(word: str) -> bool:
    return _HANGUL.search(word) is not None


def _hangul_stem(stem: str) -> bool:
    """A stem of :func:`_stem_set` is all Hangul or all Latin: its first letter tells."""
    return "\uac00" <= stem[0] <= "\ud7a3"


def _pattern(keywords: Iterable[str]) -> re.Pattern:
    """One case-insensitive regex for a keyword list: longest first; Latin words match whole
    words."""
    parts = []
    for kw in sorted({k.casefold() for k in keywords}, key=lambda k: (-len(k), k)):
        escaped = re.escape(kw).replace(r"\ ", r"\s+")
        parts.append(escaped if _is_hangul(kw) else rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
    return re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE)


def _both(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), str) and value[k] for k in ("en", "ko")
    )


def _words_list(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), list) and all(isinstance(w, str) and w.strip() for w in value[k])
        for k in ("en", "ko")
    )


def _parse_rules(data: Any, text: str, label: str) -> tuple[RuleBook | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(label, 1, Msg("data.wrong_format", format=RULES_FORMAT))]
    if data.get("format") != RULES_FORMAT:
        return None, [
            Problem(label, line_of(text, '"format"'), Msg("data.wrong_format", format=RULES_FORMAT))
        ]
    if data.get("version") != 1:
        return None, [
            Problem(
                label,
                line_of(text, '"version"'),
                Msg("data.unknown_version", version=repr(data.get("version"))),
            )
        ]
    problems: list[Problem] = []
    type_ids = tuple(t.id for t in relationship_types())
    rules: dict[str, Rule] = {}
    for raw in data.get("rules") or []:
        rid = raw.get("id") if isinstance(raw, dict) else None
        line = id_line(text, rid) if rid else line_of(text, '"rules"')
        if rid not in RULE_IDS:
            problems.append(Problem(label, line, unknown("rule", rid, RULE_IDS)))
            continue
        if rid in rules:
            problems.append(Problem(label, line, Msg("rules.twice", rule=rid)))
        severity = raw.get("severity")
        bad_sev = [
            s
            for s in [severity, *(raw.get("severity_by_block") or {}).values()]
            if s not in SEVERITIES
        ]
        if bad_sev:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "rules.severity",
                        rule=rid,
                        allowed=", ".join(SEVERITIES),
                        value=repr(bad_sev[0]),
                    ),
                )
            )
        for key in ("message", "about"):
            if not _both(raw.get(key)):
                problems.append(Problem(label, line, Msg("rules.needs_text", rule=rid, key=key)))
        rules[rid] = Rule(rid, severity, raw.get("message") or {}, raw)
    missing = [r for r in RULE_IDS if r not in rules]
    if missing:
        problems.append(
            Problem(label, line_of(text, '"rules"'), Msg("rules.missing", rules=", ".join(missing)))
        )
    extras = {
        "unknown_segment_tag": "suggestion",
        "free_without_payer": "free_side",
        "premium_self_service_only": "all_customers",
        "relationship_mechanism": "example",
    }
    for rid, key in extras.items():
        if rid in rules and not _both(rules[rid].raw.get(key)):
            problems.append(
                Problem(label, id_line(text, rid), Msg("rules.needs_text", rule=rid, key=key))
            )
    for rid in (
        "segment_without_value_proposition",
        "segment_without_channel",
        "segment_without_relationship",
    ):
        if rid in rules and rules[rid].raw.get("target") not in BLOCK_IDS:
            problems.append(Problem(label, id_line(text, rid), Msg("rules.target", rule=rid)))

    type_of: dict[str, str] = {}
    for t in relationship_types():
        for lang in ("en", "ko"):
            type_of[t.label[lang].casefold()] = t.id
        type_of[t.id] = t.id
        type_of[t.id.replace("_", " ")] = t.id
    synonyms = data.get("relationship_synonyms")
    if not isinstance(synonyms, dict):
        problems.append(
            Problem(
                label,
                line_of(text, '"relationship_synonyms"'),
                Msg("charts.missing_object", name="relationship_synonyms"),
            )
        )
        synonyms = {}
    for tid, words in synonyms.items():
        line = line_of(text, f'"{tid}": {{')
        if tid not in type_ids:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "data.in_column",
                        column="relationship_synonyms",
                        error=unknown("relationship type", tid, type_ids),
                    ),
                )
            )
            continue
        if not _words_list(words):
            problems.append(
                Problem(label, line, Msg("rules.word_lists", where=f"relationship_synonyms.{tid}"))
            )
            continue
        for w in words["en"] + words["ko"]:
            other = type_of.setdefault(w.casefold(), tid)
            if other != tid:
                problems.append(
                    Problem(
                        label,
                        line_of(text, f'"{w}"'),
                        Msg("rules.two_types", word=w, a=other, b=tid),
                    )
                )

    mechanisms = []
    for raw in data.get("mechanisms") or []:
        mid = raw.get("id") if isinstance(raw, dict) else None
        line = id_line(text, mid) if mid else line_of(text, '"mechanisms"')
        if (
            not mid
            or not _both(raw.get("label"))
            or not _both(raw.get("hint"))
            or not _words_list(raw.get("keywords"))
        ):
            problems.append(Problem(label, line, Msg("rules.mechanism", id=repr(mid))))
            continue
        wrong = [s for s in raw.get("serves", []) if s not in type_ids]
        if wrong:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "rules.mechanism_type",
                        id=mid,
                        error=unknown("relationship type", wrong[0], type_ids),
                    ),
                )
            )
            continue
        mechanisms.append(
            Mechanism(
                mid,
                raw["label"],
                _pattern(raw["keywords"]["en"] + raw["keywords"]["ko"]),
                tuple(raw.get("serves", [])),
                raw["hint"],
            )
        )
    keywords = data.get("keywords") or {}
    for key in ("free", "low_price", "premium"):
        if not _words_list(keywords.get(key)):
            problems.append(
                Problem(
                    label,
                    line_of(text, '"keywords"'),
                    Msg("rules.word_lists", where=f"keywords.{key}"),
                )
            )
    stop = data.get("stopwords")
    if not _words_list(stop):
        problems.append(
            Problem(label, line_of(text, '"stopwords"'), Msg("rules.word_lists", where="stopwords"))
        )
    particles = data.get("ko_particles")
    if not (isinstance(particles, list) and all(isinstance(p, str) and p for p in particles)):
        problems.append(Problem(label, line_of(text, '"ko_particles"'), Msg("rules.particles")))
    if problems:
        return None, problems
    return RuleBook(
        rules=rules,
        type_pattern=_pattern(type_of),
        type_of_keyword=type_of,
        mechanisms=tuple(mechanisms),
        free=_pattern(keywords["free"]["en"] + keywords["free"]["ko"]),
        low_price=_pattern(keywords["low_price"]["en"] + keywords["low_price"]["ko"]),
        premium=_pattern(keywords["premium"]["en"] + keywords["premium"]["ko"]),
        stopwords=frozenset(w.casefold() for w in stop["en"] + stop["ko"]),
        particles=tuple(sorted(particles, key=len, reverse=True)),
    ), []


def check_rules_file(path: str | Path) -> list[Problem]:
    """Every problem in a canvas rules file (``data/canvas_rules.json``); empty when valid.

    >>> check_rules_file(data_path("canvas_rules.json"))
    []
    """
    data, text, problems = read_json(path)
    return problems or _parse_rules(data, text, str(path))[1]


@cache
def rule_book() -> RuleBook:
    """The parsed rules of ``data/canvas_rules.json`` (raises DataError naming file and line)."""
    path = data_path("canvas_rules.json")
    data, text, problems = read_json(path)
    book = None
    if not problems:
        book, problems = _parse_rules(data, text, str(path))
    if problems:
        raise DataError(problems)
    return book


# -- reading notes ------------------------------------------------------------------------------


def relationship_types_in(text: str) -> tuple[str, ...]:
    """The relationship type ids a note names (labels in either language, ids or synonyms), in
    order.

    A longer name wins over a shorter one inside it: "Dedicated personal assistance" is not
    also "Personal assistance".

    >>> relationship_types_in("전담 개별 어시스트: 고객마다 PB 한 명")
    ('dedicated_personal_assistance',)
    >>> relationship_types_in("Self-service FAQ, plus a user forum")
    ('self_service', 'communities')
    """
    book = rule_book()
    found: dict[str, None] = {}
    for m in book.type_pattern.finditer(text):
        key = re.sub(r"\s+", " ", m.group(0).casefold())
        found.setdefault(book.type_of_keyword[key])
    return tuple(found)


def _stems(text: str) -> set[str]:
    return set(_stem_set(text))


_WORD = re.compile(r"[a-z][a-z0-9]+|[\uac00-\ud7a3]+")
_LATIN_RUN = re.compile(r"[a-z0-9]+")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")


@functools.lru_cache(maxsize=4096)
def _stem_set(text: str) -> frozenset[str]:
    """The words of a note (see the module docstring), computed once per text."""
    book = rule_book()
    out = set()
    for word in _WORD.findall(text.casefold()):
        if word in book.stopwords:
            continue
        if _is_hangul(word):
            for particle in book.particles:
                if word.endswith(particle) and len(word) - len(particle) >= 2:
                    word = word[: -len(particle)]
                    break
            if len(word) >= 2 and word not in book.stopwords:
                out.add(word)
        elif len(word) >= 3:
            if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            out.add(word)
    return frozenset(out)


@functools.lru_cache(maxsize=4096)
def _latin_mention(stem: str) -> re.Pattern:
    return re.compile(rf"(?<![a-z0-9]){re.escape(stem)}")


def _mentions(stem: str, text: str) -> bool:
    text = text.casefold()
    if _is_hangul(stem):
        return stem in text
    return _latin_mention(stem).search(text) is not None


def _linked(a: str, b: str) -> bool:
    """True when two note texts share a word (see the module docstring).

    >>> _linked("Cloud servers", "Hosting on our own server"), _linked("Bakery", "Bread")
    (True, False)
    """
    return any(_mentions(s, b) for s in _stem_set(a)) or any(_mentions(s, a) for s in _stem_set(b))


class _Words:
    """The words of a group of notes, indexed so that :func:`_linked` with any note of the group
    costs a few look-ups instead of one comparison per note. A Latin stem is mentioned in the
    group when it begins one of the group's Latin runs (a sorted list, searched by bisection), a
    Hangul stem when it occurs in one of its Hangul runs (one string, searched by ``in``). The
    other way round, the group's own stems are kept in a trie, walked from the start of each
    Latin run of a text and from each syllable of its Hangul runs.

    >>> words = _Words(["Cloud servers", "제빵 교실"])
    >>> words.linked("Hosting on our own server"), words.linked("빵"), words.linked("제빵사 모집")
    (True, False, True)
    """

    _END = ""  #: the trie's key for "a stem ends here" (no letter is empty)

    def __init__(self, texts: Iterable[str]):
        self.texts = list(texts)
        folded = [text.casefold() for text in self.texts]
        #: every text, case-folded, one a line
        self.folded = "\n".join(folded)
        self.latin = sorted(set(_LATIN_RUN.findall(self.folded)))
        self.hangul = "\n".join(_HANGUL_RUN.findall(self.folded))
        self._trie: dict | None = None
        self._seen: dict[str, bool] = {}

    @property
    def trie(self) -> dict:
        """The stems of the notes, letter by letter (built when first needed)."""
        if self._trie is None:
            self._trie = {}
            for text in self.texts:
                for stem in _stem_set(text):
                    node = self._trie
                    for letter in stem:
                        node = node.setdefault(letter, {})
                    node[self._END] = True
        return self._trie

    def mentions(self, stem: str) -> bool:
        """Is ``stem`` mentioned in one of the notes (as :func:`_mentions` decides)?"""
        found = self._seen.get(stem)
        if found is None:
            if _hangul_stem(stem):
                found = stem in self.hangul
            else:
                i = bisect.bisect_left(self.latin, stem)
                found = i < len(self.latin) and self.latin[i].startswith(stem)
            self._seen[stem] = found
        return found

    def _starts_at(self, run: str, start: int) -> bool:
        node, end = self.trie, self._END
        for i in range(start, len(run)):
            node = node.get(run[i])
            if node is None:
                return False
            if end in node:
                return True
        return False

    def mentioned_in(self, text: str) -> bool:
        """Does ``text`` mention a stem of one of the notes?"""
        if not self.trie:
            return False
        folded = text.casefold()
        if any(self._starts_at(run, 0) for run in _LATIN_RUN.findall(folded)):
            return True
        return any(
            self._starts_at(run, i) for run in _HANGUL_RUN.findall(folded) for i in range(len(run))
        )

    def linked(self, text: str) -> bool:
        """Does ``text`` share a word with one of the notes (:func:`_linked` with any of them)?"""
        return any(self.mentions(s) for s in _stem_set(text)) or self.mentioned_in(text)


@functools.lru_cache(maxsize=4096)
def _words_of(text: str) -> _Words:
    """One note's words, indexed once however many segments ask about it."""
    return _Words([text])


def _segment_mentioned(segment_note: Note, text: str) -> bool:
    """Does ``text`` name this customer segment (its tag, or a word of its note)?"""
    words = _words_of(text)
    if segment_note.segment and (
        segment_note.segment.casefold() in words.folded
        or any(words.mentions(s) for s in _stem_set(segment_note.segment))
    ):
        return True
    return any(words.mentions(s) for s in _stem_set(segment_note.text))


def _segments_of(note: Note, canvas: Canvas) -> set[str]:
    """The segment tags a note serves: its own tag, else the tagged segments its text mentions."""
    if note.segment:
        return {note.segment}
    return {
        cs.segment
        for cs in canvas["customer_segments"]
        if cs.segment and _segment_mentioned(cs, note.text)
    }


def _short(text: str, limit: int = 48) -> str:
    first = text.split("\n")[0]
    return first if len(first) <= limit and "\n" not in text else first[: limit - 1].rstrip() + "…"


def _ordered(block_ids: Iterable[str]) -> tuple[str, ...]:
    wanted = set(block_ids)
    return tuple(b for b in BLOCK_IDS if b in wanted)


# -- the checks -------------------------------------------------------------------------------


class _Report:
    def __init__(self, book: RuleBook):
        self.book = book
        self.findings: list[Finding] = []

    def add(
        self, rule_id: str, blocks: Iterable[str], severity: str | None = None, **fields
    ) -> None:
        rule = self.book.rules[rule_id]
        message = {}
        for lang in ("en", "ko"):
            values = {k: (v(lang) if callable(v) else v) for k, v in fields.items()}
            # quoted in the sentence; Korean particles fit the note
            for key in ("note", "price_note"):
                if key in values:
                    values.setdefault(f"{key}_text", values[key])
                    values[key] = f'"{values[key]}"'
            message[lang] = fill(rule.message[lang], **values)
        self.findings.append(Finding(rule_id, severity or rule.severity, message, _ordered(blocks)))


def _name(block_id: str):
    return lambda lang: block(block_id).name[lang]


def check_canvas(canvas: Canvas | str | Path | dict, lang: str | None = None) -> Findings:
    """Check a canvas for coherence; return the findings, errors first, then warnings, then infos.

    Args:
        canvas: a :class:`~bmclib.canvas.Canvas`, a path to a canvas JSON file, or its parsed dict.
        lang: the language the findings show in (default: the canvas's own language); every
            finding carries both languages whatever this says.

    Returns:
        A :class:`Findings` list (empty when every check passes). ``bmc canvas check`` exits 1
        when one of them has severity ``"error"``.

    >>> from bmclib.canvas import Canvas
    >>> c = Canvas("Shop", blocks={
    ...     "customer_segments": [{"text": "Busy parents", "segment": "parents"}],
    ...     "value_propositions": [{"text": "Premium meal kits", "segment": "parents"}],
    ...     "channels": ["Website"],
    ...     "customer_relationships": [{"text": "Self-service: FAQ page", "segment": "parents"}]})
    >>> [f.rule for f in check_canvas(c) if f.severity != "error" and f.rule != "empty_block"]
    ['segment_without_channel', 'premium_self_service_only']
    """
    canvas = as_canvas(canvas)
    _refuse_too_large(canvas)
    book = rule_book()
    report = _Report(book)
    _check_empty(canvas, report)
    _check_segments(canvas, report)
    _check_revenue(canvas, report)
    _check_infrastructure(canvas, report)
    _check_relationships(canvas, report)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return Findings(
        sorted(report.findings, key=lambda f: rank[f.severity]), lang=lang or canvas.lang
    )


#: what a canvas may hold to be checked: a class's canvases are graded in seconds, and a canvas
#: beyond this (thousands of notes, pasted pages) is refused with a message, not checked for minutes
MAX_NOTES_PER_BLOCK = 200
MAX_NOTES = 2000
MAX_NOTE_CHARS = 1000
MAX_CHARS = 100_000


def _refuse_too_large(canvas: Canvas) -> None:
    """Raise ``DataError`` naming the canvas and what is beyond the limits above (all of it)."""
    source = canvas.source or "<canvas>"
    problems = []
    for block_id in BLOCK_IDS:
        notes = canvas[block_id]
        if len(notes) > MAX_NOTES_PER_BLOCK:
            problems.append(
                Problem(
                    source,
                    0,
                    Msg(
                        "checks.too_many_in_block",
                        block=block(block_id).name,
                        count=f"{len(notes):,}",
                        max=f"{MAX_NOTES_PER_BLOCK:,}",
                    ),
                )
            )
        long = next((n for n in notes if len(n.text) > MAX_NOTE_CHARS), None)
        if long is not None:
            problems.append(
                Problem(
                    source,
                    0,
                    Msg(
                        "checks.note_too_long",
                        block=block(block_id).name,
                        count=f"{len(long.text):,}",
                        start=f'"{_short(long.text, 32)}"',
                        max=f"{MAX_NOTE_CHARS:,}",
                    ),
                )
            )
    total = sum(len(canvas[b]) for b in BLOCK_IDS)
    if total > MAX_NOTES:
        # the total says it all: not one line for each of nine blocks
        problems = [p for p in problems if p.msg.key != "checks.too_many_in_block"]
        problems.append(
            Problem(
                source,
                0,
                Msg("checks.too_many_notes", count=f"{total:,}", max=f"{MAX_NOTES:,}"),
            )
        )
    chars = sum(len(n.text) for _b, n in canvas.notes())
    if chars > MAX_CHARS:
        problems.append(
            Problem(
                source, 0, Msg("checks.too_much_text", count=f"{chars:,}", max=f"{MAX_CHARS:,}")
            )
        )
    if problems:
        raise DataError(problems)


def _check_empty(canvas: Canvas, report: _Report) -> None:
    by_block = report.book.rules["empty_block"].raw.get("severity_by_block", {})
    for block_id in BLOCK_IDS:
        if not canvas[block_id]:
            report.add("empty_block", [block_id], by_block.get(block_id), block=_name(block_id))


def _check_segments(canvas: Canvas, report: _Report) -> None:
    rules = report.book.rules
    cs_tags = list(dict.fromkeys(n.segment for n in canvas["customer_segments"] if n.segment))
    for tag in cs_tags:
        for rid in (
            "segment_without_value_proposition",
            "segment_without_channel",
            "segment_without_relationship",
        ):
            target = rules[rid].raw["target"]
            if canvas[target] and not any(n.segment == tag for n in canvas[target]):
                report.add(rid, ["customer_segments", target], segment=tag, target=_name(target))
    reported = set()
    for block_id, note in canvas.notes():
        if block_id == "customer_segments" or not note.segment or note.segment in cs_tags:
            continue
        if (note.segment, block_id) in reported:
            continue
        reported.add((note.segment, block_id))
        close = difflib.get_close_matches(note.segment, cs_tags, n=1, cutoff=0.6)
        suggestion = rules["unknown_segment_tag"].raw["suggestion"]
        report.add(
            "unknown_segment_tag",
            [block_id, "customer_segments"],
            segment=note.segment,
            block=_name(block_id),
            target=_name("customer_segments"),
            suggestion=(lambda lang, c=close, s=suggestion: s[lang].format(tag=c[0]) if c else ""),
        )
    if canvas.segments():
        for note in canvas["customer_segments"]:
            if not note.segment:
                report.add("untagged_segment", ["customer_segments"], note=_short(note.text))


def _check_revenue(canvas: Canvas, report: _Report) -> None:
    book = report.book
    segments = canvas["customer_segments"]
    if segments:
        example = next((n.segment for n in segments if n.segment), None)
        for note in canvas["revenue_streams"]:
            if note.segment or any(_segment_mentioned(cs, note.text) for cs in segments):
                continue
            report.add(
                "revenue_without_payer",
                ["revenue_streams", "customer_segments"],
                note=_short(note.text),
                example=(lambda lang, e=example: e or Msg("checks.segment_placeholder").text(lang)),
            )
    free_notes = [(b, n) for b in _PRICE_BLOCKS for n in canvas[b] if book.free.search(n.text)]
    if not free_notes:
        return
    free_segments = set().union(*(_segments_of(n, canvas) for _b, n in free_notes))
    paying_notes = [n for n in canvas["revenue_streams"] if not book.free.search(n.text)]
    if free_segments:
        paying = set().union(set(), *(_segments_of(n, canvas) for n in paying_notes))
        has_other_payer = bool(paying - free_segments)
    else:
        has_other_payer = bool(paying_notes)
    if has_other_payer:
        return
    side = report.book.rules["free_without_payer"].raw["free_side"]
    tags = ", ".join(
        f"[{t}]"
        for t in sorted(
            free_segments,
            key=lambda t: canvas.segments().index(t) if t in canvas.segments() else 99,
        )
    )
    _block_id, first = free_notes[0]
    report.add(
        "free_without_payer",
        [b for b, _n in free_notes] + ["revenue_streams"],
        note=_short(first.text),
        free_side=(lambda lang: tags or side[lang]),
        target=_name("revenue_streams"),
    )


def _check_infrastructure(canvas: Canvas, report: _Report) -> None:
    for block_id in _INFRASTRUCTURE:
        if all(n.segment for n in canvas[block_id]):
            continue
        others = _Words(n.text for b, n in canvas.notes() if b != block_id)
        for note in canvas[block_id]:
            if note.segment or others.linked(note.text):
                continue
            report.add(
                "unlinked_infrastructure", [block_id], note=_short(note.text), block=_name(block_id)
            )


def _type_label(type_id: str):
    from .blocks import category

    return lambda lang: category(type_id).label[lang]


def _overlap(a: set, b: set) -> bool:
    return not a or not b or bool(a & b)


def _check_relationships(canvas: Canvas, report: _Report) -> None:
    book = report.book
    relationships = [
        (n, relationship_types_in(n.text), _segments_of(n, canvas))
        for n in canvas["customer_relationships"]
    ]
    low_priced = [
        (b, n, _segments_of(n, canvas))
        for b in _PRICE_BLOCKS
        for n in canvas[b]
        if book.low_price.search(n.text) or book.free.search(n.text)
    ]
    for note, types, segs in relationships:
        personal = [t for t in _PERSONAL if t in types]
        if not personal:
            continue
        clash = next(((b, p) for b, p, psegs in low_priced if _overlap(segs, psegs)), None)
        if clash:
            report.add(
                "dedicated_on_low_price",
                ["customer_relationships", clash[0]],
                note=_short(note.text),
                type=_type_label(personal[0]),
                price_note=_short(clash[1].text),
                price_block=_name(clash[0]),
            )
    seen = set()
    everyone = book.rules["premium_self_service_only"].raw["all_customers"]
    for block_id, note in ((b, n) for b in _PRICE_BLOCKS for n in canvas[b]):
        if not book.premium.search(note.text):
            continue
        psegs = _segments_of(note, canvas)
        key = frozenset(psegs)
        if key in seen:
            continue
        seen.add(key)
        types = set().union(set(), *(t for _n, t, segs in relationships if _overlap(psegs, segs)))
        if types and types <= {"self_service"}:
            tags = ", ".join(f"[{t}]" for t in sorted(psegs))
            report.add(
                "premium_self_service_only",
                ["customer_relationships", block_id],
                price_note=_short(note.text),
                price_block=_name(block_id),
                segment=(lambda lang, t=tags: t or everyone[lang]),
            )
    type_names = lambda lang: ", ".join(t.label[lang] for t in relationship_types())
    example = book.rules["relationship_mechanism"].raw["example"]
    for note, types, _segs in relationships:
        if types:
            continue
        mechanism = next((m for m in book.mechanisms if m.pattern.search(note.text)), None)
        if mechanism is None:
            report.add(
                "relationship_without_type",
                ["customer_relationships"],
                note=_short(note.text),
                types=type_names,
            )
            continue

        def hint(lang, m=mechanism, n=note):
            text = m.hint[lang]
            if m.serves:
                from .blocks import category

                text += example[lang].format(
                    label=category(m.serves[0]).label[lang], note=_short(n.text, 32)
                )
            return text

        report.add(
            "relationship_mechanism",
            ["customer_relationships"],
            note=_short(note.text),
            mechanism=(lambda lang, m=mechanism: m.label[lang]),
            hint=hint,
        )
