"""The nine blocks of the Business Model Canvas and their categories, in Korean and English.

Everything here is read from ``data/blocks.json`` and ``data/attributes.json``;
no id or label is written twice in code.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import BMCError, DataError, UnknownIdError, unknown
from .jsonfile import id_line, read_json
from .paths import data_path
from .problems import Problem

LANGS = ("en", "ko")

#: Block ids in the canvas playbook order (CONTRACT.md section 1). The data file must match.
BLOCK_IDS = (
    "customer_segments", "value_propositions", "channels", "customer_relationships",
    "revenue_streams", "key_resources", "key_activities", "key_partnerships", "cost_structure",
)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"en"`` or ``"ko"``; raise a clear error otherwise.

    >>> check_lang("ko")
    'ko'
    """
    if lang not in LANGS:
        raise BMCError(f"lang must be 'en' or 'ko', not {lang!r}")
    return lang


def tr(text: Any, lang: str) -> Any:
    """Pick one language from a ``{"en": ..., "ko": ...}`` mapping (other values pass through).

    >>> tr({"en": "Channels", "ko": "채널"}, "ko")
    '채널'
    """
    if isinstance(text, dict) and "en" in text:
        return text[check_lang(lang)]
    return text


def josa(word: str, pair: str) -> str:
    """``word`` with the Korean particle that fits its last sound; ``pair`` is e.g. ``"이/가"``.

    A final consonant takes the first form, a vowel (or a non-Hangul ending) the second;
    "으로/로" also takes "로" after ㄹ.

    >>> josa("셀프서비스", "이/가"), josa("개별 어시스트", "은/는"), josa("커뮤니티", "와/과")
    ('셀프서비스가', '개별 어시스트는', '커뮤니티와')
    >>> josa("자동화 서비스", "을/를"), josa("전담 개별 어시스트", "이/가"), josa("코크리에이션", "이/가")
    ('자동화 서비스를', '전담 개별 어시스트가', '코크리에이션이')
    """
    with_final, without = pair.split("/")
    if with_final in ("와", "는", "를", "가", "로"):  # accept either order
        with_final, without = without, with_final
    last = word.rstrip()[-1:] if word.strip() else ""
    if not ("가" <= last <= "힣"):
        return word + without
    final = (ord(last) - 0xAC00) % 28
    if with_final == "으로" and final == 8:  # ㄹ
        return word + without
    return word + (with_final if final else without)


@dataclass(frozen=True)
class Category:
    """One category of a block's taxonomy, e.g. ``mass_market`` or ``self_service``."""

    id: str
    block: str
    taxonomy: str
    label: dict
    definition: dict
    example: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Category({self.id!r}, {self.label['en']!r})"

    def get(self, key: str, lang: str | None = None, default: Any = None) -> Any:
        """An extra field (``when_fits``, ``pitfalls``, ``parent`` ...), in one language if given."""
        value = self.extra.get(key, default)
        return tr(value, lang) if lang else value

    def text(self, field_name: str, lang: str = "en") -> Any:
        """Any text field in one language: ``label``, ``definition``, ``example`` or an extra field.

        >>> category("self_service").text("label", "ko")
        '셀프서비스'
        """
        check_lang(lang)
        if field_name in ("label", "definition", "example"):
            return getattr(self, field_name).get(lang, "")
        return self.get(field_name, lang, "")


@dataclass(frozen=True)
class Taxonomy:
    """A named list of categories within a block (a block may have two, e.g. channel types and phases)."""

    id: str
    block: str
    name: dict
    categories: tuple[Category, ...]

    def __repr__(self) -> str:
        return f"Taxonomy({self.id!r}, {len(self.categories)} categories)"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def labels(self, lang: str = "en") -> dict[str, str]:
        """``{category id: label}`` in one language, in data order."""
        return {c.id: c.label[check_lang(lang)] for c in self.categories}


@dataclass(frozen=True)
class Block:
    """One of the nine canvas blocks, with its playbook question and taxonomies."""

    id: str
    number: int
    short: str
    group: str
    name: dict
    question: dict
    description: dict
    taxonomies: tuple[Taxonomy, ...]
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Block({self.number}, {self.id!r})"

    def get(self, key: str, lang: str | None = None, default: Any = None) -> Any:
        value = self.extra.get(key, default)
        return tr(value, lang) if lang else value


