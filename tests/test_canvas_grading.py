"""Canvases graded with a rubric: `bmc canvas grade` (CONTRACT.md section 7) and who a canvas
belongs to."""

import csv
import html
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.answers import parse_time
from bmclib.canvas import Canvas, Note, check_canvas_file
from bmclib.canvas_checks import RULE_IDS
from bmclib.canvas_grading import (
    check_rubric,
    grade_canvas,
    grade_canvases,
    load_rubric,
)
from bmclib.cli import main
from bmclib.errors import DataError

SHIPPED = bmc.data_path("canvases")
CRITERIA = [
    "complete",
    "segments",
    "segments_served",
    "payer",
    "relationship_types",
    "relationship_fit",
    "infrastructure",
]


def example(name: str) -> Canvas:
    return Canvas.load(SHIPPED / f"{name}.json")


def brewly_draft(lang: str = "en") -> Canvas:
    """Lesson 10's first draft: five planted mistakes, one finding each."""
    t = {
        "en": (
            "Home baristas who brew specialty coffee",
            "Independent cafés",
            "Beans roasted to order, at a low price",
            "Steady supply and barista training",
            "Web shop and app",
            "Dedicated personal assistance: an account manager for every home barista",
            "Loyalty points card",
            "Sales",
            "Roasting machines and green beans",
            "Roasting beans to order",
            "An advertising agency",
            "Green beans, roasting and delivery",
        ),
        "ko": (
            "스페셜티 커피를 내리는 홈카페 애호가",
            "개인 카페",
            "주문 후 볶은 원두를 저렴한 가격에",
            "안정적인 공급과 바리스타 교육",
            "웹숍과 앱",
            "전담 개별 어시스트: 홈카페 애호가마다 전담 매니저",
            "적립 포인트 카드",
            "매출",
            "로스팅 기계와 생두",
            "주문받은 원두 로스팅",
            "광고 대행사",
            "생두, 로스팅, 배송비",
        ),
    }[lang]
    return (
        Canvas("Brewly", lang=lang)
        .add("customer_segments", t[0], segment="home")
        .add("customer_segments", t[1], segment="cafes")
        .add("value_propositions", t[2], segment="home")
        .add("value_propositions", t[3], segment="cafes")
        .add("channels", t[4], segment="home")
        .add("customer_relationships", t[5], segment="home")
        .add("customer_relationships", t[6], segment="cafes")
        .add("revenue_streams", t[7])
        .add("key_resources", t[8])
        .add("key_activities", t[9])
        .add("key_partnerships", t[10])
        .add("cost_structure", t[11])
    )


