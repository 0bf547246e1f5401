"""The canvas model: notes and segment tags, JSON and Markdown round trips, errors that teach."""

import json
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.blocks import BLOCK_IDS
from bmclib.canvas import Canvas, Note, check_canvas_file
from bmclib.canvas_checks import check_canvas
from bmclib.cli import main
from bmclib.errors import BMCError, DataError, UnknownIdError
from bmclib.paths import data_path

BLOCKS_ARE = (
    "Blocks are: customer_segments, value_propositions, channels, customer_relationships, "
    "revenue_streams, key_resources, key_activities, key_partnerships, cost_structure."
)
SHIPPED = sorted(data_path("canvases").glob("*.json"))
COMPANIES = sorted({p.name.split(".")[0] for p in SHIPPED})


def sample() -> Canvas:
    return (
        Canvas("Bank Salad", "ko")
        .add("customer_segments", "가계부를 쓰는 20-30대", segment="young")
        .add("customer_segments", "금융사", segment="finance")
        .add("value_propositions", "무료 가계부 앱", segment="young")
        .add("customer_relationships", "자동화 서비스: 결제 문자로 자동 기록")
        .add("revenue_streams", "Fees of 5$ and 10$ [sic]\nsecond line", segment="finance")
    )


def write(tmp_path, text, name="c.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- notes and the model ------------------------------------------------------------------------


def test_note_forms():
    assert str(Note(" 무료 앱 ", " young ")) == "[young] 무료 앱"
    assert Note("A").to_dict() == "A"
    assert Note("A", "t").to_dict() == {"text": "A", "segment": "t"}
    assert Note("a\n\n  b  \n").text == "a\nb"
    assert Note.coerce({"text": "x", "segment": None}) == Note("x")


@pytest.mark.parametrize(
    "text, segment, message",
    [
        ("", None, "a note needs some text, not ''"),
        ("ok", "a]b", "segment must be a short tag (text without [ ] or line breaks), not 'a]b'"),
        ("ok", 5, "segment must be a short tag (text without [ ] or line breaks), not a number"),
    ],
)
def test_bad_notes(text, segment, message):
    with pytest.raises(BMCError) as err:
        Note(text, segment)
    assert str(err.value) == message


def test_canvas_has_all_nine_blocks_in_order_and_counts_notes():
    c = sample()
    assert list(c.blocks) == list(BLOCK_IDS)
    assert len(c) == 5 and c["channels"] == []
    assert c.segments() == ("young", "finance")
    assert (
        repr(c) == "<Canvas 'Bank Salad' (ko): 5 notes in 4 of 9 blocks; segments: young, finance>"
    )
    assert repr(Canvas()) == "<Canvas '' (en): 0 notes in 0 of 9 blocks; segments: none>"


def test_segments_defined_elsewhere_come_after_customer_segments():
    c = Canvas(
        blocks={
            "channels": [{"text": "x", "segment": "z"}],
            "customer_segments": [{"text": "y", "segment": "a"}, {"text": "w", "segment": "z"}],
        }
    )
    assert c.segments() == ("a", "z")


def test_unknown_block_ids_get_a_did_you_mean():
    with pytest.raises(UnknownIdError) as err:
        Canvas().add("value_proposition", "x")
    assert (
        str(err.value)
        == f"'value_proposition' is not a block. Did you mean 'value_propositions'? {BLOCKS_ARE}"
    )
    assert isinstance(err.value, KeyError) and isinstance(err.value, ValueError)
    with pytest.raises(UnknownIdError, match="'chanels' is not a block. Did you mean 'channels'"):
        Canvas()["chanels"]


def test_bad_lang_and_title():
    with pytest.raises(BMCError, match="lang must be 'en' or 'ko', not 'fr'"):
        Canvas(lang="fr")
    with pytest.raises(BMCError, match="title must be text, not a number"):
        Canvas(title=3)
    with pytest.raises(BMCError, match="block 'channels': expected a list of notes, not text"):
        Canvas(blocks={"channels": "Web"})


def test_repr_html_escapes_and_shows_every_block():
    c = Canvas("<b>X</b>", "en").add("channels", "<script>alert(1)</script>", segment="s&p")
    page = c._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;X" in page
    for b in bmc.blocks():
        assert b.name["en"] in page
    assert c.segment_colours()["s&p"] in page


# -- JSON -------------------------------------------------------------------------------------


def test_json_round_trip_through_a_file(tmp_path):
    c = sample()
    c.extra["case"] = "bank_salad"
    path = c.save(tmp_path / "sub" / "bank.json")
    assert sorted(p.name for p in path.parent.iterdir()) == ["bank.json"]  # no temporary file left
    text = path.read_text(encoding="utf-8")
    assert "가계부" in text and text.endswith("}\n")
    data = json.loads(text)
    assert (
        data["format"] == "bmclib-canvas"
        and data["version"] == 1
        and list(data["blocks"]) == list(BLOCK_IDS)
    )
    assert data["blocks"]["customer_relationships"] == ["자동화 서비스: 결제 문자로 자동 기록"]
    assert data["blocks"]["customer_segments"][0] == {
        "text": "가계부를 쓰는 20-30대",
        "segment": "young",
    }
    again = Canvas.load(path)
    assert again == c and again.extra == {"case": "bank_salad"} and again.source == str(path)
    assert Canvas.from_dict(c.to_dict()) == c


def test_contract_example_loads(tmp_path):
    path = write(
        tmp_path,
        """{
  "format": "bmclib-canvas",
  "version": 1,
  "title": "Bank Salad",
  "lang": "ko",
  "blocks": {
    "customer_segments": [{"text": "가계부를 쓰는 20-30대", "segment": "young"}],
    "customer_relationships": ["자동화 서비스: 결제 문자로 자동 기록"]
  }
}""",
    )
    c = bmc.Canvas.load(path)
    assert c["customer_segments"] == [Note("가계부를 쓰는 20-30대", "young")]
    assert c["channels"] == [] and c.lang == "ko"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '{\n  "format": "bmclib-answers",\n  "version": 1\n}',
            '{f}:2: wrong format \'bmclib-answers\'; a canvas file has "format": "bmclib-canvas"',
        ),
        (
            '{\n  "format": "bmclib-canvas",\n  "version": 2\n}',
            "{f}:3: unknown version 2 (this bmclib reads version 1)",
        ),
        ('{"version": 1}', '{f}:1: not a canvas file: no "format": "bmclib-canvas"'),
        (
            "[1, 2]",
            '{f}:1: a canvas file is a JSON object with "format": "bmclib-canvas"; found a list',
        ),
        (
            '{\n  "format": "bmclib-canvas",\n',
            "{f}:3: not valid JSON: expected a name in double quotes (column 1)",
        ),
    ],
)
def test_wrong_files_raise_data_error_with_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as err:
        Canvas.load(path)
    assert str(err.value) == message.format(f=path)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read the file"):
        Canvas.load(tmp_path / "nope.json")


