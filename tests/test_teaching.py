"""What the course teaches with: decision items in every block, feedback that names the deciding
fact, keys that agree with themselves, and no authoring jargon anywhere a student can read."""

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.cli import main
from bmclib.exercises import KINDS, check_exercise_set, exercise_set_ids
from bmclib.keys import check_key
from bmclib.paths import data_dir

ROOT = Path(__file__).resolve().parents[1]
NEW_KINDS = ("decide", "pitfall", "two_segments")
MINIMUM = {"relationships-practice": 12}  # decision items per set; every other set needs 4

# -- the jargon scan ---------------------------------------------------------------------------

ATTRIBUTE_IDS = (
    "customer_count",
    "value_per_customer",
    "decision_complexity",
    "uses_behaviour_data",
    "user_generated_value",
    "network_effects",
    "peer_support",
)
AUTHORING = re.compile(
    r"\bseeds?\b|research file|author'?s (?:own )?judge?ment|\bthe author's\b"
    r"|시드|리서치 자료|자료 작성자|작성자 판단",
    re.IGNORECASE,
)
ATTRIBUTE = re.compile(r"\b(?:" + "|".join(ATTRIBUTE_IDS) + r")\b")


def hits(text: str, *, ids: bool = True) -> list[str]:
    found = [m.group(0) for m in AUTHORING.finditer(text)]
    if ids:
        found += [m.group(0) for m in ATTRIBUTE.finditer(text)]
    return found


