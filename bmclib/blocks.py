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

from .errors import DataError, unknown, unknown_id
from .fileio import Problem, id_line, read_json
from .i18n import LANGS, Msg, check_lang, josa, lang_or_session, tr  # noqa: F401 - josa, tr re-exported
from .paths import data_path

#: Block ids in the canvas playbook order (CONTRACT.md section 1). The data file must match.
BLOCK_IDS = (
    "customer_segments",
    "value_propositions",
    "channels",
    "customer_relationships",
    "revenue_streams",
    "key_resources",
    "key_activities",
    "key_partnerships",
    "cost_structure",
)


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
        """An extra field (``when_fits``, ``pitfalls``, ``parent`` ...), in one language if
        given."""
        value = self.extra.get(key, default)
        return tr(value, lang) if lang else value

    def text(self, field_name: str, lang: str | None = None) -> Any:
        """Any text field in one language: ``label``, ``definition``, ``example`` or an extra field.

        >>> category("self_service").text("label", "ko")
        '셀프서비스'
        """
        lang = lang_or_session(lang)
        if field_name in ("label", "definition", "example"):
            return getattr(self, field_name).get(lang, "")
        return self.get(field_name, lang, "")


@dataclass(frozen=True)
class Taxonomy:
    """A named list of categories within a block (a block may have two, e.g. channel types and
    phases)."""

    id: str
    block: str
    name: dict
    categories: tuple[Category, ...]

    def __repr__(self) -> str:
        return f"Taxonomy({self.id!r}, {len(self.categories)} categories)"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def labels(self, lang: str | None = None) -> dict[str, str]:
        """``{category id: label}`` in one language, in data order."""
        lang = lang_or_session(lang)
        return {c.id: c.label[lang] for c in self.categories}


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

    def to_frame(self, lang: str | None = None):
        """A pandas DataFrame: number, id, name and question in one language."""
        from .optional import require

        pd = require("pandas", "blocks().to_frame()")
        lang = lang_or_session(lang)
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
            f"<tr style='text-align:left'><td>{b.number}</td><td><code>{b.id}</code></td>"
            f"<td>{html.escape(b.name['en'])}<br>{html.escape(b.name['ko'])}</td>"
            f"<td>{html.escape(b.question['en'])}<br>{html.escape(b.question['ko'])}</td></tr>"
            for b in self
        )
        head = "".join(
            f"<th style='text-align:left'>{html.escape(Msg(k).text())}</th>"
            for k in ("blocks.number", "blocks.id", "blocks.name", "blocks.question")
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _text_problems(value: Any, where: str, label: str, line: int) -> list[Problem]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(k), str) or not value.get(k).strip() for k in LANGS
    ):
        return [Problem(label, line, Msg("data.needs_en_ko", where=where))]
    return []


