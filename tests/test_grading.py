"""`bmc grade` end to end, as CONTRACT.md section 5 says, checked against golden files.

Refresh the goldens deliberately with ``pytest tests/test_grading.py --update-goldens``.
"""

import json
import zipfile
from pathlib import Path

import pytest

from bmclib.cli import main

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
KEY = HERE / "fixtures" / "key.csv"


def answer(student, answers, saved="2026-11-20T10:00:00+09:00", name="", **extra):
    doc = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student,
        "student_name": name,
        "exercise_set": "demo-set",
        "answers": answers,
        "saved_at": saved,
    }
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=False).encode()


def make_class(root: Path) -> None:
    """A class folder with good files and every kind of bad one."""
    (root / "class" / "late").mkdir(parents=True)
    files = {
        "class/s01.json": answer(
            "s01",
            {
                "netflix": "automated_services",
                "sap_community": "communities",
                "private_banking": "dedicated_personal_assistance",
                "ikea": "self_service",
            },
            name="Kim Minji",
        ),
        "class/s02.json": answer(
            "s02",
            {
                "netflix": "self_service",
                "sap_community": "co_creation",
                "ikea": "communities",
                "unknown_item": "self_service",
            },
            name="이서준",
        ),
        "class/s03_old.json": answer(
            "s03", {"netflix": "communities"}, saved="2026-11-20T09:00:00+09:00", name="Park"
        ),
        "class/late/s03_new.json": answer(
            "s03", {"netflix": "automated_services"}, saved="2026-11-20T09:30:00+09:00", name="Park"
        ),
        "class/s04.json": answer(
            "s04", {"netflix": "automated_services"}, name='=HYPERLINK("x")', score=100
        ),
        "class/bad_json.json": b'{"format": ',
        "class/latin1.json": '{"student_id": "é"}'.encode("latin-1"),
        "class/other_format.json": json.dumps({"format": "nbgrader", "version": 1}).encode(),
        "class/version2.json": answer("s09", {}).replace(b'"version": 1', b'"version": 2'),
        "class/no_student.json": answer("", {}),
        "class/list_answers.json": answer("s10", ["netflix"]),
        "class/other_set.json": answer("s11", {}).replace(b"demo-set", b"other-set"),
        "class/notes.txt": b"not an answer file, not .json: skipped",
    }
    for rel, data in files.items():
        (root / rel).write_bytes(data)
    with zipfile.ZipFile(root / "lms.zip", "w") as z:
        z.writestr(
            "submissions/s05_attempt.json",
            answer("s05", {"netflix": "self_service", "sap_community": "communities"}, name="-Lee"),
        )
        z.writestr("submissions/readme.html", "<p>skip me</p>")
        z.writestr("submissions/broken.json", b"\x00\x01")


