"""`bmc validate`: silent on the shipped data; on broken copies, every problem with file and
line."""

import re
import shutil

import pytest

from bmclib.cli import main
from bmclib.paths import data_dir


def run(capsys, *paths):
    code = main(["validate", *map(str, paths)])
    out = capsys.readouterr().out.splitlines()
    return code, out


def test_shipped_data_is_clean(capsys):
    code, out = run(capsys)
    assert code == 0 and len(out) == 1 and re.fullmatch(r"OK: \d+ files checked", out[0]), out


@pytest.fixture
def cases_copy(tmp_path):
    target = tmp_path / "cases.csv"
    shutil.copy(data_dir() / "cases.csv", target)
    return target


def edit_line(path, line_no, old, new):
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1], f"{old!r} not on line {line_no}"
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def primary_of_line(path, line_no):
    import csv
    import io

    text = path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([text[0]]))
    row = next(csv.reader(io.StringIO(text[line_no - 1])))
    return dict(zip(header, row))


def test_broken_cases_name_every_problem(cases_copy, capsys):
    row3 = primary_of_line(cases_copy, 3)
    edit_line(cases_copy, 3, f",{row3['primary']},", ",self_servce,")
    row5 = primary_of_line(cases_copy, 5)
    edit_line(cases_copy, 5, f"{row5['id']},", "ikea_dupe,")
    edit_line(cases_copy, 6, f"{primary_of_line(cases_copy, 6)['id']},", "ikea_dupe,")
    row7 = primary_of_line(cases_copy, 7)
    edit_line(cases_copy, 7, f",{row7['market']},", ",b2g,")
    code, out = run(capsys, cases_copy)
    assert code == 1
    name = str(cases_copy)
    assert (
        f"{name}:3: primary: 'self_servce' is not a "
        "relationship type. Did you mean 'self_service'? "
        "Relationship types are: personal_assistance, dedicated_personal_assistance, self_service, "
        "automated_services, communities, co_creation."
    ) in out
    assert f"{name}:6: duplicate id 'ikea_dupe' (first on line 5)" in out
    assert f"{name}:7: attribute 'market' cannot be 'b2g'; allowed values: b2b, b2c" in out


def test_missing_column_and_empty_cell(cases_copy, capsys):
    text = cases_copy.read_text(encoding="utf-8")
    cases_copy.write_text(text.replace(",source\n", ",sources\n", 1), encoding="utf-8")
    code, out = run(capsys, cases_copy)
    assert code == 1 and out == [
        f"{cases_copy}:1: missing required column 'source'; the header must contain: "
        # checked is optional
        + text.split("\n")[0].replace(",checked", "")
    ]
    cases_copy.write_text(text, encoding="utf-8")
    row = primary_of_line(cases_copy, 4)
    edit_line(cases_copy, 4, f"{row['id']},{row['company_en']}", f"{row['id']},")
    code, out = run(capsys, cases_copy)
    assert f"{cases_copy}:4: empty cell in required column 'company_en'" in out


def test_wrong_encoding_names_the_line(tmp_path, capsys):
    bad = tmp_path / "cases.csv"
    text = (data_dir() / "cases.csv").read_text(encoding="utf-8")
    bad.write_bytes(text.split("\n")[0].encode() + b"\n" + "한국".encode("cp949") + b"\n")
    assert run(capsys, bad) == (
        1,
        [
            (
                f"{bad}:2: not UTF-8 text (byte 0xc7 cannot be decoded); save the file as "
                "UTF-8 (in Excel: 'CSV UTF-8')"
            )
        ],
    )