def _parse_blocks(data: Any, text: str, label: str) -> tuple[BlockList | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, dict) or data.get("format") != "bmclib-blocks":
        return None, [Problem(label, 1, Msg("data.wrong_format", format="bmclib-blocks"))]
    if data.get("version") != 1:
        return None, [
            Problem(label, 1, Msg("data.unknown_version", version=repr(data.get("version"))))
        ]
    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list):
        return None, [Problem(label, 1, Msg("blocks.not_a_list"))]
    ids = [b.get("id") if isinstance(b, dict) else None for b in raw_blocks]
    if tuple(ids) != BLOCK_IDS:
        for i in ids:
            if i not in BLOCK_IDS:
                problems.append(
                    Problem(label, id_line(text, str(i)), unknown("block", i, BLOCK_IDS))
                )
        missing = [b for b in BLOCK_IDS if b not in ids]
        if missing:
            problems.append(Problem(label, 1, Msg("blocks.missing", blocks=", ".join(missing))))
        if not problems:
            problems.append(Problem(label, 1, Msg("blocks.order", blocks=", ".join(BLOCK_IDS))))
        return None, problems
    seen: dict[str, str] = {}
    blocks = []
    for number, raw in enumerate(raw_blocks, start=1):
        bid = raw["id"]
        line = id_line(text, bid)
        for key in ("name", "question", "description"):
            problems += _text_problems(
                raw.get(key),
                Msg("blocks.field_of", kind=Msg("kind.block"), id=bid, field=key),
                label,
                line,
            )
        taxonomies = []
        for rt in raw.get("taxonomies") or []:
            tid = rt.get("id", "?")
            tline = id_line(text, tid)
            problems += _text_problems(
                rt.get("name"),
                Msg("blocks.field_of", kind=Msg("kind.taxonomy"), id=tid, field="name"),
                label,
                tline,
            )
            if tid in seen:
                problems.append(
                    Problem(label, tline, Msg("blocks.duplicate_id", id=tid, where=seen[tid]))
                )
            seen[tid] = Msg("blocks.where", kind=Msg("kind.block"), id=bid)
            cats = []
            for rc in rt.get("categories") or []:
                cid = rc.get("id", "?") if isinstance(rc, dict) else "?"
                cline = id_line(text, cid)
                if cid in seen:
                    problems.append(
                        Problem(label, cline, Msg("blocks.duplicate_id", id=cid, where=seen[cid]))
                    )
                seen[cid] = Msg("blocks.where", kind=Msg("kind.taxonomy"), id=tid)
                for key in ("label", "definition"):
                    problems += _text_problems(
                        rc.get(key),
                        Msg("blocks.field_of", kind=Msg("kind.category"), id=cid, field=key),
                        label,
                        cline,
                    )
                extra = {
                    k: v for k, v in rc.items() if k not in ("id", "label", "definition", "example")
                }
                cats.append(
                    Category(
                        cid,
                        bid,
                        tid,
                        rc.get("label") or {},
                        rc.get("definition") or {},
                        rc.get("example") or {},
                        extra,
                    )
                )
            if not cats:
                problems.append(Problem(label, tline, Msg("blocks.no_categories", id=tid)))
            taxonomies.append(Taxonomy(tid, bid, rt.get("name") or {}, tuple(cats)))
        if not taxonomies:
            problems.append(Problem(label, line, Msg("blocks.no_taxonomies", id=bid)))
        extra = {
            k: v
            for k, v in raw.items()
            if k
            not in (
                "id",
                "number",
                "short",
                "group",
                "name",
                "question",
                "description",
                "taxonomies",
            )
        }
        blocks.append(
            Block(
                bid,
                number,
                raw.get("short", ""),
                raw.get("group", ""),
                raw.get("name") or {},
                raw.get("question") or {},
                raw.get("description") or {},
                tuple(taxonomies),
                extra,
            )
        )
    # parents of pricing sub-types must exist in the same taxonomy
    for b in blocks:
        for t in b.taxonomies:
            for c in t.categories:
                parent = c.extra.get("parent")
                if parent is not None and parent not in t.ids:
                    problems.append(
                        Problem(
                            label,
                            id_line(text, c.id),
                            Msg("blocks.parent", id=c.id, error=unknown("category", parent, t.ids)),
                        )
                    )
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
    >>> block("value_proposition")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'value_proposition' is not a block. Did you mean
    'value_propositions'? Blocks are: customer_segments, value_propositions, channels,
    customer_relationships, revenue_streams, key_resources, key_activities, key_partnerships,
    cost_structure.
    """
    for b in blocks():
        if b.id == block_id:
            return b
    raise unknown_id("block", block_id, BLOCK_IDS)


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
        raise unknown_id("taxonomy", taxonomy_id, index)
    return index[taxonomy_id]


def category(category_id: str) -> Category:
    """One category by its (globally unique) id.

    >>> category("self_service").label["ko"]
    '셀프서비스'
    """
    index = _category_index()
    if category_id not in index:
        raise unknown_id("category", category_id, index)
    return index[category_id]


def relationship_types() -> tuple[Category, ...]:
    """The six customer-relationship types, in the book's order.

    >>> [t.id for t in relationship_types()]  # doctest: +NORMALIZE_WHITESPACE
    ['personal_assistance', 'dedicated_personal_assistance', 'self_service', 'automated_services',
     'communities', 'co_creation']
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

    def value_label(self, value: Any, lang: str | None = None) -> str:
        lang = lang_or_session(lang)
        if self.kind == "bool":
            return Msg("attributes.yes" if value else "attributes.no").text(lang)
        return self.value_labels.get(value, {}).get(lang, str(value))


