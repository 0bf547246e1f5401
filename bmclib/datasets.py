"""Lesson datasets (``data/datasets/*.csv``), made by ``data/datasets/make_datasets.py`` with a
fixed seed.

Each dataset's columns and types are described in ``data/datasets/schema.json``; loading checks
them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import DataError, unknown, unknown_id
from .fileio import Problem, id_line, line_of, read_csv, read_json
from .i18n import Msg
from .paths import data_path

KINDS = ("int", "float", "str", "bool", "date")
_COLUMN_KEYS = ("type", "description", "optional", "min", "values")


def _parse_schema(data: object, text: str, label: str) -> tuple[dict | None, list[Problem]]:
    """Check a datasets schema: every dataset has en/ko descriptions and columns whose ``type`` is
    one of :data:`KINDS` (a typo such as ``integer`` must not silently turn a column's check
    off)."""
    if not isinstance(data, dict) or data.get("format") != "bmclib-dataset-schema":
        return None, [Problem(label, 1, Msg("data.wrong_format", format="bmclib-dataset-schema"))]
    if data.get("version") != 1:
        return None, [
            Problem(label, 1, Msg("data.unknown_version", version=repr(data.get("version"))))
        ]
    datasets = data.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        return None, [Problem(label, line_of(text, '"datasets"'), Msg("datasets.no_datasets"))]
    problems: list[Problem] = []
    for name, spec in datasets.items():
        line = line_of(text, f'"{name}"')
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("columns"), dict)
            or not spec["columns"]
        ):
            problems.append(Problem(label, line, Msg("datasets.no_columns", dataset=name)))
            continue
        desc = spec.get("description")
        if not (
            isinstance(desc, dict)
            and all(isinstance(desc.get(k), str) and desc[k].strip() for k in ("en", "ko"))
        ):
            problems.append(
                Problem(
                    label, line, Msg("data.needs_en_ko", where=Msg("datasets.where", dataset=name))
                )
            )
        for col, cspec in spec["columns"].items():
            cline = id_line(text, col) if f'"{col}"' in text else line
            where = Msg("datasets.column_where", dataset=name, column=col)
            if not isinstance(cspec, dict):
                problems.append(Problem(label, cline, Msg("datasets.column_object", where=where)))
                continue
            if cspec.get("type") not in KINDS:
                problems.append(
                    Problem(
                        label,
                        cline,
                        Msg(
                            "datasets.bad_type",
                            where=where,
                            error=unknown("format", cspec.get("type"), KINDS),
                        ),
                    )
                )
            extra = sorted(set(cspec) - set(_COLUMN_KEYS))
            if extra:
                problems.append(
                    Problem(
                        label,
                        cline,
                        Msg(
                            "datasets.unknown_keys",
                            where=where,
                            keys=", ".join(extra),
                            allowed=", ".join(_COLUMN_KEYS),
                        ),
                    )
                )
            d = cspec.get("description")
            if not (
                isinstance(d, dict)
                and all(isinstance(d.get(k), str) and d[k].strip() for k in ("en", "ko"))
            ):
                problems.append(Problem(label, cline, Msg("data.needs_en_ko", where=where)))
            if "min" in cspec and (
                isinstance(cspec["min"], bool) or not isinstance(cspec["min"], (int, float))
            ):
                problems.append(Problem(label, cline, Msg("datasets.bad_min", where=where)))
            if "values" in cspec and (not isinstance(cspec["values"], list) or not cspec["values"]):
                problems.append(Problem(label, cline, Msg("datasets.bad_values", where=where)))
    return (None if problems else datasets), problems


def check_schema_file(path: str | Path) -> list[Problem]:
    """Every problem in a datasets schema file (``data/datasets/schema.json``).

    >>> check_schema_file(data_path("datasets", "schema.json"))
    []
    """
    data, text, problems = read_json(path)
    return problems or _parse_schema(data, text, str(path))[1]


@cache
def schema() -> dict:
    """``{dataset name: {"description": {...}, "columns": {name: {"type": ..., ...}}}}``
    (checked)."""
    path = data_path("datasets", "schema.json")
    data, text, problems = read_json(path)
    if not problems:
        parsed, problems = _parse_schema(data, text, str(path))
    if problems:
        raise DataError(problems)
    return parsed


def dataset_names() -> list[str]:
    """Names of the shipped lesson datasets."""
    return sorted(schema())


def _check_cell(value: str, spec: dict) -> Msg | None:
    kind = spec["type"]
    if value == "":
        return None if spec.get("optional") else Msg("datasets.empty_cell")
    try:
        if kind == "int":
            number = int(value)
        elif kind == "float":
            number = float(value)
        elif kind == "bool":
            if value not in ("true", "false"):
                return Msg("datasets.not_bool", value=repr(value))
            return None
        elif kind == "date":
            from datetime import date

            date.fromisoformat(value)
            return None
        else:
            if "values" in spec and value not in spec["values"]:
                return Msg(
                    "datasets.not_one_of", value=repr(value), values=", ".join(spec["values"])
                )
            return None
    except ValueError:
        return Msg("datasets.not_type", value=repr(value), type=Msg(f"datasets.type_{kind}"))
    if "min" in spec and number < spec["min"]:
        return Msg("datasets.below_min", value=value, min=spec["min"])
    return None


def check_dataset_file(path: str | Path, name: str | None = None) -> list[Problem]:
    """Every problem in a dataset file, checked against its schema entry."""
    path = Path(path)
    name = name or path.stem
    if name not in schema():
        return [
            Problem(
                str(path),
                0,
                Msg("datasets.unknown", error=unknown("dataset", name, dataset_names())),
            )
        ]
    columns = schema()[name]["columns"]
    table, problems = read_csv(path, tuple(columns))
    if table is None:
        return problems
    for line, row in table.rows:
        for col, spec in columns.items():
            msg = _check_cell(row[col], spec)
            if msg:
                problems.append(
                    Problem(table.source, line, Msg("datasets.in_column", column=col, error=msg))
                )
    return problems


def load_dataset(name: str):
    """A lesson dataset as a pandas DataFrame, checked against its schema.

    >>> df = load_dataset("customers")
    >>> {"customer_id", "revenue"} <= set(df.columns)
    True
    """
    from .optional import require

    pd = require("pandas", "load_dataset()")
    if name not in schema():
        raise unknown_id("dataset", name, dataset_names())
    path = data_path("datasets", f"{name}.csv")
    problems = check_dataset_file(path, name)
    if problems:
        raise DataError(problems)
    columns = schema()[name]["columns"]
    frame = pd.read_csv(path)
    for col, spec in columns.items():
        if spec["type"] == "date":
            frame[col] = pd.to_datetime(frame[col])
        elif spec["type"] == "bool":
            frame[col] = frame[col].astype(bool)
        elif spec["type"] == "int" and spec.get("optional"):
            frame[col] = frame[col].astype("Int64")
    return frame
