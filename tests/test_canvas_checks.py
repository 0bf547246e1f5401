"""Canvas coherence checks: every rule fires when it should and stays quiet when it should not."""

import copy
import json
import re
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.canvas import Canvas
from bmclib.canvas_checks import (
    RULE_IDS,
    Finding,
    Findings,
    check_canvas,
    check_rules_file,
    relationship_types_in,
)
from bmclib.cli import main
from bmclib.errors import BMCError
from bmclib.paths import data_path


def make(blocks: dict, lang="en") -> Canvas:
    """A canvas from ``{"block": ["tag|text", "untagged text"]}``."""

    def note(s):
        tag, _, text = s.partition("|")
        return {"text": text, "segment": tag} if text else s

    return Canvas("Test", lang, {b: [note(n) for n in notes] for b, notes in blocks.items()})


BASE = {
    "customer_segments": ["young|Young savers", "biz|Small shops"],
    "value_propositions": [
        "young|Budget app that logs spending",
        "biz|Payment terminal for small shops",
    ],
    "channels": ["young|App stores", "biz|Sales team"],
    "customer_relationships": [
        "young|Automated services: spending logged by itself",
        "biz|Personal assistance: the sales team visits each shop",
    ],
    "revenue_streams": ["young|Subscription fees", "biz|Terminal rental fees"],
    "key_resources": ["young|Budget engine"],
    "key_activities": ["biz|Installing terminals"],
    "key_partnerships": ["biz|Terminal makers"],
    "cost_structure": ["Staff"],
}

BASE_KO = {
    "customer_segments": ["young|가계부를 쓰는 20대", "biz|소상공인"],
    "value_propositions": [
        "young|지출을 자동으로 기록하는 가계부 앱",
        "biz|소상공인을 위한 결제 단말기",
    ],
    "channels": ["young|앱스토어", "biz|영업 팀"],
    "customer_relationships": [
        "young|자동화 서비스: 지출이 알아서 기록됨",
        "biz|개별 어시스트: 영업 팀이 매장을 방문",
    ],
    "revenue_streams": ["young|월 구독료", "biz|단말기 대여료"],
    "key_resources": ["young|가계부 엔진"],
    "key_activities": ["biz|단말기 설치"],
    "key_partnerships": ["biz|단말기 제조사"],
    "cost_structure": ["인건비"],
}


def base(lang="en", **changes) -> Canvas:
    blocks = copy.deepcopy(BASE if lang == "en" else BASE_KO)
    blocks.update(changes)
    return make(blocks, lang)


def rules(canvas):
    return [f.rule for f in check_canvas(canvas)]


def only(canvas, rule):
    found = [f for f in check_canvas(canvas) if f.rule == rule]
    assert len(found) == 1, check_canvas(canvas).summary()
    return found[0]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_base_canvases_are_clean(lang):
    assert check_canvas(base(lang)) == []


# -- findings ---------------------------------------------------------------------------------


def test_finding_views():
    f = only(
        base(customer_relationships=["young|Automated services: logging"]),
        "segment_without_relationship",
    )
    assert f.summary("en") == (
        "warning [segment without a relationship] Customer "
        "Segments, Customer Relationships: Segment [biz] has no "
        "note in Customer Relationships: which of the six "
        "relationship types does it get? Tag that note with [biz]."
    )
    ko = f.summary("ko")
    assert (
        ko.startswith("경고 [")
        and "고객 세그먼트, 고객 관계: 세그먼트 [biz]에 해당하는 고객 관계 메모가 없습니다." in ko
    )
    assert not re.search(r"[A-Za-z]{3,}", ko.replace("[biz]", "")), ko
    assert f.to_dict() == {
        "rule": "segment_without_relationship",
        "severity": "warning",
        "blocks": ["customer_segments", "customer_relationships"],
        "message_en": f.message["en"],
        "message_ko": f.message["ko"],
    }
    assert repr(f) == (
        "Finding('warning', 'segment_without_relationship', "
        "blocks=('customer_segments', 'customer_relationships'))"
    )
    assert "segment without a relationship" in f._repr_html_()
    assert "segment_without_relationship" not in f._repr_html_()


