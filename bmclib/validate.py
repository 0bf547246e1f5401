"""``bmc validate``: check data files (shipped or an instructor's own) and report
``file:line: message``.

Every data file the library reads has a checker here; the kind of a file is found from its content
(a CSV's header, a JSON file's ``format``), never from its name alone.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .cases import check_cases, read_cases
from .exercises import check_exercise_set
from .fileio import (
    MAX_DATA_FILE_SIZE,
    Problem,
    _csv_reason,
    cannot_read,
    decode_utf8,
    not_regular,
    read_json,
    read_limited,
    walk_files,
)
from .i18n import Msg
from .inputs import is_set_aside
from .keys import check_key
from .paths import data_dir


def _json_checkers() -> dict[str, Callable[[Path, object], list[Problem]]]:
    """``{format: checker(path, parsed data)}`` for every JSON file bmclib knows."""
    from .advisor import check_rules_file as advisor_rules
    from .analysis import check_charts_file
    from .blocks import validate_attributes_file, validate_blocks_file
    from .canvas import check_canvas_file
    from .canvas_checks import check_rules_file as canvas_rules
    from .checks import check_checks_file
    from .datasets import check_schema_file
    from .i18n import check_messages

    def answers(path: Path, _data) -> list[Problem]:
        from .answers import read_answers
        from .errors import AnswerFileError

        try:
            read_answers(path)
        except AnswerFileError as exc:
            return [Problem(str(path), 0, exc.msg)]
        return []

    return {
        "bmclib-blocks": lambda p, _d: validate_blocks_file(p),
        "bmclib-attributes": lambda p, _d: validate_attributes_file(p),
        "bmclib-canvas": lambda p, _d: check_canvas_file(p),
        "bmclib-answers": answers,
        "bmclib-canvas-rules": lambda p, _d: canvas_rules(p),
        "bmclib-charts": lambda p, _d: check_charts_file(p),
        "bmclib-messages": lambda p, d: check_messages(d, str(p)),
        "bmclib-checks": lambda p, _d: check_checks_file(p),
        "bmclib-advisor-rules": lambda p, _d: advisor_rules(p),
        "bmclib-dataset-schema": lambda p, _d: check_schema_file(p),
    }


def _csv_kind(path: Path) -> tuple[str | None, list[Problem]]:
    try:
        raw = read_limited(path, MAX_DATA_FILE_SIZE)
    except OSError as exc:
        return None, [cannot_read(str(path), exc)]
    text, problem = decode_utf8(raw, str(path))
    if problem:
        return None, [problem]
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        return None, [Problem(str(path), 1, Msg("csv.bad_header", reason=_csv_reason(exc)))]
    cols = {h.strip() for h in header}
    if "primary" in cols:
        return "cases", []
    if "best" in cols:
        return "key", []
    if "taxonomy" in cols:
        return "exercises", []
    if "criterion" in cols:
        return "rubric", []
    if path.parent.name == "datasets":
        return "dataset", []
    return None, [Problem(str(path), 1, Msg("validate.unknown_csv"))]


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
        return [
            Problem(str(path), 0, Msg("validate.crashed", reason=f"{type(exc).__name__}: {exc}"))
        ]


def _validate_file(path: Path, *, cases=None) -> list[Problem]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        kind, problems = _csv_kind(path)
        if problems:
            return problems
        if kind == "cases":
            return check_cases(path)[1]
        if kind == "key":
            return check_key(path)[1]
        if kind == "exercises":
            return check_exercise_set(path, cases=cases)[1]
        if kind == "rubric":
            from .canvas_grading import check_rubric_file

            return check_rubric_file(path)
        from .datasets import check_dataset_file

        return check_dataset_file(path)
    if suffix == ".json":
        data, _text, problems = read_json(path)
        if problems:
            return problems
        checkers = _json_checkers()
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt in checkers:
            return checkers[fmt](path, data)
        return [
            Problem(
                str(path),
                1,
                Msg("validate.unknown_json", format=repr(fmt), known=", ".join(checkers)),
            )
        ]
    return [Problem(str(path), 0, Msg("validate.unknown_file"))]


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            Path(p)
            for p in walk_files(path)
            if os.path.splitext(p)[1].lower() in (".csv", ".json")
            and not os.path.basename(p).startswith((".", "_"))
            and not is_set_aside(os.path.basename(p))
        )
    return [path]


def cross_check_shipped() -> list[Problem]:
    """Consistency between shipped files: every set has a key with the same items."""
    from .blocks import taxonomy
    from .exercises import exercise_set_ids, load_exercise_set
    from .keys import load_key

    problems = []
    root = data_dir()
    for set_id in exercise_set_ids():
        key_path = root / "keys" / f"{set_id}.csv"
        if not key_path.is_file():
            problems.append(
                Problem(
                    str(root / "exercises" / f"{set_id}.csv"),
                    0,
                    Msg("validate.no_practice_key", set=set_id),
                )
            )
            continue
        items, key = load_exercise_set(set_id), load_key(key_path)
        if key.exercise_set != set_id:
            problems.append(
                Problem(
                    str(key_path),
                    2,
                    Msg("validate.key_set", found=key.exercise_set, expected=set_id),
                )
            )
        if set(items.item_ids) != set(key.item_ids):
            missing = sorted(set(items.item_ids) - set(key.item_ids))
            extra = sorted(set(key.item_ids) - set(items.item_ids))
            problems.append(
                Problem(
                    str(key_path),
                    0,
                    Msg(
                        "validate.key_items",
                        missing=", ".join(missing) or "-",
                        extra=", ".join(extra) or "-",
                    ),
                )
            )
        for item in items.items:
            if item.id in key.item_ids:
                allowed = set(taxonomy(item.taxonomy).ids)
                k = key.item(item.id)
                explained = [c for lang in ("en", "ko") for c in (k.why_not.get(lang) or {})]
                wrong = list(
                    dict.fromkeys(
                        c for c in [*k.best, *k.acceptable, *explained] if c not in allowed
                    )
                )
                if wrong:
                    problems.append(
                        Problem(
                            str(key_path),
                            0,
                            Msg(
                                "validate.not_in_taxonomy",
                                item=item.id,
                                choices=", ".join(wrong),
                                taxonomy=item.taxonomy,
                            ),
                        )
                    )
    return problems


@dataclass
class Validation:
    """The problems ``bmc validate`` found (:class:`~bmclib.fileio.Problem`) and how many files it
    read."""

    files: int = 0
    problems: list = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        """Every problem, one per line, or ``OK: N files checked``."""
        if self.problems:
            return "\n".join(p.text(lang) for p in self.problems)
        return (
            Msg("validate.ok_one") if self.files == 1 else Msg("validate.ok", files=self.files)
        ).text(lang)


def validate(paths: list[str | Path] | None = None) -> Validation:
    """Validate the given files/folders, or all shipped data when ``paths`` is empty."""
    shipped = not paths
    targets = [data_dir()] if shipped else [Path(p) for p in paths]
    result = Validation()
    files = []
    for t in targets:
        if not t.exists() and not t.is_symlink():
            result.problems.append(Problem(str(t), 0, Msg("os.enoent")))
            continue
        files += _files_under(t)
    # an instructor's own cases file in the same run is used to resolve case ids
    own_cases = None
    for f in files:
        if f.suffix.lower() == ".csv" and not not_regular(f) and _csv_kind(f)[0] == "cases":
            cases, _ = check_cases(f)
            own_cases = (own_cases or []) + cases
    if own_cases is not None:
        own_cases = list({c.id: c for c in [*read_cases(), *own_cases]}.values())
    for f in files:
        result.problems += validate_file(f, cases=own_cases)
    result.files = len(files)
    if shipped and not result.problems:
        result.problems += cross_check_shipped()
    return result


def validate_paths(paths: list[str | Path] | None = None) -> list[Problem]:
    """The problems in the given files/folders (all shipped data when ``paths`` is empty)."""
    return validate(paths).problems
