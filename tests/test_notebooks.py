"""The lessons as files: both languages, the same code, stable exercise ids, clean stored outputs.

(nbval runs the notebooks themselves; these checks are about how they are stored.)
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = ["00_start_here", "01_customer_segments", "02_value_propositions", "03_channels",
           "04_customer_relationships", "05_revenue_streams", "06_key_resources", "07_key_activities",
           "08_key_partnerships", "09_cost_structure", "10_capstone", "instructor_guide"]
EXERCISE_ID = re.compile(r"\(q\d+_\d+\)")


def load(lang: str, name: str) -> dict:
    return json.loads((ROOT / lang / f"{name}.ipynb").read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_lesson_exists_in_both_languages():
    for lang in ("en", "ko"):
        assert sorted(p.stem for p in (ROOT / lang).glob("*.ipynb")) == sorted(LESSONS), lang


@pytest.mark.parametrize("name", LESSONS)
def test_korean_twin_has_the_same_code_and_exercise_ids(name):
    en, ko = load("en", name), load("ko", name)
    assert code_cells(en) == [c.replace('lang="ko"', 'lang="en"') for c in code_cells(ko)]
    ids = [EXERCISE_ID.findall("".join(c["source"])) for nb in (en, ko) for c in nb["cells"]
           if c["cell_type"] == "markdown"]
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
        assert not any(o.get("name") == "stderr" for o in c["outputs"]), "no warnings or stderr in a lesson"
    ignored = sum("nbval-ignore-output" in c["metadata"].get("tags", []) for c in cells)
    assert ignored * 10 <= len(cells)


@pytest.mark.parametrize("name", LESSONS[:-1])
def test_lesson_shape(name):
    for lang, summary, check in (("en", "## Summary", "## Check your understanding"),
                                 ("ko", "## 정리", "## 이해 확인")):
        nb = load(lang, name)
        md = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
        assert md[0].startswith("# ")
        assert any(summary in m for m in md) and any(check in m for m in md), (lang, name)
        first_code = code_cells(nb)[0]
        assert len(first_code.splitlines()) <= 4 and "import bmclib as bmc" in first_code
