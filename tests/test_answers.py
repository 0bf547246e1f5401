"""Answer files: strict reading, atomic writing, attempt log, and fuzzing of the reader."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmclib.answers import (
    AnswerFile,
    load_or_new,
    parse_answers,
    read_answers,
    write_answers,
    write_json_atomic,
)
from bmclib.errors import AnswerFileError

GOOD = {
    "format": "bmclib-answers",
    "version": 1,
    "student_id": "s0001",
    "student_name": "Kim Minji",
    "exercise_set": "relationships-practice",
    "answers": {"netflix": "automated_services"},
    "saved_at": "2026-11-20T10:00:00+09:00",
}


def dump(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def test_reads_the_contract_example():
    af = parse_answers(dump(GOOD), "a.json")
    assert (af.student_id, af.student_name, af.exercise_set) == (
        "s0001",
        "Kim Minji",
        "relationships-practice",
    )
    assert af.answers == {"netflix": "automated_services"}
    assert af.saved_time.isoformat() == "2026-11-20T10:00:00+09:00"


def test_unknown_keys_and_grade_fields_are_ignored():
    af = parse_answers(dump({**GOOD, "score": 100, "percent": 100, "extra": [1]}))
    assert not hasattr(af, "score")
    assert af.to_dict().get("score") is None


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"{not json", "not valid JSON: expected a name in double quotes (line 1)"),
        (b"[1, 2]", "not an answer file: the top level is a list, not an object"),
        (
            dump({**GOOD, "format": "other"}),
            'wrong format \'other\'; an answer file has "format": "bmclib-answers"',
        ),
        (
            dump({k: v for k, v in GOOD.items() if k != "format"}),
            'not an answer file: no "format": "bmclib-answers"',
        ),
        (dump({**GOOD, "version": 2}), "unknown version 2 (this bmclib reads version 1)"),
        (dump({k: v for k, v in GOOD.items() if k != "student_id"}), "missing student_id"),
        (dump({**GOOD, "student_id": "  "}), "missing student_id"),
        (
            dump({**GOOD, "answers": ["netflix"]}),
            "'answers' must be an object mapping item ids to choices, not a list",
        ),
        (
            dump({**GOOD, "answers": {"netflix": 3}}),
            "answer to 'netflix' is a number; each answer is one choice id (a string)",
        ),
    ],
)
def test_rejections_name_the_reason(data, reason):
    with pytest.raises(AnswerFileError) as err:
        parse_answers(data, "x.json")
    assert err.value.reason == reason
    assert str(err.value) == f"x.json: {reason}"


def test_null_answers_count_as_unanswered():
    assert parse_answers(dump({**GOOD, "answers": {"a": None, "b": "self_service"}})).answers == {
        "b": "self_service"
    }


def test_write_then_read_round_trip(tmp_path):
    af = AnswerFile("s1", "relationships-practice", {"ikea": "self_service"}, "이민호")
    path = write_answers(tmp_path / "answers" / "relationships-practice.json", af)
    back = read_answers(path)
    assert (back.student_id, back.student_name, back.answers) == (
        "s1",
        "이민호",
        {"ikea": "self_service"},
    )
    assert "이민호" in path.read_text(encoding="utf-8")  # real UTF-8, not \\u escapes
    assert back.saved_time is not None


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    write_json_atomic(target, GOOD)
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bmclib.fileio.os.fsync", boom)
    with pytest.raises(OSError):
        write_json_atomic(target, {**GOOD, "answers": {}})
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temp file left behind


def test_record_logs_every_attempt_with_time():
    af = AnswerFile("s1", "relationships-practice")
    af.record("netflix", "self_service")
    af.record("netflix", "automated_services", event="check")
    af.record("ikea", None)
    assert af.answers == {"netflix": "automated_services"}
    assert [(a["item"], a["choice"], a["event"]) for a in af.attempts] == [
        ("netflix", "self_service", "choose"),
        ("netflix", "automated_services", "check"),
        ("ikea", None, "choose"),
    ]
    assert all(a["at"] for a in af.attempts)


def test_load_or_new_continues_and_keeps_bad_files_aside(tmp_path):
    path = tmp_path / "relationships-practice.json"
    fresh = load_or_new(path, student_id="s1", exercise_set="relationships-practice")
    assert fresh.answers == {}
    fresh.record("ikea", "self_service")
    write_answers(path, fresh)
    again = load_or_new(path, student_id="s1", exercise_set="relationships-practice")
    assert again.answers == {"ikea": "self_service"}
    path.write_text("{broken", encoding="utf-8")
    third = load_or_new(path, student_id="s1", exercise_set="relationships-practice")
    assert third.answers == {}
    kept = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{broken"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_else(data):
    try:
        parse_answers(data, "fuzz.json")
    except AnswerFileError:
        pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "format": st.sampled_from(["bmclib-answers", "x"]) | JSON,
            "version": st.sampled_from([1, 2, "1"]) | JSON,
            "student_id": st.text(max_size=8) | JSON,
            "exercise_set": st.text(max_size=8) | JSON,
            "answers": st.dictionaries(st.text(max_size=8), st.text(max_size=8) | JSON, max_size=4)
            | JSON,
            "saved_at": st.text(max_size=30) | JSON,
        },
    ),
)
def test_arbitrary_json_never_raises_anything_else(anything, near_valid):
    for doc in (anything, near_valid):
        try:
            af = parse_answers(dump(doc), "fuzz.json")
        except AnswerFileError:
            continue
        assert isinstance(af.student_id, str) and af.student_id
        assert all(isinstance(v, str) for v in af.answers.values())


def test_saves_work_where_fcntl_is_an_empty_stub(tmp_path, monkeypatch):
    """JupyterLite's kernel replaces fcntl with an empty module: saving must still work."""
    import sys
    import types

    from bmclib.answers import AnswerFile, read_answers, record_change

    monkeypatch.setitem(sys.modules, "fcntl", types.ModuleType("fcntl"))
    path = tmp_path / "set.json"
    record_change(path, AnswerFile("s1", "set"), "netflix", "automated_services")
    assert read_answers(path).answers == {"netflix": "automated_services"}