def save(
    canvas: Canvas, path: Path, student_id: str = "", name: str = "", saved_at: str = ""
) -> Path:
    canvas.student_id, canvas.student_name = student_id, name
    doc = canvas.to_dict()
    if saved_at:
        doc["saved_at"] = saved_at
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def by_id(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


# -- the rubric -------------------------------------------------------------------------------


def test_shipped_rubric_draws_on_every_coherence_rule_once():
    rubric = load_rubric()
    assert list(rubric.ids) == CRITERIA and rubric.max_score == 10 and rubric.warnings == ()
    used = [r for c in rubric.criteria for r in c.rules]
    assert sorted(used) == sorted(RULE_IDS)  # every finding costs points, none twice
    for c in rubric.criteria:
        assert c.label["en"] and c.label["ko"] and c.about["en"] and c.about["ko"]


def test_every_shipped_example_canvas_gets_full_marks():
    for path in sorted(SHIPPED.glob("*.json")):
        grade = grade_canvas(path)
        assert (grade.score, grade.percent) == (10, 100), (path.name, grade.feedback("en"))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_brewly_draft_hand_computed(lang):
    """Five findings: a segment without a channel (-0.5 of 2), revenue without payer (-0.5 of 1),
    a points card as relationship type (-0.5 of 1), dedicated care on a low price (-1 of 2),
    an orphan partner (-0.5 of 1): 10 - 3 = 7."""
    grade = grade_canvas(brewly_draft(lang))
    assert dict(zip(CRITERIA, grade.criterion_points, strict=True)) == {
        "complete": 2,
        "segments": 1,
        "segments_served": 1.5,
        "payer": 0.5,
        "relationship_types": 0.5,
        "relationship_fit": 1,
        "infrastructure": 0.5,
    }
    assert (grade.score, grade.max_score, grade.percent) == (7, 10, 70)


def _without_channel(c):
    c.blocks["channels"] = [n for n in c["channels"] if n.segment != "advertisers"]
    return c


def _revenue_cleared(c):
    c["revenue_streams"].clear()
    return c


def _premium_self_service(c):
    c.blocks["customer_relationships"] = [
        Note("Self-service: an FAQ page and e-mail", "wealthy"),
        *[n for n in c["customer_relationships"] if n.segment != "wealthy"],
    ]
    return c


def _two_empty_blocks(c):
    c["key_activities"].clear()
    c["cost_structure"].clear()
    return c


@pytest.mark.parametrize(
    ("name", "plant", "expected"),
    [
        # one segment without a channel: -0.5 of "every segment served"
        ("netflix.en", _without_channel, {"segments_served": 1.5}),
        # no revenue: -0.5 for the empty block, and "revenue names a payer" cannot be met (0 of 1)
        ("ikea.en", _revenue_cleared, {"complete": 1.5, "payer": 0}),
        # a premium offer served by self-service only: -1 of 2
        ("private_banking.en", _premium_self_service, {"relationship_fit": 1}),
        # two empty blocks (-0.5 each); no key activities: "tied to the model" cannot be met
        ("sap_community.en", _two_empty_blocks, {"complete": 1, "infrastructure": 0}),
    ],
)
def test_planted_mistakes_cost_what_the_rubric_says(name, plant, expected):
    grade = grade_canvas(plant(example(name)))
    full = {c.id: c.points for c in load_rubric().criteria}
    assert dict(zip(CRITERIA, grade.criterion_points, strict=True)) == {**full, **expected}
    assert grade.score == 10 - sum(full[k] - v for k, v in expected.items())


def test_an_empty_canvas_scores_nothing():
    grade = grade_canvas(Canvas("Nothing yet"))
    assert grade.score == 0 and all(p == 0 for p in grade.criterion_points)
    assert "The Channels block is empty, so this criterion cannot be met." in grade.feedback("en")


def test_a_criterion_never_goes_below_zero_and_deduct_defaults_to_all(tmp_path):
    rubric = tmp_path / "r.csv"
    rubric.write_text(
        "criterion,points,deduct,rules,checks,label_en,label_ko\n"
        "complete,1,0.25,empty_block,,Complete,완성\nall_or_nothing,3,,empty_block,,Strict,엄격\n",
        encoding="utf-8",
    )
    grade = grade_canvas(
        Canvas("Two blocks", blocks={"channels": ["Web"], "customer_segments": ["All"]}), rubric
    )
    assert grade.criterion_points == (0, 0)  # 7 empty blocks x 0.25 > 1; any finding takes all 3
    one_empty = example("ikea.en")
    one_empty["cost_structure"].clear()
    assert grade_canvas(one_empty, rubric).criterion_points == (0.75, 0)
    assert [p.message for p in check_rubric(rubric)[1]] == [
        "rule 'empty_block' is also used by criterion 'complete': its findings cost points twice"
    ]


def test_rubric_problems_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "criterion,points,deduct,rules,checks,label_en,label_ko,about_en\n"
        "a,2,0.5,empty_blok,,A,가,\nb,-1,,,filled:channel,B,나,\n"
        "a,1,x,,segments:zero,C,다,only english\nd,1,,,,D,라,\nscore,1,,empty_block,,E,마,\n",
        encoding="utf-8",
    )
    rubric, problems = check_rubric(bad)
    assert rubric is None
    text = [str(p) for p in problems]
    assert text[0].startswith(
        f"{bad}:2: rules: 'empty_blok' is not a rule. Did you mean 'empty_block'?"
    )
    assert any(t.startswith(f"{bad}:3: points must be a positive number") for t in text)
    assert any(
        t.startswith(
            f"{bad}:3: checks: filled:channel: 'channel' is not a block. Did you mean 'channels'?"
        )
        for t in text
    )
    assert f"{bad}:4: duplicate criterion 'a' (first on line 2)" in text
    assert any(
        t.startswith(f"{bad}:4: deduct (points off for each finding) must be a positive number")
        for t in text
    )
    assert any(
        t.startswith(f"{bad}:4: checks: segments:zero: the number of segments") for t in text
    )
    assert any(
        t.startswith(f"{bad}:4: criterion 'a' has one about text but not about_ko") for t in text
    )
    assert f"{bad}:5: criterion 'd' draws on no rule and no check" in " ".join(text)
    assert any(
        t.startswith(f"{bad}:6: criterion 'score' would clash with the grade file's column")
        for t in text
    )
    # bmc validate reads rubrics too, and says the same
    assert main(["validate", str(bad)]) == 1
    # an invalid rubric is a usage error: nothing is written
    out = tmp_path / "grades.csv"
    assert (
        main(["canvas", "grade", str(SHIPPED), "--rubric", str(bad), "--out", str(out), "--quiet"])
        == 2
    )
    assert not out.exists()


