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
notebook and that a comment line written ``#@en ...`` or ``#@ko ...`` appears (as ``# ...``) only in
that language's notebook. ``tags=a,b`` sets cell tags.

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
            current = {
                "type": match[1],
                "tags": match[2].split(",") if match[2] else [],
                "en": [],
                "ko": [],
                "line": number,
            }
            cells.append(current)
            part = "en"
            continue
        if current is None:
            if line.strip():
                raise SystemExit(
                    f"{name}:{number}: text before the first '--- md' or '--- code' line"
                )
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
                raise SystemExit(
                    f"{name}:{c['line']}: a markdown cell needs "
                    "English text and '=== ko' Korean text"
                )
        else:
            en, ko = code_for(en, "en"), code_for(en, "ko").replace('lang="en"', 'lang="ko"')
        out.append({"type": c["type"], "tags": c["tags"], "en": en, "ko": ko})
    return out


COMMENT = re.compile(r"^(\s*)#@(en|ko) ?(.*)$")


def code_for(code: str, lang: str) -> str:
    r"""A code cell's text in one language: its ``#@en``/``#@ko`` comment lines kept only there.

    >>> code_for("#@en Replace ...\n#@ko ...를 바꾸세요\nx = 1", "ko")
    '# ...를 바꾸세요\nx = 1'
    """
    lines = []
    for line in code.splitlines():
        match = COMMENT.match(line)
        if match is None:
            lines.append(line)
        elif match[2] == lang:
            lines.append(f"{match[1]}# {match[3]}")
    return "\n".join(lines)


def to_notebook(cells: list[dict], lang: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
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


def execute(nb: nbformat.NotebookNode) -> None:
    """Run a notebook in a temporary working folder, as the tests' nbval runs do: the stored
    outputs show a learner who has answered nothing yet, no answers of whoever builds are read,
    and nothing is written beside the notebooks."""
    import os
    import tempfile

    from nbclient import NotebookClient

    previous = os.environ.pop("BMC_ANSWERS_DIR", None)
    try:
        with tempfile.TemporaryDirectory(prefix="bmc-build-") as folder:
            NotebookClient(
                nb,
                timeout=120,
                kernel_name="python3",
                resources={"metadata": {"path": folder}},
                record_timing=False,
                store_widget_state=True,
            ).execute()
    finally:
        if previous is not None:
            os.environ["BMC_ANSWERS_DIR"] = previous
    for cell in nb.cells:  # one stream output per name: chunking depends on timing
        merged = []
        for out in cell.get("outputs", []):
            if (
                out["output_type"] == "stream"
                and merged
                and merged[-1]["output_type"] == "stream"
                and merged[-1]["name"] == out["name"]
            ):
                merged[-1]["text"] += out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def stable_widget_ids(text: str, name: str) -> str:
    """Replace the random widget model ids with ids derived from the lesson name and a canonical
    order (cell outputs first, then the models they reference, breadth first), so that re-running
    a lesson changes nothing in git when nothing really changed."""
    import hashlib
    import json
    import re

    nb = json.loads(text)
    models = (
        nb.get("metadata", {})
        .get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
    )
    models = models.get("state", {})
    order: list[str] = []
    queue = [
        o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    refs = {
        m: re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(v, sort_keys=True))
        for m, v in models.items()
    }
    canon_memo: dict[str, str] = {}

    def canon(mid: str) -> str:
        """The model with every reference replaced by the referenced model's canonical form."""
        if mid not in canon_memo:
            canon_memo[mid] = ""  # guards against cycles
            text_ = json.dumps(models.get(mid, {}), sort_keys=True)
            for ref in refs.get(mid, []):
                text_ = text_.replace(ref, canon(ref))
            canon_memo[mid] = re.sub(r"[0-9a-f]{32}", "", text_)
        return canon_memo[mid]

    referenced = {r for rs in refs.values() for r in rs}
    unreached_roots = sorted(
        (m for m in models if m not in referenced and m not in queue), key=canon
    )
    queue += unreached_roots
    while queue:
        mid = queue.pop(0)
        if mid in order:
            continue
        order.append(mid)
        queue += refs.get(mid, [])
    order += sorted((m for m in models if m not in order), key=canon)
    for i, old in enumerate(order):
        text = text.replace(old, hashlib.sha1(f"{name}:{i}".encode()).hexdigest()[:32])
    # re-serialise as nbformat does (sorted keys), so the renamed models sit in a stable order
    return json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False)


def build(name: str, run: bool = True) -> None:
    source = SRC / f"{name}.md"
    cells = parse(source.read_text(encoding="utf-8"), str(source))
    for lang in LANGS:
        folder = HERE / lang
        folder.mkdir(exist_ok=True)
        nb = to_notebook(cells, lang)
        if run:
            start = time.perf_counter()
            execute(nb)
            print(
                f"{lang}/{name}.ipynb ran in {time.perf_counter() - start:.1f} s", file=sys.stderr
            )
        text = stable_widget_ids(nbformat.writes(nb), f"{lang}/{name}") + "\n"
        (folder / f"{name}.ipynb").write_text(text, encoding="utf-8")


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
