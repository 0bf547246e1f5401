"""The lessons as files: both languages, the same code, stable exercise ids, clean stored outputs.

(nbval runs the notebooks themselves; these checks are about how they are stored.)
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
#: every lesson has one source in notebooks/src; adding a lesson needs no edit here
LESSONS = sorted(p.stem for p in (ROOT / "src").glob("*.md"))
STUDENT_LESSONS = [name for name in LESSONS if name[:2].isdigit()]
EXERCISE_ID = re.compile(r"\(q\d+_\d+\)")
HEADING = re.compile(r"^(#{2,})\s*(\d+(?:\.\d+)*)?", re.MULTILINE)


def _build_module():
    spec = importlib.util.spec_from_file_location("notebook_build", ROOT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


def load(lang: str, name: str) -> dict:
    return json.loads((ROOT / lang / f"{name}.ipynb").read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def without_comments(code: str) -> str:
    return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))


def test_there_are_lessons_for_every_block():
    assert STUDENT_LESSONS[:11] == [
        "00_start_here",
        "01_customer_segments",
        "02_value_propositions",
        "03_channels",
        "04_customer_relationships",
        "05_revenue_streams",
        "06_key_resources",
        "07_key_activities",
        "08_key_partnerships",
        "09_cost_structure",
        "10_capstone",
    ]
    assert "instructor_guide" in LESSONS


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", LESSONS)
def test_stored_notebook_matches_its_source(name, lang):
    """The stored notebook holds exactly the cells notebooks/src/<name>.md builds: rebuild after
    editing."""
    cells = build.parse((ROOT / "src" / f"{name}.md").read_text(encoding="utf-8"), name)
    stored = [(c["cell_type"], "".join(c["source"])) for c in load(lang, name)["cells"]]
    expected = [("markdown" if c["type"] == "md" else "code", c[lang]) for c in cells]
    assert stored == expected, f"run: python notebooks/build.py {name}"


@pytest.mark.parametrize("name", LESSONS)
def test_headings_are_numbered_alike_in_both_languages(name):
    cells = build.parse((ROOT / "src" / f"{name}.md").read_text(encoding="utf-8"), name)
    for c in cells:
        if c["type"] == "md":
            assert HEADING.findall(c["en"]) == HEADING.findall(c["ko"]), (name, c["en"][:60])


def test_every_lesson_exists_in_both_languages():
    for lang in ("en", "ko"):
        assert sorted(p.stem for p in (ROOT / lang).glob("*.ipynb")) == sorted(LESSONS), lang


@pytest.mark.parametrize("name", LESSONS)
def test_korean_twin_has_the_same_code_and_exercise_ids(name):
    en, ko = load("en", name), load("ko", name)
    assert [without_comments(c) for c in code_cells(en)] == [
        without_comments(c.replace('lang="ko"', 'lang="en"')) for c in code_cells(ko)
    ]
    # comments are translated, never left in the other language
    for code in code_cells(ko):
        for line in code.splitlines():
            if line.lstrip().startswith("# ") and "(" not in line:
                assert re.search("[가-힣]", line), line
    ids = [
        EXERCISE_ID.findall("".join(c["source"]))
        for nb in (en, ko)
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
    ]
    half = len(ids) // 2
    en_ids = [i for cell in ids[:half] for i in cell]
    ko_ids = [i for cell in ids[half:] for i in cell]
    assert en_ids == ko_ids and len(set(en_ids)) == len(en_ids)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", LESSONS)
def test_stored_executed_in_order_without_errors(name, lang):
    nb = load(lang, name)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "run top to bottom once before saving"
    for c in cells:
        assert not [o for o in c["outputs"] if o["output_type"] == "error"]
        assert not any(o.get("name") == "stderr" for o in c["outputs"]), (
            "no warnings or stderr in a lesson"
        )
    ignored = sum("nbval-ignore-output" in c["metadata"].get("tags", []) for c in cells)
    assert ignored * 10 <= len(cells)


@pytest.mark.parametrize("name", STUDENT_LESSONS)
def test_lesson_shape(name):
    for lang, summary, check in (
        ("en", "## Summary", "## Check your understanding"),
        ("ko", "## 정리", "## 이해 확인"),
    ):
        nb = load(lang, name)
        md = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
        assert md[0].startswith("# ")
        assert any(summary in m for m in md) and any(check in m for m in md), (lang, name)
        first_code = code_cells(nb)[0]
        assert len(first_code.splitlines()) <= 7 and "import bmclib as bmc" in first_code
        assert "rcParams" not in first_code and "bmc.set_language(lang)" in first_code
