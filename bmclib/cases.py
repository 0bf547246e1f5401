"""The case bank: real companies with the attributes the advisor reads and a reference answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from .blocks import attributes, relationship_types
from .errors import BMCError, DataError, unknown, unknown_id
from .fileio import ID_PATTERN, Problem, read_csv, split_ids
from .i18n import Msg
from .paths import data_path

TEXT_COLUMNS = (
    "id",
    "company_en",
    "company_ko",
    "country",
    "industry_en",
    "industry_ko",
    "description_en",
    "description_ko",
)
#: ``checked`` is the ISO date (YYYY-MM-DD) on which the case's facts were last checked against its
#: sources; the shipped bank fills it for every case, an instructor's own file may leave it empty.
ANSWER_COLUMNS = ("primary", "acceptable", "rationale_en", "rationale_ko", "checked", "source")
OPTIONAL_CELLS = ("acceptable", "checked")
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


#: columns a cases file may leave out altogether (an instructor's own file need not date its facts)
OPTIONAL_COLUMNS = ("checked",)


def case_columns(*, required: bool = False) -> tuple[str, ...]:
    """The columns of a cases file in the shipped order; ``required=True`` leaves out the optional
    ones."""
    columns = TEXT_COLUMNS + tuple(attributes()) + ANSWER_COLUMNS
    return tuple(c for c in columns if c not in OPTIONAL_COLUMNS) if required else columns


def parse_attribute(name: str, raw: Any) -> Any:
    """Check one attribute value and return it typed (bools from true/false/yes/no/1/0).

    >>> parse_attribute("online", "TRUE")
    True
    >>> parse_attribute("market", "b2g")
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: attribute 'market' cannot be 'b2g'; allowed values: b2b, b2c
    """
    specs = attributes()
    if name not in specs:
        raise unknown_id("attribute", name, specs)
    spec = specs[name]
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise BMCError(
            Msg("cases.bad_value", attribute=name, value=repr(raw), allowed="true, false")
        )
    if raw not in spec.values:
        raise BMCError(
            Msg("cases.bad_value", attribute=name, value=repr(raw), allowed=", ".join(spec.values))
        )
    return raw


def parse_iso_date(text: str) -> date:
    """An ISO calendar date ``YYYY-MM-DD``; anything else raises ``ValueError`` saying so.

    >>> parse_iso_date("2025-11-03")
    datetime.date(2025, 11, 3)
    >>> parse_iso_date("3/11/2025")
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: '3/11/2025' is not a date written as YYYY-MM-DD (e.g. 2025-11-03)
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise BMCError(Msg("cases.bad_date", text=repr(text)))
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BMCError(Msg("cases.not_a_date", text=repr(text))) from None


@dataclass(frozen=True)
class Case:
    """One company in the case bank."""

    id: str
    company: dict
    country: str
    industry: dict
    description: dict
    attrs: dict
    primary: str
    acceptable: tuple[str, ...]
    rationale: dict
    source: str
    checked: date | None = None

    def __repr__(self) -> str:
        return f"Case({self.id!r}, {self.company['en']!r}, primary={self.primary!r})"


