"""The widgets without a browser: set ``.value``, call ``.click()`` (both synchronous), check
what changed on screen and on disk."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import bmclib as bmc
from bmclib.exercises import exercise_set_ids
from bmclib.i18n import ui
from bmclib.prioritise import prioritise

SET = "relationships-practice"
SAVED = {"en": re.compile(r"^saved \d\d:\d\d:\d\d$"), "ko": re.compile(r"^저장됨 \d\d:\d\d:\d\d$")}


@pytest.fixture(autouse=True)
def no_student_env(monkeypatch):
    for name in ("BMC_STUDENT_ID", "BMC_STUDENT_NAME", "BMC_ANSWERS_DIR", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


def find(root, cls):
    """Every widget under ``root`` (itself included) carrying the CSS class ``cls``."""
    found, stack = [], [root]
    while stack:
        w = stack.pop(0)
        if cls in getattr(w, "_dom_classes", ()):
            found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def one(root, cls):
    found = find(root, cls)
    assert len(found) == 1, f"{len(found)} widgets with class {cls}"
    return found[0]


def text_of(html):
    return (
        re.sub(r"<[^>]+>", "", html)
        .replace("&#x27;", "'")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def exercise(tmp_path, lang="en", mode="practice", set_id=SET, **kw):
    kw.setdefault("student_id", "s0001")
    kw.setdefault("student_name", "Kim Minji")
    build = bmc.relationship_exercise if set_id == SET else bmc.block_exercise
    return build(set_id, lang, mode, answers_dir=tmp_path, **kw)


def saved_file(tmp_path, set_id=SET):
    return bmc.read_answers(tmp_path / f"{set_id}.json")


def key_choices(set_id, item):
    """(best, acceptable or None, wrong) choice ids for one item, from the practice key."""
    k = bmc.load_key(set_id).item(item.id)
    wrong = next(c for c in item.choices("en") if c not in k.best + k.acceptable)
    return k.best[0], (k.acceptable[0] if k.acceptable else None), wrong


# -- choosing and saving ---------------------------------------------------------------------


def test_nothing_is_written_or_printed_on_creation(tmp_path, capsys):
    ex = exercise(tmp_path)
    assert capsys.readouterr() == ("", "")
    assert not (tmp_path / f"{SET}.json").exists()
    assert text_of(ex.saved.value) == "not saved yet"


def test_choosing_writes_the_answer_file(tmp_path):
    ex = exercise(tmp_path)
    item = ex.item
    choice = list(item.choices("en"))[2]
    ex.choices.value = choice
    af = saved_file(tmp_path)
    assert af.answers == {item.id: choice}
    assert (af.student_id, af.student_name, af.exercise_set) == ("s0001", "Kim Minji", SET)
    assert [(a["item"], a["choice"], a["event"]) for a in af.attempts] == [
        (None, None, "open"),  # times run from here (the report's seconds to a first answer)
        (item.id, choice, "choose"),
    ]
    assert SAVED["en"].match(text_of(ex.saved.value))
    raw = json.loads((tmp_path / f"{SET}.json").read_text(encoding="utf-8"))
    assert raw["format"] == "bmclib-answers" and raw["version"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_every_change_is_saved_and_logged(tmp_path):
    ex = exercise(tmp_path)
    first, second = list(ex.item.choices("en"))[:2]
    ex.choices.value = first
    ex.choices.value = second
    af = saved_file(tmp_path)
    assert af.answers == {ex.item.id: second}
    assert [a["choice"] for a in af.attempts if a["event"] != "open"] == [first, second]
    assert all(a["at"] for a in af.attempts)


def test_toggle_buttons_show_the_items_choices_with_labels_and_ids(tmp_path):
    for lang in ("en", "ko"):
        ex = exercise(tmp_path, lang=lang)
        assert list(ex.choices.options) == [
            (label, cid) for cid, label in ex.item.choices(lang).items()
        ]
        assert [cid for _, cid in ex.choices.options] == [t.id for t in bmc.relationship_types()]
    assert "Self-service" in [label for label, _ in exercise(tmp_path, "en").choices.options]
    assert "셀프서비스" in [label for label, _ in exercise(tmp_path, "ko").choices.options]


def test_answers_dir_defaults_to_answers_beside_the_notebook_then_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ex = bmc.relationship_exercise(lang="en", student_id="s1")
    ex.choices.value = "self_service"
    assert (
        bmc.read_answers(tmp_path / "answers" / f"{SET}.json").answers[ex.item.id] == "self_service"
    )
    monkeypatch.setenv("BMC_ANSWERS_DIR", str(tmp_path / "elsewhere"))
    ex = bmc.relationship_exercise(lang="en", student_id="s1")
    ex.choices.value = "communities"
    assert (tmp_path / "elsewhere" / f"{SET}.json").is_file()
    assert ui("saved_where", "en", path=f"elsewhere/{SET}.json") == ex.saved.tooltip


def test_a_save_that_fails_says_so_instead_of_raising(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    ex = bmc.relationship_exercise(lang="en", answers_dir=blocker, student_id="s1")
    ex.choices.value = "self_service"
    assert text_of(ex.saved.value).startswith("Could not save (")
    assert "bmc-error" in ex.saved.value


def test_a_failed_save_is_not_undone_by_the_next_one(tmp_path, monkeypatch):
    """The widget said the choice would be saved with the next change: it must be (disk full
    once)."""
    import bmclib.answers as answers_mod

    ex = exercise(tmp_path)
    ex.choices.value = "self_service"
    real, calls = answers_mod.write_atomic, []

    def full_once(path, text, **kw):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(path, text, **kw)

    monkeypatch.setattr(answers_mod, "write_atomic", full_once)
    ex.choices.value = "communities"  # this save fails
    assert "No space left on device" in text_of(ex.saved.value)
    assert saved_file(tmp_path).answers[ex.item.id] == "self_service"
    first = ex.item.id
    ex.show(1)
    ex.choices.value = "co_creation"  # this one works and must carry the failed change too
    on_disk = saved_file(tmp_path)
    assert on_disk.answers == {first: "communities", ex.item.id: "co_creation"}
    assert ex.answers.answers == on_disk.answers
    last_for_first = [a for a in on_disk.attempts if a["item"] == first][-1]
    assert last_for_first["choice"] == "communities"


def test_an_answer_file_that_cannot_be_read_is_left_untouched(tmp_path, monkeypatch):
    path = tmp_path / f"{SET}.json"
    first = exercise(tmp_path)
    first.choices.value = "self_service"
    before = path.read_bytes()
    import bmclib.answers as answers_mod

    def eio(*_a, **_k):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(answers_mod, "read_limited", eio)
    ex = exercise(tmp_path)
    blocked = one(ex, "bmc-blocked-message")
    assert "Cannot read your answer file" in text_of(blocked.value)
    assert "a disk input/output error" in text_of(
        blocked.value
    ) and "Nothing was changed" in text_of(blocked.value)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [path.name]
    assert path.read_bytes() == before
    monkeypatch.undo()
    # the disk is back: Try again opens the exercise with the saved answer
    one(ex, "bmc-retry").click()
    assert ex.answers.answers == {first.item.id: "self_service"} and find(ex, "bmc-blocked") == []


def test_a_read_only_folder_gives_a_message_not_an_exception(tmp_path, monkeypatch):
    import bmclib.answers as answers_mod

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(answers_mod, "write_atomic", denied)
    monkeypatch.setattr(answers_mod, "set_aside", denied)
    # would be set aside: not allowed
    (tmp_path / f"{SET}.json").write_text("{broken", encoding="utf-8")
    ex = exercise(tmp_path)
    assert "Permission denied" in text_of(one(ex, "bmc-blocked-message").value)
    fresh = exercise(tmp_path / "empty")
    fresh.choices.value = "self_service"
    # the folder is named, with what to do; never the promise of a save that cannot happen
    said = text_of(fresh.saved.value)
    assert said.startswith("This folder cannot be written to, so nothing can be saved here: ")
    assert str(tmp_path / "empty") in said and "(Permission denied)" in said
    assert "BMC_ANSWERS_DIR" in said and "ask your instructor" in said
    assert "next change" not in said
    assert fresh.answers.answers == {fresh.item.id: "self_service"}  # kept in memory
    fresh.show(1)
    fresh.choices.value = "communities"
    assert len(fresh.answers.answers) == 2
    ko = exercise(tmp_path / "empty-ko", lang="ko")
    ko.choices.value = "self_service"
    assert text_of(ko.saved.value).startswith(
        "이 폴더에는 쓸 수 없어서 아무것도 저장할 수 없습니다"
    )
    assert "BMC_ANSWERS_DIR" in text_of(ko.saved.value)


def test_an_error_in_a_callback_is_shown_to_the_student(tmp_path, monkeypatch):
    ex = exercise(tmp_path)
    monkeypatch.setattr(ex, "_record", lambda *a: (_ for _ in ()).throw(AttributeError("flock")))
    ex.choices.value = "self_service"
    assert "Something went wrong (flock)" in text_of(ex.saved.value)


# -- practice: Check and feedback ------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, heads",
    [
        ("en", {"best": "Right: ", "acceptable": "Partly right", "wrong": "Not right: "}),
        ("ko", {"best": "정답입니다", "acceptable": "부분 정답입니다", "wrong": "오답입니다"}),
    ],
)
def test_check_shows_feedback_with_status_points_and_reasons(tmp_path, lang, heads):
    ex = exercise(tmp_path, lang=lang)
    key = bmc.load_key(SET)
    # go to an item that has an acceptable answer, so all three statuses can be seen
    n = next(i for i, it in enumerate(ex.exercise_set.items) if key.item(it.id).acceptable)
    ex.show(n)
    best, acceptable, wrong = key_choices(SET, ex.item)
    expected_points = {"best": "1", "acceptable": "0.5", "wrong": "0"}
    for status, choice in (("best", best), ("acceptable", acceptable), ("wrong", wrong)):
        ex.choices.value = choice
        assert ex.feedback.value == ""  # a new choice clears the old feedback
        ex.check_button.click()
        fb = ex.feedback.value
        assert f"bmc-fb-{status}" in fb and f"data-status='{status}'" in fb
        shown = text_of(fb)
        assert heads[status] in shown
        assert ui("points", lang, points=expected_points[status], max="1") in shown
        expected = bmc.score_answers({ex.item.id: choice}, key).items[0]
        assert expected.status == status
        # explanation and advisor reasons, as scoring wrote them
        assert expected.feedback[lang] in shown
    af = saved_file(tmp_path)
    assert [a["event"] for a in af.attempts] == ["open"] + ["choose", "check"] * 3
    assert af.answers == {ex.item.id: wrong}


def test_check_is_disabled_until_a_choice_and_explains_when_clicked_anyway(tmp_path):
    ex = exercise(tmp_path)
    assert ex.check_button.disabled
    ex._on_check()
    assert text_of(ex.feedback.value) == "Choose an answer first."
    assert not (tmp_path / f"{SET}.json").exists()
    ex.choices.value = "self_service"
    assert not ex.check_button.disabled


def test_feedback_is_remembered_per_item_while_the_choice_stands(tmp_path):
    ex = exercise(tmp_path)
    ex.choices.value = "self_service"
    ex.check_button.click()
    fb = ex.feedback.value
    ex.next_button.click()
    assert ex.feedback.value == ""
    ex.prev_button.click()
    assert ex.feedback.value == fb


def test_check_scores_only_the_current_item(tmp_path, monkeypatch):
    import bmclib.widgets.exercise as mod

    seen = []
    real = mod.score_answers

    def spy(answers, key, **kw):
        seen.append((dict(answers), key.item_ids))
        return real(answers, key, **kw)

    monkeypatch.setattr(mod, "score_answers", spy)
    ex = exercise(tmp_path)
    ex.choices.value = "self_service"
    ex.check_button.click()
    assert seen == [({ex.item.id: "self_service"}, (ex.item.id,))]


def test_a_key_for_another_set_is_refused(tmp_path):
    with pytest.raises(bmc.BMCError, match="the key is for exercise set 'channels-practice'"):
        exercise(tmp_path, key=bmc.load_key("channels-practice"))


def test_an_instructor_key_by_path(tmp_path):
    src = bmc.data_path("keys", f"{SET}.csv")
    own = tmp_path / "own.csv"
    own.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    ex = exercise(tmp_path, key=own)
    assert ex.key.source == str(own)


def test_bad_mode_is_refused(tmp_path):
    with pytest.raises(bmc.BMCError, match="mode must be 'practice' or 'assessment', not 'exam'"):
        exercise(tmp_path, mode="exam")


# -- assessment ------------------------------------------------------------------------------


def test_assessment_loads_no_key_has_no_check_and_saves_only_choices(
    tmp_path, monkeypatch, own_set
):
    import bmclib.widgets.exercise as mod

    def no_key(*_a, **_k):
        raise AssertionError("assessment mode must not load a key")

    items, _key = own_set
    monkeypatch.setattr(mod, "load_key", no_key)
    monkeypatch.setattr(bmc, "load_key", no_key)
    ex = exercise(tmp_path, mode="assessment", set_id=str(items))
    assert ex.key is None and ex.check_button is None
    assert find(ex, "bmc-check") == [] and find(ex, "bmc-feedback") == []
    assert "no feedback" in text_of(ex.header.value)
    for n in range(3):
        ex.show(n)
        ex.choices.value = list(ex.item.choices("en"))[n]
    af = saved_file(tmp_path, "my-quiz")
    assert len(af.answers) == 3
    assert {a["event"] for a in af.attempts} == {"open", "choose"}
    raw = json.loads((tmp_path / "my-quiz.json").read_text(encoding="utf-8"))
    assert not {"score", "points", "status", "feedback"} & set(
        json.dumps(raw).replace('"', " ").split()
    )


@pytest.mark.parametrize("set_id", [SET, "channels-practice"])
def test_assessment_on_a_shipped_set_is_refused(tmp_path, set_id):
    with pytest.raises(
        bmc.BMCError, match=f"'{set_id}' is a practice set: its answer key ships with bmclib"
    ):
        exercise(tmp_path, mode="assessment", set_id=set_id)
    with pytest.raises(bmc.BMCError, match="is a practice set"):
        bmc.relationship_exercise(mode="assessment", answers_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_assessment_refuses_a_key(tmp_path):
    with pytest.raises(bmc.BMCError, match="assessment mode never loads a key"):
        exercise(tmp_path, mode="assessment", key=SET)


# -- restore and the student id --------------------------------------------------------------


def test_re_running_restores_saved_choices(tmp_path):
    ex = exercise(tmp_path)
    ex.choices.value = "self_service"
    ex.show(1)
    ex.choices.value = "communities"
    again = exercise(tmp_path, student_id=None, student_name=None)
    assert again.answers.answers == ex.answers.answers
    assert again.index == 2  # the first unanswered item
    assert text_of(again.progress.value) == f"2/{len(ex.exercise_set)} answered"
    again.show(0)
    assert again.choices.value == "self_service"
    again.show(1)
    assert again.choices.value == "communities"
    assert SAVED["en"].match(text_of(again.saved.value))
    assert "Kim Minji" in again.student_line.value


def test_a_choice_the_item_does_not_offer_is_not_shown(tmp_path):
    ex = exercise(tmp_path)
    ex.choices.value = "self_service"
    path = tmp_path / f"{SET}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"][ex.item.id] = "mass_market"
    path.write_text(json.dumps(data), encoding="utf-8")
    again = exercise(tmp_path)
    again.show(0)
    assert again.choices.value is None


def test_student_is_asked_once_and_stored_in_the_file(tmp_path):
    ex = bmc.relationship_exercise(lang="en", answers_dir=tmp_path)
    assert ex.student_box in ex.children and ex.main_box not in ex.children
    assert ex.answers is None
    # the boxes send their text when left (Start does that), not letter by letter to a busy kernel
    assert not ex.id_text.continuous_update and not ex.name_text.continuous_update
    ex.start_button.click()
    assert text_of(ex.student_message.value) == "Please enter your student id."
    assert not (tmp_path / f"{SET}.json").exists()
    ex.id_text.value = "  s0042 "
    ex.name_text.value = "Lee Jun"
    ex.start_button.click()
    assert ex.main_box in ex.children and ex.student_box not in ex.children
    af = saved_file(tmp_path)
    assert (af.student_id, af.student_name, af.answers) == ("s0042", "Lee Jun", {})
    ex.choices.value = "self_service"
    again = bmc.relationship_exercise(lang="en", answers_dir=tmp_path)
    assert again.main_box in again.children
    assert (again.answers.student_id, again.answers.student_name) == ("s0042", "Lee Jun")
    assert again.index == 1  # reopened on the first unanswered case
    again.show(0)
    assert again.choices.value == "self_service"


def test_typing_that_arrives_after_start_is_kept(tmp_path):
    """A slow kernel gets the click on Start before the last keystrokes: they still count."""
    ex = bmc.relationship_exercise(lang="en", answers_dir=tmp_path)
    ex.id_text.value, ex.name_text.value = "s0", "김"
    ex.start_button.click()
    assert text_of(ex.student_line.value) == "Student: s0 · 김"
    ex.id_text.value = "s0043"
    ex.name_text.value = "김민지 Kim"
    assert text_of(ex.student_line.value) == "Student: s0043 · 김민지 Kim"
    af = saved_file(tmp_path)
    assert (af.student_id, af.student_name) == ("s0043", "김민지 Kim")
    ex.choices.value = "self_service"
    assert saved_file(tmp_path).student_id == "s0043" and len(list(tmp_path.glob("*.json"))) == 1


def test_another_students_file_is_kept_aside_not_continued(tmp_path):
    first = exercise(tmp_path, student_id="s0001", student_name="Kim Minji")
    first.choices.value = "self_service"
    second = exercise(tmp_path, student_id="s0002", student_name="Lee Jun")
    assert second.answers.answers == {} and second.answers.student_name == "Lee Jun"
    assert second.choices.value is None
    second.choices.value = "communities"
    assert saved_file(tmp_path).student_id == "s0002"
    kept = bmc.read_answers(tmp_path / f"{SET}.s0001.json")
    assert (kept.student_id, kept.answers) == ("s0001", {first.item.id: "self_service"})


def test_student_prompt_in_korean(tmp_path):
    ex = bmc.relationship_exercise(lang="ko", answers_dir=tmp_path)
    assert ex.id_text.description == "학번" and ex.start_button.description == "시작"
    ex.start_button.click()
    assert text_of(ex.student_message.value) == "학번을 입력하세요."


def test_student_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BMC_STUDENT_ID", "s0100")
    monkeypatch.setenv("BMC_STUDENT_NAME", "Park Sora")
    ex = bmc.relationship_exercise(lang="en", answers_dir=tmp_path)
    assert ex.main_box in ex.children
    ex.choices.value = "communities"
    af = saved_file(tmp_path)
    assert (af.student_id, af.student_name) == ("s0100", "Park Sora")


# -- navigation and progress -----------------------------------------------------------------


def test_navigation_position_and_progress(tmp_path):
    ex = exercise(tmp_path)
    total = len(ex.exercise_set)
    assert text_of(ex.position.value) == f"Question 1 of {total}"
    assert ex.prev_button.disabled and not ex.next_button.disabled
    assert text_of(ex.progress.value) == f"0/{total} answered"
    ex.next_button.click()
    assert ex.index == 1 and ex.jump.value == 1
    assert text_of(ex.position.value) == f"Question 2 of {total}"
    assert text_of(ex.company.value) == ex.exercise_set.items[1].company["en"]
    ex.prev_button.click()
    assert ex.index == 0
    ex.jump.value = total - 1
    assert ex.index == total - 1 and ex.next_button.disabled
    ex.choices.value = "self_service"
    assert text_of(ex.progress.value) == f"1/{total} answered"
    # answered, not checked: marked answered, never ✓ (which a student reads as right)
    assert ex.jump.options[-1][0].endswith(" ●") and not ex.jump.options[0][0].endswith(" ●")
    assert ex.jump.value == total - 1  # relabelling the list keeps the place
    best = ex.key.item(ex.item.id).best[0]
    wrong = next(
        c
        for c in ex.item.choices("en")
        if c != best and c not in ex.key.item(ex.item.id).acceptable
    )
    ex.choices.value = wrong
    ex.check_button.click()
    assert ex.jump.options[-1][0].endswith(" ✗")  # the Check's verdict
    ex.choices.value = best
    assert ex.jump.options[-1][0].endswith(" ●")  # a new answer is not checked yet
    ex.check_button.click()
    assert ex.jump.options[-1][0].endswith(" ✓") and ex.jump.value == total - 1
    ex.show(999)
    assert ex.index == total - 1


def test_progress_and_labels_in_korean(tmp_path):
    ex = exercise(tmp_path, lang="ko")
    total = len(ex.exercise_set)
    ex.choices.value = "communities"
    assert text_of(ex.progress.value) == f"{total}문항 중 1문항 답함"
    assert text_of(ex.position.value) == f"{total}문항 중 1번째"
    assert SAVED["ko"].match(text_of(ex.saved.value))
    assert ex.check_button.description == "정답 확인"
    assert text_of(ex.company.value) == ex.item.company["ko"]
    assert text_of(ex.prompt.value) == ex.item.prompt["ko"]


def test_stable_css_classes_for_selectors(tmp_path):
    ex = exercise(tmp_path)
    for cls in (
        "bmc-check",
        "bmc-feedback",
        "bmc-next",
        "bmc-prev",
        "bmc-saved",
        "bmc-progress",
        "bmc-choice",
        "bmc-jump",
    ):
        one(ex, cls)


# -- every exercise set ------------------------------------------------------------------------


@pytest.mark.parametrize("set_id", exercise_set_ids())
def test_block_exercise_works_for_every_shipped_set(tmp_path, set_id, capsys):
    ex = exercise(tmp_path, set_id=set_id, lang="ko")
    assert capsys.readouterr() == ("", "")
    assert repr(ex) == (
        f"{type(ex).__name__}('{set_id}', lang='ko', mode='practice', {len(ex.exercise_set)} items)"
    )
    for n, item in enumerate(ex.exercise_set.items):
        ex.show(n)
        assert [cid for _, cid in ex.choices.options] == list(item.choices("ko"))
    ex.show(0)
    best, _acceptable, wrong = key_choices(set_id, ex.item)
    ex.choices.value = wrong
    ex.check_button.click()
    assert "bmc-fb-wrong" in ex.feedback.value and "오답입니다" in text_of(ex.feedback.value)
    ex.choices.value = best
    ex.check_button.click()
    assert "bmc-fb-best" in ex.feedback.value
    assert saved_file(tmp_path, set_id).answers == {ex.item.id: best}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_decision_and_pitfall_items_work_in_the_same_widget(tmp_path, lang):
    """A practice run on the new kinds: same one-choice widget, feedback naming the deciding
    fact."""
    ex = exercise(tmp_path, lang=lang)
    key = bmc.load_key(SET)
    items = ex.exercise_set.items
    decide = next(n for n, it in enumerate(items) if it.id == "dec_mri_hospitals")
    ex.show(decide)
    kind = one(ex, "bmc-kind").value
    assert "data-kind='decide'" in kind and ui("kind_decide", lang) in text_of(kind)
    assert [cid for _, cid in ex.choices.options] == list(bmc.taxonomy("relationship_types").ids)
    ex.choices.value = "personal_assistance"
    ex.check_button.click()
    shown = text_of(ex.feedback.value)
    assert "bmc-fb-wrong" in ex.feedback.value
    assert key.item("dec_mri_hospitals").why_not_text("personal_assistance", lang) in shown
    ex.choices.value = "dedicated_personal_assistance"
    ex.check_button.click()
    assert "bmc-fb-best" in ex.feedback.value

    pitfall = next(n for n, it in enumerate(items) if it.id == "pit_bakery_stamps")
    ex.show(pitfall)
    assert "data-kind='pitfall'" in one(ex, "bmc-kind").value
    labels = bmc.taxonomy("relationship_pitfalls").labels(lang)
    assert list(ex.choices.options) == [(label, cid) for cid, label in labels.items()]
    assert ui(
        "choose_one", lang, taxonomy=bmc.taxonomy("relationship_pitfalls").name[lang]
    ) in text_of(ex.choose_line.value)
    ex.choices.value = "mechanism_as_type"
    ex.check_button.click()
    assert "bmc-fb-best" in ex.feedback.value
    assert key.item("pit_bakery_stamps").explanation[lang] in text_of(ex.feedback.value)
    answers = saved_file(tmp_path).answers
    assert answers == {
        "dec_mri_hospitals": "dedicated_personal_assistance",
        "pit_bakery_stamps": "mechanism_as_type",
    }
    assert bmc.score_answers(answers, key).score == 2


def test_every_item_shows_its_kind(tmp_path):
    ex = exercise(tmp_path, set_id="channels-practice")
    for n, item in enumerate(ex.exercise_set.items):
        ex.show(n)
        assert f"data-kind='{item.kind}'" in one(ex, "bmc-kind").value


def picture_size(png) -> tuple[int, int]:
    """Width and height of a PNG (bytes, or base64 text as a notebook output holds it), read from
    its header; a broken picture fails here."""
    import base64
    import struct

    data = base64.b64decode(png) if isinstance(png, str) else png
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_one_class_serves_every_block():
    from bmclib.widgets.exercise import BlockExercise, RelationshipExercise

    assert issubclass(RelationshipExercise, BlockExercise)
    # a name, no code
    assert not [name for name, v in vars(RelationshipExercise).items() if callable(v)]


def test_block_exercise_title_names_the_block_and_mode(tmp_path, own_set):
    ex = exercise(tmp_path, set_id="channels-practice", lang="en")
    assert text_of(ex.header.value).startswith("Channels · Practice")
    n = len(ex.exercise_set)
    assert repr(ex) == f"BlockExercise('channels-practice', lang='en', mode='practice', {n} items)"
    quiz = exercise(tmp_path, set_id=str(own_set[0]), lang="ko", mode="assessment")
    assert text_of(quiz.header.value).startswith("고객 관계 · 평가")


def test_repr_is_stable(tmp_path):
    ex = exercise(tmp_path, lang="ko")
    n = len(ex.exercise_set)
    assert repr(ex) == f"RelationshipExercise('{SET}', lang='ko', mode='practice', {n} items)"
    assert ex._repr_mimebundle_()["text/plain"] == repr(ex)


# -- segment prioritiser -----------------------------------------------------------------------

FRAME = pd.DataFrame(
    {
        "segment": ["a", "b", "c"],
        "name_en": ["Alpha", "Beta", "Gamma"],
        "name_ko": ["알파", "베타", "감마"],
        "size": [100, 300, 200],
        "growth": [5.0, 1.0, 3.0],
        "fit": [1, 5, 3],
    }
)


def test_prioritise_scales_weights_and_ranks():
    r = prioritise(FRAME, {"size": 1, "growth": 1, "fit": 1})
    assert r["segment"].tolist() == ["b", "c", "a"] and r["rank"].tolist() == [1, 2, 3]
    assert r["size_scaled"].tolist() == [1.0, 0.5, 0.0]
    assert r["score"].tolist() == [0.666667, 0.5, 0.333333]
    by_seg = r.set_index("segment")
    assert by_seg.loc["a", "growth_scaled"] == 1.0 and by_seg.loc["b", "growth_scaled"] == 0.0
    assert by_seg["score"].between(0, 1).all()
    assert prioritise(FRAME, {"growth": 1})["segment"].tolist() == ["a", "c", "b"]
    assert prioritise(FRAME, {"size": 3})["score"].tolist() == [1.0, 0.5, 0.0]
    # scaling the weights together changes nothing
    pd.testing.assert_frame_equal(
        prioritise(FRAME, {"size": 1, "fit": 2}), prioritise(FRAME, {"size": 5, "fit": 10})
    )
    # input untouched
    assert FRAME.columns.tolist() == ["segment", "name_en", "name_ko", "size", "growth", "fit"]


def test_prioritise_ties_share_a_rank_and_constant_criteria_scale_to_zero():
    df = pd.DataFrame({"segment": ["x", "y"], "size": [5, 5], "growth": [1, 1], "fit": [2, 2]})
    r = prioritise(df)
    assert r["rank"].tolist() == [1, 1] and r["score"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"siz": 1}, "'siz' is not a criterion. Did you mean 'size'?"),
        ({"size": -1}, "the weight of 'size' must be 0 or more"),
        ({"size": 0, "fit": 0}, "at least one criterion"),
        ({"fit": "lots"}, "the weight of 'fit' must be a number"),
    ],
)
def test_prioritise_refuses_bad_weights(weights, message):
    with pytest.raises(bmc.BMCError, match=re.escape(message)):
        prioritise(FRAME, weights)


def test_prioritise_refuses_bad_tables():
    with pytest.raises(bmc.BMCError, match="needs the column"):
        prioritise(FRAME.drop(columns="fit"))
    with pytest.raises(bmc.BMCError, match="column 'size' must hold numbers"):
        prioritise(FRAME.assign(size=["1", "2", "3"]))


def test_prioritiser_ranks_live_when_sliders_move(capsys):
    w = bmc.segment_prioritiser(FRAME, lang="en")
    assert capsys.readouterr() == ("", "")
    assert repr(w) == "SegmentPrioritiser(3 segments, lang='en')"
    assert w.weights == {"size": 5, "growth": 5, "fit": 5}
    for c in ("size", "growth"):
        w.sliders[c].value = 0
    assert w.ranking["segment"].tolist() == ["b", "c", "a"]
    assert "<td>Beta</td>" in w.table.value.split("</tr>")[1]  # first body row
    assert "bmc-top" in w.table.value
    png = w.chart.outputs[-1]["data"]["image/png"]
    assert picture_size(png)[0] > 0 and len(w.chart.outputs) == 1
    w.sliders["fit"].value = 0
    w.sliders["growth"].value = 10
    assert w.ranking["segment"].tolist() == ["a", "c", "b"]
    assert w.chart.outputs[-1]["data"]["image/png"] != png  # the chart follows the ranking
    w.sliders["growth"].value = 0
    assert w.ranking is None and w.chart.outputs == () and w.table.value == ""
    assert text_of(w.message.value) == "Give at least one criterion a weight above 0."
    w.sliders["size"].value = 1
    assert w.message.value == "" and w.ranking["segment"].tolist()[0] == "b"
    assert capsys.readouterr() == ("", "")


def test_prioritiser_default_dataset_in_the_session_language():
    bmc.set_language("ko")
    try:
        w = bmc.segment_prioritiser()
    finally:
        bmc.set_language(None)
    segments = bmc.load_dataset("segments")
    assert len(w.ranking) == len(segments)
    assert segments.loc[0, "name_ko"] in w.table.value
    assert [s.description for s in w.sliders.values()] == ["규모", "성장률", "적합도"]
    for c in ("size", "growth"):
        w.sliders[c].value = 0
    assert (
        w.ranking["segment"].iloc[0]
        == segments.sort_values("fit", ascending=False)["segment"].iloc[0]
    )


# -- canvas editor -----------------------------------------------------------------------------


def test_notes_text_round_trip():
    from bmclib.widgets.editor import notes_from_text, text_from_notes

    text = "[young] Budget app\n  with card sync\nWeb shop\n\\[bracket] not a tag\n\n[lonely]"
    notes = notes_from_text(text)
    assert [(n.text, n.segment) for n in notes] == [
        ("Budget app\nwith card sync", "young"),
        ("Web shop", None),
        ("[bracket] not a tag", None),
        ("[lonely]", None),
    ]
    assert notes_from_text(text_from_notes(notes)) == notes


def test_canvas_editor_round_trip(tmp_path, capsys):
    path = tmp_path / "mine.json"
    ed = bmc.canvas_editor(lang="en", path=path)
    assert capsys.readouterr() == ("", "")
    assert repr(ed) == "CanvasEditor('', lang='en', 0 notes)"
    assert len(ed.areas) == 9
    assert ed.grid.layout.grid_template_areas.count("kp") == 4
    ed.title.value = "Brewly"
    ed.areas["customer_segments"].value = "[home] Home baristas\n[office] Office managers"
    ed.areas["value_propositions"].value = "[home] Fresh beans every week"
    ed.areas[
        "customer_relationships"
    ].value = "[home] Communities: brewing club\n[office] Dedicated account manager"
    assert ed.canvas.title == "Brewly" and len(ed.canvas) == 5
    assert ed.canvas["customer_segments"][0].segment == "home"
    before = ed.picture.outputs[-1]["data"]["image/png"]
    width, height = picture_size(before)
    assert width > height  # the canvas's landscape layout
    ed.areas["key_partnerships"].value = "Green-bean importers"
    # the live picture follows the edits
    assert ed.picture.outputs[-1]["data"]["image/png"] != before
    assert find(ed, "bmc-findings")[0].value
    one(ed, "bmc-student-id").value = "s0001"
    one(ed, "bmc-save").click()
    saved = bmc.Canvas.load(path)
    assert saved.student_id == "s0001"
    assert saved.to_dict()["blocks"] == ed.canvas.to_dict()["blocks"] and saved.title == "Brewly"
    assert text_of(ed.status.value) == f"Wrote {path}"
    one(ed, "bmc-export-md").click()
    assert "## Customer Segments\n- [home] Home baristas" in path.with_suffix(".md").read_text(
        encoding="utf-8"
    )
    one(ed, "bmc-export-png").click()
    width, height = picture_size(path.with_suffix(".png").read_bytes())
    assert width > height > 300

    other = bmc.canvas_editor(lang="ko", path=path)
    one(other, "bmc-load").click()
    assert other.title.value == "Brewly"
    assert {b: a.value for b, a in other.areas.items()} == {b: a.value for b, a in ed.areas.items()}
    assert other.canvas.to_dict() == saved.to_dict()
    assert text_of(other.status.value) == f"{path} 파일을 불러왔습니다"
    assert capsys.readouterr() == ("", "")


def test_canvas_editor_opens_a_shipped_canvas_and_reports_problems(tmp_path):
    shipped = bmc.data_path("canvases", "netflix.ko.json")
    ed = bmc.canvas_editor(shipped, lang="ko")
    assert Path(ed.path.value).resolve() == shipped.resolve()
    # shown short
    assert not Path(ed.path.value).is_absolute() or not shipped.is_relative_to(Path.cwd())
    assert ed.title.value == bmc.Canvas.load(shipped).title
    ed.path.value = str(tmp_path / "missing.json")
    one(ed, "bmc-load").click()
    assert "bmc-warn" in ed.status.value and "missing.json" in ed.status.value
    assert ed.title.value == bmc.Canvas.load(shipped).title  # nothing lost


def test_canvas_editor_lists_findings_in_its_language(tmp_path):
    ed = bmc.canvas_editor(lang="en", path=tmp_path / "c.json")
    findings = bmc.check_canvas(ed.canvas)
    assert findings and all(f.message["en"] in text_of(ed.findings.value) for f in findings)


# -- words ------------------------------------------------------------------------------------


def test_every_text_the_widgets_ask_for_exists():
    from bmclib.i18n import catalogue

    source = "".join(
        p.read_text(encoding="utf-8") for p in Path(bmc.widgets.__file__).parent.glob("*.py")
    )
    asked = {
        k for k in re.findall(r"""\bui\(\s*["']([a-z_]+)["']""", source) if not k.endswith("_")
    }
    asked |= {f"criterion_{c}" for c in ("size", "growth", "fit")} | {
        "mode_practice",
        "mode_assessment",
    }
    # the editor's buttons, named in a table
    asked |= {"save_json", "load_json", "export_png", "export_md"}
    assert asked and {f"ui.{k}" for k in asked} <= set(catalogue())
    with pytest.raises(KeyError, match="no message 'ui.nope' in data/messages.json"):
        ui("nope", "en")


def test_two_open_copies_never_erase_each_others_answers(tmp_path):
    """A second tab (or a re-run notebook) on the same set: every answer from both is kept."""
    import bmclib as bmc

    a = bmc.relationship_exercise(lang="en", answers_dir=tmp_path, student_id="s1")
    a.choices.value = "self_service"
    a.next_button.click()
    b = bmc.relationship_exercise(lang="ko", answers_dir=tmp_path, student_id="s1")
    b.choices.value = "communities"  # b opened on the first unanswered case and answers it
    a.next_button.click()
    a.choices.value = "co_creation"  # a never saw b's answer
    items = bmc.load_exercise_set("relationships-practice").item_ids
    saved = bmc.read_answers(tmp_path / "relationships-practice.json")
    assert saved.answers == {
        items[0]: "self_service",
        items[1]: "communities",
        items[2]: "co_creation",
    }
    chosen = [x["choice"] for x in saved.attempts if x["event"] != "open"]
    assert chosen == ["self_service", "communities", "co_creation"]
    assert a.answers.answers == saved.answers  # the older copy now knows the newer answer too


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"format": "bmclib-canvas", "version": 1, "x": ' + "9" * 5000 + "}",
    ],
)
def test_the_editor_loads_a_hostile_file_with_a_message(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    ed = bmc.canvas_editor(lang="en", path=path)
    one(ed, "bmc-load").click()
    assert "not valid JSON" in text_of(ed.status.value)


def test_the_editor_draws_a_tag_with_dollar_signs_literally(tmp_path):
    ed = bmc.canvas_editor(lang="en", path=tmp_path / "c.json")
    ed.areas["customer_segments"].value = "[$\\frac{}$] Budget buyers\n[$5 to $10] Students"
    assert "bmc-warn" not in ed.status.value
    assert picture_size(ed.picture.outputs[-1]["data"]["image/png"])[0] > 300
