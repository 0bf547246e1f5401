"""Speed of ``bmc grade`` against a baseline that only reads the same files, measured in one run.

Generates N answer files x 20 items in a temporary folder, then times
- the baseline: json-load every file and write one CSV row each (no checks, no scoring);
- ``bmc grade`` end to end in this process (``bmclib.cli.main``);
- a 500-file class graded by the ``bmc`` command in a fresh process (wall time, interpreter
  included);
- the same N files as ``bmc collect`` lays them out (one folder per user, a manifest naming every
  user), against the plain folder: deciding whose folder is whose must stay linear.

Targets: ratio <= 2.0; the 500-file class under 1 s; the collected class <= 1.5x the plain one.
Run:
``python benchmarks/grading.py [--files 10000]``.
"""

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bmclib.cli import main as bmc_main

TYPES = [
    "personal_assistance",
    "dedicated_personal_assistance",
    "self_service",
    "automated_services",
    "communities",
    "co_creation",
]


def make_class(folder: Path, n_files: int, n_items: int = 20, seed: int = 1) -> Path:
    rng = random.Random(seed)
    items = [f"q{i:02d}" for i in range(1, n_items + 1)]
    key = folder / "key.csv"
    with key.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["exercise_set", "item_id", "best", "acceptable", "points"])
        for item in items:
            best, alt = rng.sample(TYPES, 2)
            w.writerow(["bench-set", item, best, alt, 1])
    answers = folder / "answers"
    answers.mkdir()
    for i in range(n_files):
        doc = {
            "format": "bmclib-answers",
            "version": 1,
            "student_id": f"s{i:05d}",
            "student_name": f"Student {i}",
            "exercise_set": "bench-set",
            "answers": {it: rng.choice(TYPES) for it in items},
            "saved_at": "2026-11-20T10:00:00+09:00",
        }
        (answers / f"s{i:05d}.json").write_text(json.dumps(doc), encoding="utf-8")
    return key


def as_collected(answers: Path, out: Path) -> Path:
    """The files of ``answers`` as bmc collect writes them: ``out/<user>/<file>`` and a manifest
    naming every user (a tenth of them without a file, as on a real hub)."""
    users = {}
    for path in sorted(answers.glob("*.json")):
        (out / path.stem).mkdir(parents=True)
        (out / path.stem / path.name).write_bytes(path.read_bytes())
        users[path.stem] = path.stem
    idle = [f"idle{i:05d}" for i in range(len(users) // 10)]
    manifest = {
        "format": "bmclib-collection",
        "version": 1,
        "complete": True,
        "users": users,
        "known_users": sorted([*users, *idle]),
        "files": [],
        "remove": [],
    }
    (out / "bmc-collection.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def baseline(folder: Path, out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for path in sorted(folder.rglob("*.json")):
            doc = json.loads(path.read_bytes())
            w.writerow([doc["student_id"], doc["student_name"], len(doc["answers"])])


ROUNDS = 5


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        key = make_class(root, args.files)
        baseline(root / "answers", root / "warm.csv")  # warm the file cache for both
        grade = [
            "grade",
            str(root / "answers"),
            "--key",
            str(key),
            "--out",
            str(root / "grades.csv"),
            "--quiet",
        ]
        # interleaved rounds, the best of each: a busy machine slows both alike
        bases, ours = [], []
        for _ in range(ROUNDS):
            bases.append(timed(lambda: baseline(root / "answers", root / "base.csv")))
            ours.append(timed(lambda: bmc_main(grade)))
        t_base, t_ours = min(bases), min(ours)
        collected = as_collected(root / "answers", root / "collected")
        as_class = [*grade]
        as_class[1] = str(collected)
        plain, owned = [], []
        for _ in range(ROUNDS):
            plain.append(timed(lambda: bmc_main(grade)))
            owned.append(timed(lambda: bmc_main(as_class)))
        t_plain, t_owned = min(plain), min(owned)
        small = root / "small"
        small.mkdir()
        small_key = make_class(small, 500)
        cmd = [
            str(Path(sys.executable).with_name("bmc")),
            "grade",
            str(small / "answers"),
            "--key",
            str(small_key),
            "--out",
            str(small / "grades.csv"),
            "--quiet",
        ]
        subprocess.run(cmd, check=True)
        t_small = min(timed(lambda: subprocess.run(cmd, check=True)) for _ in range(3))
    print(f"{args.files} files x 20 items")
    print(f"baseline (json load + one CSV row each): {t_base:.2f} s")
    print(f"bmc grade (in process):                  {t_ours:.2f} s")
    print(f"ratio: {t_ours / t_base:.2f} (target <= 2.0)")
    print(f"500-file class, `bmc grade` command wall time: {t_small:.2f} s (target < 1 s)")
    print(
        f"the same {args.files} files collected (a folder per user, every user known):"
        f" {t_owned:.2f} s against {t_plain:.2f} s in one folder:"
        f" ratio {t_owned / t_plain:.2f} (target <= 1.5)"
    )


if __name__ == "__main__":
    main()