def test_validate_checks_the_shipped_rubric_and_a_copy(tmp_path, capsys):
    assert main(["validate"]) == 0
    copy = tmp_path / "my_rubric.csv"
    copy.write_bytes(bmc.data_path("rubrics", "canvas-default.csv").read_bytes())
    assert main(["validate", str(copy)]) == 0
    # no problem listed
    assert all(line.startswith("OK:") for line in capsys.readouterr().out.splitlines())


# -- bmc canvas grade ---------------------------------------------------------------------------


@pytest.fixture
def canvas_class(tmp_path):
    """A class folder: coherent and incoherent canvases, broken files, a zip, a resubmission."""
    root = tmp_path / "class"
    save(example("ikea.en"), root / "s01.json", "s01", "Kim Minji", "2026-11-27T10:00:00+09:00")
    save(brewly_draft(), root / "s02.json", "s02", '=HYPERLINK("x")', "2026-11-27T10:00:00+09:00")
    # no id: the file name is the id
    save(example("netflix.ko"), root / "late" / "lee_s03.json", "", "", "")
    save(
        _without_channel(example("netflix.en")),
        root / "s04_old.json",
        "S04",
        "Park",
        "2026-11-27T09:00:00+09:00",
    )
    save(example("netflix.en"), root / "s04_new.json", "s04", "Park", "2026-11-27T09:30:00+09:00")
    (root / "cut.json").write_text(
        '{"format": "bmclib-canvas", "version": 1, "blocks": {', encoding="utf-8"
    )
    (root / "latin1.json").write_bytes('{"title": "café"}'.encode("latin-1"))
    (root / "typo.json").write_text(
        json.dumps({"format": "bmclib-canvas", "version": 1, "blocks": {"channel": ["Web"]}}),
        encoding="utf-8",
    )
    answers = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": "s09",
        "exercise_set": "x",
        "answers": {},
    }
    (root / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    (root / "notes.txt").write_text("not a canvas", encoding="utf-8")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.write(save(example("youtube.ko"), tmp_path / "x.json", "s06"), "s06.json")
    with zipfile.ZipFile(tmp_path / "lms.zip", "w") as z:
        z.write(
            save(_revenue_cleared(example("bank_salad.en")), tmp_path / "y.json", "s05", "Choi"),
            "submissions/s05_attempt1.json",
        )
        z.writestr("submissions/nested.zip", inner.getvalue())
        z.writestr("submissions/index.html", "<p>skip me</p>")
        z.writestr("submissions/broken.json", b"\x00\x01")
    return root, tmp_path / "lms.zip"


def test_grade_a_class_of_canvases(canvas_class, tmp_path):
    root, lms = canvas_class
    out, problems = tmp_path / "grades.csv", tmp_path / "problems.csv"
    code = main(
        [
            "canvas",
            "grade",
            str(root),
            str(lms),
            "--out",
            str(out),
            "--problems",
            str(problems),
            "--quiet",
        ]
    )
    assert code == 1  # some files rejected; grades for the rest written
    rows = by_id(out)
    assert list(rows) == ["lee_s03", "s01", "s02", "s04", "s05", "s06"]  # sorted by id
    assert rows["s01"]["score"] == "10" and rows["s02"]["score"] == "7"
    # coherent outscores incoherent
    assert float(rows["s01"]["score"]) > float(rows["s02"]["score"])
    assert rows["s02"]["student_name"] == '\'=HYPERLINK("x")'  # formula neutralised
    # the later file counts, though its id is written S04 in the old one
    assert rows["s04"]["score"] == "10"
    assert rows["s05"]["score"] == "8.5" and rows["s05"]["payer"] == "0"  # from the zip
    assert rows["s06"]["score"] == "10"  # from the zip inside the zip
    assert rows["lee_s03"]["student_name"] == "" and rows["lee_s03"]["score"] == "10"
    prob = dict(read_rows(problems)[1:])
    assert list(read_rows(problems)[0]) == ["source", "problem"]
    assert prob[str(root / "cut.json")].startswith("line 1: not valid JSON")
    assert prob[str(root / "latin1.json")].startswith("line 1: not UTF-8 text")
    assert prob[str(root / "typo.json")] == (
        "line 1: 'channel' is not a block. Did you mean 'channels'? Blocks are: "
        "customer_segments, value_propositions, channels, customer_relationships, "
        "revenue_streams, key_resources, key_activities, key_partnerships, cost_structure."
    )
    assert "wrong format 'bmclib-answers'" in prob[str(root / "answers.json")]
    assert prob[str(root / "s04_old.json")].startswith(
        f"superseded by {root / 's04_new.json'} (saved "
        "2026-11-27T09:30:00+09:00, this one 2026-11-27T09:00:00"
    )
    assert f"{lms}!submissions/broken.json" in prob
    assert len(prob) == 6  # notes.txt and index.html are skipped, not problems
    sources = by_id(tmp_path / "grades.sources.csv")
    assert sources["s05"]["source"] == f"{lms}!submissions/s05_attempt1.json"
    assert sources["s06"]["source"] == f"{lms}!submissions/nested.zip!s06.json"


def test_all_good_files_exit_0_and_problems_go_to_stderr_without_problems_file(tmp_path, capsys):
    save(example("ikea.en"), tmp_path / "c" / "a.json", "a")
    assert main(["canvas", "grade", str(tmp_path / "c"), "--out", str(tmp_path / "g.csv")]) == 0
    (tmp_path / "c" / "b.json").write_text("[]", encoding="utf-8")
    assert main(["canvas", "grade", str(tmp_path / "c"), "--out", str(tmp_path / "g.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'c' / 'b.json'}: line 1: a canvas file is a JSON object" in err
    assert "graded 1 canvas(es) from 2 file(s); 1 problem(s)" in err


def test_usage_errors_exit_2_and_write_nothing(tmp_path):
    out = tmp_path / "g.csv"
    assert main(["canvas", "grade", str(tmp_path / "missing"), "--out", str(out)]) == 2
    good = save(example("ikea.en"), tmp_path / "a.json", "a")
    assert main(["canvas", "grade", str(good), "--out", str(good)]) == 2  # the output is an input
    assert main(["canvas", "grade", str(good), "--out", str(out), "--format", "excel"]) == 2
    assert not out.exists()


def test_max_file_size_makes_a_large_canvas_a_problem(tmp_path):
    big = save(example("youtube.en"), tmp_path / "c" / "big.json", "big")
    problems = tmp_path / "p.csv"
    assert (
        main(
            [
                "canvas",
                "grade",
                str(big.parent),
                "--out",
                str(tmp_path / "g.csv"),
                "--problems",
                str(problems),
                "--max-file-size",
                "1KB",
                "--quiet",
            ]
        )
        == 1
    )
    assert "more than the limit of 1 KB for one file" in read_rows(problems)[1][1]


def test_csv_format_column_by_column(tmp_path):
    save(brewly_draft(), tmp_path / "c" / "s02.json", "s02", "Lee Seojun")
    save(example("ikea.en"), tmp_path / "c" / "s01.json", "s01", "Kim Minji")
    out = tmp_path / "g.csv"
    assert main(["canvas", "grade", str(tmp_path / "c"), "--out", str(out), "--quiet"]) == 0
    header, first, second = read_rows(out)
    assert header == [
        "student_id",
        "student_name",
        "score",
        "max_score",
        "percent",
        *CRITERIA,
        "feedback",
    ]
    assert first == [
        "s01",
        "Kim Minji",
        "10",
        "10",
        "100",
        "2",
        "1",
        "2",
        "1",
        "1",
        "2",
        "1",
        "10/10 (100%). Every criterion met.",
    ]
    assert second[:12] == [
        "s02",
        "Lee Seojun",
        "7",
        "10",
        "70",
        "2",
        "1",
        "1.5",
        "0.5",
        "0.5",
        "1",
        "0.5",
    ]
    feedback = second[12]
    assert feedback.startswith(
        "7/10 (70%). Every segment served 1.5/2: Segment [cafes] has no note in Channels"
    )
    assert ' | Revenue names a payer 0.5/1: Who pays for "Sales"?' in feedback
    assert "\n" not in feedback  # one line: spreadsheets and Moodle's importer keep it whole


def test_canvas_and_moodle_formats_column_by_column(tmp_path):
    save(brewly_draft(), tmp_path / "c" / "s02.json", "s02", "Lee Seojun")
    save(example("ikea.en"), tmp_path / "c" / "s01.json", "s01")
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(canvas),
                "--format",
                "canvas",
                "--quiet",
            ]
        )
        == 0
    )
    assert read_rows(canvas) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "capstone_canvas"],
        ["Points Possible", "", "", "", "", "10"],
        ["s01", "", "s01", "", "", "10"],
        ["Lee Seojun", "", "s02", "", "", "7"],
    ]
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(moodle),
                "--format",
                "moodle",
                "--column",
                "Capstone (week 12)",
                "--lang",
                "ko",
                "--quiet",
            ]
        )
        == 0
    )
    rows = read_rows(moodle)
    assert rows[0] == ["ID number", "Full name", "Capstone (week 12)", "Feedback"]
    assert rows[1] == ["s01", "", "10", "10점 만점에 10점(100%). 모든 기준을 충족했습니다."]
    assert rows[2][:3] == ["s02", "Lee Seojun", "7"]
    assert rows[2][3].startswith(
        "10점 만점에 7점(70%). 세그먼트마다 가치 제안·채널·관계를 갖춤 1.5/2점: 세그먼트 [cafes]에"
    )
    # --scale 100 writes percentages (a new Moodle grade item's maximum); --excel adds a byte-order
    # mark
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(moodle),
                "--format",
                "moodle",
                "--scale",
                "100",
                "--excel",
                "--quiet",
            ]
        )
        == 0
    )
    data = moodle.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and [r[2] for r in read_rows(moodle)] == [
        "capstone_canvas",
        "100",
        "70",
    ]
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(canvas),
                "--format",
                "canvas",
                "--scale",
                "20",
                "--column",
                "Capstone (4711)",
                "--quiet",
            ]
        )
        == 0
    )
    assert [r[5] for r in read_rows(canvas)] == ["Capstone (4711)", "20", "20", "14"]
    # a scale or column with csv is a usage error, as for bmc grade
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(tmp_path / "x.csv"),
                "--scale",
                "100",
            ]
        )
        == 2
    )


