"""The browser-site builder's own logic (``bmclib.lite``), with small fake archives: no npm, no
network, no JupyterLite needed. The real build and the real browser are in test_lite.py."""

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib import lite
from bmclib.cli import main
from bmclib.i18n import ui


def fake_wheel(folder: Path, name: str, version: str, tag: str = "py3-none-any") -> Path:
    path = folder / f"{name.replace('-', '_')}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name.replace('-', '_')}/__init__.py", f"# {name} {version}\n")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_entry(name, version, file_name, depends=(), digest="0" * 64):
    return {
        "name": name,
        "version": version,
        "file_name": file_name,
        "install_dir": "site",
        "sha256": digest,
        "package_type": "package",
        "imports": [name],
        "depends": list(depends),
        "unvendored_tests": True,
    }


KERNEL_LOCK = {  # the kernel's packages as Pyodide's lock names them (a small consistent subset)
    "micropip": ("0.11.1", []),
    "ipython": ("9.12.0", ["traitlets", "Pygments"]),
    "jedi": ("0.19.2", ["parso"]),
    "parso": ("0.8.6", []),
    "traitlets": ("5.14.3", []),
    "pygments": ("2.20.0", []),
    "numpy": ("2.4.6", []),  # compiled: never wanted offline
}


def write_archive(path: Path, prefix: str, files: dict[str, bytes]) -> Path:
    mode = "w:bz2" if path.name.endswith(".bz2") else "w:gz"
    with tarfile.open(path, mode) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def core_files(lock: dict) -> dict[str, bytes]:
    files = {
        name: f"fake {name}".encode() for name in lite.CORE_FILES if name != "pyodide-lock.json"
    }
    files["pyodide-lock.json"] = json.dumps(lock).encode()
    files["console.html"] = b"<html></html>"  # not copied
    return files


@pytest.fixture
def bmclib_wheel(tmp_path):
    return fake_wheel(tmp_path, "bmclib", bmc.__version__)


