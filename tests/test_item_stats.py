"""Item statistics and attempt patterns (issue 14 §1, §2), against values computed by hand.

The small class below: key a (1 point; best self_service, acceptable communities), b (2 points;
best co_creation), c (1 point; best personal_assistance); partial credit 0.5.

    student  a                   b                   c                    total
    s1       self_service 1      co_creation 2       personal_ass. 1      4
    s2       communities 0.5     co_creation 2       automated 0          2.5
    s3       automated 0         automated 0         personal_ass. 1      1
    s4       self_service 1      automated 0         (none) 0             1

Facility: a (1 + 0.5 + 0 + 1) / 4 = 0.625; b (1 + 1 + 0 + 0) / 4 = 0.5; c (1 + 0 + 1 + 0) / 4 = 0.5.
Discrimination (item points against total minus the item):
    a: items 1, .5, 0, 1; rest 3, 2, 1, 0 -> r = 0.25 / sqrt(0.6875 * 5) = 0.13484
    b: items 2, 2, 0, 0; rest 2, .5, 1, 1 -> r = 0.5 / sqrt(4 * 1.1875) = 0.22942
    c: items 1, 0, 1, 0; rest 3, 2.5, 0, 1 -> r = -0.25 / sqrt(1 * 5.6875) = -0.10483
       (check this key)
"""

import csv
import json

import pytest

import bmclib as bmc
from bmclib.cli import main
from bmclib.item_stats import RAPID_SECONDS, discrimination, facility, flags, item_attempts
from bmclib.keys import load_key
from bmclib.report import build_report

KEY = (
    "exercise_set,item_id,best,acceptable,points\n"
    "quiz,a,self_service,communities,1\nquiz,b,co_creation,,2\nquiz,c,personal_assistance,,1\n"
)
CLASS = {
    "s1": {"a": "self_service", "b": "co_creation", "c": "personal_assistance"},
    "s2": {"a": "communities", "b": "co_creation", "c": "automated_services"},
    "s3": {"a": "automated_services", "b": "automated_services", "c": "personal_assistance"},
    "s4": {"a": "self_service", "b": "automated_services"},
}


