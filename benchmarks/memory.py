"""Peak memory of ``bmc grade`` and ``bmc report`` on hostile archives, against a normal class
(issue 9).

A breaker found that valid answer files were parsed and kept whole: a zip of 106 KB holding 20
files of 5 MB each (``"attempts": [{}, {}, ...]``) took 2.5 GB. Issue 9 asks for a few hundred MB
at most. This script builds, in a temporary folder:

- the baseline: a normal class of N answer files (default 200) made from the shipped sample class;
- ``objects``: that zip of 20 entries of 5 MB of ``{}`` attempts;
- ``lists``: 20 entries of 5 MB of ``[]`` attempts (arrays, which the object cap does not count);
- ``answers``: 20 entries of 5 MB of answers to made-up items (one object with ~400,000 names);

and runs ``bmc grade`` and ``bmc report`` on each, every run in a fresh Python process, printing
the process's peak resident memory (``ru_maxrss``), what the run added to it beyond the
interpreter and the imported libraries (the peak minus the resident memory just before the run),
and each hostile input's ratio to the normal class. Run:
``python benchmarks/memory.py [--students 200]``.
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bmclib.paths import data_path

ENTRY = 5 * 1024 * 1024  # the largest answer file read (DEFAULT_MAX_FILE_SIZE)
HEAD = (
    '{"format":"bmclib-answers","version":1,"student_id":"s%d",'
    '"exercise_set":"relationships-practice",'
)

CHILD = r"""
import resource, sys
# what a run imports, before it starts
import bmclib.cli, bmclib.report, bmclib.plots, matplotlib.pyplot
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()
before = rss()
code = bmclib.cli.main(sys.argv[1:])
print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def hostile_entry(kind: str, n: int) -> bytes:
    head = (HEAD % n).encode()
    if kind == "objects":
        body, unit = b'"answers":{},"attempts":[', b"{},"
    elif kind == "lists":
        body, unit = b'"answers":{},"attempts":[', b"[],"
    else:
        body, unit = b'"answers":{', None
    out = bytearray(head + body)
    i = 0
    while len(out) < ENTRY - 64:
        out += unit if unit else b'"i%06d":"x",' % i
        i += 1
    out = out[:-1] + (b"]}" if unit else b"}}")
    return bytes(out)


def hostile_zip(kind: str, entries: int = 20) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for n in range(entries):
            z.writestr(f"h{n:02d}.json", hostile_entry(kind, n))
    return buf.getvalue()


def normal_class(folder: Path, students: int) -> None:
    samples = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(data_path("sample_class").glob("s*.json"))
    ]
    folder.mkdir()
    for n in range(students):
        doc = dict(samples[n % len(samples)], student_id=f"s{n:04d}")
        (folder / f"s{n:04d}.json").write_text(json.dumps(doc), encoding="utf-8")


def run(args: list[str], cwd: Path) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"bmc {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    code, added, rss = map(int, done.stdout.split()[-3:])
    return code, added, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=200)
    opts = ap.parse_args()
    key = str(data_path("keys", "relationships-practice.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        normal_class(tmp / "class", opts.students)
        inputs = {f"normal class ({opts.students} files)": "class"}
        for kind in ("objects", "lists", "answers"):
            (tmp / f"{kind}.zip").write_bytes(hostile_zip(kind))
            inputs[f"{kind}.zip ({(tmp / f'{kind}.zip').stat().st_size // 1024} KB, 20 x 5 MB)"] = (
                f"{kind}.zip"
            )
        mb = 1024 * 1024
        for command in ("grade", "report"):
            print(f"bmc {command}:")
            print(
                f"  {'input':<42} {'exit':>4} {'run adds':>10} "
                f"{'ratio':>6} {'peak RSS':>9} {'ratio':>6}"
            )
            base = None
            for label, path in inputs.items():
                out = ["--out", "g.csv"] if command == "grade" else ["--out", "rep"]
                code, added, rss = run(
                    [command, path, "--key", key, *out, "--problems", "p.csv", "--quiet"]
                    if command == "grade"
                    else [command, path, "--key", key, *out, "--problems", "p.csv"],
                    tmp,
                )
                base = base or (added, rss)
                print(
                    f"  {label:<42} {code:>4} {added / mb:>8.1f}MB {added / base[0]:>5.1f}x "
                    f"{rss / mb:>7.1f}MB {rss / base[1]:>5.1f}x"
                )


if __name__ == "__main__":
    main()
