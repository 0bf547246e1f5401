"""Problems found in files, printed the way compilers print them: ``file:line: message``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .fileio import read_limited

#: data files (cases, keys, exercise sets, canvases) larger than this are refused, never read whole
MAX_DATA_FILE_SIZE = 50 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file. ``line`` is 1-based; 0 means the whole file.

    >>> print(Problem("k.csv", 3, "'x' is in both best and acceptable", "warning"))
    k.csv:3: warning: 'x' is in both best and acceptable
    """

    file: str
    line: int
    message: str
    #: "error" (the file cannot be used) or "warning" (it can, but look at this)
    severity: str = field(default="error", repr=False)

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        return f"{self.file}:{self.line}: {message}" if self.line else f"{self.file}: {message}"


def decode_utf8(data: bytes, source: str) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (a leading byte-order mark is allowed), or explain where it fails.

    >>> decode_utf8("a,b\\n".encode(), "x.csv")
    ('a,b\\n', None)
    >>> text, problem = decode_utf8("a\\n\\xe9".encode("latin-1"), "x.csv")
    >>> print(problem)
    x.csv:2: not UTF-8 text (byte 0xe9 cannot be decoded); save the file as UTF-8 (in Excel: 'CSV UTF-8')
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        return None, Problem(
            source,
            line,
            f"not UTF-8 text (byte 0x{byte:02x} cannot be decoded); "
            "save the file as UTF-8 (in Excel: 'CSV UTF-8')",
        )


def _csv_reason(exc: BaseException) -> str:
    """The csv module's complaint in plain words (its field limit, above all)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell longer than {csv.field_size_limit():,} characters; is a closing quote missing?"
    return text or type(exc).__name__


@dataclass
class CsvTable:
    """Rows of a CSV file with the line each row starts on."""

    source: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


def read_csv(
    source: str | Path | bytes,
    required: tuple[str, ...],
    *,
    name: str | None = None,
    required_cells: tuple[str, ...] = (),
) -> tuple[CsvTable | None, list[Problem]]:
    """Read a CSV file strictly; return the table and every problem found.

    Checks encoding, required columns, ragged rows and empty required cells.
    Blank lines are skipped. Cell values are stripped of surrounding spaces.

    >>> table, problems = read_csv(b"id,name\\na,\\n", ("id", "name"), name="t.csv",
    ...                            required_cells=("name",))
    >>> [str(p) for p in problems]
    ["t.csv:2: empty cell in required column 'name'"]
    """
    if isinstance(source, bytes):
        data, label = source, name or "<data>"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            data = read_limited(path, MAX_DATA_FILE_SIZE)
        except OSError as exc:
            return None, [Problem(label, 0, f"cannot read the file ({exc.strerror or exc})")]
    text, problem = decode_utf8(data, label)
    if problem:
        return None, [problem]
    if not text.strip():
        return None, [Problem(label, 1, "the file is empty; expected a header line: " + ",".join(required))]
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration) as exc:
        return None, [Problem(label, 1, f"cannot read the header line ({_csv_reason(exc)})")]
    missing = [c for c in required if c not in header]
    if missing:
        return None, [
            Problem(
                label,
                1,
                f"missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)}; the header must contain: {','.join(required)}",
            )
        ]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(Problem(label, 1, f"column {', '.join(map(repr, dupes))} appears more than once"))
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(label, start, f"cannot read this row ({_csv_reason(exc)})"))
            break
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(
                Problem(label, line, f"{len(cells)} cells but the header has {len(header)} columns; "
                        "is a comma inside a cell missing its quotes?")
            )
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        for col in required_cells:
            if not row.get(col):
                problems.append(Problem(label, line, f"empty cell in required column '{col}'"))
        rows.append((line, row))
    return CsvTable(label, header, rows), problems
