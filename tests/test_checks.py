"""Exercise checks (``bmc.check``) and model answers: every pandas exercise of the lessons has a
check cell; each check accepts the model answer run in its lesson, and names the usual mistake
behind typical wrong values, in both languages."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import bmclib as bmc
from bmclib.checks import (
    CHECKS,
    HINTS,
    check,
    check_checks_file,
    exercises,
    loyalty_stage,
    model_answers,
)
from bmclib.errors import BMCError, UnknownIdError
from bmclib.paths import data_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
from build import parse

SOURCES = ROOT / "notebooks" / "src"
WIDGETS = ("_exercise(", "segment_prioritiser(", "canvas_editor(")
HEADING = re.compile(r"^### Exercise (\d+)\.(\d+) \((q\d+_\d+)\)", re.MULTILINE)


def lesson_cells(stem):
    return parse((SOURCES / f"{stem}.md").read_text(encoding="utf-8"), stem)


# -- every exercise of every lesson gets feedback
# ------------------------------------------------------


def lesson_exercises():
    """(lesson, exercise id, the code cells from its heading to the next heading)."""
    out = []
    for path in sorted(SOURCES.glob("[01]*.md")):
        cells = lesson_cells(path.stem)
        for i, cell in enumerate(cells):
            found = HEADING.search(cell["en"]) if cell["type"] == "md" else None
            if found:
                code = []
                for later in cells[i + 1 :]:
                    if later["type"] == "md" and later["en"].startswith("#"):
                        break
                    if later["type"] == "code":
                        code.append(later["en"])
                out.append((path.stem, found.group(3), code))
    return out


def test_every_exercise_has_a_check_a_widget_or_a_model_answer():
    known = exercises()
    seen = set()
    for lesson, eid, code in lesson_exercises():
        seen.add(eid)
        placeholder = any(re.search(r"^\w+ = \.\.\.$", c, re.MULTILINE) for c in code)
        widget = any(w in c for c in code for w in WIDGETS)
        if placeholder or eid == "q0_2":
            assert eid in CHECKS, f"{lesson} {eid}: a pandas exercise without a check"
            assert any(f'bmc.check("{eid}",' in c for c in code), f"{lesson} {eid}: no check cell"
        elif not widget:
            assert eid in known and known[eid].kind == "open", f"{lesson} {eid}: no model answer"
        if eid in known:
            assert known[eid].lesson == lesson, eid
    assert set(known) <= seen, f"answers for exercises no lesson has: {sorted(set(known) - seen)}"


def test_shipped_checks_file_is_valid_and_complete():
    assert check_checks_file(data_path("checks.json")) == []
    assert set(CHECKS) == {e.id for e in exercises().values() if e.kind == "pandas"}


# -- the model answer, run in its lesson, passes its check
# ----------------------------------------------


def run_lesson_with_answer(stem, eid, answer, monkeypatch, tmp_path):
    """Run the lesson's code cells up to the exercise's check, with the model answer in place of
    the line that assigns the checked variable; return the namespace and the variable's name."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("BMC_ANSWERS_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for cell in lesson_cells(stem):
        code = cell["en"]
        if (
            cell["type"] != "code"
            or "raises-exception" in cell["tags"]
            or any(w in code for w in WIDGETS)
        ):
            continue
        found = re.search(rf'bmc\.check\("{eid}", (\w+), lang=[^)]+\)', code)
        if found:
            return namespace, found.group(1)
        variable = re.search(r"^(\w+) = \.\.\.$", code, re.MULTILINE)
        if eid == "q0_2" and code.startswith("my_block = "):
            code = answer
        elif variable and re.search(rf"^{variable.group(1)} = ", answer, re.MULTILINE):
            code = code.replace(variable.group(0), answer)
        exec(compile(code, f"{stem}.md", "exec"), namespace)  # noqa: S102 (the lesson's own code)
        import matplotlib.pyplot as plt

        plt.close("all")
    raise AssertionError(f"{stem}: no check cell for {eid}")


