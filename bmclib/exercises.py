"""Exercise sets: the items students answer (no answers inside, safe for assessments)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .blocks import _taxonomy_index, check_lang, taxonomy
from .cases import Case, read_cases
from .errors import BMCError, DataError, UnknownIdError, did_you_mean, unknown
from .fileio import item_id_problem, set_id_problem
from .paths import data_path
from .problems import Problem, read_csv

ITEM_COLUMNS = ("exercise_set", "item_id", "taxonomy", "company_en", "company_ko", "prompt_en", "prompt_ko")
#: optional: a shipped practice set may link a case of the bank (its text and the advisor's reasons)
OPTIONAL_COLUMNS = ("case_id",)

#: What an item asks the student to do (CONTRACT.md section 9). The column is optional; an empty
#: cell means ``recognise``.
KINDS = ("recognise", "decide", "pitfall", "two_segments")


@dataclass(frozen=True)
class Item:
    """One exercise item: a company, a prompt, and the taxonomy its choices come from.

    ``kind`` says what the item asks: ``recognise`` (name the category a description shows),
    ``decide`` (choose from a segment's facts), ``pitfall`` (say what is wrong with a plan) or
    ``two_segments`` (one of two items on the same company, each about another segment).
    """

    id: str
    taxonomy: str
    company: dict
    prompt: dict
    case_id: str = ""
    kind: str = "recognise"

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
        return pd.DataFrame([{"item_id": i.id, "kind": i.kind, "company": i.company[lang],
                              "prompt": i.prompt[lang]} for i in self.items])

    def kinds(self) -> dict[str, int]:
        """How many items of each kind the set holds, in the order of ``KINDS``.

        >>> load_exercise_set("relationships-practice").kinds()["decide"] > 0
        True
        """
        return {k: sum(1 for i in self.items if i.kind == k) for k in KINDS}


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
    lines: dict[str, int] = {}
    for line, row in table.rows:
        set_id = row["exercise_set"]
        if set_id:
            set_ids.setdefault(set_id, line)
            why = set_id_problem(set_id)
            if why:
                problems.append(Problem(table.source, line,
                                        f"exercise_set '{set_id}' cannot be an exercise set id: {why}"))
        iid = row["item_id"]
        why = item_id_problem(iid) if iid else None
        if why:
            problems.append(Problem(table.source, line, f"item_id {iid!r} cannot be an item id: {why}"))
        if iid in seen:
            problems.append(Problem(table.source, line, f"duplicate item_id '{iid}' (first on line {seen[iid]})"))
        seen.setdefault(iid, line)
        tax = row["taxonomy"]
        if tax and tax not in taxonomies:
            problems.append(Problem(table.source, line, "taxonomy: " + unknown("taxonomy", tax, taxonomies)))
        company = {"en": row["company_en"], "ko": row["company_ko"]}
        prompt = {"en": row["prompt_en"], "ko": row["prompt_ko"]}
        kind = row.get("kind", "") or "recognise"
        if kind not in KINDS:
            problems.append(Problem(table.source, line, f"kind: '{kind}' is not an item kind."
                                    f"{did_you_mean(kind, KINDS)} Kinds are: {', '.join(KINDS)} "
                                    "(an empty cell means recognise)."))
        case_id = row.get("case_id", "")
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
        items.append(Item(iid, tax, company, prompt, case_id, kind))
        lines[iid] = line
    problems += _two_segment_problems(items, lines, table.source)
    if len(set_ids) > 1:
        (a, la), (b, lb) = list(set_ids.items())[:2]
        problems.append(Problem(table.source, lb,
                                f"one file holds one exercise set; found '{a}' (line {la}) and '{b}' (line {lb})"))
    if not items and not problems:
        problems.append(Problem(table.source, 1, "the exercise set has no items"))
    if problems:
        return None, problems
    return ExerciseSet(next(iter(set_ids)), tuple(items), table.source), []


def _two_segment_problems(items: list[Item], lines: dict[str, int], source: str) -> list[Problem]:
    """A ``two_segments`` item needs a partner: another ``two_segments`` item on the same company."""
    problems = []
    pairs = [i for i in items if i.kind == "two_segments"]
    for item in pairs:
        partners = [o for o in pairs if o is not item and o.company["en"] == item.company["en"]]
        if not partners:
            problems.append(Problem(source, lines.get(item.id, 0),
                                    f"two_segments item '{item.id}' needs a second two_segments item on the "
                                    f"same company ('{item.company['en']}'), about its other segment"))
    return problems


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


def is_shipped_set(set_id: str) -> bool:
    """True when bmclib ships a practice key for ``set_id`` (so any student can read that key).

    >>> is_shipped_set("relationships-practice"), is_shipped_set("my-quiz")
    (True, False)
    """
    return data_path("keys", f"{set_id}.csv").is_file()


def refuse_assessment_on_shipped(set_id: str) -> None:
    """Raise ``BMCError`` when ``set_id`` is a shipped practice set: its key ships with the
    package, so one line in a notebook would show a student every answer."""
    if is_shipped_set(set_id):
        raise BMCError(
            f"'{set_id}' is a practice set: its answer key ships with bmclib, so any student can read "
            "it. An assessment needs your own exercise set, whose key only you keep: make one from "
            "your cases with 'bmc new-set my_cases.csv --set my-quiz', give students "
            "exercises/my-quiz.csv and keep keys/my-quiz.csv.")


def write_set_from_cases(cases, set_id: str, out_dir: str | Path, *, case_ids=None) -> tuple[Path, Path]:
    """Write a relationship exercise set and its key from cases (an instructor's own or the bank's).

    Creates ``<out_dir>/exercises/<set_id>.csv``, the file for students: it names no case of the
    bank (fresh item ids ``q01``, ``q02``, ..., no ``case_id``, company and prompt copied in), so
    nothing in it leads to a shipped answer; and ``<out_dir>/keys/<set_id>.csv``, the instructor's
    key (best = each case's primary type, acceptable = its alternatives, explanation = its
    rationale, and the ``case_id`` each item came from). ``case_ids`` picks and orders the cases
    (default: all). Returns both paths; :func:`bank_text_warnings` lists prompts to rewrite.
    """
    import csv

    why = set_id_problem(set_id)
    if why:
        raise BMCError(f"'{set_id}' cannot be an exercise set id: {why}")
    by_id = {c.id: c for c in cases}
    chosen = list(case_ids) if case_ids else list(by_id)
    missing = [c for c in chosen if c not in by_id]
    if missing:
        raise UnknownIdError(unknown("case", missing[0], sorted(by_id)))
    out = Path(out_dir)
    items_path, key_path = out / "exercises" / f"{set_id}.csv", out / "keys" / f"{set_id}.csv"
    items_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(chosen))))
    item_ids = {cid: f"q{n:0{width}d}" for n, cid in enumerate(chosen, start=1)}
    with items_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ITEM_COLUMNS)
        for cid in chosen:
            case = by_id[cid]
            w.writerow([set_id, item_ids[cid], "relationship_types", case.company["en"], case.company["ko"],
                        case.description["en"], case.description["ko"]])
    with key_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["exercise_set", "item_id", "best", "acceptable", "points", "explanation_en", "explanation_ko",
                    "case_id"])
        for cid in chosen:
            case = by_id[cid]
            w.writerow([set_id, item_ids[cid], case.primary, ";".join(case.acceptable), 1, case.rationale["en"],
                        case.rationale["ko"], cid])
    return items_path, key_path


def bank_text_warnings(items_path: str | Path) -> list[Problem]:
    """Warnings for items whose prompt repeats the shipped case bank word for word: a student who
    searches bmclib's own files finds that case, and with it the answer. Rewrite those prompts."""
    ex = load_exercise_set(items_path)
    bank = {}
    for case in read_cases():
        for lang in ("en", "ko"):
            bank[case.description[lang].strip()] = case
    out = []
    for item in ex.items:
        for lang in ("en", "ko"):
            case = bank.get(item.prompt[lang].strip())
            if case is not None:
                out.append(Problem(str(items_path), 0, f"{item.id} ({item.company['en']}): prompt_{lang} is the "
                                   "shipped case bank's own text, so a student can look the case up with its answer; "
                                   "rewrite it in your own words", "warning"))
    return out
