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