def test_offline_lock_lists_exactly_the_shipped_wheels(tmp_path, bmclib_wheel, monkeypatch):
    """npm core + PyPI wheels (both already in the cache: no npm, no pip): the lock keeps only what
    the kernel and bmclib need, each entry pointing at a file in the site with that file's
    sha256."""
    # npm would be an error: the cache must do
    monkeypatch.setattr(lite.shutil, "which", lambda _name: None)
    packages = {
        k: lock_entry(k if k != "pygments" else "Pygments", v, f"{k}-{v}-py3-none-any.whl", deps)
        for k, (v, deps) in KERNEL_LOCK.items()
    }
    packages["numpy"]["file_name"] = "numpy-2.4.6-cp314-cp314-pyemscripten_2026_0_wasm32.whl"
    lock = {"info": {"python": "3.14.2", "arch": "wasm32"}, "packages": packages}
    cache = tmp_path / "cache"
    (cache / "npm").mkdir(parents=True)
    write_archive(cache / "npm" / "pyodide-314.0.6.tgz", "package", core_files(lock))
    (cache / "wheels").mkdir()
    for k, (v, _deps) in KERNEL_LOCK.items():
        if k != "numpy":
            fake_wheel(cache / "wheels", k, v)
    import importlib.metadata

    for name in lite.ADDED:
        fake_wheel(cache / "wheels", name, importlib.metadata.version(name))

    dest = tmp_path / "site" / "pyodide"
    got = lite.prepare_pyodide(dest, bmclib_wheel, cache, "314.0.6")

    assert set(got["packages"]) == {
        "micropip",
        "ipython",
        "jedi",
        "parso",
        "traitlets",
        "pygments",
        "comm",
        "ipywidgets",
        "bmclib",
    }
    on_disk = json.loads((dest / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert on_disk == got and on_disk["info"] == lock["info"]
    for key, entry in on_disk["packages"].items():
        wheel = dest / entry["file_name"]
        assert wheel.is_file(), key
        assert entry["sha256"] == sha(wheel), key  # rewritten: PyPI's file, not Pyodide's
    assert on_disk["packages"]["bmclib"]["depends"] == ["ipywidgets"]
    assert on_disk["packages"]["bmclib"]["imports"] == ["bmclib"]
    assert on_disk["packages"]["ipywidgets"]["depends"] == ["comm", "ipython", "traitlets"]
    # the core, nothing else (no console.html)
    assert sorted(p.name for p in dest.iterdir() if not p.name.endswith(".whl")) == sorted(
        lite.CORE_FILES
    )


def full_archive(tmp_path: Path, *, corrupt: str | None = None) -> Path:
    """A fake Pyodide release archive: the kernel's packages, pandas and matplotlib, and the widget
    packages, each wheel listed in the lock with its real sha256."""
    wheels = tmp_path / "built"
    wheels.mkdir()
    spec = dict(
        KERNEL_LOCK,
        pandas=("3.0.2", ["numpy"]),
        matplotlib=("3.10.8", ["numpy", "pyparsing"]),
        pyparsing=("3.2.0", []),
        comm=("0.2.3", []),
        ipywidgets=("8.1.9", ["comm"]),
    )
    packages, files = {}, {}
    for key, (version, deps) in spec.items():
        tag = (
            "cp314-cp314-pyemscripten_2026_0_wasm32"
            if key in ("numpy", "pandas", "matplotlib")
            else "py3-none-any"
        )
        wheel = fake_wheel(wheels, key, version, tag)
        files[wheel.name] = wheel.read_bytes()
        digest = "f" * 64 if key == corrupt else sha(wheel)
        packages[key] = lock_entry(key, version, wheel.name, deps, digest)
    lock = {"info": {"python": "3.14.2"}, "packages": packages}
    return write_archive(
        tmp_path / "pyodide-314.0.6.tar.bz2", "pyodide", {**core_files(lock), **files}
    )


def test_release_archive_adds_pandas_and_matplotlib_unchanged(tmp_path, bmclib_wheel):
    archive = full_archive(tmp_path)
    dest = tmp_path / "site"
    got = lite.prepare_pyodide(
        dest, bmclib_wheel, tmp_path / "cache", "314.0.6", pyodide_dist=archive
    )
    keys = set(got["packages"])
    assert {"pandas", "matplotlib", "numpy", "pyparsing", "ipywidgets", "comm", "bmclib"} <= keys
    assert got["packages"]["bmclib"]["depends"] == ["ipywidgets", "pandas", "matplotlib"]
    with tarfile.open(archive) as tar:
        original = json.load(tar.extractfile("pyodide/pyodide-lock.json"))["packages"]
    for key in keys - {"bmclib"}:
        assert got["packages"][key] == original[key], key  # Pyodide's own files and hashes
        assert sha(dest / got["packages"][key]["file_name"]) == original[key]["sha256"]
    assert not (tmp_path / "cache" / "wheels").exists() or not any(
        (tmp_path / "cache" / "wheels").iterdir()
    )


def test_release_archive_with_a_damaged_wheel_is_refused(tmp_path, bmclib_wheel):
    archive = full_archive(tmp_path, corrupt="pandas")
    with pytest.raises(lite.LiteBuildError, match="sha256"):
        lite.prepare_pyodide(
            tmp_path / "site", bmclib_wheel, tmp_path / "cache", "314.0.6", pyodide_dist=archive
        )


def test_a_compiled_package_cannot_come_from_pypi(tmp_path, bmclib_wheel):
    lock = {
        "info": {"python": "3.14.2"},
        "packages": {
            "micropip": lock_entry("micropip", "0.11.1", "micropip-0.11.1-py3-none-any.whl"),
            "ipython": lock_entry(
                "ipython", "9.12.0", "ipython-9.12.0-py3-none-any.whl", ["regex"]
            ),
            "jedi": lock_entry("jedi", "0.19.2", "jedi-0.19.2-py3-none-any.whl"),
            "regex": lock_entry(
                "regex", "2026.1.1", "regex-2026.1.1-cp314-cp314-pyemscripten_2026_0_wasm32.whl"
            ),
        },
    }
    cache = tmp_path / "cache"
    (cache / "npm").mkdir(parents=True)
    write_archive(cache / "npm" / "pyodide-314.0.6.tgz", "package", core_files(lock))
    with pytest.raises(lite.LiteBuildError) as err:
        lite.prepare_pyodide(tmp_path / "site", bmclib_wheel, cache, "314.0.6")
    assert err.value.messages["en"].startswith(
        "regex 2026.1.1 in the Pyodide lock is not a pure-Python wheel"
    )
    assert "순수 파이썬 휠이 아니라서" in err.value.messages["ko"]


def test_missing_npm_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(lite.shutil, "which", lambda _name: None)
    with pytest.raises(lite.LiteBuildError) as err:
        lite.fetch_pyodide_core("314.0.6", tmp_path)
    assert (
        "npm was not found" in err.value.messages["en"]
        and "apt-get install npm" in err.value.messages["en"]
    )
    assert "npm을 찾지 못했습니다" in err.value.messages["ko"]
    assert str(tmp_path / "npm") in err.value.messages["en"]


def test_output_folder_that_is_not_a_site_is_left_alone(tmp_path, capsys):
    out = tmp_path / "coursework"
    out.mkdir()
    (out / "essay.docx").write_text("my essay")
    with pytest.raises(lite.LiteBuildError, match="is not a site built by bmclib"):
        lite.build_site(out)
    assert main(["lite", "build", "--out", str(out)]) == 2
    assert "is not a site built by bmclib" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["essay.docx"]


def test_build_messages_follow_bmc_lang(tmp_path, monkeypatch):
    out = tmp_path / "x"
    out.mkdir()
    (out / "keep.txt").write_text("")
    monkeypatch.setenv("BMC_LANG", "ko")
    with pytest.raises(lite.LiteBuildError, match="bmclib이 만든 사이트가 아닙니다"):
        lite.build_site(out)


def test_a_wheel_given_by_hand_must_be_a_bmclib_wheel(tmp_path):
    other = fake_wheel(tmp_path, "pandas", "3.0.0")
    with pytest.raises(lite.LiteBuildError, match="is not a bmclib wheel"):
        lite.build_bmclib_wheel(tmp_path / "w", other)
    mine = fake_wheel(tmp_path, "bmclib", "9.9.9")
    assert lite.build_bmclib_wheel(tmp_path / "w", mine) == mine


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_exercise_notebooks_in_both_languages(lang):
    sets = lite.exercise_sets()
    assert [s for s, _ in sets][:4] == [
        "segments-practice",
        "value-propositions-practice",
        "channels-practice",
        "relationships-practice",
    ]
    for set_id, number in sets:
        nb, entry = lite.exercise_notebook(set_id, lang)
        assert entry.path == f"{lang}/{number:02d}_{set_id}.ipynb"
        assert nb["metadata"]["kernelspec"]["name"] == "python"
        kinds = [c["cell_type"] for c in nb["cells"]]
        assert kinds == ["markdown", "code", "markdown"]
        code = "".join(nb["cells"][1]["source"])
        assert f'lang="{lang}"' in code and "answers_download(exercise)" in code
        assert "pip" not in code and "%" not in code  # bmclib is preinstalled
        intro, finish = ("".join(nb["cells"][i]["source"]) for i in (0, 2))
        assert ui("lite_nb_start", lang) in intro
        assert ui("lite_nb_finish", lang, file=f"{set_id}.json", folder=f"{lang}/answers") in finish
        hangul = any("\uac00" <= ch <= "\ud7a3" for ch in intro + finish)
        assert hangul == (lang == "ko")
    nb, _ = lite.exercise_notebook("relationships-practice", lang)
    assert f'bmc.relationship_exercise(lang="{lang}")' in "".join(nb["cells"][1]["source"])


def test_front_page_links_every_notebook_and_keeps_the_config_element():
    notebooks = [
        lite.exercise_notebook(s, lang)[1] for lang in ("ko", "en") for s, _ in lite.exercise_sets()
    ]
    page = lite.front_page(notebooks, ["ko", "en"])
    for nb in notebooks:
        assert f"href='notebooks/index.html?path={nb.path}'" in page
    assert (
        '<script id="jupyter-config-data" type="application/json" '
        'data-jupyter-lite-root=".">{}</script>' in page
    )
    for lang in ("ko", "en"):
        assert f"<section lang='{lang}'" in page
        assert ui("lite_site_saving", lang).replace('"', "&quot;") in page
    assert page.index("<section lang='ko'") < page.index("<section lang='en'")
    only_en = lite.front_page([n for n in notebooks if n.lang == "en"], ["en"])
    assert "<section lang='ko'" not in only_en and "ko/" not in only_en


def test_cli_help_names_the_build_options(capsys):
    assert main(["lite", "build", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--out", "--lang", "--cache", "--wheel", "--pyodide-dist", "--with-lessons"):
        assert flag in text


def test_pages_workflow_calls_the_build_with_options_the_cli_has():
    """The GitHub Pages workflow cannot run here (it needs internet): at least its build command
    must parse with today's CLI."""
    import shlex

    import yaml

    from bmclib.cli import build_parser

    workflow = yaml.safe_load(
        (Path(__file__).parents[1] / ".github" / "workflows" / "lite-site.yml").read_text()
    )
    steps = workflow["jobs"]["build"]["steps"]
    script = next(s["run"] for s in steps if "bmc lite build" in s.get("run", ""))
    line = next(
        x for x in script.replace("\\\n", " ").splitlines() if x.startswith("bmc lite build")
    )
    words = shlex.split(line.replace("${PYODIDE_VERSION}", "9"))
    args = build_parser().parse_args(words[1:])
    assert (
        args.with_lessons
        and args.pyodide_dist == "pyodide-dist/pyodide-9.tar.bz2"
        and args.out == "_site"
    )
    assert any('pip install -e ".[lite]"' in s.get("run", "") for s in steps)