def test_unknown_block_in_a_file_names_the_line(tmp_path):
    path = write(
        tmp_path,
        '{\n  "format": "bmclib-canvas",\n  "version": 1,\n  "blocks": {\n'
        '    "channels": ["Web"],\n    "value_proposition": ["Cheap"]\n  }\n}\n',
    )
    with pytest.raises(UnknownIdError) as err:
        Canvas.load(path)
    assert str(err.value) == (
        f"{path}:6: 'value_proposition' is not a block. "
        f"Did you mean 'value_propositions'? {BLOCKS_ARE}"
    )


def test_bad_notes_in_a_file_name_block_note_and_line(tmp_path):
    path = write(
        tmp_path,
        '{\n  "format": "bmclib-canvas",\n  "version": 1,\n  "lang": "fr",\n  "blocks": {\n'
        '    "channels": [\n      "Web",\n      5,\n      {"segment": "x"},\n'
        '      {"text": "Shop", "segment": ["a"]},\n      "   "\n    ],\n'
        '    "customer_segments": "Everyone"\n  }\n}\n',
    )
    with pytest.raises(DataError) as err:
        Canvas.load(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}:4: lang must be 'en' or 'ko', not 'fr'",
        (
            f"{path}:6: block 'channels', note 2: a note is text or an "
            'object with "text" (and optional "segment"), not a number'
        ),
        f"{path}:6: block 'channels', note 3: a note object needs \"text\"",
        (
            f"{path}:10: block 'channels', note 4: segment must be a "
            "short tag (text without [ ] or line breaks), not a list"
        ),
        f"{path}:11: block 'channels', note 5: the note's text is empty",
        f"{path}:13: block 'customer_segments': expected a list of notes, not text",
    ]
    assert check_canvas_file(path) == err.value.problems


