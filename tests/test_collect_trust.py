"""A breaker's findings against ``bmc collect`` and grading collected folders (issue 9): one odd
file never stops a collection, no file is lost or overwritten, copies are readable and never stale,
and a file in one student's folder that names another student never replaces that student's own."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from collect_support import (
    RIGHT,
    answer_file,
    enter_fresh_folder,
    put,
)

from bmclib.cli import main


@pytest.fixture(autouse=True)
def here(tmp_path, monkeypatch):
    return enter_fresh_folder(tmp_path, monkeypatch)


def answer(student, answers, saved="2026-01-01T10:00:00+00:00") -> bytes:
    return answer_file(student, answers, saved)


def grades(path: str) -> dict[str, str]:
    return {
        r["student_id"]: r["score"]
        for r in csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8")))
    }


def problems(path: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def copies(folder: str) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in Path(folder).rglob("*.json")
        if p.name != "bmc-collection.json"
    )


# -- 4. a number of 5,000 digits
# ---------------------------------------------------------------------


def test_a_json_file_with_a_huge_number_is_skipped_not_a_crash(capsys):
    put("homes/alice/answers/h.json", b'{"x":' + b"9" * 5000 + b"}")
    put("homes/alice/answers/quiz.json", answer("alice", RIGHT))
    put(
        "homes/bob/answers/quiz.json",
        b'{"format":"bmclib-answers","student_id":' + b"9" * 5000 + b"}",
    )
    assert main(["collect", "homes", "--out", "col"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    # bob's is an answer file: grade says why not
    assert "collected 2 answer file(s) from 2 user(s)" in out.out
    assert "1 JSON file(s) that are not answer files" in out.out
    assert copies("col") == ["alice/quiz.json", "bob/quiz.json"]
    assert (
        main(
            ["grade", "col", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv", "--quiet"]
        )
        == 1
    )
    assert grades("g.csv") == {"alice": "3"}
    assert [r["source"] for r in problems("p.csv")] == ["col/bob/quiz.json"]


# -- 5. no file lost -------------------------------------------------------------------------------


def test_the_same_user_and_path_under_two_roots_are_both_kept(capsys):
    put("r1/bob/answers/quiz.json", answer("bob", {"a": "self_service"}))
    put("r2/bob/answers/quiz.json", answer("bob", RIGHT, saved="2026-01-02T10:00:00+00:00"))
    assert main(["collect", "r1", "r2", "--out", "col"]) == 0
    assert "collected 2 answer file(s) from 1 user(s)" in capsys.readouterr().out
    kept = copies("col")
    assert len(kept) == 2
    assert sorted(Path("col", k).read_bytes() for k in kept) == sorted(
        [
            Path("r1/bob/answers/quiz.json").read_bytes(),
            Path("r2/bob/answers/quiz.json").read_bytes(),
        ]
    )
    manifest = json.loads(Path("col/bmc-collection.json").read_text(encoding="utf-8"))
    assert sorted(f["source"] for f in manifest["files"]) == [
        "r1/bob/answers/quiz.json",
        "r2/bob/answers/quiz.json",
    ]
    # one superseded
    assert main(["grade", "col", "--key", "key.csv", "--out", "g.csv", "--quiet"]) == 1
    assert grades("g.csv") == {"bob": "3"}


def test_long_clashing_paths_keep_their_json_ending_and_are_graded():
    long = "x" * 120
    put(f"r/dan/answers/{long}/{long}.json", answer("dan", {"a": "communities"}))
    put(f"r/dan/answers/y/{long}.json", answer("dan", RIGHT, saved="2026-01-02T10:00:00+00:00"))
    assert main(["collect", "r", "--out", "col"]) == 0
    kept = copies("col")
    assert len(kept) == 2 and all(
        k.endswith(".json") and len(k.rsplit("/", 1)[-1]) <= 80 for k in kept
    )
    assert (
        main(
            ["grade", "col", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv", "--quiet"]
        )
        == 1
    )
    assert grades("g.csv") == {"dan": "3"}
    assert len(problems("p.csv")) == 1 and "superseded" in problems("p.csv")[0]["problem"]


# -- 6. a copy with another student's id in a classmate's folder
# -------------------------------------


def _impersonation():
    now = datetime.now(UTC)
    put(
        "hub2/carol/answers/quiz.json",
        answer("carol", RIGHT, saved=(now - timedelta(hours=1)).isoformat()),
    )
    put("hub2/bob/answers/quiz.json", answer("bob", {"a": "self_service"}))
    put(
        "hub2/bob/answers/quiz-copy.json",
        answer("carol", {}, saved=(now - timedelta(minutes=1)).isoformat()),
    )


@pytest.mark.parametrize(
    "paths", [["col"], ["col/carol", "col/bob"], ["col/bob/quiz-copy.json", "col/carol"]]
)
def test_a_later_copy_in_another_users_folder_never_replaces_the_students_own(capsys, paths):
    _impersonation()
    assert main(["collect", "hub2", "--out", "col"]) == 0
    assert (
        main(
            [
                "grade",
                *paths,
                "--key",
                "key.csv",
                "--out",
                "g.csv",
                "--problems",
                "p.csv",
                "--quiet",
            ]
        )
        == 1
    )
    assert grades("g.csv")["carol"] == "3"
    [row] = problems("p.csv")
    assert row["source"] == "col/bob/quiz-copy.json"
    assert "names student 'carol'" in row["problem"] and "user 'bob'" in row["problem"]
    assert "col/carol/quiz.json" in row["problem"]


def test_without_collect_the_latest_file_still_wins():
    """Plain folders carry no owners: the rule is the contract's "latest saved_at wins"."""
    _impersonation()
    assert main(["grade", "hub2", "--key", "key.csv", "--out", "g.csv", "--quiet"]) == 1
    assert grades("g.csv")["carol"] == "0"