def check_cases(
    source: str | Path | bytes, *, name: str | None = None
) -> tuple[list[Case], list[Problem]]:
    """Read a cases CSV and return the valid cases and every problem found."""
    columns = case_columns(required=True)
    required_cells = tuple(c for c in columns if c not in OPTIONAL_CELLS)
    table, problems = read_csv(source, columns, name=name, required_cells=required_cells)
    if table is None:
        return [], problems
    type_ids = [t.id for t in relationship_types()]
    first_line: dict[str, int] = {}
    cases: list[Case] = []
    for line, row in table.rows:
        bad = False
        cid = row["id"]
        if cid and not ID_PATTERN.match(cid):
            problems.append(Problem(table.source, line, Msg("cases.bad_id", id=cid)))
            bad = True
        if cid in first_line:
            problems.append(
                Problem(table.source, line, Msg("data.duplicate_id", id=cid, first=first_line[cid]))
            )
            bad = True
        first_line.setdefault(cid, line)
        attrs = {}
        for attr in attributes():
            if not row[attr]:
                bad = True
                continue
            try:
                attrs[attr] = parse_attribute(attr, row[attr])
            except BMCError as exc:
                problems.append(Problem(table.source, line, exc.msg))
                bad = True
        primary = row["primary"]
        if primary and primary not in type_ids:
            problems.append(
                Problem(
                    table.source,
                    line,
                    Msg(
                        "data.in_column",
                        column="primary",
                        error=unknown("relationship type", primary, type_ids),
                    ),
                )
            )
            bad = True
        acceptable = split_ids(row["acceptable"])
        for alt in acceptable:
            if alt not in type_ids:
                problems.append(
                    Problem(
                        table.source,
                        line,
                        Msg(
                            "data.in_column",
                            column="acceptable",
                            error=unknown("relationship type", alt, type_ids),
                        ),
                    )
                )
                bad = True
            elif alt == primary:
                problems.append(
                    Problem(table.source, line, Msg("cases.acceptable_is_primary", type=alt))
                )
                bad = True
        if len(set(acceptable)) != len(acceptable):
            problems.append(Problem(table.source, line, Msg("cases.acceptable_twice")))
            bad = True
        checked = None
        raw_checked = row.get("checked", "")
        if raw_checked:
            try:
                checked = parse_iso_date(raw_checked)
            except BMCError as exc:
                problems.append(
                    Problem(
                        table.source, line, Msg("data.in_column", column="checked", error=exc.msg)
                    )
                )
                bad = True
        if bad or any(not row[c] for c in required_cells):
            continue
        cases.append(
            Case(
                cid,
                {"en": row["company_en"], "ko": row["company_ko"]},
                row["country"],
                {"en": row["industry_en"], "ko": row["industry_ko"]},
                {"en": row["description_en"], "ko": row["description_ko"]},
                attrs,
                primary,
                tuple(acceptable),
                {"en": row["rationale_en"], "ko": row["rationale_ko"]},
                row["source"],
                checked,
            )
        )
    return cases, problems


def read_cases(path: str | Path | None = None) -> list[Case]:
    """All cases of a cases file (the shipped bank by default); raise DataError if any is
    invalid."""
    if path is None:
        return list(_shipped_cases())
    cases, problems = check_cases(path)
    if problems:
        raise DataError(problems)
    return cases


@cache
def _shipped_cases() -> tuple[Case, ...]:
    cases, problems = check_cases(data_path("cases.csv"))
    if problems:
        raise DataError(problems)
    return tuple(cases)


def load_cases(path: str | Path | None = None):
    """The case bank as a pandas DataFrame, one row per company.

    Attribute columns are typed (booleans are ``bool``); ``checked`` (the day the case's facts
    were last checked) is a datetime column, empty where a file does not say. An instructor's own
    file goes through the same checks: any problem raises ``DataError`` naming file and line.

    >>> import bmclib as bmc
    >>> cases = bmc.load_cases()
    >>> cases.loc[cases["id"] == "bank_salad", "company_ko"].item()
    '뱅크샐러드'
    >>> cases.loc[cases["id"] == "bank_salad", "primary"].item()
    'automated_services'
    """
    from .optional import require

    pd = require("pandas", "load_cases()")
    rows = []
    for c in read_cases(path):
        row = {
            "id": c.id,
            "company_en": c.company["en"],
            "company_ko": c.company["ko"],
            "country": c.country,
            "industry_en": c.industry["en"],
            "industry_ko": c.industry["ko"],
            "description_en": c.description["en"],
            "description_ko": c.description["ko"],
        }
        row.update(c.attrs)
        row.update(
            {
                "primary": c.primary,
                "acceptable": ";".join(c.acceptable),
                "rationale_en": c.rationale["en"],
                "rationale_ko": c.rationale["ko"],
                "checked": c.checked,
                "source": c.source,
            }
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(case_columns()))
    frame["checked"] = pd.to_datetime(frame["checked"])
    for attr, spec in attributes().items():
        if spec.kind == "bool":
            frame[attr] = frame[attr].astype(bool)
    return frame


def get_case(case_id: str, path: str | Path | None = None) -> Case:
    """One case by id, with a did-you-mean for a typo.

    >>> get_case("netflix").primary
    'automated_services'
    """
    cases = {c.id: c for c in read_cases(path)}
    if case_id not in cases:
        raise unknown_id("case", case_id, sorted(cases))
    return cases[case_id]
