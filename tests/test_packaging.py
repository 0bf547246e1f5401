"""Packaging: pyproject and environment.yml agree, a built wheel carries the data, imports stay
light."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def requirement_map(reqs):
    out = {}
    for r in reqs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", r)
        out[m[1].lower()] = m[2].replace(" ", "")
    return out


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_core_needs_no_jupyter_server_and_the_extras_add_it():
    project = pyproject()["project"]
    core, extras = requirement_map(project["dependencies"]), project["optional-dependencies"]
    # what the library and the widgets need, so it installs into any Jupyter (a hub image, Colab,
    # Pyodide)
    assert sorted(core) == ["ipywidgets", "matplotlib", "pandas", "tqdm"]
    assert requirement_map(extras["lab"]) == {"jupyterlab": ">=4.2"}
    assert requirement_map(extras["app"]) == {"voila": ">=0.5"}
    test = requirement_map(extras["test"])
    for extra in ("lab", "app"):  # the tests run the lessons in JupyterLab and the app in Voila
        for name, spec in requirement_map(extras[extra]).items():
            assert test.get(name) == spec, (extra, name)
    assert "jupyterhub" in test  # the hub tests


def test_environment_yml_matches_pyproject():
    import yaml

    project = pyproject()["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [
        d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))
    ]
    # conda users open the lessons in JupyterLab and may run the app: the core plus `lab` and `app`
    wanted = {
        **requirement_map(project["dependencies"]),
        **requirement_map(project["optional-dependencies"]["lab"]),
        **requirement_map(project["optional-dependencies"]["app"]),
    }
    assert requirement_map(conda) == wanted
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]
    pip_lines = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and d.get("pip"))
    extras = re.search(r'-e "\.\[([\w,]+)\]"', " ".join(pip_lines))
    assert extras, pip_lines
    installed = set()
    for extra in extras[1].split(","):
        installed |= set(requirement_map(project["optional-dependencies"][extra]))
    assert {"jupyterlab", "voila"} <= installed
    assert "conda-forge" in env["channels"]


def test_import_loads_neither_matplotlib_nor_ipywidgets():
    code = (
        "import sys, bmclib; bmclib.blocks(); bmclib.advise({'online': True});"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from a fresh copy of this checkout's sources (once for the module).

    A copy, so that nothing left over from an earlier build (``build/lib``) can slip into it."""
    import shutil

    source, wheel_dir = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "answers", ".*")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for name in ("bmclib", "data"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(source),
        ],
        check=True,
        cwd=wheel_dir,
    )
    return next(wheel_dir.glob("bmclib-*.whl"))


@pytest.mark.slow
def test_the_wheel_holds_every_data_file(wheel):
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        inside = {
            n.removeprefix("bmclib/data/")
            for n in archive.namelist()
            if n.startswith("bmclib/data/")
        }
    on_disk = {
        p.relative_to(ROOT / "data").as_posix()
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }
    assert "sample_class/late_submissions.zip" in on_disk
    assert on_disk - inside == set()


@pytest.mark.slow
def test_the_wheel_requires_only_the_core_and_offers_the_extras(wheel):
    import email.parser
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))
    requires = meta.get_all("Requires-Dist")
    core = sorted(re.match(r"[\w.-]+", r)[0].lower() for r in requires if "extra ==" not in r)
    assert core == ["ipywidgets", "matplotlib", "pandas", "tqdm"]
    lab = [r for r in requires if 'extra == "lab"' in r]
    app = [r for r in requires if 'extra == "app"' in r]
    assert [r.split(";")[0].replace(" ", "") for r in lab] == ["jupyterlab>=4.2"]
    assert [r.split(";")[0].replace(" ", "") for r in app] == ["voila>=0.5"]


@pytest.mark.slow
def test_built_wheel_carries_the_data(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    code = (
        "import bmclib, pathlib; p = bmclib.data_path('cases.csv');"
        f"assert pathlib.Path(bmclib.__file__).is_relative_to(pathlib.Path(r'{site}'));"
        f"assert p.is_relative_to(pathlib.Path(r'{site}')), p;"
        "print(len(bmclib.load_cases()), len(bmclib.load_key('relationships-practice')),"
        " bmclib.load_dataset('customers').shape[0] > 0, bmclib.data_path('canvases').is_dir())"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,  # the exit status is asserted below
    )
    assert out.returncode == 0, out.stderr
    n_cases, n_items, has_dataset, has_canvases = out.stdout.split()
    assert (
        int(n_cases) >= 48
        and int(n_items) >= 16
        and has_dataset == "True"
        and has_canvases == "True"
    )


def wheel_venv(wheel, where):
    """A fresh venv with bmclib installed from the wheel, and nothing of this checkout on its path.

    The dependencies come from the test environment's site-packages, added by a plain path line
    (so its ``.pth`` files, among them the editable install of this checkout, are not run)."""
    import sysconfig

    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "test-environment.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "-q",
            str(wheel),
        ],
        check=True,
        cwd=where,
    )
    # a kernel that runs this venv's python (not whatever "python3" kernel a user has installed)
    spec = venv / "share" / "jupyter" / "kernels" / "bmc-wheel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "bmclib from the wheel",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return venv


RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
path, workdir = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import bmclib; print(bmclib.__file__)"))
client = NotebookClient(
    nb, timeout=300, kernel_name="bmc-wheel", resources={"metadata": {"path": workdir}}
)
client.execute()
print(nb.cells[-1].outputs[0]["text"].strip())
"""


@pytest.mark.slow
def test_the_instructor_guide_runs_on_the_installed_wheel_outside_the_repository(wheel, tmp_path):
    """``pip install .`` (the install the guide recommends for hubs) must carry everything the guide
    uses, the sample class's zip download included."""
    venv = wheel_venv(wheel, tmp_path)
    workdir = tmp_path / "course"
    workdir.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MPLBACKEND": "Agg",
        "JUPYTER_PLATFORM_DIRS": "1",
        "LANG": "C.UTF-8",
    }
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import bmclib; print(bmclib.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=True,
    ).stdout.strip()
    assert Path(found).is_relative_to(venv), found
    version = subprocess.run(
        [str(venv / "bin" / "bmc"), "--version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=False,
    )
    assert version.returncode == 0 and version.stdout.startswith("bmc "), version.stderr
    for lang in ("en", "ko"):
        notebook = ROOT / "notebooks" / lang / "instructor_guide.ipynb"
        run = subprocess.run(
            [str(venv / "bin" / "python"), "-c", RUN_NOTEBOOK, str(notebook), str(workdir)],
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
            timeout=600,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        kernel_bmclib = Path(run.stdout.strip().splitlines()[-1])
        assert kernel_bmclib.is_relative_to(venv) and not kernel_bmclib.is_relative_to(ROOT), (
            kernel_bmclib
        )
    out = workdir / "instructor_output"
    assert (out / "late_submissions.zip").is_file()
    problems = (out / "problems.csv").read_text(encoding="utf-8")
    assert "late_submissions.zip!" in problems  # the zip was read in memory, like the guide shows
    assert len((out / "grades.csv").read_text(encoding="utf-8").splitlines()) > 20
