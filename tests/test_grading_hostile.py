"""A class's files as they really arrive: hostile, damaged and unlucky input never stops a class's
grading, never blocks, never eats memory, and every file that is not graded is named with a
reason."""

import csv
import io
import json
import lzma
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmclib.cli import main
from bmclib.grading import grade_batch
from bmclib.keys import load_key

# demo-set: netflix, sap_community, private_banking, ikea
KEY = Path(__file__).parent / "fixtures" / "key.csv"
RIGHT = {
    "netflix": "automated_services",
    "sap_community": "communities",
    "private_banking": "dedicated_personal_assistance",
    "ikea": "self_service",
}


def answer(
    student, answers=None, saved="2026-11-20T10:00:00+09:00", name="", set_id="demo-set", **extra
) -> bytes:
    doc = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student,
        "student_name": name,
        "exercise_set": set_id,
        "answers": RIGHT if answers is None else answers,
        "saved_at": saved,
        **extra,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def grade(tmp_path, *paths, key=KEY, extra=()):
    """Run `bmc grade`; return (exit code, grades rows, problems {source: reason})."""
    out, problems = tmp_path / "out" / "grades.csv", tmp_path / "out" / "problems.csv"
    code = main(
        [
            "grade",
            *map(str, paths),
            "--key",
            str(key),
            "--out",
            str(out),
            "--problems",
            str(problems),
            "--quiet",
            *extra,
        ]
    )
    rows = read_csv(out) if out.exists() else None
    probs = {r["source"]: r["problem"] for r in read_csv(problems)} if problems.exists() else None
    return code, rows, probs


def only(problems: dict, fragment: str) -> str:
    hits = [reason for source, reason in problems.items() if fragment in source]
    assert len(hits) == 1, (fragment, problems)
    return hits[0]


@pytest.fixture
def good(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "s01.json").write_bytes(answer("s01", name="Kim"))
    return folder


# -- 1. one file never stops the class ------------------------------------------------------------


def test_a_number_of_thousands_of_digits_is_one_files_problem(tmp_path, good):
    (good / "huge.json").write_bytes(
        answer("s02", junk=0).replace(b'"junk": 0', b'"junk": ' + b"7" * 5000)
    )
    code, rows, problems = grade(tmp_path, good)
    assert code == 1 and [r["student_id"] for r in rows] == ["s01"]
    assert only(problems, "huge.json") == "not valid JSON: a number with too many digits"


def deflated_entry_start(data: bytes) -> int:
    """Offset of the first entry's compressed data in a zip made by zipfile."""
    name_len, extra_len = struct.unpack("<HH", data[26:30])
    return 30 + name_len + extra_len


@pytest.mark.parametrize(
    "method, error", [(zipfile.ZIP_DEFLATED, zlib.error), (zipfile.ZIP_LZMA, lzma.LZMAError)]
)
def test_a_corrupt_compressed_entry_is_one_files_problem(tmp_path, good, method, error):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        z.writestr("sub/s02.json", answer("s02") * 50)
        z.writestr("sub/s03.json", answer("s03"))
    data = bytearray(buf.getvalue())
    start = deflated_entry_start(data)
    data[start + (4 if method == zipfile.ZIP_LZMA else 0) : start + 40] = b"\xff" * (
        40 - (4 if method == zipfile.ZIP_LZMA else 0)
    )
    path = tmp_path / "lms.zip"
    path.write_bytes(bytes(data))
    # the damage is of the kind that used to stop the run
    with zipfile.ZipFile(path) as z, pytest.raises(error):
        z.read("sub/s02.json")
    code, rows, problems = grade(tmp_path, good, path)
    assert code == 1 and [r["student_id"] for r in rows] == ["s01", "s03"]
    assert only(problems, "lms.zip!sub/s02.json").startswith("cannot read this archive entry (")


