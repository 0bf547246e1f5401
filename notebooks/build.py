"""Build the lesson notebooks in English and Korean from one source per lesson, and run them.

Each lesson lives in ``notebooks/src/<name>.md``, a plain-text file of cells:

    --- md
    English markdown ...
    === ko
    Korean markdown ...
    --- code
    bmc.block("channels")
    --- code tags=raises-exception
    bmc.block("chanels")

A markdown cell holds the English text, then ``=== ko`` and the Korean text. A code cell is
the same in both languages, except that ``lang="en"`` becomes ``lang="ko"`` in the Korean
notebook. ``tags=a,b`` sets cell tags.

Usage::

    python notebooks/build.py                 # write and execute every lesson
    python notebooks/build.py 04_customer_relationships --no-execute
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
LANGS = ("en", "ko")
HEADER = re.compile(r"^--- (md|code)(?:\s+tags=(\S+))?\s*$")


def parse(text: str, name: str = "<source>") -> list[dict]:
    """Split a lesson source into cells: ``{"type", "tags", "en", "ko"}`` (code: same text)."""
    cells: list[dict] = []
    current = None
    part = "en"
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADER.match(line)
        if match:
            current = {"type": match[1], "tags": match[2].split(",") if match[2] else [], "en": [], "ko": [],
                       "line": number}
            cells.append(current)
            part = "en"
            continue
        if current is None:
            if line.strip():
                raise SystemExit(f"{name}:{number}: text before the first '--- md' or '--- code' line")
            continue
        if line.strip() == "=== ko":
            if current["type"] != "md":
                raise SystemExit(f"{name}:{number}: '=== ko' belongs in a markdown cell")
            part = "ko"
            continue
        current[part].append(line)
    out = []
    for c in cells:
        en = "\n".join(c["en"]).strip("\n")
        if c["type"] == "md":
            ko = "\n".join(c["ko"]).strip("\n")
            if not en or not ko:
                raise SystemExit(f"{name}:{c['line']}: a markdown cell needs English text and '=== ko' Korean text")
        else:
            ko = en.replace('lang="en"', 'lang="ko"')
        out.append({"type": c["type"], "tags": c["tags"], "en": en, "ko": ko})
    return out


def to_notebook(cells: list[dict], lang: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, c in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if c["type"] == "md" else nbformat.v4.new_code_cell
        cell = make(c[lang])
        cell.id = f"c{i:03d}"
        if c["tags"]:
            cell.metadata["tags"] = c["tags"]
        nb.cells.append(cell)
    return nb


def execute(nb: nbformat.NotebookNode, folder: Path) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                            record_timing=False, store_widget_state=True)
    client.execute()


def build(name: str, run: bool = True) -> None:
    source = SRC / f"{name}.md"
    cells = parse(source.read_text(encoding="utf-8"), str(source))
    for lang in LANGS:
        folder = HERE / lang
        folder.mkdir(exist_ok=True)
        nb = to_notebook(cells, lang)
        if run:
            start = time.perf_counter()
            execute(nb, folder)
            print(f"{lang}/{name}.ipynb ran in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        nbformat.write(nb, folder / f"{name}.ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="lesson names (default: all in notebooks/src)")
    parser.add_argument("--no-execute", action="store_true")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in SRC.glob("*.md"))
    for name in names:
        build(name, run=not args.no_execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
