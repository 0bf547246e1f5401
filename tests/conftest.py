"""Fixtures the test modules share."""

import pytest


@pytest.fixture
def own_set(tmp_path):
    """An instructor's own relationship set made by ``bmc new-set`` from four bank cases:
    ``(items_csv, key_csv)``. Assessments need such a set (shipped sets ship their keys)."""
    import bmclib
    from bmclib.cli import main

    out = tmp_path / "own"
    assert (
        main(
            [
                "new-set",
                str(bmclib.data_path("cases.csv")),
                "--set",
                "my-quiz",
                "--out",
                str(out),
                "--only",
                "ikea,netflix,sap_community,private_banking",
            ]
        )
        == 0
    )
    return out / "exercises" / "my-quiz.csv", out / "keys" / "my-quiz.csv"


@pytest.fixture(autouse=True)
def _session_language_reset():
    """Every test starts and ends with no session language set (a lesson's setup cell, run by a
    test, calls ``bmc.set_language``)."""
    from bmclib.i18n import set_language

    set_language(None)
    yield
    set_language(None)