class BlockList(tuple):
    """The nine blocks in playbook order; shows as a table in a notebook."""

    def to_frame(self, lang: str = "en"):
        """A pandas DataFrame: number, id, name and question in one language."""
        from .optional import require

        pd = require("pandas", "blocks().to_frame()")
        check_lang(lang)
        return pd.DataFrame(
            [
                {"number": b.number, "id": b.id, "name": b.name[lang], "question": b.question[lang]}
                for b in self
            ]
        ).set_index("number")

    def __repr__(self) -> str:
        return "\n".join(f"{b.number}. {b.id}: {b.question['en']}" for b in self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{b.number}</td><td><code>{b.id}</code></td><td>{html.escape(b.name['en'])}"
            f"<br>{html.escape(b.name['ko'])}</td><td>{html.escape(b.question['en'])}<br>"
            f"{html.escape(b.question['ko'])}</td></tr>"
            for b in self
        )
        return (
            "<table><thead><tr><th>#</th><th>id</th><th>name</th><th>question</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def _text_problems(value: Any, where: str, label: str, line: int) -> list[Problem]:
    if not isinstance(value, dict) or any(not isinstance(value.get(k), str) or not value.get(k).strip() for k in LANGS):
        return [Problem(label, line, f"{where} needs non-empty 'en' and 'ko' texts")]
    return []


def _parse_blocks(data: Any, text: str, label: str) -> tuple[BlockList | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, dict) or data.get("format") != "bmclib-blocks":
        return None, [Problem(label, 1, "not a blocks file: 'format' must be 'bmclib-blocks'")]
    if data.get("version") != 1:
        return None, [Problem(label, 1, f"unknown version {data.get('version')!r}; this bmclib reads version 1")]
    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list):
        return None, [Problem(label, 1, "'blocks' must be a list of nine blocks")]
    ids = [b.get("id") if isinstance(b, dict) else None for b in raw_blocks]
    if tuple(ids) != BLOCK_IDS:
        for i in ids:
            if i not in BLOCK_IDS:
                problems.append(Problem(label, id_line(text, str(i)), unknown("block", i, BLOCK_IDS)))
        missing = [b for b in BLOCK_IDS if b not in ids]
        if missing:
            problems.append(Problem(label, 1, f"missing block(s): {', '.join(missing)}"))
        if not problems:
            problems.append(Problem(label, 1, "blocks must be in playbook order: " + ", ".join(BLOCK_IDS)))
        return None, problems
    seen: dict[str, str] = {}
    blocks = []
    for number, raw in enumerate(raw_blocks, start=1):
        bid = raw["id"]
        line = id_line(text, bid)
        for key in ("name", "question", "description"):
            problems += _text_problems(raw.get(key), f"block '{bid}' field '{key}'", label, line)
        taxonomies = []
        for rt in raw.get("taxonomies") or []:
            tid = rt.get("id", "?")
            tline = id_line(text, tid)
            problems += _text_problems(rt.get("name"), f"taxonomy '{tid}' field 'name'", label, tline)
            if tid in seen:
                problems.append(Problem(label, tline, f"duplicate id '{tid}' (also used in {seen[tid]})"))
            seen[tid] = f"block '{bid}'"
            cats = []
            for rc in rt.get("categories") or []:
                cid = rc.get("id", "?") if isinstance(rc, dict) else "?"
                cline = id_line(text, cid)
                if cid in seen:
                    problems.append(Problem(label, cline, f"duplicate id '{cid}' (also used in {seen[cid]})"))
                seen[cid] = f"taxonomy '{tid}'"
                for key in ("label", "definition"):
                    problems += _text_problems(rc.get(key), f"category '{cid}' field '{key}'", label, cline)
                extra = {k: v for k, v in rc.items() if k not in ("id", "label", "definition", "example")}
                cats.append(Category(cid, bid, tid, rc.get("label") or {}, rc.get("definition") or {},
                                     rc.get("example") or {}, extra))
            if not cats:
                problems.append(Problem(label, tline, f"taxonomy '{tid}' has no categories"))
            taxonomies.append(Taxonomy(tid, bid, rt.get("name") or {}, tuple(cats)))
        if not taxonomies:
            problems.append(Problem(label, line, f"block '{bid}' has no taxonomies"))
        extra = {k: v for k, v in raw.items()
                 if k not in ("id", "number", "short", "group", "name", "question", "description", "taxonomies")}
        blocks.append(Block(bid, number, raw.get("short", ""), raw.get("group", ""), raw.get("name") or {},
                            raw.get("question") or {}, raw.get("description") or {}, tuple(taxonomies), extra))
    # parents of pricing sub-types must exist in the same taxonomy
    for b in blocks:
        for t in b.taxonomies:
            for c in t.categories:
                parent = c.extra.get("parent")
                if parent is not None and parent not in t.ids:
                    problems.append(Problem(label, id_line(text, c.id),
                                            f"category '{c.id}': {unknown('category', parent, t.ids)}"))
    return (None if problems else BlockList(blocks)), problems


