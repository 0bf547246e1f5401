"""Lesson datasets (``data/datasets/*.csv``), made by ``data/datasets/make_datasets.py`` with a fixed seed.

Each dataset's columns and types are described in ``data/datasets/schema.json``; loading checks them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .errors import DataError, UnknownIdError, unknown
from .paths import data_path
from .problems import Problem, read_csv

KINDS = ("int", "float", "str", "bool", "date")


@cache
def schema() -> dict:
    """``{dataset name: {"description": {...}, "columns": {name: {"type": ..., ...}}}}``."""
    return json.loads(data_path("datasets", "schema.json").read_text(encoding="utf-8"))["datasets"]


def dataset_names() -> list[str]:
    """Names of the shipped lesson datasets."""
    return sorted(schema())


def _check_cell(value: str, spec: dict) -> str | None:
    kind = spec["type"]
    if value == "":
        return None if spec.get("optional") else "empty cell"
    try:
        if kind == "int":
            number = int(value)
        elif kind == "float":
            number = float(value)
        elif kind == "bool":
            if value not in ("true", "false"):
                return f"{value!r} is not true/false"
            return None
        elif kind == "date":
            from datetime import date

            date.fromisoformat(value)
            return None
        else:
            if "values" in spec and value not in spec["values"]:
                return f"{value!r} is not one of {', '.join(spec['values'])}"
            return None
    except ValueError:
        return f"{value!r} is not {'an' if kind == 'int' else 'a'} {kind}"
    if "min" in spec and number < spec["min"]:
        return f"{value} is below the minimum {spec['min']}"
    return None


def check_dataset_file(path: str | Path, name: str | None = None) -> list[Problem]:
    """Every problem in a dataset file, checked against its schema entry."""
    path = Path(path)
    name = name or path.stem
    if name not in schema():
        return [Problem(str(path), 0, unknown("dataset", name, dataset_names()) + " Add it to schema.json.")]
    columns = schema()[name]["columns"]
    table, problems = read_csv(path, tuple(columns))
    if table is None:
        return problems
    for line, row in table.rows:
        for col, spec in columns.items():
            msg = _check_cell(row[col], spec)
            if msg:
                problems.append(Problem(table.source, line, f"column '{col}': {msg}"))
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
        raise UnknownIdError(unknown("dataset", name, dataset_names()))
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
