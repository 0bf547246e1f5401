"""A breaker's findings against ``bmc grade`` (issue 9, second round): a class zip cut short by a
download, one student's upload using up what a whole run may unpack, archives of a million
entries, ids made of invisible characters or direction controls, and smaller slips."""

import csv
import io
import json
import os
import re
import struct
import zipfile
from pathlib import Path

import pytest

from bmclib.cli import main
from bmclib.grading import grade_batch
from bmclib.inputs import MAX_ANSWER_ENTRIES, MAX_ENTRIES
from bmclib.keys import load_key

KEY_TEXT = (
    "exercise_set,item_id,best,acceptable,points\n"
    "quiz,a,self_service,communities,1\n"
    "quiz,b,co_creation,,2\n"
)


def answer(student, answers=None, **extra) -> bytes:
    doc = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student,
        "exercise_set": "quiz",
        "answers": {"a": "self_service"} if answers is None else answers,
        "saved_at": "2026-01-01T10:00:00+00:00",
        **extra,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def rows_of(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("key.csv").write_text(KEY_TEXT, encoding="utf-8")
    return tmp_path


def grade(*args) -> int:
    return main(["grade", *args, "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv"])


def zip_bytes(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def many_entries(n: int, suffix: str = ".json") -> bytes:
    """A zip of ``n`` empty stored entries, written directly (as a hostile tool would)."""
    out, central, offset = bytearray(), bytearray(), 0
    for i in range(n):
        name = f"{i:07x}{suffix}".encode()
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0)
        out += local + name
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
    count = min(n, 0xFFFF)  # the end record's count lies: only the directory tells
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
    return bytes(out + central + end)


# -- 1. a class zip cut short by a download ----------------------------------------------------


def lms_zip() -> bytes:
    """30 students; student 20's own upload is a zip stored whole (uncompressed) in the class zip,
    so its end record lies inside the class zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(30):
            if i == 20:
                inner = zip_bytes({"answers/quiz.json": answer(f"s{i:04d}")})
                z.writestr(
                    zipfile.ZipInfo("student20_upload.zip"), inner, compress_type=zipfile.ZIP_STORED
                )
            else:
                z.writestr(f"student{i:02d}.json", answer(f"s{i:04d}"))
    return buf.getvalue()


def test_a_class_zip_cut_short_is_a_damaged_archive_not_one_student(here):
    whole = lms_zip()
    Path("full.zip").write_bytes(whole)
    assert grade("full.zip") == 0
    assert len(rows_of("g.csv")) == 30  # the whole zip, the stored upload included, is fine
    Path("partial.zip").write_bytes(whole[: int(len(whole) * 0.9)])
    assert grade("partial.zip") == 1
    assert rows_of("g.csv") == []
    [problem] = rows_of("p.csv")
    assert problem["source"] == "partial.zip"
    assert problem["problem"].startswith("a damaged archive: its end is missing or misplaced")


def test_a_cut_exactly_after_the_stored_upload_is_damaged_too(here):
    whole = lms_zip()
    end = whole.index(b"PK\x05\x06") + 22  # the stored upload's own end record
    assert end < len(whole) - 100
    Path("partial.zip").write_bytes(whole[:end])
    assert grade("partial.zip") == 1
    assert rows_of("p.csv")[0]["problem"].startswith("a damaged archive")


def test_a_zip_with_a_comment_or_trailing_upload_is_still_read(here):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("s1.json", answer("s1"))
        z.comment = b"exported by the learning platform"
    Path("c.zip").write_bytes(buf.getvalue())
    assert grade("c.zip") == 0 and len(rows_of("g.csv")) == 1


# -- 2. one upload cannot use up what the run may unpack ----------------------------------------


def test_one_students_huge_upload_does_not_stop_the_class(here):
    mb = 1024 * 1024
    upload = zip_bytes({f"draft{i:03d}.json": b" " * mb for i in range(80)})  # 80 MB of spaces
    entries = {"aaa_mallory/submission.zip": upload}
    entries.update({f"student{i:02d}/answers.json": answer(f"s{i:04d}") for i in range(30)})
    Path("class.zip").write_bytes(zip_bytes(entries))
    batch = grade_batch(["class.zip"], load_key("key.csv"), max_file_size=mb, max_unpacked=70 * mb)
    assert len(batch.rows) == 30  # before: every classmate "not read: the archives of this run..."
    reasons = {s: str(p) for s, p in batch.problems}
    assert not any("this run" in r for r in reasons.values())
    # 63 or 64 files of 1 MB fit in its 64 MB (its own zip's growth counts too); the rest do not
    assert re.match(
        r"1[67] answer file\(s\) in this upload not read: it has already unpacked to 64 MB, "
        r"the limit for one student's upload",
        reasons["class.zip!aaa_mallory/"],
    )


def test_honest_uploads_with_large_attachments_are_all_graded(here):
    pdf = os.urandom(2 * 1024 * 1024)  # does not compress: unpacking it adds nothing
    entries = {
        f"student{i:02d}/project.zip": zip_bytes(
            {"report.pdf": pdf, "answers/quiz.json": answer(f"s{i:04d}")}
        )
        for i in range(6)
    }
    Path("class.zip").write_bytes(zip_bytes(entries))
    batch = grade_batch(["class.zip"], load_key("key.csv"), max_unpacked=1024 * 1024)
    assert [r.student_id for r in batch.rows] == [f"s{i:04d}" for i in range(6)]
    assert batch.problems == []


def test_the_run_limit_is_a_flag_and_its_message_says_how_to_raise_it(here, capsys):
    Path("class.zip").write_bytes(
        zip_bytes({f"s{i}.json": answer(f"s{i}", pad=" " * 3000) for i in range(3)})
    )
    assert grade("class.zip", "--max-total-size", "4KB") == 1
    err = capsys.readouterr().err
    assert "--max-total-size" in err
    reasons = [r["problem"] for r in rows_of("p.csv")]
    assert len(reasons) == 2 and all(
        r.startswith("not read: the archives of this run have already unpacked to 4 KB")
        and "raise the limit for one run" in r
        for r in reasons
    )
    assert grade("class.zip", "--max-total-size", "1MB") == 0
    assert len(rows_of("g.csv")) == 3
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "--max-total-size" in readme


# -- 3. archives of a million entries -----------------------------------------------------------


@pytest.mark.parametrize(
    "count, suffix", [(MAX_ANSWER_ENTRIES + 1, ".json"), (MAX_ENTRIES + 1, ".txt")]
)
def test_an_archive_of_too_many_entries_is_one_problem(here, count, suffix):
    Path("meta.zip").write_bytes(many_entries(count, suffix))
    assert grade("meta.zip") == 1
    [problem] = rows_of("p.csv")
    assert problem["source"] == "meta.zip"
    assert problem["problem"].startswith("not read: this archive lists more than 10,000 answer")


def test_an_upload_of_too_many_entries_is_one_problem_and_the_class_is_graded(here):
    entries = {"zed_student/upload.zip": many_entries(MAX_ANSWER_ENTRIES + 1)}
    entries.update({f"student{i:02d}/answers.json": answer(f"s{i:04d}") for i in range(5)})
    Path("class.zip").write_bytes(zip_bytes(entries))
    assert grade("class.zip") == 1
    assert len(rows_of("g.csv")) == 5
    assert [r["source"] for r in rows_of("p.csv")] == ["class.zip!zed_student/upload.zip"]


def test_an_archive_within_the_entry_limits_is_read(here):
    Path("meta.zip").write_bytes(many_entries(2000))
    assert grade("meta.zip") == 1  # 2,000 empty files: each its own problem, none refused whole
    assert len(rows_of("p.csv")) == 2000


# -- 4. and 5. ids and names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "student",
    [
        "\u200b\u200b",
        "\u3164",
        " \u3164\u200b ",
        "\u2800\u2800",  # the blank Braille pattern looks like a space
        "\u3164\u2800",
        "\u0300\u0301",  # accents with nothing under them
        "\ufffe",  # a non-character
        "\u0378",  # unassigned
    ],
)
def test_an_id_of_invisible_characters_is_missing(here, student):
    Path("c").mkdir()
    Path("c/a.json").write_bytes(answer(student))
    Path("c/b.json").write_bytes(answer("\u3164\u3164"))
    assert grade("c") == 1
    assert rows_of("g.csv") == []
    assert {r["problem"] for r in rows_of("p.csv")} == {"missing student_id"}


def test_direction_controls_are_removed_from_ids_and_names_shown(here):
    Path("c").mkdir()
    Path("c/a.json").write_bytes(answer("\u202es0001\u2066", student_name="Kim\u202e Minji"))
    assert grade("c") == 0
    [row] = rows_of("g.csv")
    assert (row["student_id"], row["student_name"]) == ("s0001", "Kim Minji")


def test_a_line_separator_in_an_id_is_refused(here):
    Path("c").mkdir()
    Path("c/a.json").write_bytes(answer("s00\u202801"))
    Path("c/b.json").write_bytes(answer("s2", student_name="Kim\u2028Minji"))
    assert grade("c") == 1
    assert [r["student_name"] for r in rows_of("g.csv")] == ["Kim Minji"]
    assert rows_of("p.csv")[0]["problem"] == "student_id: it holds the control character U+2028"


def test_a_huge_name_is_cut_with_a_note_and_a_huge_id_refused(here, capsys):
    Path("c").mkdir()
    Path("c/a.json").write_bytes(answer("s1", student_name="A" * 4_000_000))
    Path("c/b.json").write_bytes(answer("s" * 101))
    assert grade("c") == 1
    [row] = rows_of("g.csv")
    assert row["student_name"] == "A" * 200 + "…"
    assert "the student name is 4,000,000 characters long; it was cut to the first 200" in (
        capsys.readouterr().err
    )
    assert rows_of("p.csv")[0]["problem"] == (
        "student_id is 101 characters long, more than the 100 an id may have"
    )


def test_version_must_be_the_integer_1(here):
    Path("c").mkdir()
    doc = json.loads(answer("s1"))
    Path("c/a.json").write_text(json.dumps(doc).replace('"version": 1', '"version": 1.0'))
    assert grade("c") == 1
    assert rows_of("p.csv")[0]["problem"] == "unknown version 1.0 (this bmclib reads version 1)"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_a_utf16_file_is_named_as_such(here, encoding):
    Path("c").mkdir()
    Path("c/a.json").write_bytes(answer("s1").decode().encode(encoding))
    assert grade("c") == 1
    assert rows_of("p.csv")[0]["problem"] == (
        "saved as UTF-16 text, not UTF-8; save the file as UTF-8"
    )


def test_a_folder_given_twice_names_each_problem_once(here):
    Path("c").mkdir()
    Path("c/s1.json").write_bytes(answer("s1"))
    Path("c/s2.json.txt").write_bytes(answer("s2"))
    Path("c/bad.json").write_text("{", encoding="utf-8")
    assert grade("c", "c", "./c/") == 1
    assert [r["source"] for r in rows_of("p.csv")] == ["c/bad.json", "c/s2.json.txt"]
