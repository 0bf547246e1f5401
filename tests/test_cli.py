"""The `bmc` command's plumbing: help texts, version, and making an exercise set from cases."""

import pytest

import bmclib as bmc
from bmclib.cli import main


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["validate"],
        ["advise"],
        ["grade"],
        ["report"],
        ["canvas"],
        ["canvas", "draw"],
        ["app"],
        ["new-set"],
    ],
)
def test_help_for_every_command(command, capsys):
    assert main([*command, "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: bmc")


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"bmc {bmc.__version__}"


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["gradee"]) == 2
    assert "'gradee' is not a command. Did you mean 'grade'?" in capsys.readouterr().err


def test_new_set_from_an_instructors_cases(tmp_path, capsys):
    cases = bmc.data_path("cases.csv")
    assert (
        main(
            [
                "new-set",
                str(cases),
                "--set",
                "my-quiz",
                "--out",
                str(tmp_path),
                "--only",
                "ikea,netflix,sap_community",
            ]
        )
        == 0
    )
    items_path, key_path = tmp_path / "exercises" / "my-quiz.csv", tmp_path / "keys" / "my-quiz.csv"
    out = capsys.readouterr()
    assert out.out.split() == [str(items_path), str(key_path)]
    assert main(["validate", str(tmp_path)]) == 0
    items, key = bmc.load_exercise_set(items_path), bmc.load_key(key_path)
    assert items.item_ids == key.item_ids == ("q01", "q02", "q03")
    assert key.item("q02").best == ("automated_services",)
    assert items.item("q01").company["ko"] == "이케아"
    assert bmc.score_answers({"q01": "self_service"}, key).score == 1
    # the prompts are the bank's own words: the instructor is told to rewrite them
    assert out.err.count("is the shipped case bank's own text") == 6
    # the company names alone lead to the bank's answers, even with every prompt rewritten
    assert out.err.count("this company is in the shipped case bank") == 3
    assert "q02 (Netflix): this company is in the shipped case bank" in out.err


def test_new_set_never_replaces_an_edited_key(tmp_path, capsys):
    args = [
        "new-set",
        str(bmc.data_path("sample_class", "my_cases.csv")),
        "--set",
        "my-quiz",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    key_path = tmp_path / "keys" / "my-quiz.csv"
    edited = key_path.read_text(encoding="utf-8").replace(",1,", ",2,", 1)
    key_path.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{key_path} already exists (it may hold your edits)" in err and "add --force" in err
    assert key_path.read_text(encoding="utf-8") == edited
    assert main([*args, "--force"]) == 0
    assert key_path.read_text(encoding="utf-8") != edited


def test_new_set_is_quiet_about_cases_in_the_instructors_own_words(tmp_path, capsys):
    assert (
        main(
            [
                "new-set",
                str(bmc.data_path("sample_class", "my_cases.csv")),
                "--set",
                "my-quiz",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert capsys.readouterr().err == ""


def test_the_students_items_file_names_no_bank_case(tmp_path, capsys):
    """A student who reads the items file must find nothing that leads to the shipped answers."""
    import csv

    cases = bmc.load_cases()
    assert (
        main(
            ["new-set", str(bmc.data_path("cases.csv")), "--set", "my-quiz", "--out", str(tmp_path)]
        )
        == 0
    )
    text = (tmp_path / "exercises" / "my-quiz.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert "case_id" not in rows[0] and len(rows) == len(cases)
    bank_ids = set(cases["id"])
    cells = {cell for row in rows for cell in row.values()}
    assert not cells & bank_ids
    assert not bank_ids & set(
        bmc.load_exercise_set(tmp_path / "exercises" / "my-quiz.csv").item_ids
    )


def test_new_set_names_an_unknown_case(tmp_path, capsys):
    assert (
        main(
            [
                "new-set",
                str(bmc.data_path("cases.csv")),
                "--set",
                "q",
                "--out",
                str(tmp_path),
                "--only",
                "netflx",
            ]
        )
        == 2
    )
    assert "'netflx' is not a case. Did you mean 'netflix'?" in capsys.readouterr().err


def test_new_set_works_for_cases_outside_the_bank(tmp_path, capsys):
    """An instructor's brand-new case: the set carries the company and description itself."""
    import csv

    rows = list(csv.DictReader(bmc.data_path("cases.csv").read_text(encoding="utf-8").splitlines()))
    own = dict(rows[0], id="corner_bakery", company_en="Corner Bakery", company_ko="동네 빵집")
    mine = tmp_path / "my_cases.csv"
    with mine.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(own))
        writer.writeheader()
        writer.writerow(own)
    assert main(["new-set", str(mine), "--set", "bakery-quiz", "--out", str(tmp_path)]) == 0
    assert main(["validate", str(tmp_path / "exercises"), str(tmp_path / "keys")]) == 0
    item = bmc.load_exercise_set(tmp_path / "exercises" / "bakery-quiz.csv").item("q01")
    assert item.company["ko"] == "동네 빵집" and item.prompt["en"] == own["description_en"]
    assert bmc.load_key(tmp_path / "keys" / "bakery-quiz.csv").item("q01").best == (own["primary"],)
