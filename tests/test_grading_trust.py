"""A breaker's findings against bmc grade and bmc report (issue 9): outputs never replace what was
read or what is not a plain file, one odd file never stops a class, item and student ids compare
as people read them, and every file that is not graded is named."""

import csv
import io
import json
import os
import stat
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

from bmclib.cli import main

KEY_TEXT = (
    "exercise_set,item_id,best,acceptable,points\n"
    "quiz,a,self_service,communities,1\n"
    "quiz,b,co_creation,,2\n"
)


def answer(student, answers, saved="2026-01-01T10:00:00+00:00", **extra) -> bytes:
    doc = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student,
        "exercise_set": "quiz",
        "answers": answers,
        "saved_at": saved,
        **extra,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def rows_of(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """The tester's setup: key.csv and a folder c1 with two students, in a fresh working folder."""
    monkeypatch.chdir(tmp_path)
    Path("key.csv").write_text(KEY_TEXT, encoding="utf-8")
    Path("c1").mkdir()
    Path("c1/s1.json").write_bytes(answer("s1", {"a": "self_service", "b": "co_creation"}))
    Path("c1/s2.json").write_bytes(answer("s2", {"a": "communities"}))
    return tmp_path


def grade(*args) -> int:
    return main(["grade", *map(str, args), "--quiet"])


def snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): (
            p.read_bytes() if p.is_file() and not p.is_symlink() else None
        )
        for p in sorted(folder.rglob("*"))
    }


# -- 1. no output replaces a file that was read ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["c1", "--key", "key.csv", "--out", "key.csv"],
        ["c1", "--key", "key.csv", "--out", "c1/s1.json"],
        ["c1", "--key", "key.csv", "--out", "g.csv", "--problems", "c1/s2.json"],
        ["c1", "--key", "key.csv", "--out", "g.csv", "--problems", "key.csv"],
        # the sources file beside key.csv is the key
        ["c1", "--key", "key.sources.csv", "--out", "key.csv"],
        ["c1", "--key", "hard-link.csv", "--out", "key.csv"],
    ],
    ids=[
        "out-key",
        "out-student-in-folder",
        "problems-student",
        "problems-key",
        "sources-key",
        "hard-link",
    ],
)
def test_no_output_replaces_the_key_or_a_file_found_in_a_folder(setup, capsys, args):
    os.link("key.csv", "hard-link.csv")
    os.link("key.csv", "key.sources.csv")
    before = snapshot(setup)
    assert grade(*args) == 2
    assert snapshot(setup) == before  # nothing written, nothing replaced
    err = capsys.readouterr().err
    assert "write the output elsewhere" in err


def test_an_output_inside_a_graded_zip_folder_never_replaces_the_zip(setup, capsys):
    Path("zz").mkdir()
    with zipfile.ZipFile("zz/class.zip", "w") as z:
        z.write("c1/s1.json", "s1.json")
    before = snapshot(setup)
    assert grade("zz", "--key", "key.csv", "--out", "zz/class.zip") == 2
    assert snapshot(setup) == before
    assert "is one of the files read in this run" in capsys.readouterr().err


def test_report_never_replaces_a_file_it_read(setup, capsys):
    before = snapshot(setup)
    assert (
        main(["report", "c1", "--key", "key.csv", "--out", "rep", "--problems", "c1/s1.json"]) == 2
    )
    assert (
        main(["report", "c1", "--key", "c1/../key.csv", "--out", "rep", "--problems", "key.csv"])
        == 2
    )
    assert snapshot(setup) == before and not Path("rep").exists()


# -- 2. an output that is not a regular file is refused
# ---------------------------------------------


