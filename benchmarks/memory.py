"""Peak memory of ``bmc grade`` and ``bmc report`` on hostile archives, against a normal class
(issue 9).

A breaker found that valid answer files were parsed and kept whole: a zip of 106 KB holding 20
files of 5 MB each (``"attempts": [{}, {}, ...]``) took 2.5 GB. Issue 9 asks for a few hundred MB
at most. This script builds, in a temporary folder:

- the baseline: a normal class of N answer files (default 200) made from the shipped sample class;
- ``objects``: that zip of 20 entries of 5 MB of ``{}`` attempts;
- ``lists``: 20 entries of 5 MB of ``[]`` attempts (arrays, which the object cap does not count);
- ``answers``: 20 entries of 5 MB of answers to made-up items (one object with ~400,000 names);

- ``entries``: a zip of a million empty ``.json`` entries (100 MB; its end record claims 65,535),
  given directly and as one student's ``upload.zip`` inside a class zip (a breaker measured 533 MB
  and 1.17 GB, with a million problems rows; now each is one problem);
- ``others``: just under the entry caps: 99,999 entries that are not answer files (read as a
  list, never unpacked), and 10,000 empty answer files (each its own problem row);

and runs ``bmc grade`` and ``bmc report`` on each, every run in a fresh Python process, printing
the process's peak resident memory (``ru_maxrss``), what the run added to it beyond the
interpreter and the imported libraries (the peak minus the resident memory just before the run),
and each hostile input's ratio to the normal class. Run:
``python benchmarks/memory.py [--students 200]``.
"""

import argparse
import io
import json
import struct
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


def many_entries(path: Path, n: int, suffix: str = ".json") -> None:
    """A zip of ``n`` empty stored entries, written record by record (as a hostile tool would); its
    end record claims at most 65,535 entries, as a zip without zip64 records must."""
    with open(path, "wb") as out:
        central, offset = bytearray(), 0
        for i in range(n):
            name = f"{i:07x}{suffix}".encode()
            local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0)
            out.write(local + name)
            central += struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            central += name
            offset += len(local) + len(name)
        out.write(central)
        count = min(n, 0xFFFF)
        out.write(
            struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
        )


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
        many_entries(tmp / "entries.zip", 1_000_000)
        with zipfile.ZipFile(tmp / "upload.zip", "w", zipfile.ZIP_DEFLATED) as z:
            z.write(tmp / "entries.zip", "zed_student/upload.zip")
            for n in range(30):
                z.write(tmp / "class" / f"s{n:04d}.json", f"student{n:02d}/answers.json")
        many_entries(tmp / "others.zip", 99_999, ".txt")
        many_entries(tmp / "answers10k.zip", 10_000)
        for name, label in (
            ("entries.zip", "1,000,000 empty entries"),
            ("upload.zip", "1,000,000 in one upload"),
            ("others.zip", "99,999 entries, not answers"),
            ("answers10k.zip", "10,000 empty answer files"),
        ):
            inputs[f"{name} ({label})"] = name
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