def test_findings_are_sorted_worst_first_and_have_views():
    findings = check_canvas(make({"customer_segments": ["Someone"]}))
    assert isinstance(findings, Findings) and isinstance(findings, list)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert [f.rule for f in findings.errors] == ["empty_block"]
    assert len(findings.summary().splitlines()) == len(findings)
    assert findings.to_frame().shape == (len(findings), 5)
    assert Findings().summary("ko") == "발견된 문제가 없습니다. 모든 점검을 통과했습니다."
    assert "<table>" in findings._repr_html_()


def test_check_canvas_accepts_a_path_or_a_dict(tmp_path):
    path = base().save(tmp_path / "c.json")
    assert check_canvas(path) == [] and check_canvas(str(path)) == []
    assert check_canvas(base().to_dict()) == []
    assert bmc.check_canvas is check_canvas
    with pytest.raises(
        BMCError, match="expected a Canvas, the path of a canvas file or its dict, not a number"
    ):
        check_canvas(42)


# -- each rule fires, and stays quiet ----------------------------------------------------------


def test_empty_block_is_an_error_for_segments_and_value_propositions():
    f = only(base(customer_segments=[]), "empty_block")
    assert f.severity == "error" and f.blocks == ("customer_segments",)
    assert f.message == {
        "en": "The Customer Segments block is empty: add at least one note.",
        "ko": "고객 세그먼트 블록이 비어 있습니다. 메모를 하나 이상 적으세요.",
    }
    assert only(base(value_propositions=[]), "empty_block").severity == "error"
    f = only(base(cost_structure=[]), "empty_block")
    assert f.severity == "warning" and f.blocks == ("cost_structure",)
    assert "empty_block" not in rules(base())


@pytest.mark.parametrize(
    "rule, block",
    [
        ("segment_without_value_proposition", "value_propositions"),
        ("segment_without_channel", "channels"),
        ("segment_without_relationship", "customer_relationships"),
    ],
)
def test_every_segment_needs_its_own_notes(rule, block):
    untagged = [n.split("|")[-1] if n.startswith("biz|") else n for n in BASE[block]]
    f = only(base(**{block: untagged}), rule)
    assert (
        f.blocks == ("customer_segments", block)
        and "[biz]" in f.message["en"]
        and "[biz]" in f.message["ko"]
    )
    assert rule not in rules(base())
    # an empty block is reported once, as empty_block, not once per segment
    assert rule not in rules(base(**{block: []}))


def test_unknown_segment_tag_suggests_the_closest():
    f = only(
        base(channels=["young|App stores", "biz|Sales team", "yung|Flyers"]), "unknown_segment_tag"
    )
    assert f.blocks == ("customer_segments", "channels")
    assert f.message["en"] == (
        "[yung] is used in Channels, but no note in Customer Segments has this tag. "
        "Did you mean [young]?"
    )
    assert f.message["ko"].endswith(" [young] 태그를 뜻했나요?")
    f = only(
        base(channels=["young|App stores", "biz|Sales team", "zzz|Flyers"]), "unknown_segment_tag"
    )
    assert f.message["en"].endswith("has this tag.")
    assert "unknown_segment_tag" not in rules(base())


def test_untagged_segment_is_an_info_only_when_tags_are_used():
    f = only(
        base(customer_segments=["young|Young savers", "biz|Small shops", "Tourists"]),
        "untagged_segment",
    )
    assert f.severity == "info" and '"Tourists"' in f.message["en"]
    no_tags = make({b: [n.split("|")[-1] for n in notes] for b, notes in BASE.items()})
    assert "untagged_segment" not in rules(no_tags)