def zip_bytes(entries: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_inside_a_zip_is_read_and_too_deep_a_nest_is_reported(tmp_path, good):
    inner = zip_bytes({"s02.json": answer("s02", name="Lee")})
    deep = zip_bytes({"a.zip": zip_bytes({"b.zip": zip_bytes({"s04.json": answer("s04")})})})
    (tmp_path / "bulk.zip").write_bytes(
        zip_bytes(
            {
                "student_s02/upload.zip": inner,
                "student_s03/s03.json": answer("s03"),
                "student_s04/deep.zip": deep,
            }
        )
    )
    code, rows, problems = grade(tmp_path, good, tmp_path / "bulk.zip")
    assert [r["student_id"] for r in rows] == ["s01", "s02", "s03"]
    assert code == 1
    assert only(problems, "deep.zip!a.zip!b.zip").startswith(
        "an archive nested more than 3 levels deep"
    )
    sources = read_csv(tmp_path / "out" / "grades.sources.csv")
    assert sources[1]["source"].endswith("bulk.zip!student_s02/upload.zip!s02.json")


def test_links_pipes_and_loops_in_a_folder_are_problems_not_silence(tmp_path, good):
    (good / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (good / "loop.json").symlink_to(good / "loop.json")
    os.mkfifo(good / "pipe.json")
    (good / "folder-link").symlink_to(tmp_path, target_is_directory=True)
    code, rows, problems = grade(tmp_path, good)
    assert code == 1 and [r["student_id"] for r in rows] == ["s01"]
    assert only(problems, "gone.json") == "a symbolic link to a file that does not exist"
    assert only(problems, "loop.json") == "a loop of symbolic links"
    assert only(problems, "pipe.json") == "not a regular file: it is a named pipe (FIFO)"
    assert only(problems, "folder-link").startswith("a link to a folder: not followed")


@pytest.mark.parametrize("command", ["grade", "validate"])
def test_a_pipe_named_on_the_command_line_never_blocks(tmp_path, command):
    fifo = tmp_path / "answers.json"
    os.mkfifo(fifo)
    args = (
        [str(fifo), "--key", str(KEY), "--out", str(tmp_path / "g.csv")]
        if command == "grade"
        else [str(fifo)]
    )
    done = subprocess.run(
        [sys.executable, "-m", "bmclib.cli", command, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the exit status is asserted below
    )
    assert done.returncode == 1, done.stderr
    assert "not a regular file: it is a named pipe (FIFO)" in done.stderr + done.stdout


def test_files_larger_than_the_limit_are_problems_and_the_limit_can_be_raised(tmp_path, good):
    big = answer("s02", junk="x" * (6 * 1024 * 1024))
    (good / "big.json").write_bytes(big)
    code, rows, problems = grade(tmp_path, good)
    assert code == 1 and [r["student_id"] for r in rows] == ["s01"]
    assert only(problems, "big.json").startswith(
        "cannot read the file (6 MB, more than the limit of 5 MB"
    )
    code, rows, problems = grade(tmp_path, good, extra=["--max-file-size", "8MB"])
    assert code == 0 and [r["student_id"] for r in rows] == ["s01", "s02"]
    assert (
        main(
            [
                "grade",
                str(good),
                "--key",
                str(KEY),
                "--out",
                str(tmp_path / "x.csv"),
                "--max-file-size",
                "lots",
            ]
        )
        == 2
    )


# Peak memory of this process alone: VmHWM starts afresh at exec (ru_maxrss would carry the forking
# pytest worker's own peak over into the child).
PEAK = """
import sys
from bmclib.cli import main
code = main(sys.argv[1:])
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(code, int(hwm.split()[1]) // 1024)
"""


def test_a_zip_bomb_is_refused_with_little_memory(tmp_path, good):
    bomb = tmp_path / "bomb.zip"
    # 300 MB of spaces inside valid JSON
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("s02.json", "w", force_zip64=True) as entry,
    ):
        entry.write(answer("s02")[:-1] + b', "pad": "')
        block = b" " * (1024 * 1024)
        for _ in range(300):
            entry.write(block)
        entry.write(b'"}')
    assert bomb.stat().st_size < 2 * 1024 * 1024
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK,
            "grade",
            str(good),
            str(bomb),
            "--key",
            str(KEY),
            "--out",
            str(tmp_path / "g.csv"),
            "--problems",
            str(tmp_path / "p.csv"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # the script prints bmc's exit status, asserted below
    )
    code, peak_mb = map(int, done.stdout.split())
    assert code == 1 and peak_mb < 200, (code, peak_mb, done.stderr)
    problems = {r["source"]: r["problem"] for r in read_csv(tmp_path / "p.csv")}
    assert "more than the limit of 5 MB" in only(problems, "bomb.zip!s02.json")


def overlapping_zip(copies: int) -> bytes:
    """A zip whose central directory lists the same compressed data ``copies`` times (an overlap
    bomb)."""
    data = bytearray(zip_bytes({"s02.json": answer("s02")}))
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12 : eocd + 20])
    record = bytes(data[cd_offset : cd_offset + cd_size])
    central = record * copies
    tail = bytearray(data[eocd:])
    struct.pack_into("<HHII", tail, 8, copies, copies, len(central), cd_offset)
    return bytes(data[:cd_offset]) + central + bytes(tail)