@pytest.mark.parametrize("eid", sorted(CHECKS))
def test_model_answer_passes_in_its_lesson(eid, monkeypatch, tmp_path):
    exercise = exercises()[eid]
    namespace, variable = run_lesson_with_answer(
        exercise.lesson, eid, exercise.answer, monkeypatch, tmp_path
    )
    for lang in ("en", "ko"):
        result = check(eid, namespace[variable], lang=lang)
        assert result.passed, result.summary()
        assert result.summary().splitlines()[1] == exercise.messages["right"][lang]
    assert list(tmp_path.glob("**/*.json")) == []  # checks save nothing


# -- typical wrong values get the hint for their mistake
# --------------------------------------------------


def c():
    return bmc.load_dataset("customers")


def ladder_values(with_referrals=True, share=0.1, reached=False, sign=1):
    customers = c()
    stage = loyalty_stage(customers)
    rungs = [
        "prospect",
        "first_time_buyer",
        "repeat_customer",
        "member",
        "advocate",
        "passionate_fan",
    ]
    ladder = stage.value_counts().reindex(rungs)
    if reached:
        ladder = ladder[::-1].cumsum()[::-1]
    revenue = customers["revenue"] + (
        customers["referrals"] * customers["revenue"].mean() if with_referrals else 0
    )
    value = revenue.groupby(stage).mean().reindex(rungs)
    return (sign * share * ladder * (value.shift(-1) - value)).iloc[:-1]


def funnel_table():
    return bmc.load_dataset("channel_funnel").pivot(
        index="phase", columns="channel", values="people"
    )


def yearly():
    mix = bmc.load_dataset("revenue_monthly").pivot(
        index="month", columns="stream", values="revenue"
    )
    return mix.groupby(mix.index.year).sum()


def resources():
    return bmc.load_dataset("resources")


def costs():
    return bmc.load_dataset("costs")


def cost_to_serve():
    return bmc.load_dataset("relationship_costs").set_index("relationship_type")


