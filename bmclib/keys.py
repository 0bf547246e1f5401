"""Answer keys (CONTRACT.md section 4): instructor-owned CSV files, validated strictly."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .blocks import _category_index
from .errors import DataError, did_you_mean, unknown_id
from .fileio import (
    ID_PATTERN,
    Problem,
    item_id_problem,
    normalise_id,
    read_csv,
    set_id_problem,
    split_ids,
)
from .i18n import Msg
from .paths import shipped_or_path

KEY_COLUMNS = ("exercise_set", "item_id", "best")
#: points as a spreadsheet writes them: digits with at most 6 decimals (no 1e3, no 1_000)
POINTS = re.compile(r"[0-9]*\.?[0-9]{1,6}|[0-9]+\.?")
MAX_TOTAL_POINTS = 1e9
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
    #: warnings found while reading the key (it is usable; print them for the instructor)
    warnings: tuple = field(default=(), compare=False, repr=False)

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
        found = self._index.get(normalise_id(item_id))
        if found is not None:
            return self.item(found)
        raise unknown_id("item", item_id, self.item_ids)

    @cached_property
    def _index(self) -> dict[str, str]:
        """``{normalise_id(item id): item id}``: how answers find their item."""
        return {normalise_id(i): i for i in self.item_ids}

    @cached_property
    def _plain(self) -> bool:
        return all(n == i for n, i in self._index.items())

    def match(
        self, answers: Mapping[str, str]
    ) -> tuple[dict[str, str], tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The answers to this key's items, keyed by the key's own item ids; item ids are compared
        as :func:`~bmclib.fileio.normalise_id` does (Unicode forms, width, case and invisible
        characters set aside), so a key written with ``é`` in one Unicode form matches answers
        saved in the other. Also returns the answer ids that name no item (sorted) and the
        ``(item, id)`` pairs where one answer sheet names an item twice in two spellings.

        >>> key = Key("s", (KeyItem("Q1", ("self_service",)), KeyItem("q2", ("communities",))))
        >>> key.match({"q1": "self_service", "Q2": "x", "zz": "y"})
        ({'Q1': 'self_service', 'q2': 'x'}, ('zz',), ())
        """
        index = self._index
        if self._plain and answers.keys() <= index.keys():
            return dict(answers), (), ()
        out: dict[str, str] = {}
        ignored, clashes = [], []
        for given, choice in answers.items():
            item = index.get(given) or index.get(normalise_id(given))
            if item is None:
                ignored.append(given)
            elif item in out:
                clashes.append((item, given))
            else:
                out[item] = choice
        return out, tuple(sorted(ignored)), tuple(clashes)


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


def _why_not_problems(
    row: dict, source: str, line: int, known, best, acceptable
) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    parsed = {}
    for lang in ("en", "ko"):
        entries, bad = parse_why_not(row.get(f"why_not_{lang}", ""))
        for text in bad:
            problems.append(
                Problem(
                    source,
                    line,
                    Msg("keys.why_not_unreadable", column=f"why_not_{lang}", text=repr(text[:40])),
                )
            )
        for cid in entries:
            if cid not in known:
                problems.append(
                    Problem(
                        source,
                        line,
                        Msg(
                            "data.in_column",
                            column=f"why_not_{lang}",
                            error=Msg(
                                "keys.not_a_choice", choice=cid, suggestion=did_you_mean(cid, known)
                            ),
                        ),
                    )
                )
            elif cid in best:
                problems.append(
                    Problem(
                        source, line, Msg("keys.why_not_best", column=f"why_not_{lang}", choice=cid)
                    )
                )
        parsed[lang] = entries
    if set(parsed["en"]) != set(parsed["ko"]):
        only = sorted(set(parsed["en"]) ^ set(parsed["ko"]))
        problems.append(Problem(source, line, Msg("keys.why_not_mismatch", only=", ".join(only))))
    return (parsed if any(parsed.values()) else {}), problems


