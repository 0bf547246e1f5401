"""Scoring one answer sheet: points, partial credit, feedback in both languages, three views."""

from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.answers import AnswerFile

KEY = bmc.load_key(Path(__file__).parent / "fixtures" / "key.csv")


def test_best_acceptable_wrong_unanswered():
    r = bmc.score_answers({"netflix": "automated_services", "sap_community": "co_creation",
                           "ikea": "communities"}, KEY)
    assert [i.status for i in r.items] == ["best", "acceptable", "unanswered", "wrong"]
    assert [i.points for i in r.items] == [1, 1.0, 0, 0]
    assert (r.score, r.max_score, r.percent) == (2.0, 5.0, 40.0)


def test_partial_share_and_validation():
    r = bmc.score_answers({"sap_community": "co_creation"}, KEY, partial=0.25)
    assert r.score == 0.5
    with pytest.raises(ValueError, match="partial credit must be between 0 and 1, not 1.5"):
        bmc.score_answers({}, KEY, partial=1.5)


def test_unknown_items_are_ignored_and_noted():
    r = bmc.score_answers({"zzz": "self_service", "netflix": "automated_services"}, KEY)
    assert r.ignored == ("zzz",) and r.score == 1
    assert "zzz" in r.summary()


def test_feedback_explains_in_both_languages_with_advisor_reasons():
    r = bmc.score_answers({"private_banking": "self_service", "netflix": "automated_services"}, KEY)
    wrong = next(i for i in r.items if i.item_id == "private_banking")
    assert wrong.feedback["en"].startswith("Not right: Self-service does not fit best here; "
                                           "the reference answer is Dedicated personal assistance.")
    assert "A named banker per client." in wrong.feedback["en"]
    assert wrong.feedback["ko"].startswith("오답입니다: 여기에는 셀프서비스보다 전담 개별 어시스트가 잘 맞습니다.")
    right = next(i for i in r.items if i.item_id == "netflix")
    assert right.feedback["en"].startswith("Right: Automated services.")
    assert "behaviour logs" in right.feedback["en"]  # the advisor's reason for this case


def test_answer_file_input_and_views():
    af = AnswerFile("s1", "demo-set", {"ikea": "self_service"})
    r = bmc.score_answers(af, KEY, lang="ko")
    assert r.student_id == "s1"
    assert r.summary().startswith("demo-set: 5점 중 1점(20%)")
    assert "<table>" in r._repr_html_() and "정답" in r._repr_html_()
    d = r.to_dict()
    assert d["score"] == 1 and d["items"][3]["status"] == "best"
    assert repr(r) == "ScoreResult('demo-set', score=1, max_score=5, percent=20)"


def test_answers_must_be_a_mapping():
    with pytest.raises(ValueError, match="answers must map item ids"):
        bmc.score_answers(["netflix"], KEY)
