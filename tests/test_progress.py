"""A learner's progress map and the list of what they missed, read from answer files written by
hand in the contract's format (CONTRACT.md sections 3 and 9): counts, scores and the order of the
misses are computed by hand from the shipped practice keys."""

import json
import os
import re
import unicodedata

import pandas as pd
import pytest

import bmclib as bmc
from bmclib.cli import main
from bmclib.exercises import load_exercise_set
from bmclib.progress_map import GRID, scan_answers


@pytest.fixture(autouse=True)
def no_student_env(monkeypatch):
    for name in (
        "BMC_STUDENT_ID",
        "BMC_STUDENT_NAME",
        "BMC_ANSWERS_DIR",
        "JUPYTERHUB_USER",
        "BMC_LANG",
    ):
        monkeypatch.delenv(name, raising=False)


def write(
    folder,
    set_id,
    answers,
    *,
    attempts=None,
    saved_at="2026-11-20T10:00:00+09:00",
    name=None,
    student="s0001",
):
    """An answer file as the contract shows it (written by hand, not by the library)."""
    doc = {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student,
        "student_name": "Kim Minji",
        "exercise_set": set_id,
        "answers": answers,
        "saved_at": saved_at,
    }
    if attempts is not None:
        doc["attempts"] = attempts
    path = folder / (name or f"{set_id}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def at(item, choice, when, event="choose"):
    return {"item": item, "choice": choice, "event": event, "at": when}


# From data/keys: segments cs_01 mass_market, cs_02 multi_sided_platform, cs_03 diversified,
# cs_15 niche_market (acceptable: segmented); channels ch_01 sales_force, ch_14 wholesaler
# (acceptable: partner_stores). Every item is worth 1 point; partial credit is 0.5.
SEGMENTS = {
    "cs_01": "mass_market",
    "cs_02": "niche_market",
    "cs_03": "diversified",
    "cs_15": "segmented",
    "zz_99": "mass_market",
}
SEGMENT_LOG = [
    at("cs_01", "mass_market", "2026-11-20T10:00:00+09:00"),
    at("cs_02", "mass_market", "2026-11-20T10:01:00+09:00"),
    at("cs_15", "segmented", "2026-11-20T10:02:00+09:00"),
    at("cs_03", "diversified", "2026-11-20T10:03:00+09:00"),
    at("cs_02", "niche_market", "2026-11-20T10:05:00+09:00"),
    at("cs_15", "segmented", "2026-11-20T10:30:00+09:00", "check"),
]
CHANNELS = {"ch_01": "sales_force", "ch_14": "partner_stores", "ch_02": "not_a_choice"}
CHANNEL_LOG = [
    at("ch_14", "partner_stores", "2026-11-18T00:00:00Z"),
    at("ch_02", "web_sales", "2026-11-18T01:00:00Z"),  # right at first ...
    # ... then changed to a wrong one
    at("ch_02", "not_a_choice", "2026-11-19T00:00:00Z"),
    at("ch_01", "sales_force", "2026-11-19T01:00:00Z"),
]


@pytest.fixture
def two_sets(tmp_path):
    folder = tmp_path / "answers"
    write(folder, "segments-practice", SEGMENTS, attempts=SEGMENT_LOG)
    write(
        folder, "channels-practice", CHANNELS, attempts=CHANNEL_LOG, saved_at="2026-11-19T01:00:00Z"
    )
    return folder


def row(frame, set_id):
    found = frame[frame["exercise_set"] == set_id]
    assert len(found) == 1, set_id
    return found.iloc[0]


# -- counts and scores -------------------------------------------------------------------------


def test_counts_and_scores_equal_hand_computed_values(two_sets):
    frame = bmc.progress(two_sets, lang="en").to_frame()
    seg = row(frame, "segments-practice")
    # cs_01 right (1), cs_02 wrong (0), cs_03 right (1), cs_15 partly right (0.5); zz_99 is no item
    # of the set
    assert (seg["answered"], seg["total"], seg["score"], seg["max_score"]) == (4, 16, 2.5, 16.0)
    assert (seg["right"], seg["partly_right"], seg["wrong"]) == (2, 1, 1)
    assert seg["block"] == "customer_segments" and seg["lesson"] == 1
    ch = row(frame, "channels-practice")
    # ch_01 right (1), ch_14 partly right (0.5), ch_02 an unknown choice: wrong (0)
    assert (ch["answered"], ch["total"], ch["score"], ch["max_score"]) == (3, 17, 1.5, 17.0)
    assert ch["block"] == "channels" and ch["lesson"] == 3
    assert seg["last_activity"] == pd.Timestamp("2026-11-20T01:30:00Z")
    assert ch["last_activity"] == pd.Timestamp("2026-11-19T01:00:00Z")


def test_every_practice_set_has_a_row_in_lesson_order(two_sets):
    frame = bmc.progress(two_sets, lang="en").to_frame()
    assert list(frame["lesson"]) == list(range(1, 10))
    assert list(frame["block"]) == [b.id for b in bmc.blocks()]
    untouched = row(frame, "relationships-practice")
    total = len(load_exercise_set("relationships-practice"))
    assert (
        untouched["answered"],
        untouched["total"],
        untouched["score"],
        untouched["max_score"],
    ) == (0, total, 0.0, float(total))
    assert untouched["mastery"] == "not_started" and pd.isna(untouched["last_activity"])


def test_frame_dtypes(two_sets):
    write(two_sets, "my-quiz", {"q01": "self_service"})
    frame = bmc.progress(two_sets, lang="en").to_frame()
    assert list(frame.columns[:6]) == [
        "exercise_set",
        "block",
        "lesson",
        "answered",
        "total",
        "score",
    ]
    assert {"max_score", "last_activity"} <= set(frame.columns)
    for column in ("answered", "total", "lesson", "right", "partly_right", "wrong"):
        assert pd.api.types.is_integer_dtype(frame[column]), column
    assert frame["answered"].dtype == "int64"
    for column in ("score", "max_score"):
        assert pd.api.types.is_float_dtype(frame[column]), column
    own = row(frame, "my-quiz")
    assert pd.isna(own["score"]) and pd.isna(own["max_score"]) and pd.isna(own["total"])
    assert isinstance(frame["last_activity"].dtype, pd.DatetimeTZDtype)


def test_an_assessment_set_is_counted_never_scored(tmp_path, own_set):
    _items, _key = own_set  # tmp_path/own/exercises/my-quiz.csv, and its key beside it in keys/
    folder = tmp_path / "own" / "answers"
    write(folder, "my-quiz", {"q01": "self_service", "q02": "communities", "nope": "x"})
    found = bmc.progress(folder, lang="en")
    own = found.set("my-quiz")
    # items found beside it
    assert (own.answered, own.total, own.score, own.max_score) == (2, 4, None, None)
    assert own.mastery == "unscored" and own.block == "customer_relationships"
    assert bmc.review_items(folder) == []  # never reviewed, whatever the answers
    text = found.summary()
    assert re.search(
        r"own\s+Customer Relationships\s+my-quiz\s+2 / 4\s+-\s+Answered \(no key\)", text
    )
    assert "my-quiz" in found._repr_html_() and "not scored" in found._repr_html_()


def test_an_own_set_without_its_items_file_says_so(tmp_path, own_set):
    items, _key = own_set
    folder = tmp_path / "elsewhere" / "answers"
    write(folder, "my-quiz", {"q01": "self_service", "nope": "x"})
    own = bmc.progress(folder, lang="en").set("my-quiz")
    assert (own.answered, own.total, own.items_found) == (2, None, False)
    assert "my-quiz: items file my-quiz.csv not found" in bmc.progress(folder, lang="en").summary()
    assert "문항 파일 my-quiz.csv을(를) 찾지 못해" in bmc.progress(folder, lang="ko").summary()
    given = bmc.progress(folder, lang="en", own_sets=[items]).set("my-quiz")  # or name it
    assert (given.answered, given.total) == (1, 4)


# -- the files in the folder -------------------------------------------------------------------


def test_corrupt_and_foreign_files_are_listed_never_a_crash(two_sets):
    (two_sets / "broken.json").write_text('{"format": "bmclib-answers", ', encoding="utf-8")
    (two_sets / "latin1.json").write_bytes(b"\xff\xfe{}")
    (two_sets / "foreign.json").write_text('{"hello": 1}', encoding="utf-8")
    (two_sets / "list.json").write_text("[1, 2]", encoding="utf-8")
    (two_sets / "empty.json").write_text("", encoding="utf-8")
    write(two_sets, "x", {}, name="future.json")
    doc = json.loads((two_sets / "future.json").read_text())
    (two_sets / "future.json").write_text(json.dumps({**doc, "version": 9}))
    (two_sets / "folder.json").mkdir()
    os.mkfifo(two_sets / "pipe.json")  # must not block
    # not a .json file: not an answer file, not a problem
    (two_sets / "notes.txt").write_text("my notes")
    (two_sets / ".segments-practice.json.lock").write_text("")
    canvas = bmc.data_path("canvases", "bank_salad.en.json").read_bytes()
    (two_sets / "capstone_canvas.json").write_bytes(canvas)  # the capstone saves its canvas here
    before = {
        p.name: (p.read_bytes() if p.is_file() else None)
        for p in two_sets.iterdir()
        if p.name != "pipe.json"
    }

    found = bmc.progress(two_sets, lang="en")
    problems = dict(found.problems)
    assert sorted(problems) == [
        "broken.json",
        "empty.json",
        "foreign.json",
        "future.json",
        "latin1.json",
        "list.json",
        "pipe.json",
    ]
    assert problems["broken.json"].startswith("not valid JSON")
    assert problems["latin1.json"] == "not UTF-8 text"
    assert "not an answer file" in problems["foreign.json"]
    assert "unknown version 9" in problems["future.json"]
    assert "not a regular file" in problems["pipe.json"]
    assert found.set("segments-practice").answered == 4  # the good files still count
    text = found.summary()
    assert "Files in the answers folder that could not be read" in text
    assert "broken.json: not valid JSON" in text and "capstone_canvas" not in text
    assert "broken.json" in found._repr_html_()
    assert bmc.review_items(two_sets) == bmc.review_items(two_sets)  # and the review is unaffected
    after = {
        p.name: (p.read_bytes() if p.is_file() else None)
        for p in two_sets.iterdir()
        if p.name != "pipe.json"
    }
    assert after == before  # nothing changed, nothing added


def test_one_file_counts_per_set_and_the_others_are_named(tmp_path):
    folder = tmp_path / "answers"
    write(folder, "segments-practice", {"cs_01": "mass_market"})
    # another student's answers, set aside by the widget on a shared computer
    write(
        folder,
        "segments-practice",
        {"cs_01": "niche_market", "cs_02": "niche_market"},
        name="segments-practice.s0002.json",
        student="s0002",
        saved_at="2026-11-25T10:00:00+09:00",
    )
    found = bmc.progress(folder, lang="en")
    assert found.set("segments-practice").answered == 1
    assert found.not_counted == (
        ("segments-practice.s0002.json", "segments-practice", "segments-practice.json"),
    )
    assert "segments-practice.s0002.json: not counted" in found.summary()


def test_a_file_with_another_name_counts_when_it_is_the_only_one(tmp_path):
    folder = tmp_path / "answers"
    write(
        folder,
        "channels-practice",
        {"ch_01": "sales_force"},
        name="kim-channels.json",
        saved_at="2026-11-01T10:00:00+09:00",
    )
    write(
        folder,
        "channels-practice",
        {"ch_01": "web_sales", "ch_02": "web_sales"},
        name="kim-channels-2.json",
        saved_at="2026-11-02T10:00:00+09:00",
    )
    found = bmc.progress(folder, lang="en")
    entry = found.set("channels-practice")
    # the newest
    assert (entry.answered, entry.score, entry.source) == (2, 1.0, "kim-channels-2.json")
    assert [n for n, _s, _c in found.not_counted] == ["kim-channels.json"]


def test_no_folder_yet_is_nothing_answered(tmp_path):
    found = bmc.progress(tmp_path / "missing", lang="en")
    assert found.answered == 0 and found.problems == () and not found.folder_exists
    assert found.next_step() == "lesson 1 (Customer Segments): 0 of 16 answered"
    (tmp_path / "afile").write_text("x")
    assert bmc.progress(tmp_path / "afile", lang="en").problems == (("afile", "not a folder"),)


def test_answers_dir_defaults_to_the_environment_then_answers(tmp_path, monkeypatch, two_sets):
    monkeypatch.setenv("BMC_ANSWERS_DIR", str(two_sets))
    assert bmc.progress(lang="en").set("segments-practice").answered == 4
    monkeypatch.delenv("BMC_ANSWERS_DIR")
    monkeypatch.chdir(two_sets.parent)  # ./answers
    assert bmc.progress(lang="en").set("channels-practice").answered == 3
    assert scan_answers().folder == two_sets


# -- what to do next -----------------------------------------------------------------------------


def all_best(set_id):
    return {k.item_id: k.best[0] for k in bmc.load_key(set_id).items}


def test_next_step_follows_the_lessons_then_the_review(tmp_path):
    folder = tmp_path / "answers"
    found = bmc.progress(folder, lang="en")
    assert found.next_step() == "lesson 1 (Customer Segments): 0 of 16 answered"
    write(folder, "segments-practice", all_best("segments-practice"))
    write(folder, "value-propositions-practice", {"vp_01": "newness"})
    assert (
        bmc.progress(folder, lang="en").next_step()
        == "lesson 2 (Value Propositions): 1 of 17 answered"
    )
    assert bmc.progress(folder, lang="ko").next_step() == "2강(가치 제안): 17문항 중 1문항 답함"
    # a lesson worked on last comes first, though an earlier lesson is unfinished too
    write(folder, "segments-practice", {"cs_01": all_best("segments-practice")["cs_01"]})
    write(
        folder,
        "relationships-practice",
        {"karrot": "communities"},
        saved_at="2026-11-21T10:00:00+09:00",
    )
    assert (
        bmc.progress(folder, lang="en").next_step()
        == "lesson 4 (Customer Relationships): 1 of 33 answered"
    )
    write(folder, "segments-practice", all_best("segments-practice"))
    (folder / "relationships-practice.json").unlink()
    sets = [s.exercise_set for s in found if s.scored]
    for set_id in sets:
        write(folder, set_id, all_best(set_id))
    done = bmc.progress(folder, lang="en")
    assert done.next_step() == "every practice set is answered and right. Well done!"
    assert {s.mastery for s in done} == {"mastered"}
    answers = all_best("channels-practice")
    answers["ch_14"] = "partner_stores"
    write(folder, "channels-practice", answers)
    review = bmc.progress(folder, lang="en")
    assert review.next_step() == "look again at what you missed with bmc.review() (1 to review)"
    assert review.set("channels-practice").score == 16.5


def test_mastery_levels_follow_the_share_of_points(tmp_path):
    folder = tmp_path / "answers"
    best = all_best("segments-practice")  # 16 items
    for n, level in (
        (0, "not_started"),
        (7, "started"),
        (8, "familiar"),
        (12, "familiar"),
        (13, "mastered"),
    ):
        write(
            folder, "segments-practice", dict(list(best.items())[:n]) or {"cs_01": "niche_market"}
        )
        entry = bmc.progress(folder, lang="en").set("segments-practice")
        assert entry.mastery == (level if n else "started"), n


# -- views -------------------------------------------------------------------------------------


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_summary_is_a_readable_aligned_table(two_sets, lang):
    text = bmc.progress(two_sets, lang=lang).summary()
    lines = text.splitlines()
    header = {"en": "Lesson  Block", "ko": "강"}[lang]
    assert lines[0] == {"en": "Your progress", "ko": "나의 학습 현황"}[lang] and lines[
        1
    ].startswith(header)
    table = lines[1:12]  # header, rule, nine sets
    starts = {
        width(line[: line.index(set_id)])
        for line in table[2:]
        for set_id in re.findall(r"\S+-practice", line)
    }
    assert len(starts) == 1  # the exercise-set column starts at the same place on every row
    seg = next(line for line in table if "segments-practice" in line)
    assert re.search(r"segments-practice\s+4 / 16\s+2.5 / 16", seg)
    assert re.search(r"channels-practice\s+3 / 17\s+1.5 / 17", text)
    assert re.search(r"2026-11-2\d \d\d:\d\d", seg)


def test_summary_says_what_to_do_and_what_to_look_at_again(two_sets):
    text = bmc.progress(two_sets, lang="en").summary()
    assert "Next: lesson 1 (Customer Segments): 4 of 16 answered" in text
    assert "Answered wrong or partly right, to look at again: 4." in text
    ko = bmc.progress(two_sets, lang="ko").summary()
    assert "다음 할 일: 1강(고객 세그먼트): 16문항 중 4문항 답함" in ko
    assert "틀렸거나 부분 정답인 4문항" in ko


def test_notebook_view_is_the_canvas_coloured_by_mastery(two_sets):
    page = bmc.progress(two_sets, lang="en")._repr_html_()
    cells = re.findall(
        r"data-block='(\w+)' data-set='([\w-]+)' data-level='(\w+)' "
        r"style='grid-column: (\d+) / (\d+); grid-row: (\d+) / (\d+);'",
        page,
    )
    assert len(cells) == 9
    by_block = {c[0]: c for c in cells}
    assert set(by_block) == set(GRID)
    assert by_block["customer_segments"][2] == "started"  # 2.5 of 16 points
    assert by_block["value_propositions"][2] == "not_started"
    assert tuple(map(int, by_block["key_partnerships"][3:])) == (1, 3, 1, 3)  # left, full height
    assert tuple(map(int, by_block["revenue_streams"][3:])) == (6, 11, 3, 4)  # bottom right
    assert "4 of 16 answered" in page and "2.5 of 16 points" in page
    assert "Next: lesson 1 (Customer Segments): 4 of 16 answered" in page
    assert "고객 세그먼트" in bmc.progress(two_sets, lang="ko")._repr_html_()


def test_the_nothing_answered_view_is_the_same_everywhere(tmp_path):
    """What a stored lesson shows: no dates, no paths, the same in any empty folder."""
    (tmp_path / "a").mkdir()
    for lang in ("en", "ko"):
        one, two = bmc.progress(tmp_path / "a", lang=lang), bmc.progress(tmp_path / "b", lang=lang)
        assert one._repr_html_() == two._repr_html_() and repr(one) == repr(two)
        assert str(tmp_path) not in one._repr_html_() + repr(one)
        assert not re.search(r"\d\d:\d\d|20\d\d-", one._repr_html_() + repr(one))
        line = one.line("segments-practice")
        assert (
            repr(line) == repr(two.line("segments-practice"))
            and line._repr_html_() == two.line("segments-practice")._repr_html_()
        )


def test_a_lessons_line(two_sets):
    found = bmc.progress(two_sets, lang="en")
    assert str(found.line("segments-practice")) == (
        "Lesson 1 · Customer Segments · segments-practice: "
        "4 of 16 answered · 2.5 of 16 points · Started · 2 to look at again"
    )
    assert str(found.line("segments-practice", lang="ko")) == (
        "1강 · 고객 세그먼트 · segments-practice: 16문항 중 "
        "4문항 답함 · 16점 중 2.5점 · 시작함 · 다시 볼 문항 2개"
    )
    assert "data-level='started'" in found.line("segments-practice")._repr_html_()
    with pytest.raises(bmc.BMCError, match="Did you mean 'channels-practice'"):
        found.line("channel-practice")


def test_to_dict_is_json(two_sets):
    data = json.loads(json.dumps(bmc.progress(two_sets, lang="en").to_dict()))
    seg = next(s for s in data["sets"] if s["exercise_set"] == "segments-practice")
    assert (seg["answered"], seg["total"], seg["score"], seg["max_score"]) == (4, 16, 2.5, 16.0)
    assert data["review_items"][0] == ["channels-practice", "ch_14"]


def test_language_comes_from_bmc_lang(two_sets, monkeypatch):
    monkeypatch.setenv("BMC_LANG", "ko")
    assert bmc.progress(two_sets).summary().startswith("나의 학습 현황")
    monkeypatch.delenv("BMC_LANG")
    assert bmc.progress(two_sets).summary().startswith("Your progress")
    bmc.set_language("ko")
    try:
        assert bmc.progress(two_sets).summary().startswith("나의 학습 현황")
    finally:
        bmc.set_language(None)
    with pytest.raises(bmc.BMCError, match="lang must be 'en' or 'ko'"):
        bmc.progress(two_sets, lang="fr")


# -- what was missed -----------------------------------------------------------------------------


def test_review_items_are_exactly_the_misses_oldest_first(two_sets):
    # ch_14 partly right since 11-18 00:00Z; ch_02 wrong since 11-19 00:00Z (it was right before);
    # cs_15 partly right since 10:02 KST on 11-20 (a later Check of the same answer does not count);
    # cs_02 wrong since 10:05 (changed from one wrong answer to another)
    assert bmc.review_items(two_sets) == [
        ("channels-practice", "ch_14"),
        ("channels-practice", "ch_02"),
        ("segments-practice", "cs_15"),
        ("segments-practice", "cs_02"),
    ]


def test_review_items_without_an_attempt_log_use_saved_at_then_lesson_order(tmp_path):
    folder = tmp_path / "answers"
    write(
        folder,
        "channels-practice",
        {"ch_14": "partner_stores", "ch_01": "web_sales"},
        saved_at="2026-11-20T10:00:00+09:00",
    )
    write(
        folder,
        "segments-practice",
        {"cs_02": "niche_market", "cs_01": "niche_market"},
        saved_at="2026-11-20T10:00:00+09:00",
    )
    write(
        folder,
        "relationships-practice",
        {"nordstrom": "self_service"},
        saved_at="2026-11-19T10:00:00+09:00",
    )
    assert bmc.review_items(folder) == [
        ("relationships-practice", "nordstrom"),
        ("segments-practice", "cs_01"),
        ("segments-practice", "cs_02"),
        ("channels-practice", "ch_01"),
        ("channels-practice", "ch_14"),
    ]


def test_an_item_put_right_leaves_the_review(two_sets):
    path = two_sets / "segments-practice.json"
    doc = json.loads(path.read_text())
    doc["answers"]["cs_02"] = "multi_sided_platform"
    doc["attempts"].append(at("cs_02", "multi_sided_platform", "2026-11-21T09:00:00+09:00"))
    path.write_text(json.dumps(doc))
    assert ("segments-practice", "cs_02") not in bmc.review_items(two_sets)
    assert len(bmc.review_items(two_sets)) == 3


# -- the command -------------------------------------------------------------------------------


def test_cli_prints_the_table(two_sets, capsys):
    assert main(["progress", "--answers", str(two_sets), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Answers folder: {two_sets}"
    assert re.search(r"segments-practice\s+4 / 16\s+2.5 / 16", out)
    assert re.search(r"channels-practice\s+3 / 17\s+1.5 / 17", out)
    assert main(["progress", "--answers", str(two_sets), "--lang", "ko"]) == 0
    assert "나의 학습 현황" in capsys.readouterr().out


def test_cli_json_and_errors(two_sets, tmp_path, capsys, monkeypatch):
    assert main(["progress", "--answers", str(two_sets), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["answered"] for s in data["sets"][:3]] == [4, 0, 3]
    assert main(["progress", "--answers", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "fresh").mkdir()
    monkeypatch.chdir(tmp_path / "fresh")  # no ./answers yet: nothing answered, not an error
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "There is no answers folder at" in out and "Nothing answered yet" in out
    (two_sets / "broken.json").write_text("{")
    assert main(["progress", "--answers", str(two_sets)]) == 0
    assert "broken.json: not valid JSON" in capsys.readouterr().out


def test_every_text_asked_for_is_in_the_message_data():
    from pathlib import Path

    from bmclib import progress_map, review_schedule
    from bmclib.i18n import catalogue
    from bmclib.widgets import review_widget

    source = "".join(
        Path(m.__file__).read_text(encoding="utf-8")
        for m in (progress_map, review_schedule, review_widget)
    )
    asked = {
        k for k in re.findall(r"""\b_?ui\(\s*["']([a-z_]+)["']""", source) if not k.endswith("_")
    }
    asked |= {f"mastery_{level}" for level in progress_map.LEVELS}
    asked |= {
        f"progress_col_{c}"
        for c in ("lesson", "block", "set", "answered", "points", "mastery", "last")
    }
    assert len(asked) > 30 and {f"ui.{k}" for k in asked} <= set(catalogue())


def test_progress_from_the_course_folder_points_to_the_answers_beside_the_notebooks(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BMC_ANSWERS_DIR", raising=False)
    write(tmp_path / "notebooks" / "ko" / "answers", "channels-practice", {"ch_01": "own_stores"})
    from bmclib.cli import main

    assert main(["progress", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "no answers folder at" in out and "bmc progress --answers notebooks/ko/answers" in out
    assert "nothing has been answered" not in out