#: the attributes the contract names, in its order (CONTRACT.md section 2); the data file must match
ATTRIBUTE_IDS = (
    "market",
    "customer_count",
    "value_per_customer",
    "decision_complexity",
    "online",
    "uses_behaviour_data",
    "user_generated_value",
    "network_effects",
    "peer_support",
)


def _parse_attributes(
    data: Any, text: str, label: str
) -> tuple[dict[str, Attribute] | None, list[Problem]]:
    if not isinstance(data, dict) or data.get("format") != "bmclib-attributes":
        return None, [Problem(label, 1, Msg("data.wrong_format", format="bmclib-attributes"))]
    if data.get("version") != 1:
        return None, [
            Problem(label, 1, Msg("data.unknown_version", version=repr(data.get("version"))))
        ]
    raw = data.get("attributes")
    if not isinstance(raw, list):
        return None, [Problem(label, 1, Msg("attributes.not_a_list"))]
    problems: list[Problem] = []
    out: dict[str, Attribute] = {}
    for a in raw:
        if not isinstance(a, dict) or not isinstance(a.get("id"), str):
            problems.append(Problem(label, 1, Msg("attributes.entry")))
            continue
        aid, line = a["id"], id_line(text, a["id"])
        if aid not in ATTRIBUTE_IDS:
            problems.append(Problem(label, line, unknown("attribute", aid, ATTRIBUTE_IDS)))
            continue
        kind = a.get("kind")
        if kind not in ("choice", "bool"):
            problems.append(Problem(label, line, Msg("attributes.kind", id=aid, kind=repr(kind))))
            continue
        values = a.get("values")
        if kind == "choice" and (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            problems.append(Problem(label, line, Msg("attributes.values", id=aid)))
            continue
        for key in ("label", "question"):
            problems += _text_problems(
                a.get(key),
                Msg("blocks.field_of", kind=Msg("kind.attribute"), id=aid, field=key),
                label,
                line,
            )
        labels = a.get("value_labels", {})
        if kind == "choice":
            for v in values:
                problems += _text_problems(
                    labels.get(v) if isinstance(labels, dict) else None,
                    Msg("attributes.value_label", id=aid, value=v),
                    label,
                    line,
                )
        out[aid] = Attribute(
            aid,
            kind,
            (False, True) if kind == "bool" else tuple(values),
            a.get("label") or {},
            a.get("question") or {},
            labels if isinstance(labels, dict) else {},
        )
    missing = [i for i in ATTRIBUTE_IDS if i not in out]
    if missing and not problems:
        problems.append(Problem(label, 1, Msg("attributes.missing", ids=", ".join(missing))))
    if problems:
        return None, problems
    return {i: out[i] for i in ATTRIBUTE_IDS}, []


def validate_attributes_file(path: str | Path) -> list[Problem]:
    """Every problem in an attributes file (empty list when it is valid)."""
    data, text, problems = read_json(path)
    if problems:
        return problems
    return _parse_attributes(data, text, str(path))[1]


@cache
def attributes() -> dict[str, Attribute]:
    """The nine case attributes, by id, in contract order.

    >>> list(attributes())[:2]
    ['market', 'customer_count']
    >>> attributes()["value_per_customer"].values
    ('low', 'medium', 'high')
    """
    path = data_path("attributes.json")
    data, text, problems = read_json(path)
    if not problems:
        parsed, problems = _parse_attributes(data, text, str(path))
    if problems:
        raise DataError(problems)
    return parsed