MARGIN = 1 - 10.0 / 18
NEVER = lambda d: (d["orders"] == 0).groupby(d["segment"])
WRONG = [
    ("q0_2", lambda: "customer_segments", "start"),
    ("q0_2", lambda: "channels", "other_block"),
    ("q0_2", lambda: "revenue_stream", "not_a_block"),
    ("q1_2", lambda: NEVER(c()).sum(), "counts"),
    ("q1_2", lambda: 1 - NEVER(c()).mean(), "ordered"),
    ("q1_2", lambda: (c()["orders"] == 0).mean(), "overall"),
    ("q1_2", lambda: NEVER(c()).mean() * 100, "percent"),
    ("q1_2", lambda: (c()["orders"] == 0).groupby(c()["region"]).mean(), "segments"),
    ("q2_2", lambda: ["design", "brand_status", "customization"], "smallest"),
    ("q2_2", lambda: ["price", "convenience_usability", "accessibility"], "other_segment"),
    ("q2_2", lambda: ["risk_reduction", "cost_reduction", "performance", "price"], "too_many"),
    (
        "q3_2",
        lambda: funnel_table().loc["after_sales"] / funnel_table().loc["awareness"],
        "awareness",
    ),
    (
        "q3_2",
        lambda: funnel_table().loc["purchase"] / funnel_table().loc["after_sales"],
        "upside_down",
    ),
    (
        "q3_2",
        lambda: funnel_table().loc["after_sales"] / funnel_table().loc["delivery"],
        "delivery",
    ),
    (
        "q3_2",
        lambda: funnel_table().loc["after_sales"] / funnel_table().loc["purchase"] * 100,
        "percent",
    ),
    (
        "q3_2",
        lambda: (funnel_table().loc["after_sales"] / funnel_table().loc["purchase"]).reset_index(
            drop=True
        ),
        "segments",
    ),
    ("q4_1", lambda: float(c()["is_member"].mean()), "club_flag"),
    ("q4_1", lambda: float((loyalty_stage(c()) == "member").mean()), "member_only"),
    (
        "q4_1",
        lambda: int(loyalty_stage(c()).isin(["member", "advocate", "passionate_fan"]).sum()),
        "count",
    ),
    ("q4_1", lambda: 21.2, "percent"),
    ("q4_1", lambda: 212 / 650, "buyers"),
    ("q4_2", lambda: ladder_values(with_referrals=False), "no_referrals"),
    ("q4_2", lambda: ladder_values(share=1.0), "share"),
    ("q4_2", lambda: ladder_values(reached=True), "reached"),
    ("q4_2", lambda: ladder_values(sign=-1), "sign"),
    ("q4_2", lambda: ladder_values().iloc[:3], "rungs"),
    ("q4_3", lambda: cost_to_serve()["cost_per_customer"], "margin"),
    ("q4_3", lambda: cost_to_serve()["cost_per_customer"] * MARGIN, "multiplied"),
    ("q4_3", lambda: cost_to_serve()["unit_cost"] / MARGIN, "unit_cost"),
    (
        "q4_3",
        lambda: (cost_to_serve()["cost_per_customer"] / MARGIN).reset_index(drop=True),
        "types",
    ),
    ("q5_2", yearly, "sums_only"),
    ("q5_2", lambda: yearly().loc[2025] - yearly().loc[2024], "difference"),
    ("q5_2", lambda: yearly().loc[2024] / yearly().loc[2025] - 1, "reversed"),
    (
        "q6_1",
        lambda: resources()[(resources()["annual_cost"] > 150) | (resources()["importance"] <= 3)],
        "or",
    ),
    (
        "q6_1",
        lambda: resources()[(resources()["annual_cost"] > 150) & (resources()["importance"] < 3)],
        "strict",
    ),
    ("q6_1", lambda: resources()[resources()["annual_cost"] > 150], "one_condition"),
    ("q7_1", lambda: 140, "hours"),
    ("q7_1", lambda: 0.3, "count"),
    ("q7_1", lambda: 26.12, "percent"),
    ("q7_1", lambda: 304 / 536, "category"),
    ("q8_1", lambda: 1240, "amount"),
    ("q8_1", lambda: 3 / 8, "count"),
    ("q8_1", lambda: 59.76, "percent"),
    ("q9_1", lambda: 79500 / 8, "old_price"),
    ("q9_1", lambda: 79500 / 8 - 79500 / 10, "difference"),
    ("q9_1", lambda: 79500 / 20, "no_variable"),
]


@pytest.mark.parametrize("eid, make, hint", WRONG, ids=[f"{e}-{h}" for e, _, h in WRONG])
def test_typical_wrong_value_gets_its_hint(eid, make, hint):
    result = check(eid, make(), lang="en")
    messages = exercises()[eid].messages
    assert result.status == "wrong" and not result.passed
    assert result.message == messages[hint]
    assert check(eid, make(), lang="ko").summary().splitlines()[1] == messages[hint]["ko"]


def test_every_hint_is_exercised_by_a_test():
    tested = {(e, h) for e, _, h in WRONG}
    assert {(e, h) for e, hints in HINTS.items() for h in hints} == tested


@pytest.mark.parametrize(
    "eid, value",
    [
        ("q1_2", {"cafes": 0.2, "home_baristas": 0.2, "office_workers": 0.389, "students": 0.483}),
        ("q2_2", ["위험 감소", "비용 절감", "성능"]),
        ("q2_2", pd.Index(["performance", "risk_reduction", "cost_reduction"])),
        ("q4_1", 0.21),
        ("q5_2", lambda: yearly().pct_change()),
        ("q5_2", lambda: (yearly().loc[2025] / yearly().loc[2024] - 1) * 100),
        ("q6_1", ["커뮤니티 앱", "고객 상담팀"]),
        (
            "q6_1",
            lambda: resources().loc[
                (resources()["annual_cost"] > 150) & (resources()["importance"] <= 3), "resource"
            ],
        ),
        ("q9_1", 7950),
    ],
)
def test_other_forms_of_the_right_answer_are_accepted(eid, value):
    assert check(eid, value() if callable(value) else value).passed