def test_from_dict_without_a_file():
    with pytest.raises(DataError) as err:
        Canvas.from_dict({"format": "bmclib-canvas", "version": 1, "title": 5})
    assert str(err.value) == "<canvas>: title must be text, not a number"
    with pytest.raises(UnknownIdError, match=r"^<canvas>: 'kp' is not a block\."):
        Canvas.from_dict({"format": "bmclib-canvas", "version": 1, "blocks": {"kp": []}})


def test_check_canvas_file_lists_every_problem_and_likely_typos(tmp_path):
    path = write(
        tmp_path,
        '{\n  "format": "bmclib-canvas",\n  "version": 1,\n  "titel": "X",\n  "blocks": {\n'
        '    "chanels": ["Web"],\n    "cost_structure": [{"text": "Rent", "segmnt": "a"}],\n'
        '    "key_activity": []\n  }\n}\n',
    )
    assert [str(p) for p in check_canvas_file(path)] == [
        f"{path}:4: unknown key 'titel' (did you mean 'title'?)",
        f"{path}:6: 'chanels' is not a block. Did you mean 'channels'? {BLOCKS_ARE}",
        f"{path}:7: block 'cost_structure', note 1: unknown key 'segmnt' (did you mean 'segment'?)",
        f"{path}:8: 'key_activity' is not a block. Did you mean 'key_activities'? {BLOCKS_ARE}",
    ]


def test_bmc_validate_reports_canvas_problems(tmp_path, capsys):
    good = Canvas("Ok").add("channels", "Web").save(tmp_path / "good.json")
    bad = write(
        tmp_path,
        '{"format": "bmclib-canvas", "version": 1,\n "blocks": {"chanel": []}}',
        "bad.json",
    )
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: 'chanel' is not a block. Did you mean 'channels'?" in out


# -- Markdown ---------------------------------------------------------------------------------


def test_markdown_round_trip_keeps_everything():
    c = sample().add("channels", "[not a tag] text").add("channels", "\\backslash")
    for lang in ("en", "ko"):
        md = c.to_markdown(lang)
        assert Canvas.from_markdown(md) == c
    md = c.to_markdown("en")
    assert "## Customer Segments\n- [young] 가계부를 쓰는 20-30대\n- [finance] 금융사\n" in md
    assert "- [finance] Fees of 5$ and 10$ [sic]\n  second line\n" in md
    assert "- \\[not a tag] text\n" in md


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_markdown_round_trip_of_every_shipped_canvas(path):
    c = Canvas.load(path)
    assert Canvas.from_markdown(c.to_markdown()) == c
    assert Canvas.from_markdown(c.to_markdown("en" if c.lang == "ko" else "ko")) == c