@pytest.mark.parametrize(
    "note, fires",
    [
        ("Licence fees", True),
        ("biz|Licence fees", False),
        ("Fees paid by small shops", False),  # names a segment by a word of its note
        ("Young members pay yearly", False),  # by its tag
    ],
)
def test_revenue_without_payer(note, fires):
    canvas = base(revenue_streams=["young|Subscription fees", "biz|Terminal rental fees", note])
    assert ("revenue_without_payer" in rules(canvas)) is fires
    if fires:
        assert only(canvas, "revenue_without_payer").message["en"] == (
            'Who pays for "Licence fees"? Tag the note with '
            'the paying segment, e.g. "[young] Licence fees", '
            "or name the segment in it."
        )


def test_revenue_without_payer_in_korean_ignores_particles():
    ads = {"customer_segments": ["young|가계부를 쓰는 20대", "biz|소상공인", "ads|광고주"]}
    quiet = base(
        "ko",
        **ads,
        revenue_streams=["young|월 구독료", "biz|단말기 대여료", "광고주가 내는 광고비"],
    )
    assert "revenue_without_payer" not in rules(quiet)
    loud = base("ko", **ads, revenue_streams=["young|월 구독료", "biz|단말기 대여료", "광고비"])
    assert "revenue_without_payer" in rules(loud)


def test_free_without_payer():
    free_for_young = ["young|Free budget app", "biz|Payment terminal for small shops"]
    f = only(
        base(value_propositions=free_for_young, revenue_streams=["young|Subscription fees"]),
        "free_without_payer",
    )
    assert f.blocks == ("value_propositions", "revenue_streams")
    assert f.message["en"].startswith(
        '"Free budget app" is free for [young], but no other segment pays in Revenue Streams'
    )
    # another segment pays: the FREE pattern works
    assert "free_without_payer" not in rules(base(value_propositions=free_for_young))
    # a free tier in Revenue Streams counts as free, not as paying
    assert "free_without_payer" in rules(base(revenue_streams=["young|Free basic plan"]))
    assert "free_without_payer" not in rules(base())


def test_free_without_payer_in_korean():
    vp = ["young|무료 가계부 앱", "biz|소상공인을 위한 결제 단말기"]
    assert "free_without_payer" in rules(
        base("ko", value_propositions=vp, revenue_streams=["young|프리미엄 구독료"])
    )
    assert "free_without_payer" not in rules(base("ko", value_propositions=vp))


@pytest.mark.parametrize(
    "block, note, fires",
    [
        ("key_resources", "Trucks", True),
        ("key_resources", "Budget engine", False),  # shares "budget" with a value proposition
        ("key_activities", "Training", True),
        ("key_activities", "Training the sales team", False),
        ("key_partnerships", "Banks", True),
        ("key_partnerships", "biz|Banks", False),  # a segment tag links it
    ],
)
def test_unlinked_infrastructure(block, note, fires):
    canvas = base(**{block: [*BASE[block], note]})
    assert ("unlinked_infrastructure" in rules(canvas)) is fires
    if fires:
        f = only(canvas, "unlinked_infrastructure")
        assert f.blocks == (block,) and f.message["en"].startswith(f'"{note}" in ')


def test_unlinked_infrastructure_in_korean():
    assert "unlinked_infrastructure" not in rules(base("ko", key_resources=["결제 단말기 재고"]))
    assert "unlinked_infrastructure" in rules(base("ko", key_resources=["트럭"]))