def test_an_instructors_own_folder(tmp_path, capsys):
    """Own cases + own exercise set + own key validate together (case ids resolve across files)."""
    shutil.copy(data_dir() / "cases.csv", tmp_path / "my_cases.csv")
    text = (tmp_path / "my_cases.csv").read_text(encoding="utf-8").split("\n")
    first = primary_of_line(tmp_path / "my_cases.csv", 2)
    text[1] = text[1].replace(first["id"] + ",", "my_cafe,", 1)
    (tmp_path / "my_cases.csv").write_text("\n".join(text[:2]) + "\n", encoding="utf-8")
    (tmp_path / "my-set.csv").write_text(
        "exercise_set,item_id,taxonomy,case_id,company_en,company_ko,prompt_en,prompt_ko\n"
        "my-set,my_cafe,relationship_types,my_cafe,,,,\n"
        "my-set,q2,relationship_types,no_such_case,,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "my-key.csv").write_text(
        "exercise_set,item_id,best,acceptable,points\nmy-set,my_cafe,self_service,,1\n",
        encoding="utf-8",
    )
    code, out = run(capsys, tmp_path)
    assert code == 1
    assert len(out) == 1 and out[0].startswith(
        f"{tmp_path / 'my-set.csv'}:3: case_id: 'no_such_case' is not a case."
    )


def test_unknown_files_and_paths(tmp_path, capsys):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = run(capsys, tmp_path / "notes.csv", tmp_path / "missing.csv")
    assert code == 1
    assert out[0] == f"{tmp_path / 'missing.csv'}: no such file or folder"
    assert out[1].startswith(f"{tmp_path / 'notes.csv'}:1: not a bmclib CSV")


def test_broken_blocks_file(tmp_path, capsys):
    text = (data_dir() / "blocks.json").read_text(encoding="utf-8")
    bad = tmp_path / "blocks.json"
    bad.write_text(text.replace('"id": "channels"', '"id": "chanels"', 1), encoding="utf-8")
    code, out = run(capsys, bad)
    line = text[: text.index('"id": "channels"')].count("\n") + 1
    assert code == 1 and out[0] == (
        f"{bad}:{line}: 'chanels' is not a block. Did you mean 'channels'? Blocks are: "
        "customer_segments, value_propositions, channels, customer_relationships, "
        "revenue_streams, key_resources, key_activities, key_partnerships, cost_structure."
    )
    bad.write_text(text[:200], encoding="utf-8")
    code, out = run(capsys, bad)
    assert code == 1 and "not valid JSON" in out[0]


# -- hostile data files: each is one problem with its file, never a traceback ---------------------


def _canvas_with(raw_value: str) -> str:
    return (
        '{"format": "bmclib-canvas", "version": 1, "title": "T", "blocks": {}, "x": '
        + raw_value
        + "}"
    )


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "deep.json",
            "[" * 100_000 + "]" * 100_000,
            "deep.json:1: not valid JSON: lists or objects nested too deeply",
        ),
        (
            "digits.json",
            _canvas_with("9" * 5000),
            "digits.json:1: not valid JSON: a number with too many digits",
        ),
        (
            "wide.csv",
            'exercise_set,item_id,best\ns,a,"' + "x" * 200_000 + '"\n',
            (
                "wide.csv:2: cannot read this row (a cell longer than "
                "131,072 characters; is a closing quote missing?)"
            ),
        ),
        (
            "wide_header.csv",
            '"' + "x" * 200_000 + '"\n',
            (
                "wide_header.csv:1: cannot read the header "
                "line (a cell longer than 131,072 characters; is a closing quote missing?)"
            ),
        ),
    ],
)
def test_hostile_files_are_problems_with_a_place(tmp_path, capsys, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [message.replace(name, str(path), 1)]


def test_canvas_commands_report_hostile_files_without_a_traceback(tmp_path, capsys):
    for text in ("[" * 100_000 + "]" * 100_000, _canvas_with("9" * 5000)):
        path = tmp_path / "c.json"
        path.write_text(text, encoding="utf-8")
        assert main(["canvas", "check", str(path)]) == 2
        assert main(["canvas", "draw", str(path), "--out", str(tmp_path / "c.png")]) == 2
        err = capsys.readouterr().err
        assert "not valid JSON" in err and "Traceback" not in err


def test_an_own_set_id_that_leaves_the_answers_folder_is_refused(tmp_path, capsys):
    path = tmp_path / "escape.csv"
    path.write_text(
        "exercise_set,item_id,taxonomy,company_en,company_ko,prompt_en,prompt_ko\n"
        "../../escaped-set,q1,relationship_types,A,A,p,p\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.strip() == (
        f"{path}:2: exercise_set '../../escaped-set' cannot "
        "be an exercise set id: it must start with a letter "
        "or digit and hold only letters, digits, '_', '-' and '.'"
    )