def test_copies_of_one_student_in_two_other_folders_are_not_trusted():
    put("h/bob/answers/q.json", answer("carol", RIGHT))
    put("h/dan/answers/q.json", answer("carol", {}, saved="2026-01-02T10:00:00+00:00"))
    assert main(["collect", "h", "--out", "col"]) == 0
    assert (
        main(
            ["grade", "col", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv", "--quiet"]
        )
        == 1
    )
    assert "carol" not in grades("g.csv")
    assert sorted(r["source"] for r in problems("p.csv")) == ["col/bob/q.json", "col/dan/q.json"]


def test_a_students_only_file_in_another_folder_is_graded_with_a_note(capsys):
    put("h/bob/answers/q.json", answer("carol", RIGHT))
    assert main(["collect", "h", "--out", "col"]) == 0
    capsys.readouterr()
    assert main(["grade", "col", "--key", "key.csv", "--out", "g.csv", "--quiet"]) == 0
    assert grades("g.csv") == {"carol": "3"}
    assert (
        "col/bob/q.json: graded as student 'carol', but "
        "it was collected from the folder of user 'bob'" in capsys.readouterr().err
    )


# -- 18. copies readable, never stale
# ------------------------------------------------------------------


def test_copies_follow_the_umask_and_stale_copies_are_removed(capsys):
    put("h/kim/answers/quiz.json", answer("kim", RIGHT))
    put("h/kim/answers/old.json", answer("kim", {}))
    old = os.umask(0o022)
    try:
        assert main(["collect", "h", "--out", "col"]) == 0
    finally:
        os.umask(old)
    assert copies("col") == ["kim/old.json", "kim/quiz.json"]
    assert stat.S_IMODE(Path("col/kim/quiz.json").stat().st_mode) == 0o644
    Path("h/kim/answers/old.json").unlink()  # the student deleted it since
    # the instructor's own file: not collect's to remove
    Path("col/kim/notes.json").write_bytes(b"{}")
    capsys.readouterr()
    assert main(["collect", "h", "--out", "col"]) == 0
    assert copies("col") == ["kim/notes.json", "kim/quiz.json"]
    assert "col/kim/old.json" in capsys.readouterr().err


# -- bookkeeping files beside answer files
# ------------------------------------------------------------


def test_lock_and_temporary_files_are_neither_collected_nor_counted(capsys):
    put("h/kim/answers/quiz.json", answer("kim", RIGHT))
    put("h/kim/answers/.quiz.json.lock", b"")
    put("h/kim/answers/.quiz.json.k3j2h1.tmp", answer("kim", {}))
    assert main(["collect", "h", "--out", "col"]) == 0
    out = capsys.readouterr().out
    assert "collected 1 answer file(s) from 1 user(s)" in out and "skipped: nothing" in out
    assert copies("col") == ["kim/quiz.json"]