def validate_blocks_file(path: str | Path) -> list[Problem]:
    """Every problem in a blocks file (empty list when it is valid)."""
    data, text, problems = read_json(path)
    if problems:
        return problems
    return _parse_blocks(data, text, str(path))[1]


@cache
def blocks() -> BlockList:
    """The nine blocks, in playbook order.

    >>> import bmclib as bmc
    >>> [b.id for b in bmc.blocks()][:3]
    ['customer_segments', 'value_propositions', 'channels']
    >>> bmc.blocks()[3].name["ko"]
    '고객 관계'
    """
    path = data_path("blocks.json")
    data, text, problems = read_json(path)
    if not problems:
        parsed, problems = _parse_blocks(data, text, str(path))
    if problems:
        raise DataError(problems)
    return parsed


def block(block_id: str) -> Block:
    """One block by id; a wrong id gets a did-you-mean.

    >>> block("channels").number
    3
    >>> block("value_proposition")
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'value_proposition' is not a block. Did you mean 'value_propositions'? Blocks are: customer_segments, value_propositions, channels, customer_relationships, revenue_streams, key_resources, key_activities, key_partnerships, cost_structure.
    """
    for b in blocks():
        if b.id == block_id:
            return b
    raise UnknownIdError(unknown("block", block_id, BLOCK_IDS))


@cache
def _taxonomy_index() -> dict[str, Taxonomy]:
    return {t.id: t for b in blocks() for t in b.taxonomies}


@cache
def _category_index() -> dict[str, Category]:
    return {c.id: c for t in _taxonomy_index().values() for c in t.categories}


def taxonomy(taxonomy_id: str) -> Taxonomy:
    """One taxonomy by id, e.g. ``taxonomy("channel_phases")``.

    >>> taxonomy("channel_phases").ids
    ('awareness', 'evaluation', 'purchase', 'delivery', 'after_sales')
    """
    index = _taxonomy_index()
    if taxonomy_id not in index:
        raise UnknownIdError(unknown("taxonomy", taxonomy_id, index))
    return index[taxonomy_id]


def category(category_id: str) -> Category:
    """One category by its (globally unique) id.

    >>> category("self_service").label["ko"]
    '셀프서비스'
    """
    index = _category_index()
    if category_id not in index:
        raise UnknownIdError(unknown("category", category_id, index))
    return index[category_id]


def relationship_types() -> tuple[Category, ...]:
    """The six customer-relationship types, in the book's order.

    >>> [t.id for t in relationship_types()]
    ['personal_assistance', 'dedicated_personal_assistance', 'self_service', 'automated_services', 'communities', 'co_creation']
    """
    return taxonomy("relationship_types").categories


# -- case attributes (CONTRACT.md section 2) --------------------------------------------------

@dataclass(frozen=True)
class Attribute:
    """One case attribute the advisor reads: its allowed values and labels."""

    id: str
    kind: str  # "choice" or "bool"
    values: tuple
    label: dict
    question: dict
    value_labels: dict

    def value_label(self, value: Any, lang: str = "en") -> str:
        if self.kind == "bool":
            return {"en": ("yes" if value else "no"), "ko": ("예" if value else "아니요")}[check_lang(lang)]
        return self.value_labels.get(value, {}).get(lang, str(value))


@cache
def attributes() -> dict[str, Attribute]:
    """The nine case attributes, by id, in contract order.

    >>> list(attributes())[:2]
    ['market', 'customer_count']
    >>> attributes()["value_per_customer"].values
    ('low', 'medium', 'high')
    """
    path = data_path("attributes.json")
    data, _text, problems = read_json(path)
    if problems:
        raise DataError(problems)
    out = {}
    for a in data["attributes"]:
        values = (False, True) if a["kind"] == "bool" else tuple(a["values"])
        out[a["id"]] = Attribute(a["id"], a["kind"], values, a["label"], a["question"], a.get("value_labels", {}))
    return out