def test_korean_feedback_uses_the_korean_rule_messages(tmp_path, capsys):
    canvas = brewly_draft("ko")
    save(canvas, tmp_path / "c" / "s1.json", "s1", "김민지")
    out = tmp_path / "g.csv"
    assert (
        main(["canvas", "grade", str(tmp_path / "c"), "--out", str(out), "--lang", "ko", "--quiet"])
        == 0
    )
    feedback = by_id(out)["s1"]["feedback"]
    for finding in bmc.check_canvas(canvas):
        assert finding.message["ko"] in feedback
        assert finding.message["en"] not in feedback
    assert "수익원마다 돈을 내는 세그먼트를 밝힘 0.5/1점" in feedback
    # the problems file and the summary follow --lang too
    (tmp_path / "c" / "broken.json").write_text("{", encoding="utf-8")
    problems = tmp_path / "p.csv"
    assert (
        main(
            [
                "canvas",
                "grade",
                str(tmp_path / "c"),
                "--out",
                str(out),
                "--problems",
                str(problems),
                "--lang",
                "ko",
            ]
        )
        == 1
    )
    assert read_rows(problems)[1] == [
        str(tmp_path / "c" / "broken.json"),
        "1번째 줄: 올바른 JSON이 아닙니다: 큰따옴표로 감싼 이름이 있어야 할 자리입니다(2번째 글자)",
    ]
    assert "파일 2개에서 캔버스 1개를 채점했습니다. 문제 1건" in capsys.readouterr().err