def test_unanswered_and_wrong_shapes():
    for blank in (..., None):
        result = check("q4_1", blank, lang="ko")
        assert result.status == "unanswered"
        assert result.summary() == (
            "… 연습 q4_1: 아직 답하지 않았습니다\n"
            "... 자리에 여러분의 답을 넣고 셀을 다시 실행하세요."
        )
    assert check("q7_1", "0.26").message["en"] == "The answer is one number; this is text '0.26'."
    assert check("q1_2", 0.5).message["en"] == exercises()["q1_2"].messages["wrong"]["en"]
    assert check("q3_2", [1, 2]).message["en"].startswith("The answer is a pandas Series")
    assert check("q6_1", 3).message["en"].startswith("The answer is the rows of a table")
    assert check("q0_2", 3).message["en"].startswith("The answer is a block id in quotes")
    assert check("q9_1", True).message["en"] == "The answer is one number; this is a bool."


def test_unknown_and_open_exercises():
    with pytest.raises(UnknownIdError, match=r"'q4_7' is not an exercise\. Did you mean"):
        check("q4_7", 1)
    with pytest.raises(
        BMCError, match="Exercise q4_6 is an open question: there is no automatic check"
    ):
        check("q4_6", "dedicated")
    with pytest.raises(BMCError, match="연습 q4_6은 열린 질문이라"):
        check("q4_6", "dedicated", lang="ko")


def test_result_shows_in_a_notebook_in_its_language():
    result = check("q9_1", 7950, lang="ko")
    assert repr(result).startswith("✔ 연습 q9_1: 맞았습니다")
    assert result.summary("en").startswith("✔ Exercise q9_1: Right\nRight: about 7,950 bags")
    html = result._repr_html_()
    assert "맞았습니다" in html and "#e8f5e9" in html and "Right" not in html
    assert "#fdecea" in check("q9_1", 1.0)._repr_html_()


def test_model_answers_cover_each_lesson_in_both_languages():
    every = model_answers()
    assert [e.id for e in every][:3] == ["q0_1", "q0_2", "q1_1"]
    four = model_answers("04_customer_relationships", lang="ko")
    assert [e.id for e in four] == ["q4_1", "q4_2", "q4_3", "q4_4", "q4_6"]
    assert "전담 개별 어시스트입니다" in four._repr_html_() and "<details>" in four._repr_html_()
    assert "stage.isin" in four.summary()
    with pytest.raises(UnknownIdError, match="is not a lesson"):
        model_answers("04_relationships")


def test_broken_checks_file_names_each_problem(tmp_path, capsys):
    from bmclib.cli import main

    data = json.loads(data_path("checks.json").read_text(encoding="utf-8"))
    by_id = {e["id"]: e for e in data["exercises"]}
    del by_id["q4_1"]["messages"]["club_flag"]
    by_id["q9_1"]["messages"]["old_price"]["ko"] = "가격 {price}을 확인하세요."
    by_id["q1_1"]["answer"]["en"] = "As the seed says, segmented."
    data["exercises"] = [e for e in data["exercises"] if e["id"] != "q7_1"]
    bad = tmp_path / "checks.json"
    bad.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()

    def line(eid):
        return next(i for i, t in enumerate(lines, start=1) if f'"id": "{eid}"' in t)

    problems = [str(p) for p in check_checks_file(bad)]
    assert (
        f"{bad}:{line('q4_1')}: exercise 'q4_1' message "
        "'club_flag' needs non-empty 'en' and 'ko' texts" in problems
    )
    assert (
        f"{bad}:{line('q9_1')}: exercise 'q9_1': message "
        f"'old_price' uses different {{fields}} in en and ko" in problems
    )
    assert (
        f"{bad}:{line('q1_1')}: q1_1 answer (en) uses "
        "'seed': write what students read in plain words, "
        "without ids or authoring terms" in problems
    )
    assert any(p.endswith("no entry for the checked exercises q7_1") for p in problems)
    assert main(["validate", str(bad)]) == 1
    assert len(capsys.readouterr().out.splitlines()) == len(problems)
