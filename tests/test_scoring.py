"""Scoring one answer sheet: points, partial credit, feedback in both languages, three views."""

from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.answers import AnswerFile

KEY = bmc.load_key(Path(__file__).parent / "fixtures" / "key.csv")


def test_best_acceptable_wrong_unanswered():
    r = bmc.score_answers(
        {"netflix": "automated_services", "sap_community": "co_creation", "ikea": "communities"},
        KEY,
    )
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
    assert wrong.feedback["en"].startswith(
        "Not right: Self-service does not fit best here; "
        "the reference answer is Dedicated personal assistance."
    )
    assert "A named banker per client." in wrong.feedback["en"]
    assert wrong.feedback["ko"].startswith(
        "오답입니다: 여기에는 셀프서비스보다 전담 개별 어시스트가 잘 맞습니다."
    )
    right = next(i for i in r.items if i.item_id == "netflix")
    # a right answer with the key's explanation: that is enough, no generic reasons repeating it
    assert (
        right.feedback["en"] == "Right: Automated services. Recommendations come from viewing logs."
    )


def test_a_right_answer_without_an_explanation_gets_the_advisors_reasons(tmp_path):
    key = tmp_path / "key.csv"
    key.write_text(
        "exercise_set,item_id,best,acceptable,points\nquiz,netflix,automated_services,,1\n",
        encoding="utf-8",
    )
    right = bmc.score_answers({"netflix": "automated_services"}, bmc.load_key(key)).items[0]
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


def test_pitfall_items_say_what_is_wrong_with_the_plan():
    def fb(item, choice, lang):
        result = bmc.score_answers({item: choice}, "relationships-practice")
        return next(i for i in result.items if i.item_id == item).feedback[lang]

    assert fb("pit_game_vip", "mechanism_as_type", "ko").startswith(
        "오답입니다: 이 계획의 문제는 ‘관계 유형 대신 장치를 "
        "적음’이 아니라 ‘객단가 낮은 상품에 VIP 응대’입니다."
    )
    assert fb("pit_game_vip", "mechanism_as_type", "en").startswith(
        "Not right: the problem with this plan is ‘VIP care for a low-ticket product’, not "
        "‘A mechanism written as a relationship type’."
    )
    assert fb("pit_flour_forum", "mechanism_as_type", "ko").startswith(
        "오답입니다: 이 계획에는 함정이 없습니다. ‘관계 "
        "유형 대신 장치를 적음’은 여기에 해당하지 않습니다."
    )
    assert fb("pit_game_vip", "no_pitfall", "en").startswith(
        "Not right: this plan has a pitfall: ‘VIP care for a low-ticket product’."
    )
    # a pitfall does not "fit"
    assert "잘 맞습니다" not in fb("pit_game_vip", "mechanism_as_type", "ko")
