"""Exercise sets: the items students answer (no answers inside, safe for assessments)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .blocks import _taxonomy_index, check_lang, taxonomy
from .cases import ID_PATTERN, Case, read_cases
from .errors import DataError, UnknownIdError, unknown
from .paths import data_path
from .problems import Problem, read_csv

ITEM_COLUMNS = ("exercise_set", "item_id", "taxonomy", "case_id", "company_en", "company_ko",
                "prompt_en", "prompt_ko")


@dataclass(frozen=True)
class Item:
    """One exercise item: a company, a prompt, and the taxonomy its choices come from."""

    id: str
    taxonomy: str
    company: dict
    prompt: dict
    case_id: str = ""

    def choices(self, lang: str = "en") -> dict[str, str]:
        """``{choice id: label}`` for this item, in data order."""
        return taxonomy(self.taxonomy).labels(lang)


@dataclass(frozen=True)
class ExerciseSet:
    """A named list of items, e.g. ``relationships-practice``."""

    id: str
    items: tuple[Item, ...]
    source: str = ""

    def __repr__(self) -> str:
        return f"ExerciseSet({self.id!r}, {len(self.items)} items)"

    def __len__(self) -> int:
        return len(self.items)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise UnknownIdError(unknown("item", item_id, [i.id for i in self.items]))

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def to_frame(self, lang: str = "en"):
        """The items as a DataFrame (id, company, prompt) in one language."""
        from .optional import require

        pd = require("pandas", "ExerciseSet.to_frame()")
        check_lang(lang)
        return pd.DataFrame([{"item_id": i.id, "company": i.company[lang], "prompt": i.prompt[lang]}
                             for i in self.items])


def check_exercise_set(
    source: str | Path | bytes, *, name: str | None = None, cases: list[Case] | None = None
) -> tuple[ExerciseSet | None, list[Problem]]:
    """Read an exercise-set CSV; return it (or None) and every problem found."""
    table, problems = read_csv(source, ITEM_COLUMNS, name=name,
                               required_cells=("exercise_set", "item_id", "taxonomy"))
    if table is None:
        return None, problems
    by_case = {c.id: c for c in (cases if cases is not None else read_cases())}
    taxonomies = _taxonomy_index()
    set_ids: dict[str, int] = {}
    seen: dict[str, int] = {}
    items: list[Item] = []
    for line, row in table.rows:
        if row["exercise_set"]:
            set_ids.setdefault(row["exercise_set"], line)
        iid = row["item_id"]
        if iid and not ID_PATTERN.match(iid):
            problems.append(Problem(table.source, line, f"item_id '{iid}' must be lower-case letters, digits and '_'"))
        if iid in seen:
            problems.append(Problem(table.source, line, f"duplicate item_id '{iid}' (first on line {seen[iid]})"))
        seen.setdefault(iid, line)
        tax = row["taxonomy"]
        if tax and tax not in taxonomies:
            problems.append(Problem(table.source, line, "taxonomy: " + unknown("taxonomy", tax, taxonomies)))
        company = {"en": row["company_en"], "ko": row["company_ko"]}
        prompt = {"en": row["prompt_en"], "ko": row["prompt_ko"]}
        case_id = row["case_id"]
        if case_id:
            if case_id not in by_case:
                problems.append(Problem(table.source, line, "case_id: " + unknown("case", case_id, sorted(by_case))))
                continue
            case = by_case[case_id]
            company = {k: company[k] or case.company[k] for k in company}
            prompt = {k: prompt[k] or case.description[k] for k in prompt}
        for lang in ("en", "ko"):
            if not prompt[lang]:
                problems.append(Problem(table.source, line,
                                        f"empty cell in column 'prompt_{lang}' (needed when case_id is empty)"))
        items.append(Item(iid, tax, company, prompt, case_id))
    if len(set_ids) > 1:
        (a, la), (b, lb) = list(set_ids.items())[:2]
        problems.append(Problem(table.source, lb,
                                f"one file holds one exercise set; found '{a}' (line {la}) and '{b}' (line {lb})"))
    if not items and not problems:
        problems.append(Problem(table.source, 1, "the exercise set has no items"))
    if problems:
        return None, problems
    return ExerciseSet(next(iter(set_ids)), tuple(items), table.source), []


def exercise_set_ids() -> list[str]:
    """Ids of the shipped exercise sets.

    >>> "relationships-practice" in exercise_set_ids()
    True
    """
    return sorted(p.stem for p in data_path("exercises").glob("*.csv"))


@cache
def _shipped_set(set_id: str) -> ExerciseSet:
    ex, problems = check_exercise_set(data_path("exercises", f"{set_id}.csv"))
    if problems:
        raise DataError(problems)
    return ex


def load_exercise_set(set_or_path: str | Path, *, cases: str | Path | None = None) -> ExerciseSet:
    """A shipped exercise set by id, or an instructor's own file by path.

    >>> s = load_exercise_set("relationships-practice")
    >>> len(s) >= 16
    True
    """
    text = str(set_or_path)
    if not text.endswith(".csv") and "/" not in text and "\\" not in text:
        if text not in exercise_set_ids():
            raise UnknownIdError(unknown("exercise set", text, exercise_set_ids()))
        if cases is None:
            return _shipped_set(text)
        set_or_path = data_path("exercises", f"{text}.csv")
    ex, problems = check_exercise_set(set_or_path, cases=read_cases(cases) if cases else None)
    if problems:
        raise DataError(problems)
    return ex


def write_set_from_cases(cases, set_id: str, out_dir: str | Path, *, case_ids=None) -> tuple[Path, Path]:
    """Write a relationship exercise set and its key from cases (an instructor's own or the bank's).

    Creates ``<out_dir>/exercises/<set_id>.csv`` (no answers in it) and ``<out_dir>/keys/<set_id>.csv``
    (best = each case's primary type, acceptable = its alternatives, explanation = its rationale).
    ``case_ids`` picks and orders the cases (default: all). Company names and descriptions are
    copied into the items file, so cases that are not in the shipped bank work too. Returns both paths.
    """
    import csv

    by_id = {c.id: c for c in cases}
    chosen = list(case_ids) if case_ids else list(by_id)
    missing = [c for c in chosen if c not in by_id]
    if missing:
        raise UnknownIdError(unknown("case", missing[0], sorted(by_id)))
    out = Path(out_dir)
    items_path, key_path = out / "exercises" / f"{set_id}.csv", out / "keys" / f"{set_id}.csv"
    items_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    shipped = {c.id for c in read_cases()}
    with items_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ITEM_COLUMNS)
        for cid in chosen:
            case = by_id[cid]
            # Company and prompt are written out, so the set also works for cases that are not in
            # the shipped bank; case_id links a shipped case (its attributes feed the advisor).
            w.writerow([set_id, cid, "relationship_types", cid if cid in shipped else "",
                        case.company["en"], case.company["ko"], case.description["en"], case.description["ko"]])
    with key_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["exercise_set", "item_id", "best", "acceptable", "points", "explanation_en", "explanation_ko"])
        for cid in chosen:
            case = by_id[cid]
            w.writerow([set_id, cid, case.primary, ";".join(case.acceptable), 1, case.rationale["en"],
                        case.rationale["ko"]])
    return items_path, key_path