def special_files(folder: Path) -> dict[str, Path]:
    made = {}
    os.mkfifo(folder / "fifo")
    made["fifo"] = folder / "fifo"
    (folder / "link").symlink_to(folder / "elsewhere.csv")
    made["link"] = folder / "link"
    try:
        # a null device, never /dev/null
        os.mknod(folder / "nulldev", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made["device"] = folder / "nulldev"
    except (PermissionError, OSError):
        pass  # not root: the fifo and the link still show the rule
    return made


@pytest.mark.parametrize("flag", ["--out", "--problems"])
def test_an_output_that_is_a_device_pipe_or_link_is_refused(setup, capsys, flag):
    made = special_files(setup)
    for kind, path in made.items():
        args = ["c1", "--key", "key.csv", "--out", str(path) if flag == "--out" else "g.csv"]
        if flag == "--problems":
            args += ["--problems", str(path)]
        assert grade(*args) == 2, kind
        err = capsys.readouterr().err
        assert f"{flag} {path}: it is there already and is not a regular file" in err, (kind, err)
        mode = os.lstat(path).st_mode
        assert {"fifo": stat.S_ISFIFO, "link": stat.S_ISLNK, "device": stat.S_ISCHR}[kind](mode)
    assert not Path("g.csv").exists() and not Path("elsewhere.csv").exists()


def test_canvas_draw_refuses_a_device_as_its_output(setup, capsys):
    made = special_files(setup)
    Path("c.json").write_text(
        json.dumps({"format": "bmclib-canvas", "version": 1, "title": "T", "blocks": {}})
    )
    for path in made.values():
        assert main(["canvas", "draw", "c.json", "--out", str(path)]) == 2
        assert "is not a regular file" in capsys.readouterr().err


# -- 3. one odd file never stops the run -----------------------------------------------------------


@pytest.mark.parametrize("field", ["student_id", "student_name", "saved_at", "exercise_set"])
def test_a_lone_surrogate_in_any_field_is_one_files_problem(setup, field):
    doc = json.loads(answer("s3", {"a": "self_service"}))
    doc[field] = "s\udc80" if field != "exercise_set" else "quiz\udc80"
    # the escape "\udc80" as the tester wrote it
    Path("c1/s3.json").write_text(json.dumps(doc), encoding="ascii")
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s1", "s2"]
    problems = {r["source"]: r["problem"] for r in rows_of(Path("p.csv"))}
    assert problems == {
        "c1/s3.json": f"{field}: it holds half of a character (U+DC80), which is not valid text"
    }


def test_a_nul_in_a_student_id_is_a_problem_not_a_cell(setup):
    Path("c1/s3.json").write_bytes(answer("s\u00003", {"a": "self_service"}))
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert "\x00" not in Path("g.csv").read_text(encoding="utf-8")
    assert (
        rows_of(Path("p.csv"))[0]["problem"] == "student_id: it holds the control character U+0000"
    )


@pytest.mark.parametrize("command", ["grade", "report"])
def test_file_names_that_are_not_utf8_are_graded_and_shown_escaped(setup, command):
    with open(b"c1/\xff\xfe.json", "wb") as fh:  # a damaged name, with a student's real file inside
        fh.write(answer("s3", {"a": "self_service"}))
    with open(
        "c1/\ud55c.json".encode("utf-8").replace("\ud55c".encode(), "한".encode("cp949")), "wb"
    ) as fh:
        fh.write(b"")  # a CP949 name from a Windows zip, and an empty file: a problem, named
    if command == "grade":
        assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
        assert [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s1", "s2", "s3"]
        sources = {r["student_id"]: r["source"] for r in rows_of(Path("g.sources.csv"))}
        assert sources["s3"] == "c1/\\xff\\xfe.json"
        assert [r["source"] for r in rows_of(Path("p.csv"))] == ["c1/\\xc7\\xd1.json"]
    else:
        assert (
            main(["report", "c1", "--key", "key.csv", "--out", "rep", "--problems", "p.csv"]) == 1
        )
        assert "c1/\\xc7\\xd1.json" in Path("p.csv").read_text(encoding="utf-8")
        assert (Path("rep") / "index.html").is_file()


def test_canvas_validate_and_draw_agree_on_a_lone_surrogate(setup, capsys):
    Path("cv.json").write_text(
        '{"format": "bmclib-canvas", "version": 1,\n "title": "T\\udc80", "blocks": {}}'
    )
    assert main(["validate", "cv.json"]) == 1
    assert "cv.json:2: it holds half of a character (U+DC80)" in capsys.readouterr().out
    assert main(["canvas", "draw", "cv.json", "--out", "cv.png"]) == 2
    assert "cv.json:2: it holds half of a character (U+DC80)" in capsys.readouterr().err
    assert not Path("cv.png").exists()


# -- 11. any depth of folders ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["grade", "validate"])
def test_a_folder_nested_1500_levels_deep_is_walked(setup, command):
    path = "deep"
    os.mkdir(path)
    for _ in range(1500):  # one level at a time (pathlib's mkdir(parents=True) itself recurses)
        path += "/d"
        os.mkdir(path)
    path = Path(path)
    (path / "s9.json").write_bytes(answer("s9", {"a": "self_service"}))
    args = (
        ["grade", "deep", "--key", "key.csv", "--out", "g.csv", "--quiet"]
        if command == "grade"
        else ["validate", "deep"]
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bmclib.cli", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:  # removed here, bottom up: pytest's own clean-up of tmp_path recurses and would fail
        (path / "s9.json").unlink()
        for level in range(1500, -1, -1):
            os.rmdir("deep" + "/d" * level)
    assert "RecursionError" not in done.stderr and "Traceback" not in done.stderr, done.stderr[
        -2000:
    ]
    if command == "grade":
        assert done.returncode == 0 and [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s9"]
    else:
        assert done.returncode in (0, 1)


# -- 13. item ids compare as people read them ------------------------------------------------------


def test_an_nfd_item_id_in_the_key_matches_nfc_answers(setup):
    nfd = unicodedata.normalize("NFD", "하버뱅크")
    Path("key.csv").write_text(
        f"exercise_set,item_id,best\nquiz,{nfd},self_service\n", encoding="utf-8"
    )
    Path("c1/s1.json").write_bytes(
        answer("s1", {unicodedata.normalize("NFC", "하버뱅크"): "self_service"})
    )
    Path("c1/s2.json").unlink()
    assert grade("c1", "--key", "key.csv", "--out", "g.csv") == 0
    assert rows_of(Path("g.csv"))[0]["score"] == "1"


@pytest.mark.parametrize(
    "pair", [("\u00e9", "e\u0301"), ("\uff41", "a"), ("A", "a")], ids=["nfc-nfd", "width", "case"]
)
def test_a_key_with_two_spellings_of_one_item_id_is_refused(setup, capsys, pair):
    Path("key.csv").write_text(
        f"exercise_set,item_id,best\nquiz,{pair[0]},self_service\nquiz,{pair[1]},communities\n",
        encoding="utf-8",
    )
    assert grade("c1", "--key", "key.csv", "--out", "g.csv") == 2
    err = capsys.readouterr().err
    assert (
        "key.csv:3: item_id" in err
        and "(line 2) once Unicode forms, letter widths and capitals are set aside" in err
    )
    assert not Path("g.csv").exists()


def test_key_item_ids_with_spaces_at_the_ends_are_refused(setup, capsys):
    Path("key.csv").write_text(
        'exercise_set,item_id,best\nquiz," a",self_service\n', encoding="utf-8"
    )
    assert grade("c1", "--key", "key.csv", "--out", "g.csv") == 2
    assert (
        "key.csv:2: item_id ' a' cannot be an item id: it begins or ends with a space"
        in capsys.readouterr().err
    )


# -- 14. one bad entry name is one problem ---------------------------------------------------------


def test_a_zip_entry_with_an_invalid_utf8_name_is_one_problem(setup):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in range(1, 6):
            z.writestr(f"s{n}.json", answer(f"s{n}", {"a": "self_service"}))
        info = zipfile.ZipInfo("BADNAME.json")
        z.writestr(info, answer("s9", {}))
    # both headers; then set the UTF-8 flag
    data = buf.getvalue().replace(b"BADNAME", b"\xff\xfe\xfdNAME")
    data = bytearray(data)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 3] == b"\xff\xfe\xfd":
                data[pos + flag_at + 1] |= 0x08
            pos = data.find(sig, pos + 4)
    Path("lms.zip").write_bytes(bytes(data))
    with pytest.raises(UnicodeDecodeError):  # what used to reject the whole archive
        zipfile.ZipFile("lms.zip")
    assert grade("lms.zip", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s1", "s2", "s3", "s4", "s5"]
    problems = rows_of(Path("p.csv"))
    assert len(problems) == 1 and problems[0]["source"] == "lms.zip!\\xff\\xfe\\xfdNAME.json"
    assert problems[0]["problem"].startswith(
        "this archive entry's name is marked as UTF-8 but is not"
    )


# -- 15. submissions never dropped without a name
# ---------------------------------------------------


def test_files_that_look_like_answer_files_are_named(setup):
    Path("c1/s3.json.txt").write_bytes(answer("s3", {}))
    Path("c1/s6.json.gz").write_bytes(b"\x1f\x8b")
    # trailing space: read as an answer file
    Path("c1/s4.JSON ").write_bytes(answer("s4", {"a": "self_service"}))
    Path("c1/notes.txt").write_text("x")
    Path("c1/.s1.json.lock").write_text("")  # a save's lock file: neither named nor graded
    with zipfile.ZipFile("c1/more.zip", "w") as z:
        z.writestr("s7.json.bak", answer("s7", {}))
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s1", "s2", "s4"]
    problems = {r["source"]: r["problem"] for r in rows_of(Path("p.csv"))}
    assert sorted(problems) == ["c1/more.zip!s7.json.bak", "c1/s3.json.txt", "c1/s6.json.gz"]
    assert all(
        p.startswith("looks like an answer file but is not named *.json") for p in problems.values()
    )


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_bookkeeping_files_are_ignored_and_set_aside_copies_noted(setup, capsys, packed):
    """A save's lock and temporary files are neither graded nor counted; a copy the exercise set
    aside is not graded (the student's own file counts) but named in a note, and graded when named
    itself."""
    extra = {
        ".s1.json.lock": b"",
        ".s1.json.k3j2h1.tmp": answer("s1", {}, saved="2026-02-01T00:00:00+00:00"),
        "s2.bad-20260101-100000.json": answer(
            "s2", {"a": "self_service", "b": "co_creation"}, saved="2026-02-01T00:00:00+00:00"
        ),
        "s1.bad-other-set.json": b"{damaged",
    }
    if packed:
        with zipfile.ZipFile("c1/class.zip", "w") as z:
            for name, data in extra.items():
                z.writestr(f"c1z/{name}", data)
    else:
        for name, data in extra.items():
            Path("c1", name).write_bytes(data)
    assert main(["grade", "c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv"]) == 0
    err = capsys.readouterr().err
    assert {r["student_id"]: r["score"] for r in rows_of(Path("g.csv"))} == {"s1": "3", "s2": "0.5"}
    assert rows_of(Path("p.csv")) == []
    assert "skipped" not in err and "graded 2 student(s) from 2 file(s); 0 problem(s)" in err
    where = "c1/class.zip!c1z/" if packed else "c1/"
    assert err.count("a copy an exercise set aside") == 2
    assert f"{where}s2.bad-20260101-100000.json: a copy an exercise set aside" in err
    assert main(["report", "c1", "--key", "key.csv", "--out", "rep", "--problems", "rp.csv"]) == 0
    assert rows_of(Path("rp.csv")) == []
    if not packed:
        assert main(["validate", "c1"]) == 0
        assert "OK: 2 files checked" in capsys.readouterr().out
        assert grade("c1/s2.bad-20260101-100000.json", "--key", "key.csv", "--out", "g2.csv") == 0
        assert {r["student_id"]: r["score"] for r in rows_of(Path("g2.csv"))} == {"s2": "3"}


# -- 16. a full disk leaves the old outputs together -----------------------------------------------


def test_a_failed_write_leaves_every_output_as_it_was_and_names_the_file(
    setup, monkeypatch, capsys
):
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 0
    before = snapshot(setup)
    Path("c1/s3.json").write_bytes(b"not json")
    from bmclib import fileio

    real = fileio._stage

    def full_disk(target, text, **kw):
        if Path(target).name == "p.csv":
            raise OSError(28, "No space left on device")
        return real(target, text, **kw)

    monkeypatch.setattr(fileio, "_stage", full_disk)
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 2
    assert "bmc grade: p.csv: no space left on the disk" in capsys.readouterr().err
    after = snapshot(setup)
    del after["c1/s3.json"]
    assert after == before  # old grades beside old problems, no temporary file left


def test_report_writes_all_its_files_or_none(setup, monkeypatch, capsys):
    from bmclib import fileio

    real = fileio._stage

    def full_disk(target, text, **kw):
        if Path(target).name == "index.html":
            raise OSError(28, "No space left on device")
        return real(target, text, **kw)

    monkeypatch.setattr(fileio, "_stage", full_disk)
    assert main(["report", "c1", "--key", "key.csv", "--out", "rep"]) == 2
    assert "index.html: no space left on the disk" in capsys.readouterr().err
    assert list(Path("rep").iterdir()) == []  # no 0-byte items.png, no temporary file


# -- 17. invisible characters in ids ---------------------------------------------------------------


@pytest.mark.parametrize(
    "invisible", ["\u200e", "\u180e", "\u034f", "\ufe0f", "\u2066", "\u3164", "\U000e0041"]
)
def test_every_invisible_character_is_removed_from_student_ids(setup, invisible):
    Path("c1/s1-copy.json").write_bytes(
        answer(f"s{invisible}1", {"a": "communities"}, saved="2026-01-02T10:00:00+00:00")
    )
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert len(rows_of(Path("g.csv"))) == 2  # one student, whose later file counts
    assert rows_of(Path("p.csv"))[0]["problem"].startswith("superseded by c1/s1-copy.json")


# -- 18. smaller findings
# ---------------------------------------------------------------------------


def test_a_name_given_twice_in_an_answer_file_is_refused(setup):
    Path("c1/s3.json").write_text(
        '{"format": "bmclib-answers", "version": 1, "student_id": "s3", "student_id": "s1",'
        ' "exercise_set": "quiz", "answers": {}}',
        encoding="utf-8",
    )
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert rows_of(Path("p.csv"))[0] == {
        "source": "c1/s3.json",
        "problem": 'the name "student_id" is given twice in one object; which value counts '
        "cannot be known",
    }


def test_two_future_files_of_one_student_say_so(setup):
    Path("c1/s1.json").write_bytes(
        answer("s1", {"a": "self_service"}, saved="2099-01-01T00:00:00+00:00")
    )
    Path("c1/s1b.json").write_bytes(
        answer("s1", {"a": "communities"}, saved="2099-02-01T00:00:00+00:00")
    )
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    problems = {r["source"]: r["problem"] for r in rows_of(Path("p.csv"))}
    assert "graded, as every file of this student lies in the future" in problems["c1/s1b.json"]
    assert "no other file" not in " ".join(problems.values())


def test_duplicate_entry_names_in_one_zip_have_distinct_sources(setup):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it writes
        with zipfile.ZipFile("dup.zip", "w") as z:
            z.writestr(
                "s1.json", answer("s1", {"a": "self_service"}, saved="2026-01-01T10:00:00+00:00")
            )
            z.writestr(
                "s1.json", answer("s1", {"a": "communities"}, saved="2026-01-02T10:00:00+00:00")
            )
        assert grade("dup.zip", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    assert rows_of(Path("g.sources.csv"))[0]["source"] == "dup.zip!s1.json#2"
    assert rows_of(Path("p.csv"))[0]["source"] == "dup.zip!s1.json#1"


def test_the_note_about_ignored_items_is_capped(setup, capsys):
    Path("c1/s1.json").write_bytes(answer("s1", {f"x{n:03d}": "self_service" for n in range(500)}))
    assert grade("c1", "--key", "key.csv", "--out", "g.csv") == 0
    note = [line for line in capsys.readouterr().err.splitlines() if "ignored answers" in line]
    assert len(note) == 1 and note[0].endswith("x009 and 490 more") and len(note[0]) < 300


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("deflate", "its compressed data is damaged and cannot be unpacked"),
        ("crc", "its contents do not match the archive's checksum"),
    ],
)
def test_decompression_errors_read_in_plain_words(setup, damage, reason):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("s3.json", answer("s3", {"a": "self_service"}) * 20)
    data = bytearray(buf.getvalue())
    start = 30 + len("s3.json")
    if damage == "deflate":
        data[start : start + 30] = b"\xff" * 30
    else:  # a changed checksum in both headers: the data unpacks, but is not what was packed
        for pos in (data.find(b"PK\x03\x04") + 14, data.find(b"PK\x01\x02") + 16):
            data[pos] ^= 0xFF
    Path("lms.zip").write_bytes(bytes(data))
    assert grade("lms.zip", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 1
    problem = rows_of(Path("p.csv"))[0]["problem"]
    assert problem.startswith(f"cannot read this archive entry ({reason}")
    assert "Error -3" not in problem and "CRC-32" not in problem


def test_the_bytes_unpacked_in_one_run_are_capped(setup):
    from bmclib.grading import grade_batch
    from bmclib.keys import load_key

    with zipfile.ZipFile("big.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        for n in range(1, 6):
            z.writestr(f"s{n}.json", answer(f"s{n}", {"a": "self_service"}, pad=" " * 400_000))
    batch = grade_batch(["big.zip"], load_key("key.csv"), max_unpacked=1_000_000)
    assert [r.student_id for r in batch.rows] == ["s1", "s2"]
    reasons = {s: str(p) for s, p in batch.problems}
    assert sorted(reasons) == ["big.zip!s3.json", "big.zip!s4.json", "big.zip!s5.json"]
    assert all(
        r.startswith("not read: the archives of this run have already unpacked to 976.6 KB")
        for r in reasons.values()
    )


def test_a_canvas_beside_the_answers_is_named_in_a_note_not_a_problem(setup, capsys):
    canvas = {"format": "bmclib-canvas", "version": 1, "title": "Shop", "lang": "en", "blocks": {}}
    Path("c1/capstone.json").write_text(json.dumps(canvas), encoding="utf-8")
    code = main(["grade", "c1", "--key", "key.csv", "--out", "g.csv"])
    err = capsys.readouterr().err
    assert code == 0 and "capstone.json: a bmclib-canvas file, not an answer file" in err
    assert "graded 2 student(s) from 3 file(s); 0 problem(s)" in err
    assert [r["student_id"] for r in rows_of(Path("g.csv"))] == ["s1", "s2"]


def test_a_hard_link_inside_a_folder_is_read_once_and_a_capital_set_aside_copy_noted(setup, capsys):
    """The folder walk reads each file with one open; the same file under a second name (a hard
    link) still counts once, and a set-aside copy is known in capitals too."""
    os.link("c1/s1.json", "c1/s1-again.json")
    Path("c1/S2.BAD-20260101-100000.JSON").write_bytes(
        answer("s2", {"a": "self_service", "b": "co_creation"}, saved="2026-02-01T00:00:00+00:00")
    )
    assert main(["grade", "c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv"]) == 0
    err = capsys.readouterr().err
    assert {r["student_id"]: r["score"] for r in rows_of(Path("g.csv"))} == {"s1": "3", "s2": "0.5"}
    assert rows_of(Path("p.csv")) == []
    assert "c1/S2.BAD-20260101-100000.JSON: a copy an exercise set aside" in err
    assert "graded 2 student(s) from 2 file(s); 0 problem(s)" in err


def test_a_file_given_the_inode_number_of_one_read_earlier_is_still_read(setup, monkeypatch):
    """A file system may give a freed inode number to the next new file at once (ext4 does): a
    student saving while the class is graded frees one, and a classmate's new file takes it. A
    file counts as read already only when its change time is the same too."""
    real_fstat = os.fstat

    def reused_number(fd):  # every file reports inode 42, each with its own change time
        st = real_fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return st
        fields = {"st_mode": st.st_mode, "st_size": st.st_size, "st_dev": st.st_dev}
        return type("Stat", (), {**fields, "st_ino": 42, "st_ctime_ns": st.st_ino})()

    monkeypatch.setattr(os, "fstat", reused_number)
    assert grade("c1", "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv") == 0
    assert {r["student_id"] for r in rows_of(Path("g.csv"))} == {"s1", "s2"}


def test_a_file_name_with_terminal_codes_or_line_breaks_is_shown_escaped(setup, capsys):
    """A name can hold any character but / and NUL: printed raw, ESC codes would clear or recolour
    the instructor's terminal and a line break would forge a line of bmc's own."""
    Path("c1/ev\x1b[2Jil\nnote: all fine.json").write_bytes(b"{damaged")
    Path("c1/\u202egpj.json").write_bytes(answer("s3", {"a": "self_service"}))
    assert grade("c1", "--key", "key.csv", "--out", "g.csv") == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err
    assert "c1/ev\\x1b[2Jil\\x0anote: all fine.json: not valid JSON" in err
    assert not any(line.startswith("note: all fine") for line in err.splitlines())
    sources = rows_of(Path("g.sources.csv"))
    assert [r["source"] for r in sources if r["student_id"] == "s3"] == ["c1/\\u202egpj.json"]
