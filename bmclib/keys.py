"""Answer keys (CONTRACT.md section 4): instructor-owned CSV files, validated strictly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .blocks import _category_index
from .cases import ID_PATTERN, split_ids
from .errors import DataError, UnknownIdError, unknown
from .paths import data_path
from .problems import Problem, read_csv

KEY_COLUMNS = ("exercise_set", "item_id", "best")
#: Optional columns with per-choice feedback: one line per wrong choice, ``choice_id: why it does
#: not fit`` (the fact that rules it out), shown when a student picks that choice.
WHY_NOT_COLUMNS = ("why_not_en", "why_not_ko")


@dataclass(frozen=True)
class KeyItem:
    """The reference answer for one item."""

    item_id: str
    best: tuple[str, ...]
    acceptable: tuple[str, ...] = ()
    points: float = 1.0
    explanation: dict = field(default_factory=dict)
    why_not: dict = field(default_factory=dict)  # {"en": {choice: text}, "ko": {...}}

    def why_not_text(self, choice: str | None, lang: str) -> str:
        """Why ``choice`` does not fit this item, in one language ("" if the key does not say)."""
        return (self.why_not.get(lang) or {}).get(choice or "", "")


@dataclass(frozen=True)
class Key:
    """An answer key for one exercise set; ``items`` keeps the file's order."""

    exercise_set: str
    items: tuple[KeyItem, ...]
    source: str = ""

    def __repr__(self) -> str:
        return f"Key({self.exercise_set!r}, {len(self.items)} items, max_score={self.max_score:g})"

    def __len__(self) -> int:
        return len(self.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.item_id for i in self.items)

    @property
    def max_score(self) -> float:
        return sum(i.points for i in self.items)

    def item(self, item_id: str) -> KeyItem:
        for it in self.items:
            if it.item_id == item_id:
                return it
        raise UnknownIdError(unknown("item", item_id, self.item_ids))


def parse_why_not(cell: str) -> tuple[dict[str, str], list[str]]:
    """Split a why-not cell into ``{choice id: text}``; also return the lines that do not parse.

    >>> parse_why_not("self_service: Buyers compare for months.\\ncommunities: Firms compete.")
    ({'self_service': 'Buyers compare for months.', 'communities': 'Firms compete.'}, [])
    >>> parse_why_not("no colon here")
    ({}, ['no colon here'])
    """
    out: dict[str, str] = {}
    bad = []
    for raw in (cell or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        cid, sep, text = line.partition(":")
        cid, text = cid.strip(), text.strip()
        if not sep or not ID_PATTERN.match(cid) or not text:
            bad.append(line)
            continue
        out[cid] = text
    return out, bad


def _why_not_problems(row: dict, source: str, line: int, known, best, acceptable) -> tuple[dict, list[Problem]]:
    from .errors import did_you_mean

    problems: list[Problem] = []
    parsed = {}
    for lang in ("en", "ko"):
        entries, bad = parse_why_not(row.get(f"why_not_{lang}", ""))
        for text in bad:
            problems.append(Problem(source, line, f"why_not_{lang}: cannot read {text[:40]!r}; write one line "
                                    "per choice as 'choice_id: why it does not fit'"))
        for cid in entries:
            if cid not in known:
                problems.append(Problem(source, line, f"why_not_{lang}: '{cid}' is not a choice id."
                                        f"{did_you_mean(cid, known)}"))
            elif cid in best:
                problems.append(Problem(source, line, f"why_not_{lang}: '{cid}' is a best answer; "
                                        "why_not explains the choices that do not fit"))
        parsed[lang] = entries
    if set(parsed["en"]) != set(parsed["ko"]):
        only = sorted(set(parsed["en"]) ^ set(parsed["ko"]))
        problems.append(Problem(source, line, "why_not_en and why_not_ko must explain the same choices; "
                                f"only one of them has: {', '.join(only)}"))
    return (parsed if any(parsed.values()) else {}), problems


def check_key(source: str | Path | bytes, *, name: str | None = None) -> tuple[Key | None, list[Problem]]:
    """Read a key CSV; return the key (or None) and every problem found.

    >>> key, problems = check_key(b"exercise_set,item_id,best,acceptable,points\\n"
    ...                           b"s,netflix,automated_service,,1\\n", name="k.csv")
    >>> print(problems[0])
    k.csv:2: best: 'automated_service' is not a choice id. Did you mean 'automated_services'? See the block taxonomies in data/blocks.json.
    """
    table, problems = read_csv(source, KEY_COLUMNS, name=name, required_cells=KEY_COLUMNS)
    if table is None:
        return None, problems
    known = _category_index()
    sets: dict[str, int] = {}
    seen: dict[str, int] = {}
    items = []
    for line, row in table.rows:
        bad = any(not row[c] for c in KEY_COLUMNS)
        if row["exercise_set"]:
            sets.setdefault(row["exercise_set"], line)
        iid = row["item_id"]
        if iid and not ID_PATTERN.match(iid):
            problems.append(Problem(table.source, line, f"item_id '{iid}' must be lower-case letters, digits and '_'"))
            bad = True
        if iid in seen:
            problems.append(Problem(table.source, line, f"duplicate item_id '{iid}' (first on line {seen[iid]})"))
            bad = True
        seen.setdefault(iid, line)
        best, acceptable = split_ids(row["best"]), split_ids(row.get("acceptable", ""))
        for col, ids in (("best", best), ("acceptable", acceptable)):
            for cid in ids:
                if cid not in known:
                    from .errors import did_you_mean

                    problems.append(Problem(table.source, line, f"{col}: '{cid}' is not a choice id."
                                            f"{did_you_mean(cid, known)} See the block taxonomies in data/blocks.json."))
                    bad = True
        both = sorted(set(best) & set(acceptable))
        if both:
            problems.append(Problem(table.source, line, f"'{both[0]}' is listed in both best and acceptable"))
            bad = True
        raw_points = row.get("points", "")
        points = 1.0
        if raw_points:
            try:
                points = float(raw_points)
            except ValueError:
                points = math.nan
            if not (points > 0 and math.isfinite(points)):
                problems.append(Problem(table.source, line, f"points must be a positive number, not {raw_points!r}"))
                bad = True
        why_not, why_problems = _why_not_problems(row, table.source, line, known, best, acceptable)
        if why_problems:
            problems += why_problems
            bad = True
        if not bad:
            expl = {"en": row.get("explanation_en", ""), "ko": row.get("explanation_ko", "")}
            items.append(KeyItem(iid, tuple(best), tuple(acceptable), points, expl, why_not))
    if len(sets) > 1:
        (a, la), (b, lb) = list(sets.items())[:2]
        problems.append(Problem(table.source, lb,
                                f"a key holds one exercise set; found '{a}' (line {la}) and '{b}' (line {lb})"))
    if not table.rows and not problems:
        problems.append(Problem(table.source, 1, "the key has no items"))
    if problems:
        return None, problems
    return Key(next(iter(sets)), tuple(items), table.source), []


def load_key(path: str | Path) -> Key:
    """Load and validate an answer key; a shipped practice key may be named by set id.

    Raises ``DataError`` listing every problem as ``file:line: message``.

    >>> key = load_key("relationships-practice")
    >>> key.exercise_set
    'relationships-practice'
    """
    text = str(path)
    if not text.endswith(".csv") and "/" not in text and "\\" not in text:
        shipped = data_path("keys", f"{text}.csv")
        if shipped.is_file():
            path = shipped
    key, problems = check_key(path)
    if problems:
        raise DataError(problems)
    return key
