"""A breaker's findings against saving (issue 9): a student's file is never set aside because the id
is spelt in other capitals, the attempt log counts every attempt once however many copies save, and
a folder that cannot lock files still saves."""

import errno
import itertools
import random

import pytest

import bmclib as bmc
import bmclib.answers as answers_mod
from bmclib.answers import AnswerFile, read_answers, record_change, write_answers
from bmclib.exercises import load_exercise_set

SET = "relationships-practice"


@pytest.fixture(autouse=True)
def no_student_env(monkeypatch):
    for name in ("BMC_STUDENT_ID", "BMC_STUDENT_NAME", "BMC_ANSWERS_DIR", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


def all_right() -> dict[str, str]:
    key = bmc.load_key(SET)
    return {item.item_id: item.best[0] for item in key.items}


def test_a_student_id_in_other_capitals_keeps_the_students_file(tmp_path, monkeypatch):
    answers = tmp_path / "answers"
    right = all_right()
    write_answers(
        answers / f"{SET}.json",
        AnswerFile("S0001", SET, dict(right), saved_at="2026-11-20T10:00:00+09:00"),
    )
    monkeypatch.setenv("JUPYTERHUB_USER", "s0001")
    monkeypatch.chdir(tmp_path)
    ex = bmc.relationship_exercise(lang="en", answers_dir="answers")
    first = load_exercise_set(SET).items[0]
    k = bmc.load_key(SET).item(first.id)
    other = next(c for c in first.choices("en") if c not in k.best + k.acceptable)  # a wrong answer
    ex.show(0)
    ex.choices.value = other  # one change
    saved = read_answers(answers / f"{SET}.json")
    assert saved.student_id == "S0001"  # the file's own spelling, the same student for grading
    # 32 of 33 still there, nothing started afresh
    assert saved.answers == {**right, first.id: other}
    assert sorted(p.name for p in answers.iterdir() if not p.name.startswith(".")) == [
        f"{SET}.json"
    ]
    key = bmc.load_key(SET)
    batch = bmc.grade_batch([answers], key)
    assert [(r.student_id, r.score) for r in batch.rows] == [
        ("S0001", key.max_score - key.item(first.id).points)
    ]


def test_another_students_file_is_still_set_aside(tmp_path):
    write_answers(tmp_path / f"{SET}.json", AnswerFile("s0002", SET, {"netflix": "communities"}))
    bmc.relationship_exercise(lang="en", answers_dir=tmp_path, student_id="s0001")
    assert (tmp_path / f"{SET}.s0002.json").is_file()


def test_the_attempt_log_counts_every_attempt_once_when_two_copies_save(tmp_path, monkeypatch):
    monkeypatch.setattr(answers_mod, "MAX_ATTEMPTS", 5)
    clock = itertools.count()
    monkeypatch.setattr(answers_mod, "now_iso", lambda: f"2026-11-20T10:{next(clock):05d}")
    for seed in range(5):
        rnd = random.Random(seed)
        path = tmp_path / f"set{seed}.json"
        tabs = [AnswerFile("s1", "set"), AnswerFile("s1", "set")]  # one exercise open in two tabs
        for _ in range(30):
            i = rnd.randrange(2)
            tabs[i] = record_change(
                path, tabs[i], f"i{rnd.randrange(4)}", rnd.choice(["x", "y", "z"])
            )
        saved = read_answers(path)
        assert len(saved.attempts) == 5 and saved.attempts_dropped == 25, seed


def test_a_failed_save_is_counted_once_when_it_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(answers_mod, "MAX_ATTEMPTS", 3)
    clock = itertools.count()
    monkeypatch.setattr(answers_mod, "now_iso", lambda: f"2026-11-20T10:{next(clock):05d}")
    path = tmp_path / "set.json"
    af = AnswerFile("s1", "set")
    for n in range(4):
        af = record_change(path, af, "a", f"c{n}")
    real = answers_mod.write_atomic
    monkeypatch.setattr(
        answers_mod, "write_atomic", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full"))
    )
    with pytest.raises(OSError):
        record_change(path, af, "b", "x")
    monkeypatch.setattr(answers_mod, "write_atomic", real)
    af = record_change(path, af, "c", "y")
    saved = read_answers(path)
    assert saved.answers == {"a": "c3", "b": "x", "c": "y"}
    assert len(saved.attempts) + saved.attempts_dropped == 6


def test_a_folder_that_cannot_lock_files_still_saves_with_a_warning(tmp_path, monkeypatch):
    import fcntl

    def no_locks(_fd, _op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    monkeypatch.setattr(answers_mod, "_WARNED_NO_LOCK", set())
    with pytest.warns(
        RuntimeWarning, match="saved without a lock, since this folder cannot lock files"
    ):
        record_change(tmp_path / "set.json", AnswerFile("s1", "set"), "a", "self_service")
    # said once, not at every save
    record_change(tmp_path / "set.json", AnswerFile("s1", "set"), "b", "communities")
    assert read_answers(tmp_path / "set.json").answers == {"a": "self_service", "b": "communities"}


# -- a shared computer: a returning student's answers come back (breaker t6) -------------------


def test_a_returning_student_gets_their_set_aside_answers_back(tmp_path):
    right = all_right()
    items = load_exercise_set(SET).items
    write_answers(
        tmp_path / f"{SET}.json",
        AnswerFile("s0001", SET, dict(right), saved_at="2026-11-20T10:00:00+09:00"),
    )

    def session(student):
        ex = bmc.relationship_exercise(lang="en", answers_dir=tmp_path, student_id=student)
        shown = len(ex.answers.answers)
        ex.show(3)
        ex.choices.value = next(c for c in items[3].choices("en") if c != right[items[3].id])
        return shown

    assert [session("s0001"), session("s0002"), session("s0001")] == [33, 0, 33]
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == [f"{SET}.json", f"{SET}.s0002.json"]  # nothing deleted, s0002's kept aside
    batch = bmc.grade_batch([tmp_path], bmc.load_key(SET))
    key = bmc.load_key(SET)
    scores = {r.student_id: r.score for r in batch.rows}
    assert scores == {"s0001": key.max_score - key.item(items[3].id).points, "s0002": 0}
    assert not batch.problems
    # and s0002 finds their own answer when they come back
    assert session("s0002") == 1


def test_set_aside_copies_are_merged_newest_change_first_and_the_merge_counts(tmp_path):
    """A folder left as before the fix: s0001's fresh 1-answer file (later) and their 3-answer copy
    set aside under a differently spelt id; the newest change of each item wins, a later clear too.
    """

    def at(minute):
        return f"2026-11-20T10:{minute:02d}:00+09:00"

    def attempt(item, choice, minute):
        return {"item": item, "choice": choice, "event": "choose", "at": at(minute)}

    aside = AnswerFile(
        "S0001",
        SET,
        {"a": "x", "b": "x", "c": "x"},
        saved_at=at(10),
        attempts=[attempt("a", "x", 1), attempt("b", "x", 2), attempt("c", "x", 10)],
    )
    write_answers(tmp_path / f"{SET}.S0001.json", aside)
    current = AnswerFile(
        "s0001",
        SET,
        {"a": "y"},
        saved_at=at(20),
        attempts=[attempt("a", "y", 15), attempt("c", None, 5), attempt("b", None, 20)],
    )
    write_answers(tmp_path / f"{SET}.json", current)
    af = answers_mod.load_or_new(tmp_path / f"{SET}.json", student_id="s0001", exercise_set=SET)
    # a: newer in the current file; b: cleared later; c: the copy's change (10) beats the clear (5)
    assert af.answers == {"a": "y", "c": "x"}
    on_disk = read_answers(tmp_path / f"{SET}.json")
    assert on_disk.answers == af.answers and len(on_disk.attempts) == 6
    assert (tmp_path / f"{SET}.S0001.json").is_file()  # nothing deleted
    # the grader counts the merged file: it is the newest of the two
    assert on_disk.saved_time > read_answers(tmp_path / f"{SET}.S0001.json").saved_time


def test_another_students_copy_or_a_damaged_one_is_never_taken_as_yours(tmp_path):
    write_answers(tmp_path / f"{SET}.s0001x.json", AnswerFile("s0001x", SET, {"a": "x"}))
    write_answers(tmp_path / f"{SET}.s0001.json", AnswerFile("s0002", SET, {"a": "x"}))
    (tmp_path / f"{SET}.s0001.20261120-100000-000000.json").write_text("{", encoding="utf-8")
    af = answers_mod.load_or_new(tmp_path / f"{SET}.json", student_id="s0001", exercise_set=SET)
    assert af.answers == {} and not (tmp_path / f"{SET}.json").exists()
    assert len(list(tmp_path.glob("*.json"))) == 3