def check_key(
    source: str | Path | bytes, *, name: str | None = None
) -> tuple[Key | None, list[Problem]]:
    """Read a key CSV; return the key (or None) and every problem found.

    The key is None exactly when an error-level problem was found; warnings (a choice listed
    in both ``best`` and ``acceptable``: best wins) come with a usable key, which keeps them
    in ``Key.warnings``.

    >>> key, problems = check_key(b"exercise_set,item_id,best,acceptable,points\\n"
    ...                           b"s,netflix,automated_service,,1\\n", name="k.csv")
    >>> print(problems[0].text("en"))  # doctest: +NORMALIZE_WHITESPACE
    k.csv:2: best: 'automated_service' is not a choice id. Did you mean 'automated_services'?
    See the block taxonomies in data/blocks.json.
    >>> key, problems = check_key(b"exercise_set,item_id,best,acceptable\\n"
    ...                           b"my-quiz,harbor-bank,self_service,self_service;communities\\n",
    ...                           name="k.csv")
    >>> key.item("harbor-bank").acceptable
    ('communities',)
    >>> print(*[p.text("en") for p in problems])
    k.csv:2: warning: 'self_service' is listed in both best and acceptable; best counts
    """
    table, problems = read_csv(
        source, KEY_COLUMNS, name=name, required_cells=KEY_COLUMNS, raw_columns=("item_id",)
    )
    if table is None:
        return None, problems
    known = _category_index()
    sets: dict[str, int] = {}
    seen: dict[str, int] = {}
    same: dict[str, tuple[str, int]] = {}  # normalise_id(item id) -> (item id, line)
    items = []
    for line, row in table.rows:
        bad = any(not row[c] for c in KEY_COLUMNS)
        set_id = row["exercise_set"]
        if set_id:
            sets.setdefault(set_id, line)
            why = set_id_problem(set_id)
            if why:
                problems.append(
                    Problem(table.source, line, Msg("data.bad_set_id", id=set_id, why=why))
                )
                bad = True
        iid = row["item_id"]
        why = item_id_problem(iid) if iid else None
        if why:
            problems.append(
                Problem(table.source, line, Msg("data.bad_item_id", id=repr(iid), why=why))
            )
            bad = True
        if iid in seen:
            problems.append(
                Problem(table.source, line, Msg("data.duplicate_item", id=iid, first=seen[iid]))
            )
            bad = True
        elif iid and not why and normalise_id(iid) in same:
            other, first = same[normalise_id(iid)]
            # é and é: show the codes
            show = repr if repr(iid) != repr(other) and iid.isprintable() else ascii
            problems.append(
                Problem(
                    table.source,
                    line,
                    Msg("keys.same_item", id=show(iid), other=show(other), first=first),
                )
            )
            bad = True
        seen.setdefault(iid, line)
        if iid and not why:
            same.setdefault(normalise_id(iid), (iid, line))
        best, acceptable = split_ids(row["best"]), split_ids(row.get("acceptable", ""))
        for col, ids in (("best", best), ("acceptable", acceptable)):
            for cid in ids:
                if cid not in known:
                    problems.append(
                        Problem(
                            table.source,
                            line,
                            Msg(
                                "data.in_column",
                                column=col,
                                error=Msg(
                                    "keys.not_a_choice_see",
                                    choice=cid,
                                    suggestion=did_you_mean(cid, known),
                                ),
                            ),
                        )
                    )
                    bad = True
        for cid in [c for c in acceptable if c in best]:
            problems.append(
                Problem(table.source, line, Msg("keys.best_and_acceptable", choice=cid), "warning")
            )
            acceptable.remove(cid)
        raw_points = row.get("points", "")
        points = 1.0
        if raw_points:
            points = float(raw_points) if POINTS.fullmatch(raw_points) else math.nan
            if not (points > 0 and math.isfinite(points)):
                problems.append(
                    Problem(table.source, line, Msg("keys.bad_points", points=repr(raw_points)))
                )
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
        problems.append(Problem(table.source, lb, Msg("keys.two_sets", a=a, la=la, b=b, lb=lb)))
    if not table.rows and not problems:
        problems.append(Problem(table.source, 1, Msg("keys.no_items")))
    total = sum(i.points for i in items)
    if items and not (math.isfinite(total) and total <= MAX_TOTAL_POINTS):
        problems.append(
            Problem(table.source, 1, Msg("keys.total_too_large", limit=f"{MAX_TOTAL_POINTS:g}"))
        )
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Key(next(iter(sets)), tuple(items), table.source, tuple(problems)), problems


def load_key(path: str | Path) -> Key:
    """Load and validate an answer key; a shipped practice key may be named by set id.

    Raises ``DataError`` listing every problem as ``file:line: message``.

    >>> key = load_key("relationships-practice")
    >>> key.exercise_set
    'relationships-practice'
    >>> load_key("relationship-practice")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'relationship-practice' is not an exercise set. Did you mean ...
    """
    key, problems = check_key(shipped_or_path(path, "keys"))
    if key is None:
        raise DataError(problems)
    return key
