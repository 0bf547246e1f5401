"""``bmc validate``: check data files (shipped or an instructor's own) and report ``file:line: message``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .blocks import validate_blocks_file
from .cases import check_cases, read_cases
from .exercises import check_exercise_set
from .fileio import not_regular, read_limited
from .jsonfile import read_json
from .keys import check_key
from .paths import data_dir
from .problems import MAX_DATA_FILE_SIZE, Problem, _csv_reason, decode_utf8


def _csv_kind(path: Path) -> tuple[str | None, list[Problem]]:
    try:
        raw = read_limited(path, MAX_DATA_FILE_SIZE)
    except OSError as exc:
        return None, [Problem(str(path), 0, f"cannot read the file ({exc.strerror or exc})")]
    text, problem = decode_utf8(raw, str(path))
    if problem:
        return None, [problem]
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        return None, [Problem(str(path), 1, f"cannot read the header line ({_csv_reason(exc)})")]
    cols = {h.strip() for h in header}
    if "primary" in cols:
        return "cases", []
    if "best" in cols:
        return "key", []
    if "taxonomy" in cols:
        return "exercises", []
    if path.parent.name == "datasets":
        return "dataset", []
    return None, [Problem(str(path), 1, "not a bmclib CSV: a cases file has a 'primary' column, a key a "
                          "'best' column, an exercise set a 'taxonomy' column")]


def validate_file(path: str | Path, *, cases=None) -> list[Problem]:
    """Every problem in one data file, whatever its kind (found from its content).

    Nothing about one file stops the check of the others: an error that no check foresaw
    becomes that file's problem.
    """
    path = Path(path)
    why = not_regular(path)
    if why:
        return [Problem(str(path), 0, why)]
    try:
        return _validate_file(path, cases=cases)
    except Exception as exc:  # noqa: BLE001 - by place: whatever one file does, it is that file's problem
        return [Problem(str(path), 0, f"cannot check this file ({type(exc).__name__}: {exc})")]


def _validate_file(path: Path, *, cases=None) -> list[Problem]:
    if path.suffix.lower() == ".csv":
        kind, problems = _csv_kind(path)
        if problems:
            return problems
        if kind == "cases":
            return check_cases(path)[1]
        if kind == "key":
            return check_key(path)[1]
        if kind == "exercises":
            return check_exercise_set(path, cases=cases)[1]
        from .datasets import check_dataset_file

        return check_dataset_file(path)
    if path.suffix.lower() == ".json":
        data, _text, problems = read_json(path)
        if problems:
            return problems
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt == "bmclib-blocks":
            return validate_blocks_file(path)
        if fmt == "bmclib-canvas":
            from .canvas import check_canvas_file

            return check_canvas_file(path)
        if fmt == "bmclib-answers":
            from .answers import read_answers
            from .errors import AnswerFileError

            try:
                read_answers(path)
            except AnswerFileError as exc:
                return [Problem(str(path), 0, exc.reason)]
            return []
        if fmt == "bmclib-canvas-rules":
            from .canvas_checks import check_rules_file

            return check_rules_file(path)
        if fmt == "bmclib-charts":
            from .analysis import check_charts_file

            return check_charts_file(path)
        if fmt == "bmclib-ui-text":
            from .widgets.text import check_ui_texts

            return check_ui_texts(data, str(path))
        if fmt == "bmclib-checks":
            from .checks import check_checks_file

            return check_checks_file(path)
        if fmt == "bmclib-advisor-rules":
            from .advisor import check_rules_file

            return check_rules_file(path)
        if fmt in ("bmclib-attributes", "bmclib-dataset-schema"):
            return []  # library-owned files, checked by their loaders when the library starts
        return [Problem(str(path), 1, f"unknown JSON format {fmt!r}; expected bmclib-blocks, bmclib-canvas "
                        "or bmclib-answers")]
    return [Problem(str(path), 0, "not a data file bmclib knows (expected .csv or .json)")]


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if not p.is_dir() and p.suffix.lower() in (".csv", ".json")
                      and not p.name.startswith((".", "_")))
    return [path]


def cross_check_shipped() -> list[Problem]:
    """Consistency between shipped files: every set has a key with the same items."""
    from .exercises import exercise_set_ids, load_exercise_set
    from .keys import load_key

    problems = []
    root = data_dir()
    for set_id in exercise_set_ids():
        key_path = root / "keys" / f"{set_id}.csv"
        if not key_path.is_file():
            problems.append(Problem(str(root / "exercises" / f"{set_id}.csv"), 0,
                                    f"no practice key keys/{set_id}.csv for this exercise set"))
            continue
        items, key = load_exercise_set(set_id), load_key(key_path)
        if key.exercise_set != set_id:
            problems.append(Problem(str(key_path), 2, f"exercise_set is '{key.exercise_set}', expected '{set_id}'"))
        if set(items.item_ids) != set(key.item_ids):
            missing = sorted(set(items.item_ids) - set(key.item_ids))
            extra = sorted(set(key.item_ids) - set(items.item_ids))
            problems.append(Problem(str(key_path), 0, f"key and exercise set differ: missing {missing}, extra {extra}"))
        for item in items.items:
            if item.id in key.item_ids:
                from .blocks import taxonomy

                allowed = set(taxonomy(item.taxonomy).ids)
                k = key.item(item.id)
                explained = [c for lang in ("en", "ko") for c in (k.why_not.get(lang) or {})]
                wrong = list(dict.fromkeys(c for c in [*k.best, *k.acceptable, *explained] if c not in allowed))
                if wrong:
                    problems.append(Problem(str(key_path), 0, f"item '{item.id}': {', '.join(wrong)} not in "
                                            f"taxonomy '{item.taxonomy}'"))
    return problems


def validate_paths(paths: list[str | Path] | None = None) -> list[Problem]:
    """Validate the given files/folders, or all shipped data when ``paths`` is empty."""
    shipped = not paths
    targets = [data_dir()] if shipped else [Path(p) for p in paths]
    problems: list[Problem] = []
    files = []
    for t in targets:
        if not t.exists():
            problems.append(Problem(str(t), 0, "no such file or folder"))
            continue
        files += _files_under(t)
    # an instructor's own cases file in the same run is used to resolve case ids
    own_cases = None
    for f in files:
        if f.suffix == ".csv" and _csv_kind(f)[0] == "cases":
            cases, _ = check_cases(f)
            own_cases = (own_cases or []) + cases
    if own_cases is not None:
        own_cases = list({c.id: c for c in [*read_cases(), *own_cases]}.values())
    for f in files:
        problems += validate_file(f, cases=own_cases)
    if shipped and not problems:
        problems += cross_check_shipped()
    return problems
