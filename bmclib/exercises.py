"""Exercise sets: the items students answer (no answers inside, safe for assessments)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .blocks import _taxonomy_index, taxonomy
from .cases import Case, read_cases
from .errors import BMCError, DataError, unknown, unknown_id
from .fileio import Problem, item_id_problem, read_csv, set_id_problem
from .i18n import Msg, lang_or_session
from .paths import data_path, shipped_or_path

ITEM_COLUMNS = (
    "exercise_set",
    "item_id",
    "taxonomy",
    "company_en",
    "company_ko",
    "prompt_en",
    "prompt_ko",
)
#: optional: a shipped practice set may link a case of the bank (its text and the advisor's reasons)
OPTIONAL_COLUMNS = ("case_id",)
#: the exercise a lesson, the app or a widget opens when none is named
DEFAULT_SET = "relationships-practice"
#: practice: Check with feedback from the practice key; assessment: no key, choices only saved
MODES = ("practice", "assessment")

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

    def choices(self, lang: str | None = None) -> dict[str, str]:
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
        raise unknown_id("item", item_id, [i.id for i in self.items])

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def labels(self, lang: str | None = None) -> dict[str, str]:
        """``{item_id: name}``: each item's company, told apart where two items share one (the two
        segments of one company) by the case bank's name for the item's case, else by a number.

        >>> labels = load_exercise_set("relationships-practice").labels("en")
        >>> labels["netflix"], labels["youtube_viewers"], labels["youtube"]
        ('Netflix', 'YouTube (viewers)', 'YouTube (creators)')
        """
        from collections import Counter

        lang = lang_or_session(lang)
        names = {it.id: it.company[lang] for it in self.items}
        shared = Counter(names.values())
        bank = {c.id: c for c in read_cases()} if any(n > 1 for n in shared.values()) else {}
        seen: Counter = Counter()
        for it in self.items:
            if shared[names[it.id]] > 1:
                case = bank.get(it.case_id)
                if case is not None and case.company[lang] != names[it.id]:
                    names[it.id] = case.company[lang]
                else:
                    seen[names[it.id]] += 1
                    names[it.id] = f"{names[it.id]} ({seen[names[it.id]]})"
        return names

    def to_frame(self, lang: str | None = None):
        """The items as a DataFrame (id, company, prompt) in one language."""
        from .optional import require

        pd = require("pandas", "ExerciseSet.to_frame()")
        lang = lang_or_session(lang)
        return pd.DataFrame(
            [
                {
                    "item_id": i.id,
                    "kind": i.kind,
                    "company": i.company[lang],
                    "prompt": i.prompt[lang],
                }
                for i in self.items
            ]
        )

    def kinds(self) -> dict[str, int]:
        """How many items of each kind the set holds, in the order of ``KINDS``.

        >>> load_exercise_set("relationships-practice").kinds()
        {'recognise': 16, 'decide': 7, 'pitfall': 6, 'two_segments': 4}
        """
        return {k: sum(1 for i in self.items if i.kind == k) for k in KINDS}


def check_exercise_set(
    source: str | Path | bytes, *, name: str | None = None, cases: list[Case] | None = None
) -> tuple[ExerciseSet | None, list[Problem]]:
    """Read an exercise-set CSV; return it (or None) and every problem found."""
    table, problems = read_csv(
        source, ITEM_COLUMNS, name=name, required_cells=("exercise_set", "item_id", "taxonomy")
    )
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
                problems.append(
                    Problem(table.source, line, Msg("data.bad_set_id", id=set_id, why=why))
                )
        iid = row["item_id"]
        why = item_id_problem(iid) if iid else None
        if why:
            problems.append(
                Problem(table.source, line, Msg("data.bad_item_id", id=repr(iid), why=why))
            )
        if iid in seen:
            problems.append(
                Problem(table.source, line, Msg("data.duplicate_item", id=iid, first=seen[iid]))
            )
        seen.setdefault(iid, line)
        tax = row["taxonomy"]
        if tax and tax not in taxonomies:
            problems.append(
                Problem(
                    table.source,
                    line,
                    Msg(
                        "data.in_column",
                        column="taxonomy",
                        error=unknown("taxonomy", tax, taxonomies),
                    ),
                )
            )
        company = {"en": row["company_en"], "ko": row["company_ko"]}
        prompt = {"en": row["prompt_en"], "ko": row["prompt_ko"]}
        kind = row.get("kind", "") or "recognise"
        if kind not in KINDS:
            problems.append(
                Problem(
                    table.source,
                    line,
                    Msg(
                        "data.in_column",
                        column="kind",
                        error=Msg("exercises.bad_kind", error=unknown("item kind", kind, KINDS)),
                    ),
                )
            )
        case_id = row.get("case_id", "")
        if case_id:
            if case_id not in by_case:
                problems.append(
                    Problem(
                        table.source,
                        line,
                        Msg(
                            "data.in_column",
                            column="case_id",
                            error=unknown("case", case_id, sorted(by_case)),
                        ),
                    )
                )
                continue
            case = by_case[case_id]
            company = {k: company[k] or case.company[k] for k in company}
            prompt = {k: prompt[k] or case.description[k] for k in prompt}
        for lang in ("en", "ko"):
            if not prompt[lang]:
                problems.append(
                    Problem(
                        table.source, line, Msg("exercises.empty_prompt", column=f"prompt_{lang}")
                    )
                )
        items.append(Item(iid, tax, company, prompt, case_id, kind))
        lines[iid] = line
    problems += _two_segment_problems(items, lines, table.source)
    if len(set_ids) > 1:
        (a, la), (b, lb) = list(set_ids.items())[:2]
        problems.append(
            Problem(table.source, lb, Msg("exercises.two_sets", a=a, la=la, b=b, lb=lb))
        )
    if not items and not problems:
        problems.append(Problem(table.source, 1, Msg("exercises.no_items")))
    if problems:
        return None, problems
    return ExerciseSet(next(iter(set_ids)), tuple(items), table.source), []


def _two_segment_problems(items: list[Item], lines: dict[str, int], source: str) -> list[Problem]:
    """A ``two_segments`` item needs a partner: another ``two_segments`` item on the same
    company."""
    problems = []
    pairs = [i for i in items if i.kind == "two_segments"]
    for item in pairs:
        partners = [o for o in pairs if o is not item and o.company["en"] == item.company["en"]]
        if not partners:
            problems.append(
                Problem(
                    source,
                    lines.get(item.id, 0),
                    Msg("exercises.lonely_pair", id=item.id, company=item.company),
                )
            )
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
    path = shipped_or_path(set_or_path, "exercises")
    if cases is None and path.parent == data_path("exercises") and path.stem == str(set_or_path):
        return _shipped_set(path.stem)
    ex, problems = check_exercise_set(path, cases=read_cases(cases) if cases else None)
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
        raise BMCError(Msg("exercises.practice_only", set=set_id))


def write_set_from_cases(
    cases, set_id: str, out_dir: str | Path, *, case_ids=None, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write a relationship exercise set and its key from cases (an instructor's own or the bank's).

    Creates ``<out_dir>/exercises/<set_id>.csv``, the file for students: it names no case of the
    bank (fresh item ids ``q01``, ``q02``, ..., no ``case_id``, company and prompt copied in), so
    nothing in it leads to a shipped answer; and ``<out_dir>/keys/<set_id>.csv``, the instructor's
    key (best = each case's primary type, acceptable = its alternatives, explanation = its
    rationale, and the ``case_id`` each item came from). ``case_ids`` picks and orders the cases
    (default: all). Returns both paths; :func:`bank_text_warnings` lists prompts to rewrite.

    An existing items file or key is never replaced (a key may hold the instructor's edits) unless
    ``overwrite``; both files are written whole or not at all.
    """
    import csv
    import io

    from .fileio import write_atomic

    why = set_id_problem(set_id)
    if why:
        raise BMCError(Msg("exercises.bad_set_id", id=set_id, why=why))
    by_id = {c.id: c for c in cases}
    chosen = list(case_ids) if case_ids else list(by_id)
    missing = [c for c in chosen if c not in by_id]
    if missing:
        raise unknown_id("case", missing[0], sorted(by_id))
    out = Path(out_dir)
    items_path, key_path = out / "exercises" / f"{set_id}.csv", out / "keys" / f"{set_id}.csv"
    existing = [p for p in (items_path, key_path) if p.exists() or p.is_symlink()]
    if existing and not overwrite:
        raise BMCError(Msg("exercises.exists", path=str(existing[-1])))
    width = max(2, len(str(len(chosen))))
    item_ids = {cid: f"q{n:0{width}d}" for n, cid in enumerate(chosen, start=1)}
    items, key = io.StringIO(), io.StringIO()
    w = csv.writer(items, lineterminator="\n")
    w.writerow(ITEM_COLUMNS)
    for cid in chosen:
        case = by_id[cid]
        w.writerow(
            [
                set_id,
                item_ids[cid],
                "relationship_types",
                case.company["en"],
                case.company["ko"],
                case.description["en"],
                case.description["ko"],
            ]
        )
    w = csv.writer(key, lineterminator="\n")
    w.writerow(
        [
            "exercise_set",
            "item_id",
            "best",
            "acceptable",
            "points",
            "explanation_en",
            "explanation_ko",
            "case_id",
        ]
    )
    for cid in chosen:
        case = by_id[cid]
        w.writerow(
            [
                set_id,
                item_ids[cid],
                case.primary,
                ";".join(case.acceptable),
                1,
                case.rationale["en"],
                case.rationale["ko"],
                cid,
            ]
        )
    write_atomic(items_path, items.getvalue())
    write_atomic(key_path, key.getvalue())
    return items_path, key_path


def bank_text_warnings(items_path: str | Path) -> list[Problem]:
    """Warnings for items whose prompt repeats the shipped case bank word for word: a student who
    searches bmclib's own files finds that case, and with it the answer. Rewrite those prompts."""
    ex = load_exercise_set(items_path)
    bank, companies = {}, {}
    for case in read_cases():
        for lang in ("en", "ko"):
            bank[case.description[lang].strip()] = case
            companies[_plain(case.company[lang])] = case
    out = []
    for item in ex.items:
        for lang in ("en", "ko"):
            case = bank.get(item.prompt[lang].strip())
            if case is not None:
                out.append(
                    Problem(
                        str(items_path),
                        0,
                        Msg(
                            "exercises.bank_text",
                            id=item.id,
                            company=item.company,
                            column=f"prompt_{lang}",
                        ),
                        "warning",
                    )
                )
        if any(_plain(item.company[lang]) in companies for lang in ("en", "ko")):
            out.append(
                Problem(
                    str(items_path),
                    0,
                    Msg("exercises.bank_company", id=item.id, company=item.company),
                    "warning",
                )
            )
    return out


def _plain(name: str) -> str:
    """A company name compared loosely: case, spaces and punctuation ignored."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())