@pytest.mark.parametrize(
    "lang, relationship, cheap, fires",
    [
        (
            "en",
            "young|Dedicated personal assistance: a banker for every saver",
            "young|Cheapest account in town",
            True,
        ),
        ("en", "young|Personal assistance: call centre", "young|Free budget app", True),
        (
            "en",
            "young|Dedicated personal assistance: a banker for every saver",
            "biz|Cheap terminals",
            False,
        ),
        ("en", "young|Automated services: alerts", "young|Cheapest account in town", False),
        ("ko", "young|전담 개별 어시스트: 고객마다 전담 매니저", "young|업계 최저가 요금", True),
        ("ko", "young|자동화 서비스: 알림", "young|무료 앱", False),
    ],
)
def test_dedicated_on_low_price(lang, relationship, cheap, fires):
    blocks = BASE if lang == "en" else BASE_KO
    canvas = base(
        lang,
        customer_relationships=[relationship, "biz|Self-service: online help"],
        value_propositions=[*blocks["value_propositions"], cheap],
    )
    assert ("dedicated_on_low_price" in rules(canvas)) is fires
    if fires:
        f = only(canvas, "dedicated_on_low_price")
        assert f.blocks == ("value_propositions", "customer_relationships")


def test_dedicated_on_low_price_names_the_type_in_each_language():
    canvas = base(
        customer_relationships=[
            "young|Dedicated personal assistance: a banker each",
            BASE["customer_relationships"][1],
        ],
        revenue_streams=["young|Low-cost subscription", "biz|Terminal rental fees"],
    )
    f = only(canvas, "dedicated_on_low_price")
    assert (
        'offers Dedicated personal assistance, while "Low-cost subscription" in Revenue Streams'
        in f.message["en"]
    )
    assert "전담 개별 어시스트 방식인데, 수익원 블록의" in f.message["ko"]


@pytest.mark.parametrize(
    "lang, premium, relationships, fires",
    [
        ("en", "biz|Premium terminals at a high price", ["biz|Self-service: FAQ pages"], True),
        (
            "en",
            "biz|Premium terminals at a high price",
            ["biz|Self-service: FAQ pages", "biz|Personal assistance: phone line"],
            False,
        ),
        (
            "en",
            "biz|Luxury terminals",
            ["young|Automated services: logging", "biz|Self-service: help centre"],
            True,
        ),
        (
            "en",
            "young|Premium budget tips",
            ["young|Self-service: FAQ", "biz|Self-service: FAQ"],
            True,
        ),
        ("ko", "biz|프리미엄 고가 단말기", ["biz|셀프서비스: 도움말 페이지"], True),
        ("ko", "biz|프리미엄 고가 단말기", ["biz|전담 개별 어시스트: 전담 매니저"], False),
    ],
)
def test_premium_self_service_only(lang, premium, relationships, fires):
    blocks = copy.deepcopy(BASE if lang == "en" else BASE_KO)
    keep = [
        n
        for n in blocks["customer_relationships"]
        if not any(n.split("|")[0] == r.split("|")[0] for r in relationships)
    ]
    canvas = base(
        lang,
        value_propositions=[*blocks["value_propositions"], premium],
        customer_relationships=keep + relationships,
    )
    assert ("premium_self_service_only" in rules(canvas)) is fires


def test_premium_self_service_only_message():
    canvas = base(
        value_propositions=[*BASE["value_propositions"], "biz|High-end terminals"],
        customer_relationships=["young|Automated services: logging", "biz|Self-service: FAQ"],
    )
    f = only(canvas, "premium_self_service_only")
    assert f.blocks == ("value_propositions", "customer_relationships")
    assert f.message["en"].startswith(
        '"High-end terminals" in Value Propositions sells a premium, high-price offer, '
        "but the relationship with [biz] is only self-service"
    )