def test_a_number_with_thousands_of_digits_is_a_plain_reason_not_a_crash():
    data = (
        b'{"format": "bmclib-answers", "version": 1, '
        b'"student_id": "s1", "exercise_set": "x", "answers": {},'
        b' "junk": ' + b"9" * 5000 + b"}"
    )
    with pytest.raises(AnswerFileError, match="not valid JSON: a number with too many digits"):
        parse_answers(data, "big.json")
    with pytest.raises(AnswerFileError, match="nested too deeply"):
        parse_answers(b"[" * 100_000 + b"]" * 100_000, "deep.json")


def test_saved_files_honour_the_umask_and_keep_an_existing_mode(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = write_answers(tmp_path / "a.json", AnswerFile("s1", "set"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.chmod(path, 0o640)
        write_answers(path, AnswerFile("s1", "set"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_temporary_files_left_by_killed_saves_are_removed_by_the_next_save(tmp_path):
    from bmclib.answers import record_change

    path = tmp_path / "set.json"
    for n in range(3):  # what a save killed between writing and renaming leaves behind
        (tmp_path / f".set.json.k{n}.tmp").write_text("{", encoding="utf-8")
    # another file's: not ours to touch
    (tmp_path / ".other.json.k.tmp").write_text("{", encoding="utf-8")
    record_change(path, AnswerFile("s1", "set"), "a", "self_service")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.json.k.tmp",
        ".set.json.lock",
        "set.json",
    ]


def test_the_attempt_log_is_capped_so_saves_stay_fast(tmp_path):
    from bmclib.answers import MAX_ATTEMPTS, record_change

    path = tmp_path / "set.json"
    af = AnswerFile("s1", "set")
    af.attempts = [
        {
            "item": "a",
            "choice": "x",
            "event": "choose",
            "at": f"2026-11-20T10:{n // 60:02d}:{n % 60:02d}",
        }
        for n in range(MAX_ATTEMPTS + 200)
    ]
    af = record_change(path, af, "b", "communities")
    back = read_answers(path)
    assert len(back.attempts) == MAX_ATTEMPTS and back.attempts_dropped == 201
    assert back.attempts[-1]["item"] == "b" and back.answers == {"b": "communities"}
    af = record_change(path, af, "c", "co_creation")
    assert read_answers(path).attempts_dropped == 202


def test_a_file_that_cannot_be_read_is_never_set_aside(tmp_path, monkeypatch):
    import bmclib.answers as mod

    path = tmp_path / "set.json"
    write_answers(path, AnswerFile("s1", "set", {"a": "self_service"}))
    monkeypatch.setattr(
        mod,
        "read_limited",
        lambda *_a, **_k: (_ for _ in ()).throw(PermissionError(13, "Permission denied")),
    )
    with pytest.raises(AnswerFileError) as err:
        load_or_new(path, student_id="s1", exercise_set="set")
    assert err.value.unreadable and "permission denied" in err.value.reason
    with pytest.raises(AnswerFileError):
        mod.record_change(path, AnswerFile("s1", "set"), "b", "communities")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["set.json"]
    assert read_answers(path).answers == {"a": "self_service"}


def test_a_damaged_file_is_set_aside_and_a_new_one_started(tmp_path):
    path = tmp_path / "set.json"
    path.write_text("{damaged", encoding="utf-8")
    af = load_or_new(path, student_id="s1", exercise_set="set")
    assert af.answers == {} and not path.exists()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("set.bad-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == "{damaged"


# -- the reader's fast paths read what the plain JSON reader reads ------------------------------


@pytest.mark.parametrize(
    "wrap",
    [
        lambda b: b"\xef\xbb\xbf" + b,  # Notepad's UTF-8 with a byte-order mark
        lambda b: b + b"\n",
        lambda b: b"\n  " + b + b" \r\n\t",
        lambda b: b"\xef\xbb\xbf\n" + b,
    ],
    ids=["bom", "newline-after", "spaces-around", "bom-then-newline"],
)
def test_a_file_with_a_byte_order_mark_or_spaces_around_reads_as_without(wrap):
    af = parse_answers(wrap(dump(GOOD)), "a.json")
    assert (af.student_id, af.answers) == ("s0001", {"netflix": "automated_services"})


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "expected a value (line 1)"),
        (b"   ", "expected a value (line 1)"),
        (dump(GOOD) + b"\n{}", "(line 2)"),  # two objects: the second is named
        (dump(GOOD) + b"x", "(line 1)"),
        (b"\xef\xbb\xbf\xef\xbb\xbf" + dump(GOOD), "(line 1)"),  # only one mark is forgiven
    ],
    ids=["empty", "only-spaces", "second-object", "trailing-letter", "two-marks"],
)
def test_text_before_or_after_the_object_is_refused_with_its_line(data, reason):
    with pytest.raises(AnswerFileError) as exc:
        parse_answers(data, "a.json")
    assert "not valid JSON" in str(exc.value) and reason in str(exc.value)


def test_the_object_limit_and_duplicate_names_hold_after_leading_spaces():
    flood = b" [" + b",".join([b"{}"] * 100_001) + b"]"
    with pytest.raises(AnswerFileError, match="more than 100,000 JSON objects"):
        parse_answers(flood, "a.json")
    with pytest.raises(AnswerFileError, match='"format" is given twice'):
        parse_answers(b'\n{"format": "bmclib-answers", "format": "x"}', "a.json")
    # and a file after such a flood is read from a fresh count
    assert parse_answers(b" " + dump(GOOD), "b.json").student_id == "s0001"
