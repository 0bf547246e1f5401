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


@dataclass(frozen=True)
class KeyItem:
    """The reference answer for one item."""

    item_id: str
    best: tuple[str, ...]
    acceptable: tuple[str, ...] = ()
    points: float = 1.0
    explanation: dict = field(default_factory=dict)


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
        if not bad:
            expl = {"en": row.get("explanation_en", ""), "ko": row.get("explanation_ko", "")}
            items.append(KeyItem(iid, tuple(best), tuple(acceptable), points, expl))
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
