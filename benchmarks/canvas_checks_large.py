"""Speed of the canvas checks on large canvases (a breaker's finding: a 1.7 MB canvas of 9 x 20,000
notes took 252 s in ``bmc canvas grade``, 9 x 5,000 took 195 s in ``check_canvas``).

Times, in one run:
- ``bmc canvas grade`` end to end on a hostile 9 x 5,000-note canvas (refused with a problem row:
  the figure is how fast it is refused);
- ``check_canvas`` on a canvas at the limits (200 notes in every block, every infrastructure note
  unlinked: the worst case for ``unlinked_infrastructure``);
- on a canvas of 50 notes a block, the checks with the word index against the baseline: the same
  rule as first written (each note compared with every other; at the limits it takes minutes).

Target: the hostile canvas refused in well under a second; the canvas at the limits checked in
about a second, many times faster than the pairwise baseline.
Run: ``python benchmarks/canvas_checks_large.py``.
"""

import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import bmclib.canvas_checks as checks
from bmclib.blocks import BLOCK_IDS
from bmclib.canvas import Canvas
from bmclib.cli import main as bmc_main


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def unlinked(per_block: int) -> Canvas:
    blocks = {
        b: [
            f"blk{k}x{i} part{k}y{i} thing{k}z{i} {chr(0xAC00 + 1000 * k + i)}집 "
            f"{chr(0xAC00 + 1000 * k + 500 + i)}방"
            for i in range(per_block)
        ]
        for k, b in enumerate(BLOCK_IDS)
    }
    return Canvas("limits", "en", blocks)


def pairwise(canvas, report) -> None:
    for block_id in checks._INFRASTRUCTURE:
        others = [n for b, n in canvas.notes() if b != block_id]
        for note in canvas[block_id]:
            if not any(checks._linked(note.text, o.text) for o in others):
                report.add("unlinked_infrastructure", [block_id], note=note.text, block="")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        doc = {
            "format": "bmclib-canvas",
            "version": 1,
            "title": "big",
            "blocks": {b: [f"n{i}" for i in range(5000)] for b in BLOCK_IDS},
        }
        (folder / "big.json").write_text(json.dumps(doc), encoding="utf-8")
        args = ["canvas", "grade", str(folder), "--out", str(folder / "g.csv"), "--quiet"]
        with contextlib.redirect_stderr(io.StringIO()) as err:
            refused = timed(lambda: bmc_main(args))
        print(f"bmc canvas grade, 9 x 5,000 notes: {refused:.2f} s ({err.getvalue().strip()})")

    canvas = unlinked(checks.MAX_NOTES_PER_BLOCK)
    chars = sum(len(n.text) for _b, n in canvas.notes())
    found = []
    took = timed(lambda: found.extend(checks.check_canvas(canvas)))
    count = sum(f.rule == "unlinked_infrastructure" for f in found)
    print(
        f"check_canvas at the limits ({len(canvas.notes())} notes, {chars:,} characters, "
        f"{count} unlinked): {took:.2f} s"
    )
    small = unlinked(50)
    fast = timed(lambda: checks.check_canvas(small))
    real = checks._check_infrastructure
    checks._check_infrastructure = pairwise
    try:
        slow = timed(lambda: checks.check_canvas(small))
    finally:
        checks._check_infrastructure = real
    print(
        f"check_canvas, 50 notes a block: {fast:.3f} s; pairwise baseline {slow:.3f} s; "
        f"ratio {fast / slow:.3f}"
    )


if __name__ == "__main__":
    main()
