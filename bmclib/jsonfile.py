"""Reading JSON data files with problems that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .fileio import read_limited
from .problems import MAX_DATA_FILE_SIZE, Problem, decode_utf8


def read_json(source: str | Path | bytes, *, name: str | None = None) -> tuple[Any, str, list[Problem]]:
    """Return ``(data, text, problems)``; ``data`` is None when the file is unusable."""
    if isinstance(source, bytes):
        raw, label = source, name or "<data>"
    else:
        label = name or str(source)
        try:
            raw = read_limited(source, MAX_DATA_FILE_SIZE)
        except OSError as exc:
            return None, "", [Problem(label, 0, f"cannot read the file ({exc.strerror or exc})")]
    text, problem = decode_utf8(raw, label)
    if problem:
        return None, "", [problem]
    try:
        return json.loads(text), text, []
    except json.JSONDecodeError as exc:
        return None, text, [Problem(label, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")]
    except RecursionError:
        return None, text, [Problem(label, 1, "not valid JSON: lists or objects nested too deeply")]
    except ValueError as exc:  # e.g. a number of more than 4300 digits
        reason = "a number with too many digits" if "digits" in str(exc) else str(exc)
        return None, text, [Problem(label, 1, f"not valid JSON: {reason}")]
    except MemoryError:
        return None, text, [Problem(label, 1, "not valid JSON: too large to read")]


def line_of(text: str, *needles: str) -> int:
    """The 1-based line where the first of ``needles`` occurs in ``text`` (1 if none does).

    >>> line_of('{\\n  "id": "a",\\n  "id": "b"\\n}', '"id": "b"')
    3
    """
    for needle in needles:
        pos = text.find(needle)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1
    return 1


def id_line(text: str, ident: str) -> int:
    """The line of ``"id": "<ident>"`` in a JSON text (spacing-tolerant for the common forms)."""
    return line_of(text, f'"id": "{ident}"', f'"id":"{ident}"', f'"{ident}"')
