"""bmclib without pandas and matplotlib (as in the browser site, whose Python has neither).

A subprocess installs an import hook that refuses pandas, matplotlib and numpy, then imports
bmclib and drives every practice exercise (choose, Check, the file on disk, the download button),
the canvas editor (edits and saves, says why it has no picture), and the functions that truly
need pandas or matplotlib (a clear message in Korean and English).
"""

import html
import json
import os
import subprocess
import sys
import textwrap

import pytest

import bmclib as bmc
from bmclib.i18n import Msg, ui
from bmclib.lite import exercise_sets

SCRIPT = textwrap.dedent(r'''
    import base64, importlib.abc, json, sys, tempfile
    from pathlib import Path

    BLOCKED = ("pandas", "matplotlib", "numpy")

    class NoHeavyPackages(importlib.abc.MetaPathFinder):
        """What Python says when a package is not installed."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, NoHeavyPackages())
    out = {}
    import bmclib as bmc
    from bmclib.errors import MissingPackageError
    from bmclib.widgets import answers_download

    tmp = Path(tempfile.mkdtemp())
    key_of = lambda sid: bmc.load_key(sid)
    for set_id in json.loads(sys.argv[1]):
        lang = "ko" if len(out) % 2 else "en"
        who = {"answers_dir": tmp, "student_id": "s1", "student_name": "Kim"}
        if set_id == "relationships-practice":
            ex = bmc.relationship_exercise(lang=lang, **who)
        else:
            ex = bmc.block_exercise(set_id, lang, **who)
        button = answers_download(ex)
        key, got = key_of(set_id), {}
        for n, item in enumerate(ex.exercise_set.items[:2]):
            k = key.item(item.id)
            wrong = [c for c in item.choices(lang) if c not in k.best + k.acceptable]
            pick = k.best[0] if n == 0 else wrong[0]
            ex.show(n)
            ex.choices.value = pick
            ex.check_button.click()
            got[item.id] = [pick, ex.feedback.value]
        link = button.link.value
        data = base64.b64decode(link.split("base64,", 1)[1].split("'", 1)[0])
        saved = json.loads((tmp / f"{set_id}.json").read_text("utf-8"))
        out[set_id] = {"lang": lang, "got": got, "file": saved, "download": json.loads(data)}

    def error_of(call):
        try:
            call()
        except MissingPackageError as exc:
            return {"str": str(exc), "messages": exc.messages, "name": exc.name,
                    "is_import_error": isinstance(exc, ImportError)}
        return None

    out["errors"] = {
        "load_cases": error_of(bmc.load_cases),
        "load_dataset": error_of(lambda: bmc.load_dataset("customers")),
        "blocks_frame": error_of(lambda: bmc.blocks().to_frame()),
        "draw_canvas": error_of(lambda: bmc.draw_canvas),
    }
    editor = bmc.canvas_editor(lang="ko", path=str(tmp / "canvas.json"))
    editor.areas["customer_segments"].value = "20대 직장인"
    editor.save()
    pictures = [o.get("data", {}).get("text/html", "") for o in editor.picture.outputs]
    out["editor"] = {"picture": pictures,
                     "saved": json.loads((tmp / "canvas.json").read_text("utf-8"))["blocks"]}
    editor._guarded(editor.export_png)
    out["editor"]["png_status"] = editor.status.value
    case = bmc.get_case("netflix")
    out["advise"] = [bmc.advise(case.attrs)[0].type_id, case.primary]
    out["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(json.dumps(out, ensure_ascii=False))
''')


def run_without_heavy_packages(set_ids):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BMC_LANG", "BMC_STUDENT_ID", "BMC_ANSWERS_DIR")
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(set_ids)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def without_heavy():
    """One run for the whole module: every practice set, the editor, the errors."""
    set_ids = [s for s, _ in exercise_sets()]
    assert "relationships-practice" in set_ids and len(set_ids) >= 9
    return set_ids, run_without_heavy_packages(set_ids)


def test_every_exercise_works_without_pandas_and_matplotlib(without_heavy):
    set_ids, out = without_heavy
    assert out["loaded"] == []
    # the advisor and the case bank work
    assert out["advise"][0] in {t.id for t in bmc.relationship_types()}
    assert out["advise"][1] == bmc.get_case("netflix").primary
    for set_id in set_ids:
        run = out[set_id]
        (first, (right, fb_right)), (second, (wrong, fb_wrong)) = run["got"].items()
        assert "data-status='best'" in fb_right and "data-status='wrong'" in fb_wrong, set_id
        assert run["file"]["answers"] == {first: right, second: wrong}
        assert run["file"]["student_id"] == "s1" and run["file"]["exercise_set"] == set_id
        assert run["download"] == run["file"]  # the button offers exactly the saved file


def test_what_truly_needs_pandas_or_matplotlib_says_so_in_both_languages(without_heavy):
    errors = without_heavy[1]["errors"]
    for name, feature, package in (
        ("load_cases", "load_cases()", "pandas"),
        ("load_dataset", "load_dataset()", "pandas"),
        ("blocks_frame", "blocks().to_frame()", "pandas"),
        ("draw_canvas", "bmclib.plots", "matplotlib"),
    ):
        err = errors[name]
        assert err is not None, name
        assert err["is_import_error"] and err["name"] == package
        for lang in ("en", "ko"):
            assert err["messages"][lang] == ui(
                "needs_package", lang, feature=feature, package=package
            )
        assert err["str"] == err["messages"]["en"]  # no session language: English


def test_canvas_editor_edits_and_saves_and_says_why_there_is_no_picture(without_heavy):
    editor = without_heavy[1]["editor"]
    assert (
        len(editor["picture"]) == 1 and html.escape(ui("no_picture", "ko")) in editor["picture"][0]
    )
    assert editor["saved"]["customer_segments"] == ["20대 직장인"]
    png = ui("needs_package", "ko", feature="bmclib.plots", package="matplotlib")
    assert html.escape(png) in editor["png_status"]


def test_the_error_follows_bmc_lang(monkeypatch):
    from bmclib.errors import MissingPackageError

    err = MissingPackageError(
        "pandas", Msg("ui.needs_package", feature="load_cases()", package="pandas")
    )
    monkeypatch.setenv("BMC_LANG", "ko")
    assert str(err) == ui("needs_package", "ko", feature="load_cases()", package="pandas")
    monkeypatch.setenv("BMC_LANG", "en")
    assert str(err) == ui("needs_package", "en", feature="load_cases()", package="pandas")
    bmc.set_language("ko")
    try:
        assert str(err).startswith("load_cases()에는")
    finally:
        bmc.set_language(None)
    assert isinstance(err, ModuleNotFoundError) and err.name == "pandas"
    assert bmc.load_cases().shape[0] > 0  # with pandas installed nothing changes