def at(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"2026-11-20T10:{minutes:02d}:{secs:02d}+09:00"


def event(item, choice, kind, seconds):
    return {"item": item, "choice": choice, "event": kind, "at": at(seconds)}


#: s1 thinks 30 s on a, checks a wrong answer, changes, checks again (right); 12 s to b
S1_LOG = [
    event("a", "communities", "choose", 0),
    event("a", "communities", "check", 30),
    event("a", "self_service", "choose", 40),
    event("a", "self_service", "check", 45),
    event("b", "co_creation", "choose", 57),
    event("c", "personal_assistance", "choose", 100),
]
#: s3 guesses: four choices on b within 6 seconds
S3_LOG = [
    event("a", "automated_services", "choose", 0),
    event("b", "communities", "choose", 2),
    event("b", "self_service", "choose", 4),
    event("b", "co_creation", "choose", 6),
    event("b", "automated_services", "choose", 8),
    event("c", "personal_assistance", "choose", 40),
]


@pytest.fixture
def klass(tmp_path):
    (tmp_path / "key.csv").write_text(KEY, encoding="utf-8")
    folder = tmp_path / "class"
    folder.mkdir()
    logs = {"s1": S1_LOG, "s3": S3_LOG}
    for sid, answers in CLASS.items():
        doc = {
            "format": "bmclib-answers",
            "version": 1,
            "student_id": sid,
            "student_name": f"Student {sid}",
            "exercise_set": "quiz",
            "answers": answers,
            "saved_at": "2026-11-20T11:00:00+09:00",
            "attempts": logs.get(sid, []),
        }
        (folder / f"{sid}.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_the_formulas_on_the_hand_computed_class():
    assert facility([1, 0.5, 0, 1]) == 0.625
    assert discrimination([1, 0.5, 0, 1], [4, 2.5, 1, 1]) == pytest.approx(0.13484, abs=1e-5)
    assert discrimination([2, 2, 0, 0], [4, 2.5, 1, 1]) == pytest.approx(0.22942, abs=1e-5)
    assert discrimination([1, 0, 1, 0], [4, 2.5, 1, 1]) == pytest.approx(-0.10483, abs=1e-5)
    assert discrimination([1, 1, 1], [3, 2, 1]) is None  # an item everyone got right says nothing
    assert flags(0.95, None) == ("too_easy",) and flags(0.1, 0.5) == ("too_hard",)
    assert flags(0.5, -0.1) == ("negative_discrimination",) and flags(0.5, 0.3) == ()


def test_the_report_computes_them_per_item(klass):
    report = build_report([klass / "class"], load_key(klass / "key.csv"))
    stats = {s.item.item_id: s for s in report.items}
    assert [stats[i].facility for i in "abc"] == [0.625, 0.5, 0.5]
    assert [round(stats[i].discrimination, 5) for i in "abc"] == [0.13484, 0.22942, -0.10483]
    assert stats["c"].flags == ("negative_discrimination",) and stats["a"].flags == ()
    assert stats["a"].choices == {"self_service": 2, "automated_services": 1, "communities": 1}
    # s4 left c empty
    assert stats["c"].choices == {"personal_assistance": 2, "automated_services": 1}
    frame = report.to_frame("en")
    assert list(frame["facility"]) == [0.625, 0.5, 0.5]
    assert frame.loc[2, "flags"] == "negative discrimination: check this key"


def test_attempt_patterns_by_hand():
    key = load_key_text()
    s1 = item_attempts("s1", S1_LOG, key)
    # a is the first thing s1 did: no earlier action to measure from
    assert (
        s1["a"].first_seconds,
        s1["a"].changes,
        s1["a"].checks,
        s1["a"].checks_before_right,
    ) == (None, 1, 2, 1)
    assert (s1["b"].first_seconds, s1["b"].changes, s1["b"].checks_before_right) == (12.0, 0, None)
    assert s1["c"].first_seconds == 43.0 and not any(a.rapid for a in s1.values())
    s3 = item_attempts("s3", S3_LOG, key)
    assert s3["b"].changes == 3 and s3["b"].rapid and s3["b"].first_seconds == 2.0
    assert not s3["a"].rapid and not s3["c"].rapid
    slow = [
        event("b", c, "choose", 20 * n)
        for n, c in enumerate(["communities", "self_service", "co_creation"])
    ]
    assert not item_attempts("s", slow, key)["b"].rapid and 20 > RAPID_SECONDS
    # entries without a time or an item are left out, and the log's order does not matter
    messy = [{"item": "a", "choice": "x", "event": "choose"}, "junk", *reversed(S1_LOG)]
    assert item_attempts("s1", messy, key)["a"].changes == 1


def load_key_text(tmp=None):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    (folder / "key.csv").write_text(KEY, encoding="utf-8")
    return load_key(folder / "key.csv")


def test_bmc_report_writes_items_csv_and_a_page_per_student(klass, capsys):
    assert (
        main(
            [
                "report",
                str(klass / "class"),
                "--key",
                str(klass / "key.csv"),
                "--out",
                str(klass / "rep"),
                "--lang",
                "ko",
            ]
        )
        == 0
    )
    rows = list(
        csv.DictReader((klass / "rep" / "items.csv").read_text(encoding="utf-8").splitlines())
    )
    assert [r["item_id"] for r in rows] == ["a", "b", "c"]
    assert [(r["facility"], r["discrimination"]) for r in rows] == [
        ("0.625", "0.135"),
        ("0.5", "0.229"),
        ("0.5", "-0.105"),
    ]
    assert rows[2]["flags"] == "negative_discrimination"
    assert rows[0]["choices"] == "self_service:2;automated_services:1;communities:1"
    assert rows[1]["rapid_guessing"] == "0.25" and rows[1]["changes"] == "1.5"  # s1: 0, s3: 3
    pages = sorted((klass / "rep" / "students").iterdir())
    assert [p.name for p in pages] == ["001-s1.html", "002-s2.html", "003-s3.html", "004-s4.html"]
    s3 = pages[2].read_text(encoding="utf-8")
    assert "빠른 찍기" in s3 and "10:00:08 선택 자동화 서비스" in s3 and " choose " not in s3
    index = (klass / "rep" / "index.html").read_text(encoding="utf-8")
    assert "href='students/003-s3.html'" in index and "정답 키를 확인하세요" in index


def test_one_students_view_for_a_disputed_grade(klass):
    report = build_report([klass / "class"], load_key(klass / "key.csv"))
    view = report.student("S1")  # ids compare as grading compares them
    text = view.summary("en")
    assert text.splitlines()[0].startswith("s1 (Student s1): 4 of 4 points (100%)")
    assert "[- s to first answer, 1 changes, 2 Checks]" in text
    frame = report.attempts_frame()
    assert frame.query("student_id == 's3' and item_id == 'b'")["rapid_guessing"].item()
    with pytest.raises(bmc.BMCError, match="'s9' is not a student"):
        report.student("s9")


def test_the_sample_class_shows_its_guesser_and_agrees_with_the_grades(tmp_path):
    report = build_report([bmc.data_path("sample_class")], load_key("relationships-practice"))
    rapid = report.attempts_frame().groupby("student_id")["rapid_guessing"].sum()
    assert rapid.idxmax() == "s0017" and rapid.drop("s0017").max() == 0
    # facility recomputed independently from the grades table
    from bmclib.grading import grade_batch

    grades = grade_batch(
        [bmc.data_path("sample_class")], load_key("relationships-practice")
    ).to_frame()
    for stats in report.items[:5]:
        assert stats.facility == pytest.approx(
            grades[stats.item.item_id].mean() / stats.item.points
        )
        rest = grades["score"] - grades[stats.item.item_id]
        assert stats.discrimination == pytest.approx(grades[stats.item.item_id].corr(rest))


def test_the_opening_of_the_exercise_times_the_first_item_and_splits_sessions():
    key = load_key_text()
    opened = {"item": None, "choice": None, "event": "open", "at": "2026-11-20T09:59:40+09:00"}
    s1 = item_attempts("s1", [opened, *S1_LOG], key)
    assert s1["a"].first_seconds == 20.0  # from opening the exercise to the first answer
    # a second session next day: b is timed from that session's opening, not from yesterday
    later = {"item": None, "choice": None, "event": "open", "at": "2026-11-21T09:00:00+09:00"}
    then = {
        "item": "b",
        "choice": "co_creation",
        "event": "choose",
        "at": "2026-11-21T09:00:30+09:00",
    }
    s1 = item_attempts("s1", [*S1_LOG[:4], later, then], key)
    assert s1["b"].first_seconds == 30.0


def test_the_report_gives_each_items_checks_before_the_right_answer(klass):
    report = build_report([klass / "class"], load_key(klass / "key.csv"))
    stats = {s.item.item_id: s for s in report.items}
    # only s1 checked a, once wrong before right; nobody checked b or c until right
    assert stats["a"].checks_before_right == 1.0 and stats["b"].checks_before_right is None
    assert report.to_frame("en").loc[0, "checks_before_right"] == 1.0
    rows = report.items_table("en")
    assert rows[0][-2] == "checks_before_right" and rows[1][-2] == "1"


def test_a_widget_logs_its_opening_and_the_first_answer_is_timed_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BMC_STUDENT_ID", "s1")
    ex = bmc.relationship_exercise("relationships-practice", lang="en", answers_dir=tmp_path)
    first = ex.exercise_set.items[0].id
    ex.choices.value = bmc.load_key("relationships-practice").item(first).best[0]
    saved = json.loads((tmp_path / "relationships-practice.json").read_text(encoding="utf-8"))
    assert [a["event"] for a in saved["attempts"]] == ["open", "choose"]
    found = item_attempts("s1", saved["attempts"], bmc.load_key("relationships-practice"))
    assert found[first].first_seconds is not None and found[first].first_seconds >= 0