def test_grade_canvases_in_python(canvas_class):
    root, lms = canvas_class
    batch = grade_canvases([root, lms])
    assert batch.exit_code == 1 and batch.ids_from_files == 1 and batch.skipped == 2
    row = next(r for r in batch.rows if r.student_id == "s02")
    assert row.to_dict()["score"] == 7 and row.canvas.title == "Brewly"
    assert "s02" in row.summary() and "7/10" in row.summary()
    frame = batch.to_frame("ko")
    assert list(frame.columns) == [
        "student_id",
        "student_name",
        "score",
        "max_score",
        "percent",
        *CRITERIA,
        "feedback",
    ]
    assert frame.set_index("student_id").loc["s02", "score"] == 7
    assert frame.set_index("student_id").loc["s02", "feedback"].startswith("10점 만점에 7점(70%).")
    problems = batch.problems_frame("en")
    assert list(problems.columns) == ["source", "problem"] and len(problems) == len(batch.problems)
    assert "Kim Minji" in batch._repr_html_() and "&#x27;=HYPERLINK" in batch._repr_html_()


# -- who a canvas belongs to --------------------------------------------------------------------


def test_canvas_files_carry_student_id_and_name(tmp_path):
    c = Canvas(
        example("ikea.en").title,
        "en",
        example("ikea.en").blocks,
        student_id=" s0001 ",
        student_name="Kim Minji",
    )
    # whose it is is not part of equality
    assert c.student_id == "s0001" and c == example("ikea.en")
    path = c.save(tmp_path / "mine.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data)[:7] == [
        "format",
        "version",
        "title",
        "lang",
        "student_id",
        "student_name",
        "saved_at",
    ]
    assert data["student_id"] == "s0001" and parse_time(data["saved_at"]) is not None
    again = Canvas.load(path)
    assert (again.student_id, again.student_name) == ("s0001", "Kim Minji") and again == c
    assert again.extra == {}
    assert "student_id" not in example("ikea.en").to_dict()  # written only when known
    assert check_canvas_file(path) == []


