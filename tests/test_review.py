"""The review of what was missed: the Leitner schedule (an injected clock, no sleeping), the
widget (the lessons' feedback, answers saved to each set's own file as the lesson widget saves
them), the schedule's own file (survives a restart, never taken for an answer file), the app and
a hub's identity."""

import json
import re
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone

import pytest

import bmclib as bmc
from bmclib.cli import main
from bmclib.errors import BMCError
from bmclib.review_schedule import STATE_FILE, ReviewState, record_review, review_deck

KST = timezone(timedelta(hours=9))
# late in the evening: gaps count in days, not hours
DAY0 = datetime(2026, 11, 20, 23, 30, tzinfo=KST)


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


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start=DAY0):
        self.now = start

    def __call__(self):
        return self.now

    def days(self, n):
        self.now += timedelta(days=n)
        return self


def write(
    folder, set_id, answers, *, attempts=None, saved_at="2026-11-20T10:00:00+09:00", student="s0001"
):
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
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{set_id}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def text_of(html):
    return (
        re.sub(r"<[^>]+>", "", html)
        .replace("&#x27;", "'")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


@pytest.fixture
def missed(tmp_path):
    """segments-practice: cs_15 partly right (segmented; best niche_market) since 10:02,
    cs_02 wrong (niche_market; best multi_sided_platform) since 10:05, cs_01 right."""
    folder = tmp_path / "answers"
    write(
        folder,
        "segments-practice",
        {"cs_01": "mass_market", "cs_02": "niche_market", "cs_15": "segmented"},
        attempts=[
            {
                "item": "cs_01",
                "choice": "mass_market",
                "event": "choose",
                "at": "2026-11-20T10:00:00+09:00",
            },
            {
                "item": "cs_15",
                "choice": "segmented",
                "event": "choose",
                "at": "2026-11-20T10:02:00+09:00",
            },
            {
                "item": "cs_02",
                "choice": "niche_market",
                "event": "choose",
                "at": "2026-11-20T10:05:00+09:00",
            },
        ],
    )
    return folder


# -- the schedule ------------------------------------------------------------------------------


def test_right_moves_up_a_box_with_gaps_of_1_3_7_days_then_learned(tmp_path):
    state = ReviewState(tmp_path / STATE_FILE)
    card = state.record("segments-practice", "cs_02", True, box=1, now=DAY0)
    assert (card.box, card.due, card.learned) == (2, date(2026, 11, 21), False)
    card = state.record("segments-practice", "cs_02", True, box=2, now=DAY0 + timedelta(days=1))
    assert (card.box, card.due) == (3, date(2026, 11, 24))
    card = state.record("segments-practice", "cs_02", True, box=3, now=DAY0 + timedelta(days=4))
    assert (card.box, card.due) == (4, date(2026, 12, 1))
    card = state.record("segments-practice", "cs_02", True, box=4, now=DAY0 + timedelta(days=11))
    assert card.learned and card.due is None
    card = state.record("segments-practice", "cs_02", False, box=3, now=DAY0)
    assert (card.box, card.due, card.learned) == (1, None, False)  # a miss goes back to box 1


def test_other_gaps_and_bad_ones(tmp_path):
    state = ReviewState(tmp_path / STATE_FILE)
    assert state.record("s", "i", True, box=1, now=DAY0, intervals=(2, 5)).due == date(2026, 11, 22)
    assert state.record("s", "i", True, box=2, now=DAY0, intervals=(2, 5)).due == date(2026, 11, 25)
    assert state.record("s", "i", True, box=3, now=DAY0, intervals=(2, 5)).learned
    for bad in ((), (0, 3), (3, 1), (1.5,), (True,)):
        with pytest.raises(BMCError, match="the review's gaps must be whole numbers of days"):
            state.record("s", "i", True, box=1, now=DAY0, intervals=bad)


def test_the_deck_follows_the_schedule(missed):
    clock = Clock()
    deck = review_deck(missed, now=clock())
    assert deck.items() == [("segments-practice", "cs_15"), ("segments-practice", "cs_02")]
    assert [e.box for e in deck.entries] == [1, 1] and deck.boxes == 4
    # cs_15 put right in a review: it leaves today's review and comes back tomorrow, in box 2
    write(
        missed,
        "segments-practice",
        {"cs_01": "mass_market", "cs_02": "niche_market", "cs_15": "niche_market"},
    )
    record_review(missed, "segments-practice", "cs_15", True, box=1, now=clock())
    deck = review_deck(missed, now=clock())
    assert deck.items() == [("segments-practice", "cs_02")] and deck.upcoming == [
        (date(2026, 11, 21), 1)
    ]
    assert bmc.review_items(missed) == [("segments-practice", "cs_02")]  # the misses alone
    deck = review_deck(missed, now=clock.days(1)())
    assert deck.items() == [("segments-practice", "cs_02"), ("segments-practice", "cs_15")]
    assert [(e.box, e.missed) for e in deck.entries] == [(1, True), (2, False)]
    record_review(missed, "segments-practice", "cs_15", True, box=2, now=clock())  # back in 3 days
    assert review_deck(missed, now=clock.days(2)()).items() == [("segments-practice", "cs_02")]
    assert review_deck(missed, now=clock.days(1)()).entries[1].box == 3
    record_review(missed, "segments-practice", "cs_15", True, box=3, now=clock())  # back in 7 days
    assert ("segments-practice", "cs_15") not in review_deck(missed, now=clock.days(6)()).items()
    assert review_deck(missed, now=clock.days(1)()).entries[1].box == 4
    record_review(missed, "segments-practice", "cs_15", True, box=4, now=clock())  # learned
    deck = review_deck(missed, now=clock.days(365)())
    assert deck.items() == [("segments-practice", "cs_02")] and deck.upcoming == []
    # answered wrong again in the lesson, it is a miss again, in box 1
    write(missed, "segments-practice", {"cs_02": "niche_market", "cs_15": "diversified"})
    assert [(e.item_id, e.box) for e in review_deck(missed, now=clock()).entries] == [
        ("cs_02", 1),
        ("cs_15", 1),
    ]


def test_the_schedule_is_its_own_file_and_survives_a_restart(missed):
    record_review(missed, "segments-practice", "cs_15", True, box=1, now=DAY0)
    raw = json.loads((missed / STATE_FILE).read_text(encoding="utf-8"))
    assert raw == {
        "format": "bmclib-review",
        "version": 1,
        "items": {
            "segments-practice": {
                "cs_15": {
                    "box": 2,
                    "due": "2026-11-21",
                    "learned": False,
                    "reviewed_at": "2026-11-20T23:30:00+09:00",
                }
            }
        },
    }
    assert ReviewState.load(missed).card("segments-practice", "cs_15").box == 2  # read back afresh
    answers = json.loads((missed / "segments-practice.json").read_text(encoding="utf-8"))
    assert "box" not in json.dumps(answers) and "review" not in json.dumps(answers)
    assert sorted(p.name for p in missed.iterdir()) == [".review-state", "segments-practice.json"]


# -- the widget --------------------------------------------------------------------------------


def lesson_feedback(tmp_path, set_id, item_id, choice, lang):
    """The feedback the lesson's own widget shows for this choice."""
    ex = bmc.block_exercise(set_id, lang, answers_dir=tmp_path / "lesson", student_id="s0001")
    ex.show(ex.exercise_set.item_ids.index(item_id))
    ex.choices.value = choice
    ex.check_button.click()
    return ex.feedback.value


def test_the_widget_reviews_exactly_the_misses_with_the_lessons_feedback(missed, tmp_path):
    clock = Clock()
    w = bmc.review("en", missed, clock=clock)
    assert [(e.exercise_set, e.item_id) for e in w.entries] == bmc.review_items(missed)
    assert repr(w) == "ReviewExercise(lang='en', 2 items)"
    assert text_of(w.count.value) == "To review today: 2"
    assert text_of(w.source.value) == "Lesson 1 · Customer Segments · segments-practice"
    assert text_of(w.box.value) == "Review box 1 of 4"
    assert text_of(w.last.value) == "Last time: Segmented (partly right)"
    assert w.choices.value is None  # a fresh attempt
    w.choices.value = "niche_market"
    w.check_button.click()
    assert w.feedback.value == lesson_feedback(
        tmp_path, "segments-practice", "cs_15", "niche_market", "en"
    )
    assert "data-status='best'" in w.feedback.value
    assert text_of(w.moved.value) == "Up to box 2: it comes back after a 1-day gap, on 2026-11-21."
    saved = bmc.read_answers(missed / "segments-practice.json")
    assert saved.answers["cs_15"] == "niche_market" and saved.student_id == "s0001"
    assert [(a["item"], a["choice"], a["event"]) for a in saved.attempts[-2:]] == [
        ("cs_15", "niche_market", "choose"),
        ("cs_15", "niche_market", "check"),
    ]
    w.check_button.click()  # a second check never moves the box again
    assert ReviewState.load(missed).card("segments-practice", "cs_15").box == 2
    assert "Only the first check" in text_of(w.moved.value)

    w.next_button.click()
    assert (
        w.entry.item_id == "cs_02"
        and text_of(w.last.value) == "Last time: Niche market (not right)"
    )
    w.choices.value = "diversified"
    w.check_button.click()
    assert w.feedback.value == lesson_feedback(
        tmp_path, "segments-practice", "cs_02", "diversified", "en"
    )
    assert text_of(w.moved.value) == "Back to box 1: it stays in the review until you get it right."
    assert ReviewState.load(missed).card("segments-practice", "cs_02").box == 1
    assert bmc.review_items(missed) == [("segments-practice", "cs_02")]

    again = bmc.review("en", missed, clock=clock)  # a restart, the same day
    assert [e.item_id for e in again.entries] == ["cs_02"]
    tomorrow = bmc.review("en", missed, clock=clock.days(1))
    assert [(e.item_id, e.box) for e in tomorrow.entries] == [("cs_02", 1), ("cs_15", 2)]


def test_korean_labels_and_the_advisors_feedback(tmp_path):
    folder = tmp_path / "answers"
    write(folder, "relationships-practice", {"nordstrom": "self_service"})
    w = bmc.review("ko", folder, clock=Clock())
    assert text_of(w.count.value) == "오늘 다시 볼 문항 1개"
    assert text_of(w.source.value) == "4강 · 고객 관계 · relationships-practice"
    assert text_of(w.box.value) == "복습 4단계 중 1단계"
    assert text_of(w.last.value) == "지난번 답: 셀프서비스(오답)"
    w.choices.value = "personal_assistance"
    w.check_button.click()
    assert w.feedback.value == lesson_feedback(
        tmp_path, "relationships-practice", "nordstrom", "personal_assistance", "ko"
    )
    assert text_of(w.moved.value) == "2단계로 올라갑니다. 1일 뒤(2026-11-21)에 다시 나옵니다."


def test_nothing_to_review_says_when_the_next_review_is(missed):
    clock = Clock()
    empty = bmc.review("en", missed.parent / "nothing", clock=clock)
    assert empty.entries == [] and text_of(empty.empty.value).startswith(
        "Nothing to review right now"
    )
    write(missed, "segments-practice", {"cs_01": "mass_market"})
    record_review(missed, "segments-practice", "cs_01", True, box=1, now=clock())
    later = bmc.review("en", missed, clock=clock)
    assert text_of(later.empty.value).endswith("Next review on 2026-11-21: 1 due.")


def test_a_damaged_schedule_starts_afresh_and_is_kept(missed):
    (missed / STATE_FILE).write_text("{not json", encoding="utf-8")
    w = bmc.review("en", missed, clock=Clock())
    assert "could not be read" in text_of(w.notice.value) and len(w.entries) == 2
    w.choices.value = "niche_market"
    w.check_button.click()
    assert ReviewState.load(missed).card("segments-practice", "cs_15").box == 2
    kept = [p for p in missed.iterdir() if p.name.startswith(".review-state.bad-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"


def test_on_a_hub_the_files_own_student_stays(missed, monkeypatch):
    """JUPYTERHUB_USER (or BMC_STUDENT_ID) never overrides the id in the file being reviewed,
    so no answers are set aside as another student's."""
    write(missed, "segments-practice", {"cs_02": "niche_market"}, student="kim")
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    monkeypatch.setenv("BMC_STUDENT_ID", "s0009")
    w = bmc.review("en", missed, clock=Clock())
    w.choices.value = "multi_sided_platform"
    w.check_button.click()
    assert sorted(p.name for p in missed.iterdir()) == [
        ".review-state",
        ".segments-practice.json.lock",
        "segments-practice.json",
    ]
    assert bmc.read_answers(missed / "segments-practice.json").student_id == "kim"


# -- grade, collect and the app ----------------------------------------------------------------


def test_grade_and_collect_do_not_take_the_schedule_for_an_answer_file(missed, tmp_path, capsys):
    from bmclib.collect import collect_folders

    record_review(missed, "segments-practice", "cs_15", True, box=1, now=DAY0)
    out = tmp_path / "grades.csv"
    assert (
        main(["grade", str(missed), "--key", "segments-practice", "--out", str(out), "--quiet"])
        == 0
    )
    assert STATE_FILE not in capsys.readouterr().err
    home = tmp_path / "home"
    (home / "kim").mkdir(parents=True)
    missed.rename(home / "kim" / "answers")
    result = collect_folders([home], tmp_path / "class")
    assert [p.name for p in (tmp_path / "class" / "kim").iterdir()] == ["segments-practice.json"]
    assert not result.problems and STATE_FILE not in json.dumps(result.to_dict())


def test_the_app_serves_the_review(tmp_path, monkeypatch):
    from bmclib import app

    env = app.app_env(lang="en", answers=tmp_path, review=True, environ={})
    assert env["BMC_APP_REVIEW"] == "1"
    assert "BMC_APP_REVIEW" not in app.app_env(answers=tmp_path, environ={"BMC_APP_REVIEW": "1"})
    with pytest.raises(
        BMCError, match="the review covers the practice sets and keys that come with the course"
    ):
        app.app_env(answers=tmp_path, review=True, mode="assessment", environ={})
    widget = app.exercise_from_env(
        {"BMC_APP_REVIEW": "1", "BMC_APP_LANG": "en", "BMC_ANSWERS_DIR": str(tmp_path)}
    )
    assert repr(widget) == "ReviewExercise(lang='en', 0 items)"
    seen = {}
    monkeypatch.setattr(app, "run_app", lambda **kw: seen.update(kw) or 0)
    assert (
        main(["app", "--review", "--lang", "en", "--answers", str(tmp_path), "--no-browser"]) == 0
    )
    assert seen["review"] is True and seen["lang"] == "en"


def test_without_pandas_and_matplotlib(missed):
    """As in the browser site: the progress table, its line and the review need neither."""
    script = textwrap.dedent(r"""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pandas", "matplotlib", "numpy"):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Block())
        import bmclib as bmc
        p = bmc.progress(sys.argv[1], lang="en")
        print(p.line("segments-practice"))
        print(len(p._repr_html_()) > 0, bmc.review_items(sys.argv[1]))
        w = bmc.review("en", sys.argv[1])
        w.choices.value = "niche_market"
        w.check_button.click()
        print(w.feedback.value.count("data-status='best'"), "pandas" in sys.modules)
    """)
    run = subprocess.run(
        [sys.executable, "-c", script, str(missed)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        (
            "Lesson 1 · Customer Segments · segments-practice: "
            "3 of 16 answered · 1.5 of 16 points · Started · 2 to look at again"
        ),
        "True [('segments-practice', 'cs_15'), ('segments-practice', 'cs_02')]",
        "1 False",
    ]


def test_answers_go_to_the_file_the_miss_came_from(tmp_path):
    folder = tmp_path / "answers"
    write(folder, "channels-practice", {"ch_14": "partner_stores", "ch_01": "sales_force"})
    (folder / "channels-practice.json").rename(folder / "kim-channels.json")  # a renamed download
    w = bmc.review("en", folder, clock=Clock())
    w.choices.value = "wholesaler"
    w.check_button.click()
    assert sorted(p.name for p in folder.glob("*.json")) == ["kim-channels.json"]
    assert bmc.read_answers(folder / "kim-channels.json").answers == {
        "ch_14": "wholesaler",
        "ch_01": "sales_force",
    }
    assert bmc.progress(folder, lang="en").set("channels-practice").score == 2.0
