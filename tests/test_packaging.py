"""Packaging: pyproject and environment.yml agree, a built wheel carries the data, imports stay light."""

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


def test_environment_yml_matches_pyproject():
    import yaml

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert requirement_map(conda) == requirement_map(pyproject["project"]["dependencies"])
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == pyproject["project"]["requires-python"]
    assert any(isinstance(d, dict) and d.get("pip") for d in env["dependencies"])
    assert "conda-forge" in env["channels"]


def test_import_loads_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, bmclib; bmclib.blocks(); bmclib.advise({'online': True});"
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_built_wheel_carries_the_data(tmp_path):
    wheel_dir, site = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheel_dir), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(wheel_dir.glob("bmclib-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)
    code = ("import bmclib, pathlib; p = bmclib.data_path('cases.csv');"
            "assert pathlib.Path(bmclib.__file__).is_relative_to(pathlib.Path(r'%s'));"
            "assert p.is_relative_to(pathlib.Path(r'%s')), p;"
            "print(len(bmclib.load_cases()), len(bmclib.load_key('relationships-practice')),"
            " bmclib.load_dataset('customers').shape[0] > 0, bmclib.data_path('canvases').is_dir())") % (site, site)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    n_cases, n_items, has_dataset, has_canvases = out.stdout.split()
    assert int(n_cases) >= 48 and int(n_items) >= 16 and has_dataset == "True" and has_canvases == "True"