def check_golden(path: Path, name: str, request) -> None:
    golden = GOLDEN / name
    text = path.read_text(encoding="utf-8")
    if request.config.getoption("--update-goldens"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def klass(tmp_path, monkeypatch):
    make_class(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_grade_a_class_with_every_kind_of_problem(klass, request, capsys):
    code = main(
        [
            "grade",
            "class",
            "lms.zip",
            "--key",
            str(KEY),
            "--out",
            "grades.csv",
            "--problems",
            "problems.csv",
            "--quiet",
        ]
    )
    assert code == 1  # some files rejected, grades for the rest written
    check_golden(klass / "grades.csv", "grades.csv", request)
    check_golden(klass / "problems.csv", "problems.csv", request)
    err = capsys.readouterr().err
    assert "note: class/s02.json: ignored answers to items not in the key: unknown_item" in err


def test_grades_have_the_contract_columns_and_neutralised_text(klass):
    main(["grade", "class", "lms.zip", "--key", str(KEY), "--out", "grades.csv", "--quiet"])
    lines = (klass / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "student_id,student_name,exercise_set,score,max_score,percent,"
        "netflix,sap_community,private_banking,ikea"
    )
    assert lines[1] == "s01,Kim Minji,demo-set,5,5,100,1,2,1,1"
    assert any(line.startswith("s04,\"'=HYPERLINK") for line in lines)
    assert any(line.startswith("s05,'-Lee,") for line in lines)


def test_without_problems_file_each_problem_is_one_stderr_line(klass, capsys):
    main(["grade", "class", "--key", str(KEY), "--out", "grades.csv", "--quiet"])
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("note:")]
    assert "class/bad_json.json: not valid JSON: expected a value (line 1)" in err
    assert "class/latin1.json: not UTF-8 text" in err
    assert len(err) == 8


def test_latest_saved_at_wins(klass):
    main(["grade", "class", "--key", str(KEY), "--out", "g.csv", "--problems", "p.csv", "--quiet"])
    grades = (klass / "g.csv").read_text(encoding="utf-8")
    assert "s03,Park,demo-set,1,5,20,1,0,0,0" in grades
    import csv

    rows = list(csv.reader((klass / "p.csv").read_text(encoding="utf-8").splitlines()))
    assert [
        "class/s03_old.json",
        (
            "superseded by class/late/s03_new.json (saved 2026-11-20T09:30:00+09:00, "
            "this one 2026-11-20T09:00:00+09:00)"
        ),
    ] in rows


def test_partial_credit_option(klass):
    main(["grade", "class", "--key", str(KEY), "--out", "g.csv", "--partial", "0.25", "--quiet"])
    assert "s02,이서준,demo-set,0.75,5,15,0.25,0.5,0,0" in (klass / "g.csv").read_text(
        encoding="utf-8"
    )


def test_regrade_one_student(klass, request):
    code = main(
        [
            "grade",
            "class",
            "lms.zip",
            "--key",
            str(KEY),
            "--out",
            "one.csv",
            "--student",
            "s05",
            "--problems",
            "p.csv",
            "--quiet",
        ]
    )
    lines = (klass / "one.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines] == ["student_id", "s05"]
    assert code == 1  # unreadable files are still reported: they might have been s05's


def test_all_good_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_bytes(answer("s1", {"ikea": "self_service"}))
    assert (
        main(
            [
                "grade",
                "a.json",
                "--key",
                str(KEY),
                "--out",
                "g.csv",
                "--problems",
                "p.csv",
                "--quiet",
            ]
        )
        == 0
    )
    assert (tmp_path / "p.csv").read_text(encoding="utf-8") == "source,problem\n"


@pytest.mark.parametrize("fmt", ["canvas", "moodle"])
def test_lms_formats(klass, request, fmt):
    assert (
        main(
            [
                "grade",
                "class",
                "lms.zip",
                "--key",
                str(KEY),
                "--out",
                f"{fmt}.csv",
                "--format",
                fmt,
                "--quiet",
            ]
        )
        == 1
    )
    check_golden(klass / f"{fmt}.csv", f"{fmt}.csv", request)


def test_platform_options_scale_column_and_excel(klass):
    import csv

    args = ["grade", "class", "lms.zip", "--key", str(KEY), "--quiet"]
    # Moodle: a new grade item has maximum 100, so write percentages (s02: 1.5 of 5 points)
    assert (
        main(
            [*args, "--out", "m.csv", "--format", "moodle", "--scale", "100", "--column", "Quiz 1"]
        )
        == 1
    )
    rows = list(csv.DictReader((klass / "m.csv").read_text(encoding="utf-8").splitlines()))
    s02 = next(r for r in rows if r["ID number"] == "s02")
    assert s02["Quiz 1"] == "30" and s02["Feedback"] == "1.5/5 (30%)"
    # Canvas: an existing assignment is targeted by "Title (id)"; Points Possible follows the scale
    assert (
        main(
            [
                *args,
                "--out",
                "c.csv",
                "--format",
                "canvas",
                "--column",
                "Relationships quiz (12345)",
                "--scale",
                "10",
            ]
        )
        == 1
    )
    table = list(csv.reader((klass / "c.csv").read_text(encoding="utf-8").splitlines()))
    assert table[0][5] == "Relationships quiz (12345)" and table[1][5] == "10"
    assert next(r for r in table if r[2] == "s02")[5] == "3"
    # --excel: a UTF-8 byte-order mark (what Excel needs on a double-click), the rest unchanged
    assert main([*args, "--out", "x.csv", "--excel"]) == 1
    assert main([*args, "--out", "plain.csv"]) == 1
    assert (klass / "x.csv").read_bytes() == b"\xef\xbb\xbf" + (klass / "plain.csv").read_bytes()
    assert "이서준" in (klass / "x.csv").read_text(encoding="utf-8-sig")


def test_platform_options_are_refused_where_they_mean_nothing(klass, capsys):
    args = ["grade", "class", "--key", str(KEY), "--out", "g.csv"]
    assert main([*args, "--scale", "100"]) == 2
    assert "not for csv" in capsys.readouterr().err
    assert main([*args, "--format", "moodle", "--scale", "0"]) == 2
    assert "the scale must be a number above 0, not 0" in capsys.readouterr().err
    assert not (klass / "g.csv").exists()


def test_usage_errors_exit_two_and_write_nothing(klass, capsys):
    bad_key = klass / "bad_key.csv"
    bad_key.write_text("exercise_set,item_id,best\ndemo-set,a,self_servic\n", encoding="utf-8")
    assert main(["grade", "class", "--key", str(bad_key), "--out", "g.csv"]) == 2
    assert (
        "bad_key.csv:2: best: 'self_servic' is not a choice id. Did you mean 'self_service'?"
        in capsys.readouterr().err
    )
    assert main(["grade", "nowhere", "--key", str(KEY), "--out", "g.csv"]) == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert main(["grade", "class", "--key", str(KEY), "--out", "g.csv", "--partial", "2"]) == 2
    assert main(["grade", "class", "--key", str(KEY)]) == 2  # --out missing: argparse usage error
    assert main(["grade", "class", "--key", str(KEY), "--out", "g.csv", "--format", "xlsx"]) == 2
    assert not (klass / "g.csv").exists()


def test_progress_bar_only_on_a_terminal(klass, capsys):
    main(["grade", "class", "--key", str(KEY), "--out", "g.csv"])
    err = capsys.readouterr().err
    assert "grading" not in err  # stderr is not a terminal under pytest: tqdm stays silent
    assert "graded 4 student(s) from 12 file(s); 8 problem(s)" in err


def test_report_html_and_figures(klass, capsys):
    assert (
        main(["report", "class", "lms.zip", "--key", str(KEY), "--out", "report", "--lang", "ko"])
        == 1
    )
    html = (klass / "report" / "index.html").read_text(encoding="utf-8")
    assert "학급 리포트" in html and "가장 흔한 오답" in html
    import matplotlib.image as mpimg

    from bmclib.scoring import STATUS_COLOURS

    def colours(name):
        pixels = mpimg.imread(klass / "report" / name)[..., :3].reshape(-1, 3)
        return {"#" + "".join(f"{round(c * 255):02X}" for c in px) for px in pixels[::3]}

    items = colours("items.png")
    # the shares are drawn
    assert {STATUS_COLOURS["best"].upper(), STATUS_COLOURS["wrong"].upper()} <= items
    assert len(colours("scores.png")) > 2  # a histogram, not a blank picture
    assert (klass / "report" / "BMCGothic-Regular.ttf").is_file()  # a Korean report brings its font
    assert "BMCGothic-Regular.ttf" in html


def test_report_problems_file_and_table(klass, capsys):
    assert (
        main(["report", "class", "--key", str(KEY), "--out", "report", "--problems", "rp.csv"]) == 1
    )
    assert capsys.readouterr().err == ""
    assert (
        (klass / "rp.csv")
        .read_text(encoding="utf-8")
        .startswith("source,problem\nclass/bad_json.json,")
    )
    from bmclib.keys import load_key
    from bmclib.report import build_report

    frame = build_report(["class"], load_key(KEY)).to_frame("en")
    assert list(frame["item_id"]) == ["netflix", "sap_community", "private_banking", "ikea"]
    row = frame.set_index("item_id").loc["ikea"]
    assert row["right"] == 0.25 and row["common_wrong"] == "Communities" and row["count"] == 1


def test_progress_bar_on_a_terminal_and_quiet_hides_it(klass):
    """On a real terminal (a pseudo-terminal here) `bmc grade` draws a progress bar; --quiet hides
    it."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    def run(*extra):
        leader, follower = pty.openpty()
        # a 100-column terminal
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bmclib.cli",
                "grade",
                "class",
                "--key",
                str(KEY),
                "--out",
                "g.csv",
                "--problems",
                "p.csv",
                *extra,
            ],
            stderr=follower,
            stdout=subprocess.DEVNULL,
            cwd=klass,
            check=False,  # the caller asserts the exit status
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return proc.returncode, b"".join(chunks).decode("utf-8", "replace")

    code, err = run()
    assert code == 1 and "grading:" in err and "files" in err
    code, err = run("--quiet")
    assert code == 1 and "grading" not in err