def test_overlapping_entries_are_refused(tmp_path, good):
    import warnings

    (tmp_path / "overlap.zip").write_bytes(overlapping_zip(5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names it sees
        code, rows, problems = grade(tmp_path, good, tmp_path / "overlap.zip")
    assert [r["student_id"] for r in rows] == ["s01", "s02"]
    reasons = [reason for source, reason in problems.items() if "overlap.zip" in source]
    assert reasons and all("overlaps another one" in reason for reason in reasons)
    assert code == 1


def test_an_output_that_is_the_problems_file_or_a_folder_is_refused_and_nothing_written(
    tmp_path, good, capsys
):
    same = tmp_path / "same.csv"
    assert (
        main(["grade", str(good), "--key", str(KEY), "--out", str(same), "--problems", str(same)])
        == 2
    )
    assert "--out and --problems name the same file" in capsys.readouterr().err
    assert not same.exists()
    folder = tmp_path / "results"
    folder.mkdir()
    assert main(["grade", str(good), "--key", str(KEY), "--out", str(folder)]) == 2
    assert "is a folder; give the name of a file to write" in capsys.readouterr().err
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*tmp"))
    assert (
        main(["grade", str(good / "s01.json"), "--key", str(KEY), "--out", str(good / "s01.json")])
        == 2
    )
    assert "is one of the answer files to grade" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["grade", str(good), "--key", str(KEY), "--out", str(blocker / "g.csv")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_the_same_folder_named_twice_grades_each_file_once(tmp_path, good):
    code, rows, problems = grade(tmp_path, good, good, good / "s01.json")
    assert code == 0 and problems == {} and [r["student_id"] for r in rows] == ["s01"]


def test_points_are_printed_as_the_key_gives_them(tmp_path, good):
    key = tmp_path / "key.csv"
    key.write_text(
        "exercise_set,item_id,best,points\ndemo-set,netflix,automated_services,0.001\n"
        "demo-set,ikea,self_service,2.5\n",
        encoding="utf-8",
    )
    code, rows, _ = grade(tmp_path, good, key=key)
    assert code == 0 and (rows[0]["netflix"], rows[0]["score"], rows[0]["max_score"]) == (
        "0.001",
        "2.501",
        "2.501",
    )


def test_a_closed_pipe_ends_every_command_quietly(tmp_path):
    for args in (
        ["advise", "--market", "b2b", "--customer-count", "few"],
        ["advise", "--help"],
        ["--help"],
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bmclib.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        proc.stdout.close()  # the reader is gone before anything is written (`| head` that exited)
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
        proc.stderr.close()
        assert "Traceback" not in err and "BrokenPipeError" not in err, err


# -- 2. instructors' own keys and ids --------------------------------------------------------------


def test_an_instructors_own_ids_grade(tmp_path):
    key = tmp_path / "key.csv"
    key.write_text(
        "exercise_set,item_id,best,acceptable\n관계-퀴즈,harbor-bank,self_service,\n"
        "관계-퀴즈,Corner.Bakery,communities,co_creation;communities\n관계-퀴즈,하버뱅크,co_creation,\n",
        encoding="utf-8",
    )
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.json").write_bytes(
        answer(
            "s1",
            {
                "harbor-bank": "self_service",
                "Corner.Bakery": "co_creation",
                "하버뱅크": "co_creation",
            },
            set_id="관계-퀴즈",
        )
    )
    out = tmp_path / "g.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bmclib.cli",
            "grade",
            str(folder),
            "--key",
            str(key),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the exit status is asserted below
    )
    assert done.returncode == 0, done.stderr
    assert (
        "warning: 'communities' is listed in both best and acceptable; best counts" in done.stderr
    )
    rows = read_csv(out)
    assert (
        rows[0]["harbor-bank"],
        rows[0]["Corner.Bakery"],
        rows[0]["하버뱅크"],
        rows[0]["score"],
    ) == ("1", "0.5", "1", "2.5")


def test_one_student_under_several_spellings_of_the_id_is_one_student(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.json").write_bytes(
        answer("s0007", {"netflix": "self_service"}, saved="2026-11-20T09:00:00+09:00")
    )
    (folder / "b.json").write_bytes(
        answer(" S0007", saved="2026-11-20T10:00:00+09:00", name="Park")
    )
    (folder / "c.json").write_bytes(answer("s0007\u200b", {}, saved="2026-11-20T08:00:00+09:00"))
    (folder / "d.json").write_bytes(answer("ｓ０００７", {}, saved="2026-11-20T07:00:00+09:00"))
    _code, rows, problems = grade(tmp_path, folder)
    # the id as that file writes it
    assert [(r["student_id"], r["score"]) for r in rows] == [("S0007", "5")]
    assert sorted(problems) == [str(folder / n) for n in ("a.json", "c.json", "d.json")]
    assert all(
        reason.startswith(f"superseded by {folder / 'b.json'}") for reason in problems.values()
    )
    assert grade(tmp_path, folder, extra=["--student", "s0007"])[1][0]["student_id"] == "S0007"


def test_a_file_dated_in_the_future_never_replaces_a_classmates_grade(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "real.json").write_bytes(answer("s07", name="Park"))
    (folder / "copy.json").write_bytes(
        answer("s07", {}, saved="2099-01-01T00:00:00+09:00", name="Park")
    )
    (folder / "alone.json").write_bytes(answer("s08", saved="2099-01-01T00:00:00+00:00"))
    code, rows, problems = grade(tmp_path, folder)
    assert code == 1
    assert [(r["student_id"], r["score"]) for r in rows] == [("s07", "5"), ("s08", "5")]
    assert only(problems, "copy.json").startswith(
        "saved_at 2099-01-01T00:00:00+09:00 lies in the future"
    )
    assert f"never replaces another file: superseded by {folder / 'real.json'}" in only(
        problems, "copy.json"
    )
    assert "graded, as this student has no other file, but check who made it" in only(
        problems, "alone.json"
    )
    sources = {
        r["student_id"]: r["source"] for r in read_csv(tmp_path / "out" / "grades.sources.csv")
    }
    assert sources == {"s07": str(folder / "real.json"), "s08": str(folder / "alone.json")}


def test_a_small_clock_difference_is_not_the_future():
    key = load_key(KEY)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "a.json")
        now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
        path.write_bytes(answer("s1", saved="2026-11-20T10:10:00+09:00"))  # 10 minutes ahead
        batch = grade_batch([path], key, now=now)
        assert batch.problems == [] and len(batch.rows) == 1


# -- property: damaged archives ------------------------------------------------------------------

MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 255)),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    ),
    st.lists(MUTATION, min_size=1, max_size=4),
    st.booleans(),
)
def test_damaged_zips_give_problems_never_exceptions(method, mutations, nested):
    import warnings

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for n in range(3):
            z.writestr(f"sub/s{n}.json", answer(f"s{n}"))
    data = bytearray(zip_bytes({"inner.zip": buf.getvalue()}) if nested else buf.getvalue())
    for kind, at, value in mutations:
        at %= len(data) + 1
        if kind == "flip" and at < len(data):
            data[at] ^= value
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = bytes([value])
    key = load_key(KEY)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(tmp, "damaged.zip")
        path.write_bytes(bytes(data))
        batch = grade_batch([path], key)
    # every entry is accounted for: read, or counted as skipped (a flipped bit can turn the name
    # "inner.zip" into "inner/zip", which is not an answer file)
    assert batch.files_read >= 1 or batch.skipped >= 1
    if not batch.files_read:
        return
    graded = {row.source for row in batch.rows}
    rejected = {source for source, _ in batch.problems}
    assert len(graded) == len(batch.rows) <= 3
    assert all(source.startswith(str(path)) for source in graded | rejected)
    assert graded or rejected