def test_validate_accepts_student_fields_and_names_bad_ones(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "format": "bmclib-canvas",
                "version": 1,
                "student_id": 20261234,
                "student_name": "이서준",
                "blocks": {},
            }
        ),
        encoding="utf-8",
    )
    assert check_canvas_file(good) == [] and Canvas.load(good).student_id == "20261234"
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{\n  "format": "bmclib-canvas",\n  "version": 1,\n  "student_id": ["s1"],\n'
        '  "studnet_name": "Kim",\n  "saved_at": "yesterday"\n}',
        encoding="utf-8",
    )
    assert [str(p) for p in check_canvas_file(bad)] == [
        f"{bad}:4: student_id must be text, not a list",
        f"{bad}:6: saved_at 'yesterday' is not a time (ISO 8601, e.g. 2026-11-20T10:00:00+09:00)",
        f"{bad}:5: unknown key 'studnet_name' (did you mean 'student_name'?)",
    ]
    with pytest.raises(DataError, match="student_id must be text"):
        Canvas.load(bad)
    assert main(["validate", str(good)]) == 0 and main(["validate", str(bad)]) == 1


@pytest.fixture
def no_student_env(monkeypatch):
    for name in ("BMC_STUDENT_ID", "JUPYTERHUB_USER", "BMC_STUDENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _editor(*args, **kwargs):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    return bmc.canvas_editor(*args, **kwargs)


def test_editor_takes_the_id_from_the_hub_and_saves_it(no_student_env, tmp_path):
    no_student_env.setenv("JUPYTERHUB_USER", "kim")
    path = tmp_path / "answers" / "capstone_canvas.json"
    ed = _editor(SHIPPED / "ikea.en.json", lang="en", path=path)
    assert (ed.student_id.value, ed.student_id.disabled) == ("kim", True)
    ed.save()
    saved = Canvas.load(path)
    assert (saved.student_id, saved.student_name) == ("kim", "") and saved.saved_at
    assert ed.status.value == f"Wrote {path}"
    no_student_env.setenv("BMC_STUDENT_ID", "s0001")
    no_student_env.setenv("BMC_STUDENT_NAME", "Kim Minji")
    assert (
        _editor(path, lang="en").student_id.value,
        _editor(path, lang="en").student_name.value,
    ) == ("s0001", "Kim Minji")  # BMC_STUDENT_ID before JUPYTERHUB_USER
    # the argument first
    assert _editor(path, lang="en", student_id="s0002").student_id.value == "s0002"


def test_editor_reopens_the_students_own_file_with_its_id(no_student_env, tmp_path):
    path = tmp_path / "capstone_canvas.json"
    ed = _editor(lang="ko", path=path)
    assert (ed.student_id.value, ed.student_id.disabled) == ("", False)
    # sent when left
    assert not ed.student_id.continuous_update and not ed.student_name.continuous_update
    ed.student_id.value, ed.student_name.value = "s0007", "조민호"
    ed.areas["channels"].value = "웹사이트"
    ed.save()
    again = _editor(path, lang="ko")
    assert (again.student_id.value, again.student_name.value, again.student_id.disabled) == (
        "s0007",
        "조민호",
        False,
    )
    # the lesson's cell: the example as a start, the student's file as the target
    start = _editor(SHIPPED / "ikea.ko.json", lang="ko", path=path)
    assert start.student_id.value == "s0007"
    # Load keeps the file's id
    fresh = _editor(lang="ko", path=path)
    fresh.load()
    assert fresh.canvas.student_id == "s0007" and fresh.student_id.value == "s0007"


def test_editor_never_borrows_the_id_of_a_file_it_started_from(no_student_env, tmp_path):
    friend = save(example("netflix.en"), tmp_path / "friend.json", "s0002", "Lee Seojun")
    mine = tmp_path / "mine.json"
    ed = _editor(friend, lang="en", path=mine)
    assert (ed.student_id.value, ed.student_name.value) == ("", "")
    ed.save()
    status = html.unescape(ed.status.value)
    assert "without a student id" in status and "the file name 'mine' stands for you" in status
    saved = json.loads(mine.read_text(encoding="utf-8"))
    assert "student_id" not in saved and "student_name" not in saved
    # a canvas built in code keeps the id it was given
    built = Canvas("Mine", student_id="s0003")
    assert _editor(built, lang="en", path=tmp_path / "built.json").student_id.value == "s0003"


def test_editor_ui_texts_exist_in_both_languages():
    from bmclib.i18n import ui

    for key in ("editor_student_hint", "editor_saved_without_id"):
        assert ui(key, "ko", path="p", stem="s") != ui(key, "en", path="p", stem="s")


# -- the sample class ---------------------------------------------------------------------------


def test_sample_class_canvases(tmp_path):
    folder = bmc.data_path("sample_class", "canvases")
    batch = grade_canvases([folder])
    scores = {r.student_id: r.score for r in batch.rows}
    assert scores == {
        "s0001": 10,
        "s0002": 9.5,
        "s0003": 10,
        "s0004": 8.5,
        "s0005": 7,
        "s0006": 8,
        "s0007": 7,
        "s0009": 0,
    }
    assert [r.student_id for r in batch.rows if r.id_from_file] == ["s0007"]
    reasons = dict(batch.problems)
    assert len(reasons) == 2
    assert reasons[f"{folder / 'late_canvases.zip'}!capstone/s0008.json"].startswith(
        "line 10: not valid JSON"
    )
    assert reasons[str(folder / "s0003.json")].startswith(
        f"superseded by {folder / 'late_canvases.zip'}!capstone/s0003_resubmission.json"
    )


def test_sample_class_canvases_are_reproducible(tmp_path):
    script = bmc.data_path("sample_class", "make_sample_canvases.py")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # leave no __pycache__ in the data folder
    subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)],
        check=True,
        cwd=script.parent,
        env=env,
    )
    made = sorted(p.name for p in (tmp_path / "canvases").iterdir())
    shipped = bmc.data_path("sample_class", "canvases")
    assert made == sorted(p.name for p in shipped.iterdir())
    for name in made:
        assert (tmp_path / "canvases" / name).read_bytes() == (shipped / name).read_bytes(), name