@pytest.mark.parametrize(
    "lang, note, mechanism, example",
    [
        (
            "en",
            "young|Loyalty points for every payment",
            "loyalty points or coupons",
            'e.g. "Automated services: Loyalty points for every payment".',
        ),
        ("en", "young|Lock-in through switching costs", "lock-in or switching costs", None),
        ("en", "young|Our mobile app", "an app or website", 'e.g. "Self-service: Our mobile app".'),
        ("en", "young|Chatbot", "a chatbot", 'e.g. "Automated services: Chatbot".'),
        (
            "ko",
            "young|결제할 때마다 적립금과 쿠폰",
            "적립금·포인트·쿠폰",
            '예: "자동화 서비스: 결제할 때마다 적립금과 쿠폰".',
        ),
        ("ko", "young|멤버십 혜택", "멤버십 혜택", '예: "커뮤니티: 멤버십 혜택".'),
    ],
)
def test_relationship_mechanism_gets_a_hint(lang, note, mechanism, example):
    blocks = BASE if lang == "en" else BASE_KO
    canvas = base(lang, customer_relationships=[*blocks["customer_relationships"], note])
    f = only(canvas, "relationship_mechanism")
    assert f.blocks == ("customer_relationships",)
    assert mechanism in f.message[lang]
    if example:
        assert f.message[lang].endswith(example)
    else:
        assert "e.g." not in f.message[lang]


@pytest.mark.parametrize(
    "note",
    [
        "young|Automated services: loyalty points credited by themselves",
        "young|자동화 서비스: 앱이 적립금을 알아서 쌓아 줌",
        "young|Self-service app",
    ],
)
def test_relationship_mechanism_is_quiet_when_a_type_is_named(note):
    canvas = base(customer_relationships=[*BASE["customer_relationships"], note])
    assert not {"relationship_mechanism", "relationship_without_type"} & set(rules(canvas))


def test_relationship_without_type_is_an_info():
    canvas = base(
        customer_relationships=[*BASE["customer_relationships"], "young|We stay in touch"]
    )
    f = only(canvas, "relationship_without_type")
    assert f.severity == "info"
    assert (
        "(Personal assistance, Dedicated personal assistance, "
        "Self-service, Automated services, Communities, "
        "Co-creation)" in f.message["en"]
    )
    assert "relationship_without_type" not in rules(base())


# -- reading relationship types -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, types",
    [
        ("Dedicated personal assistance: key account managers", ("dedicated_personal_assistance",)),
        ("Personal assistance at the counter", ("personal_assistance",)),
        ("전담 개별 어시스트", ("dedicated_personal_assistance",)),
        ("개별 어시스트와 셀프서비스", ("personal_assistance", "self_service")),
        ("self_service and co_creation", ("self_service", "co_creation")),
        ("SELF-SERVICE kiosks", ("self_service",)),
        ("코-크리에이션: 이용자 리뷰", ("co_creation",)),
        ("An application form", ()),  # "app" is not inside "application"
        ("", ()),
    ],
)
def test_relationship_types_in(text, types):
    assert relationship_types_in(text) == types


# -- the rules live in data ----------------------------------------------------------------------


def test_keywords_and_messages_are_not_in_the_code():
    source = (Path(bmc.__file__).parent / "canvas_checks.py").read_text(encoding="utf-8")
    for word in (
        "무료",
        "적립금",
        "쿠폰",
        "저가",
        "프리미엄",
        "loyalty point",
        "coupon",
        "cheapest",
        "chatbot",
        "Did you mean",
    ):
        assert word not in source.split('"""', 2)[-1], word


