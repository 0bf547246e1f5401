"""Who the student is (CONTRACT.md section 8): the argument, BMC_STUDENT_ID, JUPYTERHUB_USER, the
existing answer file, and only then the widget asks; the name from BMC_STUDENT_NAME."""

import json
import subprocess
import sys

import pytest

import bmclib as bmc
from bmclib import app
from bmclib.identity import student_from_env

SET = "relationships-practice"


@pytest.fixture(autouse=True)
def no_student_env(monkeypatch):
    for name in ("BMC_STUDENT_ID", "BMC_STUDENT_NAME", "BMC_ANSWERS_DIR", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


def exercise(tmp_path, **kw):
    return bmc.relationship_exercise(SET, lang="en", mode="practice", answers_dir=tmp_path, **kw)


def asks(ex) -> bool:
    return ex.answers is None and ex.student_box in ex.children


def test_a_hub_user_is_never_asked_and_their_file_carries_the_hub_name(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "kim.minji")
    ex = exercise(tmp_path)
    assert not asks(ex) and ex.main_box in ex.children
    assert ex.answers.student_id == "kim.minji" and ex.answers.student_name == ""
    assert "kim.minji" in ex.student_line.value
    assert list(tmp_path.iterdir()) == []  # nothing written before a choice
    ex.choices.value = ex.item.choices("en").popitem()[0]
    saved = json.loads((tmp_path / f"{SET}.json").read_text(encoding="utf-8"))
    assert saved["student_id"] == "kim.minji"


@pytest.mark.parametrize(
    "env, kw, expected",
    [
        ({"JUPYTERHUB_USER": "hubname", "BMC_STUDENT_ID": "s0001"}, {}, "s0001"),
        (
            {"JUPYTERHUB_USER": "hubname", "BMC_STUDENT_ID": "s0001"},
            {"student_id": "s0002"},
            "s0002",
        ),
        ({"JUPYTERHUB_USER": "hubname", "BMC_STUDENT_ID": "  "}, {}, "hubname"),
        ({"JUPYTERHUB_USER": " hubname "}, {"student_id": " "}, "hubname"),
    ],
)
def test_the_first_id_found_wins(tmp_path, monkeypatch, env, kw, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert exercise(tmp_path, **kw).answers.student_id == expected


def test_the_name_comes_from_bmc_student_name(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    monkeypatch.setenv("BMC_STUDENT_NAME", "김민지")
    ex = exercise(tmp_path)
    assert (ex.answers.student_id, ex.answers.student_name) == ("kim", "김민지")


def test_a_hub_user_resumes_their_own_file(tmp_path, monkeypatch):
    bmc.write_answers(
        tmp_path / f"{SET}.json",
        bmc.AnswerFile("kim", SET, {"netflix": "self_service"}, student_name="Kim Minji"),
    )
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    ex = exercise(tmp_path)
    assert ex.answers.answers == {"netflix": "self_service"}
    assert ex.answers.student_name == "Kim Minji"


def test_the_hub_user_comes_before_an_existing_file_of_another_id(tmp_path, monkeypatch):
    bmc.write_answers(
        tmp_path / f"{SET}.json", bmc.AnswerFile("s0009", SET, {"netflix": "self_service"})
    )
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    ex = exercise(tmp_path)
    assert ex.answers.student_id == "kim" and ex.answers.answers == {}
    kept = bmc.read_answers(tmp_path / f"{SET}.s0009.json")  # the other id's answers are kept aside
    assert kept.answers == {"netflix": "self_service"}


def test_without_any_id_the_existing_file_then_asking(tmp_path):
    assert asks(exercise(tmp_path))
    bmc.write_answers(tmp_path / f"{SET}.json", bmc.AnswerFile("s0003", SET, {}))
    assert exercise(tmp_path).answers.student_id == "s0003"


def test_student_from_env_reads_a_given_mapping_only():
    assert student_from_env(environ={}) == ("", "")
    assert student_from_env(environ={"JUPYTERHUB_USER": "a", "BMC_STUDENT_NAME": "A"}) == ("a", "A")
    assert student_from_env("x", "X", environ={"BMC_STUDENT_ID": "y", "BMC_STUDENT_NAME": "Y"}) == (
        "x",
        "X",
    )


# -- the app
# -------------------------------------------------------------------------------------------


def test_the_app_passes_the_hub_user_through_and_the_exercise_uses_it(tmp_path):
    env = app.app_env(
        lang="en",
        answers=tmp_path,
        mode="practice",
        environ={"PATH": "/bin", "JUPYTERHUB_USER": "kim"},
    )
    assert env["JUPYTERHUB_USER"] == "kim" and "BMC_STUDENT_ID" not in env
    ex = app.exercise_from_env(env)
    assert ex.answers.student_id == "kim"
    env["BMC_STUDENT_ID"] = "s0001"
    assert app.exercise_from_env(env).answers.student_id == "s0001"


def test_bmc_app_without_voila_says_which_extra_to_install(tmp_path):
    code = (
        "import sys; sys.modules['voila'] = None\n"  # as if Voila were not installed
        "from bmclib.cli import main\n"
        f"sys.exit(main(['app', '--no-browser', '--answers', {str(tmp_path)!r}]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 2
    assert 'pip install "bmclib[app]"' in run.stderr and "Traceback" not in run.stderr
    assert run.stderr.startswith("bmc app: the app needs Voila")
    assert run.stdout == "" and list(tmp_path.iterdir()) == []