def test_markdown_is_forgiving_about_headings_and_bullets():
    md = """# IKEA

## 1. Customer segments:
* [families] Young families
+ Small businesses

## VALUE_PROPOSITIONS
- Low prices
  and design
    you can assemble

## 고객관계
- 셀프서비스: 쇼룸

## KP
- Suppliers
"""
    c = Canvas.from_markdown(md)
    assert c.title == "IKEA" and c.lang == "en"
    assert c["customer_segments"] == [Note("Young families", "families"), Note("Small businesses")]
    assert c["value_propositions"] == [Note("Low prices\nand design\nyou can assemble")]
    assert c["customer_relationships"] == [Note("셀프서비스: 쇼룸")]
    assert c["key_partnerships"] == [Note("Suppliers")]


def test_markdown_language_comes_from_comment_headings_or_argument():
    assert Canvas.from_markdown("## 채널\n- 웹\n").lang == "ko"
    assert Canvas.from_markdown("## channels\n- 웹\n").lang == "ko"  # ids only: Hangul in the text
    assert Canvas.from_markdown("<!-- bmclib-canvas lang=ko -->\n## Channels\n- Web\n").lang == "ko"
    assert Canvas.from_markdown("## 채널\n- 웹\n", lang="en").lang == "en"


def test_markdown_unknown_heading_in_korean_gets_korean_suggestion():
    with pytest.raises(UnknownIdError) as err:
        Canvas.from_markdown("## 채녈\n- 웹\n", source="x.md")
    assert str(err.value).startswith(
        "x.md:1: '채녈' is not a block. Did you mean '채널'? Blocks are: 고객 세그먼트, "
    )


@pytest.mark.parametrize(
    "md, message",
    [
        ("- orphan\n## Channels\n", "<markdown>:1: a note before the first '## block' heading"),
        (
            "## Channels\nSome paragraph\n",
            (
                "<markdown>:2: expected a '- note' bullet or "
                "a '## block' heading, found: 'Some paragraph'"
            ),
        ),
        ("## Channels\n- [web]\n", "<markdown>:2: the note has a tag but no text"),
        ("# A\n# B\n", "<markdown>:2: a canvas has one '# title' line; use '## block' for blocks"),
        ("<!-- bmclib-canvas lang=fr -->\n", "<markdown>:1: lang must be 'en' or 'ko', not 'fr'"),
    ],
)
def test_markdown_problems_name_the_line(md, message):
    with pytest.raises(DataError) as err:
        Canvas.from_markdown(md)
    assert str(err.value) == message


# -- the shipped example canvases -------------------------------------------------------------


def test_at_least_six_companies_each_in_both_languages():
    assert len(COMPANIES) >= 6
    assert {"bank_salad", "netflix", "sap_community", "private_banking", "ikea", "youtube"} <= set(
        COMPANIES
    )
    assert [p.name for p in SHIPPED] == [
        f"{c}.{lang}.json" for c in COMPANIES for lang in ("en", "ko")
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_canvas_loads_and_checks_clean(path):
    assert check_canvas_file(path) == []
    c = Canvas.load(path)
    assert c.lang == path.name.split(".")[1] and c.title
    assert all(c[b] for b in BLOCK_IDS), "every block is filled"
    assert len(c.segments()) >= 2
    findings = check_canvas(c)
    assert not findings.errors
    assert findings == [], findings.summary(c.lang)  # none deliberate: keep the examples clean


@pytest.mark.parametrize("company", COMPANIES)
def test_language_twins_match_note_for_note(company):
    en = Canvas.load(data_path("canvases", f"{company}.en.json"))
    ko = Canvas.load(data_path("canvases", f"{company}.ko.json"))
    for b in BLOCK_IDS:
        assert [n.segment for n in en[b]] == [n.segment for n in ko[b]], b


def test_every_shipped_canvas_is_a_company_of_the_case_bank():
    ids = set(bmc.load_cases()["id"])
    assert COMPANIES and [c for c in COMPANIES if c not in ids] == []


def test_canvases_folder_is_reachable_from_the_package():
    assert Path(data_path("canvases")).is_dir()