def test_shipped_rules_file_is_valid_and_complete():
    assert check_rules_file(data_path("canvas_rules.json")) == []
    data = json.loads(data_path("canvas_rules.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["rules"]] == list(RULE_IDS)


def test_broken_rules_file_names_each_problem(tmp_path):
    data = json.loads(data_path("canvas_rules.json").read_text(encoding="utf-8"))
    data["rules"][0]["severity"] = "fatal"
    data["rules"][1]["id"] = "segment_without_vp"
    data["relationship_synonyms"]["self_servic"] = {"en": ["x"], "ko": ["y"]}
    data["mechanisms"][0]["serves"] = ["loyalty"]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    messages = [p.message for p in check_rules_file(path)]
    assert (
        "rule 'empty_block': severity must be one of error, warning, info, not 'fatal'" in messages
    )
    assert any(
        m.startswith("'segment_without_vp' is not a rule. Did you mean") and "empty_block," in m
        for m in messages
    )
    assert "rules missing from the file: segment_without_value_proposition" in messages
    assert any(
        m.startswith("relationship_synonyms: 'self_servic' is not a relationship type")
        for m in messages
    )
    assert any(
        m.startswith("mechanism 'loyalty_rewards': 'loyalty' is not a relationship type.")
        for m in messages
    )
    assert all(p.line > 0 for p in check_rules_file(path))


def test_every_rule_has_about_text_in_both_languages():
    data = json.loads(data_path("canvas_rules.json").read_text(encoding="utf-8"))
    for rule in data["rules"]:
        assert rule["about"]["en"] and rule["about"]["ko"], rule["id"]


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_check_a_clean_canvas(capsys):
    assert main(["canvas", "check", str(data_path("canvases", "netflix.en.json"))]) == 0
    assert capsys.readouterr().out == "No findings: every check passed.\n"


def test_cli_check_exits_1_on_an_error(tmp_path, capsys):
    path = base(value_propositions=[]).save(tmp_path / "c.json")
    assert main(["canvas", "check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "error [empty block] Value Propositions: The Value Propositions block is empty: "
        "add at least one note."
    )
    assert main(["canvas", "check", str(path), "--lang", "ko"]) == 1
    assert "가치 제안 블록이 비어 있습니다." in capsys.readouterr().out


def test_cli_check_exits_0_with_warnings_only(tmp_path, capsys):
    path = base(cost_structure=[]).save(tmp_path / "c.json")
    assert main(["canvas", "check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("warning [empty block] Cost Structure:")


def test_cli_check_a_broken_file_exits_2(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(
        '{"format": "bmclib-canvas", "version": 1,\n"blocks": {"chanels": []}}', encoding="utf-8"
    )
    assert main(["canvas", "check", str(path)]) == 2
    assert (
        f"{path}:2: 'chanels' is not a block. Did you mean 'channels'?" in capsys.readouterr().err
    )


def test_finding_is_frozen():
    f = Finding("empty_block", "error", {"en": "x", "ko": "y"}, ("channels",))
    with pytest.raises(AttributeError):
        f.rule = "other"


def test_a_korean_canvas_is_checked_in_korean_without_a_session_language(monkeypatch):
    monkeypatch.delenv("BMC_LANG", raising=False)
    from bmclib.canvas import Canvas

    canvas = Canvas("빈 캔버스", lang="ko", blocks={"customer_segments": ["직장인"]})
    findings = check_canvas(canvas)
    assert findings.lang == "ko"
    assert "빈 블록" in findings._repr_html_() and "핵심 자원" in findings.summary()
    assert "Key Resources" in findings.summary("en")  # asked for, English still comes
    assert check_canvas(canvas, lang="en").summary().count("block is empty") >= 1
    clean = check_canvas(Canvas.load(bmc.data_path("canvases", "bank_salad.ko.json")))
    assert not clean.errors and "Key Resources" not in clean.summary()


# -- a canvas too large to check (breaker t12): refused with a message, not minutes of CPU --------


def hostile(per_block: int) -> dict:
    from bmclib.blocks import BLOCK_IDS

    return {
        "format": "bmclib-canvas",
        "version": 1,
        "title": "big",
        "blocks": {b: [f"n{i}" for i in range(per_block)] for b in BLOCK_IDS},
    }


def test_a_canvas_with_thousands_of_notes_is_refused_naming_the_file(tmp_path):
    from bmclib.errors import DataError

    path = tmp_path / "big.json"
    path.write_text(json.dumps(hostile(5000)), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        check_canvas(path)
    lines = caught.value.text("en").splitlines()
    assert lines == [
        (
            f"{path}: the canvas holds 45,000 notes; a canvas is checked with at most "
            "2,000 notes in all: keep the ones that matter and check again"
        ),
        (
            f"{path}: the canvas holds 215,010 characters of notes; a canvas is checked with at "
            "most 100,000: keep the notes short and check again"
        ),
    ]
    assert "45,000개" in caught.value.text("ko")
    one_block = make({**BASE, "channels": [f"Shop {i}" for i in range(201)]})
    with pytest.raises(DataError, match="the Channels block holds 201 notes"):
        check_canvas(one_block)
    long_note = make({**BASE, "key_resources": ["word " * 201]})
    with pytest.raises(DataError) as caught:
        check_canvas(long_note)
    assert "Key Resources block is 1,004 characters long" in caught.value.text("en")
    assert "핵심 자원 블록의 메모 하나가 1,004자입니다" in caught.value.text("ko")


def test_a_class_with_a_huge_canvas_is_graded_and_the_canvas_named(tmp_path):
    (tmp_path / "s2.json").write_text(json.dumps(hostile(5000)), encoding="utf-8")
    good = make(BASE).to_dict()
    (tmp_path / "s1.json").write_text(json.dumps(good), encoding="utf-8")
    batch = bmc.grade_canvases([tmp_path])
    assert [r.student_id for r in batch.rows] == ["s1"]
    [(source, problem)] = batch.problems
    assert source.endswith("s2.json") and "45,000 notes" in str(problem)


def test_a_canvas_at_the_limits_is_checked_with_the_same_findings(tmp_path, monkeypatch):
    """200 notes in each block, few linked: the index gives what comparing every pair gave."""
    import bmclib.canvas_checks as checks

    rows = {
        b: [f"blk{k}x{i} {chr(0xAC00 + 1000 * k + i)}집" for i in range(200)]
        for k, b in enumerate(hostile(0)["blocks"])
    }
    rows["channels"][5] = "Kitchen tours for 단골 고객"
    rows["key_resources"][7] = "Shared kitchen"  # a Latin word of a channel note
    rows["key_activities"][3] = "단골 관리"  # a Hangul one
    rows["key_partnerships"][9] = "단골고객모임"  # a Hangul word found inside this one
    canvas = make(rows)
    unlinked = [f for f in check_canvas(canvas) if f.rule == "unlinked_infrastructure"]
    assert len(unlinked) == 600 - 3  # every infrastructure note but the three linked ones

    def pairwise(canvas, report):  # the rule as written: each note against every other
        for block_id in checks._INFRASTRUCTURE:
            others = [n for b, n in canvas.notes() if b != block_id]
            for note in canvas[block_id]:
                if not any(checks._linked(note.text, o.text) for o in others):
                    report.add("unlinked_infrastructure", [block_id], note=note.text, block="")

    small = make({b: notes[:10] for b, notes in rows.items()})
    fast = [f.blocks for f in check_canvas(small) if f.rule == "unlinked_infrastructure"]
    monkeypatch.setattr(checks, "_check_infrastructure", pairwise)
    slow = [f.blocks for f in check_canvas(small) if f.rule == "unlinked_infrastructure"]
    assert fast == slow and len(fast) == 30 - 3


def test_the_word_index_agrees_with_comparing_two_notes():
    import random

    from bmclib.canvas_checks import _linked, _Words

    words = [
        "cloud",
        "servers",
        "hosting",
        "bakery",
        "3dprint",
        "café",
        "Straße",
        "strasse",
        "제빵",
        "제빵사",
        "교실을",
        "빵집",
        "고객에게",
        "물류",
        "the",
        "x1",
        "net",
        "network",
    ]
    rnd = random.Random(1)

    def text():
        return " ".join(
            rnd.choice(words) + rnd.choice(["", "", rnd.choice(words)])
            for _ in range(rnd.randint(1, 4))
        )

    for _ in range(2000):
        others, note = [text() for _ in range(rnd.randint(0, 4))], text()
        assert _Words(others).linked(note) == any(_linked(note, o) for o in others), (note, others)