def json_strings(value, path=(), skip=("comment",)):
    """Every string in a JSON document with its path, leaving out developer-only keys."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                yield from json_strings(v, (*path, k), skip)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_strings(v, (*path, i), skip)
    elif isinstance(value, str):
        yield path, value


def student_texts():
    """(where, text, scan attribute ids too) for every text a student can see."""
    data = data_dir()
    with (data / "cases.csv").open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            for col in (
                "company_en",
                "company_ko",
                "industry_en",
                "industry_ko",
                "description_en",
                "description_ko",
                "rationale_en",
                "rationale_ko",
                "source",
            ):
                yield f"cases.csv:{n}:{col}", row[col], True
    for folder, cols in (
        ("exercises", ("company_en", "company_ko", "prompt_en", "prompt_ko")),
        ("keys", ("explanation_en", "explanation_ko", "why_not_en", "why_not_ko")),
    ):
        for path in sorted((data / folder).glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as fh:
                for n, row in enumerate(csv.DictReader(fh), start=2):
                    for col in cols:
                        yield f"{folder}/{path.name}:{n}:{col}", row.get(col, ""), True
    for name in (
        "blocks.json",
        "messages.json",
        "canvas_rules.json",
        "charts.json",
        "attributes.json",
    ):
        doc = json.loads((data / name).read_text(encoding="utf-8"))
        for where, text in json_strings(doc, skip=("comment", "id")):
            yield f"{name}:{'/'.join(map(str, where))}", text, True
    # hints and model answers
    checks = json.loads((data / "checks.json").read_text(encoding="utf-8"))
    for where, text in json_strings(checks, skip=("comment", "id")):
        yield f"checks.json:{'/'.join(map(str, where))}", text, True
    for path in sorted((data / "rubrics").glob("*.csv")):  # canvas-grading feedback students read
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                for col, text in row.items():
                    if col.endswith(("_en", "_ko")):
                        yield f"rubrics/{path.name}:{n}:{col}", text or "", True
    rules = json.loads((data / "advisor_rules.json").read_text(encoding="utf-8"))
    for rule in rules["rules"]:
        for lang, text in rule["reason"].items():
            yield f"advisor_rules.json:{rule['id']}:{lang}", text, True
    for path in sorted((data / "canvases").glob("*.json")):
        for where, text in json_strings(json.loads(path.read_text(encoding="utf-8"))):
            yield f"canvases/{path.name}:{'/'.join(map(str, where))}", text, True
    for name, cell in lesson_cells():
        if cell["type"] == "md":
            for lang in ("en", "ko"):
                # code is code
                prose = re.sub(r"```.*?```|`[^`]*`", " ", cell[lang], flags=re.DOTALL)
                yield f"{name} (markdown, {lang})", prose, True
                yield f"{name} (markdown with code, {lang})", cell[lang], False
        else:
            yield f"{name} (code)", cell["en"], False


def lesson_cells():
    spec = importlib.util.spec_from_file_location("lesson_build", ROOT / "notebooks" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for src in sorted((ROOT / "notebooks" / "src").glob("*.md")):
        for cell in build.parse(src.read_text(encoding="utf-8"), src.name):
            yield src.name, cell


def test_the_jargon_scan_finds_what_it_looks_for():
    assert hits("the seed says so") == ["seed"] and hits("시드 플레이북") == ["시드"]
    assert hits("(user_generated_value, network_effects)") == [
        "user_generated_value",
        "network_effects",
    ]
    assert hits("The research file lists it") == ["research file"]
    assert hits("리서치 자료는 작성자 판단에 따라") == ["리서치 자료", "작성자 판단"]
    assert hits("seed_examples, seeding, the playbook, the authors, users create the value") == []
    assert hits("by the author's judgement") and hits("자료 작성자의 판단")
    scanned = list(student_texts())
    assert len(scanned) > 3000  # every file kind above is really read
    assert any(w.startswith("04_customer_relationships.md") for w, _, _ in scanned)


def test_students_never_see_authoring_words_or_attribute_ids():
    found = [
        f"{where}: {', '.join(sorted(set(h)))}"
        for where, text, ids in student_texts()
        if (h := hits(text, ids=ids))
    ]
    assert found == [], "authoring jargon in student-facing text:\n" + "\n".join(found)


# -- decision items ----------------------------------------------------------------------------


def scored(key, item_id, choice):
    """The score of one answered item, with its feedback."""
    return next(i for i in bmc.score_answers({item_id: choice}, key).items if i.item_id == item_id)


@pytest.mark.parametrize("set_id", exercise_set_ids())
def test_every_block_practises_decisions_not_only_recognition(set_id):
    counts = bmc.load_exercise_set(set_id).kinds()
    assert set(counts) == set(KINDS)
    assert sum(counts[k] for k in NEW_KINDS) >= MINIMUM.get(set_id, 4), counts
    assert counts["recognise"] > 0


def test_relationships_practise_every_new_kind():
    counts = bmc.load_exercise_set("relationships-practice").kinds()
    assert counts["decide"] >= 5 and counts["pitfall"] >= 4 and counts["two_segments"] >= 4, counts


@pytest.mark.parametrize("set_id", exercise_set_ids())
def test_a_wrong_decision_hears_the_fact_that_rules_it_out(set_id):
    """Every wrong choice of a decide item has its own reason, in both languages, and feedback shows
    it."""
    items, key = bmc.load_exercise_set(set_id), bmc.load_key(set_id)
    for item in items.items:
        if item.kind != "decide":
            continue
        k = key.item(item.id)
        wrong = [c for c in item.choices("en") if c not in k.best + k.acceptable]
        assert wrong, item.id
        for choice in wrong:
            for lang in ("en", "ko"):
                reason = k.why_not_text(choice, lang)
                assert reason, (item.id, choice, lang)
                feedback = scored(key, item.id, choice).feedback[lang]
                assert reason in feedback and k.explanation[lang] in feedback


@pytest.mark.parametrize("set_id", exercise_set_ids())
def test_decide_prompts_give_facts_without_naming_the_answer(set_id):
    items, key = bmc.load_exercise_set(set_id), bmc.load_key(set_id)
    for item in items.items:
        if item.kind not in ("decide", "two_segments"):
            continue
        for lang in ("en", "ko"):
            prompt = item.prompt[lang].lower()
            named = [
                c for c in key.item(item.id).best if bmc.category(c).label[lang].lower() in prompt
            ]
            assert named == [], (item.id, lang, named)
            told = [
                (c, p) for c in key.item(item.id).best for p in DEFINING.get(c, ()) if p in prompt
            ]
            assert told == [], f"{item.id} ({lang}) states the answer's defining mechanism: {told}"


#: phrases that state a type's defining mechanism; a decide item gives facts and lets students infer
#: it
DEFINING = {
    "subscription_fees": ("every month", "same amount", "monthly fee", "매달", "같은 금액"),
    "usage_fee": ("measured amount", "per use", "계량", "쓴 만큼"),
    "advertising": ("per view", "per click", "조회나 클릭마다"),
    "buyer_supplier": ("guarantees", "보장하는"),
    "dedicated_personal_assistance": ("assigned to", "its own account manager", "전담"),
    "self_service": ("no staff", "직원 없이"),
    "communities": ("help each other", "서로 돕"),
}


@pytest.mark.parametrize("set_id", exercise_set_ids())
def test_two_segments_items_pair_up_with_different_answers(set_id):
    items, key = bmc.load_exercise_set(set_id), bmc.load_key(set_id)
    by_company = {}
    for item in items.items:
        if item.kind == "two_segments":
            by_company.setdefault(item.company["en"], []).append(key.item(item.id).best)
    for company, answers in by_company.items():
        assert len(answers) >= 2, company
        assert len({a for best in answers for a in best}) == sum(len(b) for b in answers), company


def test_pitfall_items_name_a_trap_from_the_taxonomy():
    items, key = (
        bmc.load_exercise_set("relationships-practice"),
        bmc.load_key("relationships-practice"),
    )
    pitfalls = [i for i in items.items if i.kind == "pitfall"]
    assert {i.taxonomy for i in pitfalls} == {"relationship_pitfalls"}
    answers = {key.item(i.id).best[0] for i in pitfalls}
    assert len(answers) >= 5  # most traps are practised, including a sound plan (no pitfall)
    assert "no_pitfall" in answers
    labels = bmc.taxonomy("relationship_pitfalls").labels("ko")
    assert (
        all(labels.values())
        and bmc.block(bmc.taxonomy("relationship_pitfalls").block).id == "customer_relationships"
    )


def test_the_class_report_explains_a_common_wrong_decision_with_the_keys_reason():
    from bmclib.report import misconception

    k = bmc.load_key("relationships-practice").item("dec_store_coffee")
    note = misconception(k, "automated_services")
    assert note == {lang: k.why_not_text("automated_services", lang) for lang in ("en", "ko")}
    assert "does not know who" in note["en"]


# -- feedback never contradicts the key --------------------------------------------------------


def test_acceptable_answers_get_no_objections_from_the_advisor():
    """'Defensible' in the key and 'there is nothing to build on' from the advisor never meet."""
    key, items = (
        bmc.load_key("relationships-practice"),
        bmc.load_exercise_set("relationships-practice"),
    )
    for item in items.items:
        if not item.case_id:
            continue
        case = bmc.get_case(item.case_id)
        for choice in key.item(item.id).acceptable:
            objections = bmc.explain_choice(case.attrs, choice).fit.against
            feedback = scored(key, item.id, choice).feedback
            for lang in ("en", "ko"):
                assert not [o for o in objections[lang] if o in feedback[lang]], (
                    item.id,
                    choice,
                    lang,
                )


def test_video_viewers_feedback_is_consistent():
    """The case the review found contradicting itself: the key no longer calls automation
    defensible."""
    key = bmc.load_key("relationships-practice")
    fb = scored(key, "video_platform_viewers", "automated_services")
    assert fb.status == "wrong"
    assert "defensible" not in fb.feedback["en"] and "타당" not in fb.feedback["ko"]


def test_partial_credit_only_where_the_prompt_supports_it():
    key = bmc.load_key("relationships-practice")
    assert key.item("apple_store").acceptable == ()
    assert key.item("samsung_service_centres").acceptable == ()
    assert key.item("nordstrom").acceptable == ("dedicated_personal_assistance",)
    assert (
        "same associate"
        in bmc.load_exercise_set("relationships-practice").item("nordstrom").prompt["en"]
    )
    toss = bmc.load_exercise_set("relationships-practice").item("toss").prompt["en"]
    assert "send money" in toss  # the self-service part that earns partial credit is in the prompt
    karrot = bmc.load_exercise_set("relationships-practice").item("karrot").prompt["en"]
    assert karrot.index("each other") < karrot.index("listings")  # the prompt leads with peer help
    # neighbours help each other (community) and write the listings others browse (co-creation)
    assert set(key.item("karrot").best) == {"communities", "co_creation"}
    assert key.item("karrot").acceptable == ("self_service",)
    assert (
        "acquisition_of_resources"
        in bmc.load_key("key-partnerships-practice").item("kp_06").acceptable
    )


def test_baemin_is_classified_by_what_diners_do_now():
    baemin = bmc.get_case("baemin")
    assert baemin.primary == "automated_services" and "co_creation" in baemin.acceptable
    assert "Baejjangi" in baemin.rationale["en"] and "배짱이" in baemin.rationale["ko"]


# -- facts dated and current -------------------------------------------------------------------


def test_every_shipped_case_says_when_it_was_checked():
    cases = bmc.load_cases()
    assert cases["checked"].notna().all()
    assert str(cases["checked"].dtype).startswith("datetime64")
    assert cases["checked"].min().year >= 2026


def test_dated_facts():
    assert "UBS" in bmc.get_case("private_banking").company["en"]
    skype = bmc.get_case("skype")
    assert "2025" in skype.description["en"] and "2025" in skype.description["ko"]
    assert "as of 2020" in bmc.get_case("sap_community").description["en"]
    card = bmc.get_case("hyundai_card_the_black")
    assert "as of 2015" in card.description["en"] and "2015년 기준" in card.description["ko"]
    assert "MyData" in bmc.category("automated_services").get("playbook_examples", "en")[0]


def test_a_bad_checked_date_is_a_problem_with_its_line(tmp_path, capsys):
    text = (data_dir() / "cases.csv").read_text(encoding="utf-8").split("\n")
    text[3] = text[3].replace(",2026-11-", ",29/11/", 1)
    bad = tmp_path / "cases.csv"
    bad.write_text("\n".join(text), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: checked: '29/11/" in out and "YYYY-MM-DD" in out


# -- the loaders: kind and why-not -------------------------------------------------------------

HEAD = "exercise_set,item_id,kind,taxonomy,case_id,company_en,company_ko,prompt_en,prompt_ko\n"


def test_an_unknown_kind_is_a_problem_with_file_line_and_a_suggestion(tmp_path, capsys):
    path = tmp_path / "quiz.csv"
    path.write_text(
        HEAD + "q,a,decide,relationship_types,,A,가,p,프\n"
        "q,b,recognize,relationship_types,,B,나,p,프\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    expected = (
        f"{path}:3: kind: 'recognize' is not an item "
        "kind. Did you mean 'recognise'? Item kinds are: "
        "recognise, decide, pitfall, two_segments. An empty cell means recognise."
    )
    assert capsys.readouterr().out.splitlines() == [expected]


def test_kind_is_optional_and_empty_means_recognise():
    old = (
        b"exercise_set,item_id,taxonomy,case_id,company_en,company_ko,prompt_en,prompt_ko\n"
        b"q,a,relationship_types,,A,\xea\xb0\x80,p,p\n"
    )
    ex, problems = check_exercise_set(old, name="old.csv")
    assert problems == [] and ex.items[0].kind == "recognise"
    ex, problems = check_exercise_set(
        (HEAD + "q,a,,relationship_types,,A,가,p,프\n").encode(), name="e.csv"
    )
    assert problems == [] and ex.items[0].kind == "recognise"


def test_a_two_segments_item_needs_a_partner():
    text = (
        HEAD
        + "q,a,two_segments,relationship_types,,Acme,애크미,p,프\n"
        + "q,b,two_segments,relationship_types,,Other,기타,p,프\n"
    )
    _, problems = check_exercise_set(text.encode(), name="t.csv")
    assert [str(p) for p in problems] == [
        (
            "t.csv:2: two_segments item 'a' needs a second two_segments "
            "item on the same company ('Acme'), about its other segment"
        ),
        (
            "t.csv:3: two_segments item 'b' needs a second two_segments "
            "item on the same company ('Other'), about its other segment"
        ),
    ]


KEY_HEAD = (
    "exercise_set,item_id,best,acceptable,points,"
    "explanation_en,explanation_ko,why_not_en,why_not_ko\n"
)


def key_csv(why_en, why_ko):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "q",
            "a",
            "dedicated_personal_assistance",
            "",
            "1",
            "Few, valuable.",
            "적고 귀함.",
            why_en,
            why_ko,
        ]
    )
    return (KEY_HEAD + out.getvalue()).encode()


def test_why_not_lines_are_read_per_choice():
    key, problems = check_key(
        key_csv(
            "self_service: Buyers weigh it for a year.\ncommunities: Rivals.",
            "self_service: 1년을 고민합니다.\ncommunities: 경쟁자입니다.",
        ),
        name="k.csv",
    )
    assert problems == []
    item = key.items[0]
    assert item.why_not_text("self_service", "ko") == "1년을 고민합니다."
    assert item.why_not_text("co_creation", "en") == ""
    fb = bmc.score_answers({"a": "self_service"}, key).items[0].feedback
    assert fb["en"].split(" Few")[0].endswith("Buyers weigh it for a year.")


@pytest.mark.parametrize(
    "why_en, why_ko, message",
    [
        (
            "self_servce: x",
            "self_servce: 엑스",
            "why_not_en: 'self_servce' is not a choice id. Did you mean 'self_service'?",
        ),
        (
            "dedicated_personal_assistance: x",
            "dedicated_personal_assistance: 엑스",
            (
                "why_not_en: 'dedicated_personal_assistance' is a best "
                "answer; why_not explains the choices that do not fit"
            ),
        ),
        (
            "just a sentence",
            "",
            (
                "why_not_en: cannot read 'just a sentence'; write one line per choice as "
                "'choice_id: why it does not fit'"
            ),
        ),
        (
            "self_service: x",
            "",
            (
                "why_not_en and why_not_ko must explain the same "
                "choices; only one of them has: self_service"
            ),
        ),
    ],
)
def test_bad_why_not_cells_are_problems(why_en, why_ko, message):
    _, problems = check_key(key_csv(why_en, why_ko), name="k.csv")
    assert f"k.csv:2: {message}" in [str(p) for p in problems]


def test_a_why_not_line_for_a_choice_the_item_does_not_offer_is_found(monkeypatch):
    from bmclib import validate
    from bmclib.keys import KeyItem

    real = bmc.load_key

    def key_with_stray_reason(path):
        key = real(path)
        if key.exercise_set != "channels-practice":
            return key
        first = key.items[0]
        stray = KeyItem(
            first.item_id,
            first.best,
            first.acceptable,
            first.points,
            first.explanation,
            {"en": {"mass_market": "x"}, "ko": {"mass_market": "엑스"}},
        )
        return type(key)(key.exercise_set, (stray, *key.items[1:]), key.source)

    monkeypatch.setattr("bmclib.keys.load_key", key_with_stray_reason)
    problems = [str(p) for p in validate.cross_check_shipped()]
    assert any(
        "item 'ch_01': mass_market not in taxonomy 'channel_types'" in p for p in problems
    ), problems


def test_data_readme_documents_the_new_columns():
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    for word in ("`kind`", "`why_not_en`", "`checked`", "relationship_pitfalls", "two_segments"):
        assert word in readme, word
