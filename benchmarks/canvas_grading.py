"""Speed of ``bmc canvas grade`` and ``bmc canvas gallery`` on a class of canvases, measured in one
run.

Makes N canvas files (default 200) from the shipped example canvases, each with one to three
notes removed (so the checks find something), then times
- the baseline: read every file and run ``check_canvas`` on it (the work grading cannot avoid);
- ``bmc canvas grade`` end to end in this process (``bmclib.cli.main``): inputs, rubric, CSV;
- ``bmc canvas gallery`` end to end (one PNG per canvas and the page), and ``save_canvas`` alone
  on the same canvases, with the same blocks framed, as its baseline.

Targets: grading within 1.5x its baseline; the gallery within 1.2x drawing the pictures alone
(CPU time: drawing takes long enough for other work on a shared machine to skew wall time).
Run: ``python benchmarks/canvas_grading.py [--files 200] [--gallery 50]`` (drawing is the slow
part: about 0.25-0.7 s a canvas on the 2-core test machine, depending on its load).
"""

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import matplotlib

from bmclib.canvas import Canvas
from bmclib.canvas_checks import check_canvas
from bmclib.cli import main as bmc_main
from bmclib.gallery import DPI
from bmclib.paths import data_path

matplotlib.use("Agg")


def make_class(folder: Path, n_files: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    examples = [Canvas.load(p) for p in sorted(data_path("canvases").glob("*.json"))]
    folder.mkdir(parents=True)
    paths = []
    for i in range(n_files):
        doc = examples[i % len(examples)].to_dict()
        for _ in range(rng.randint(1, 3)):
            notes = doc["blocks"][rng.choice(sorted(doc["blocks"]))]
            if notes:
                notes.pop(rng.randrange(len(notes)))
        doc.update(
            student_id=f"s{i:05d}",
            student_name=f"Student {i}",
            saved_at="2026-11-27T10:00:00+09:00",
        )
        path = folder / f"s{i:05d}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds: on a shared machine the CPU time compares two slow runs more fairly."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument(
        "--gallery", type=int, default=50, help="canvases in the gallery run (0: skip it)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = make_class(root / "class", args.files)
        out = str(root / "grades.csv")

        def base():
            for p in paths:
                check_canvas(Canvas.load(p))

        base()  # warm the file cache and the rule book
        t_base = min(timed(base) for _ in range(3))
        t_ours = min(
            timed(
                lambda: bmc_main(["canvas", "grade", str(root / "class"), "--out", out, "--quiet"])
            )
            for _ in range(3)
        )
        print(f"{args.files} canvases")
        print(f"baseline (read + check_canvas each): {t_base:.2f} s")
        print(f"bmc canvas grade (in process):       {t_ours:.2f} s")
        print(f"ratio: {t_ours / t_base:.2f} (target <= 1.5)")
        if args.gallery:
            from bmclib.plots import save_canvas

            small = make_class(root / "gallery_class", args.gallery, seed=2)

            def draw():
                for p in small:
                    canvas = Canvas.load(p)
                    framed = [b for f in check_canvas(canvas) for b in f.blocks]
                    save_canvas(
                        canvas,
                        root / "draw" / f"{p.stem}.png",
                        dpi=DPI,
                        lang="en",
                        highlight=framed,
                    )

            (w_draw, c_draw) = cpu_timed(draw)
            (w_gallery, c_gallery) = cpu_timed(
                lambda: bmc_main(
                    [
                        "canvas",
                        "gallery",
                        str(root / "gallery_class"),
                        "--out",
                        str(root / "gallery"),
                        "--quiet",
                    ]
                )
            )
            print(
                f"{args.gallery} canvases drawn alone (PNG, {DPI} "
                f"dpi): {w_draw:.2f} s wall, {c_draw:.2f} s CPU"
            )
            print(
                "bmc canvas gallery (in process):       "
                f"{w_gallery:.2f} s wall, {c_gallery:.2f} s CPU"
            )
            print(f"ratio (CPU): {c_gallery / c_draw:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
