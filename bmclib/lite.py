"""Build the exercises as a static JupyterLite site: Python runs in the student's browser.

``build_site(out)`` (``bmc lite build --out site/``) writes a folder that any web host can serve
(GitHub Pages, a university web space, ``python -m http.server``). Students open it, pick an
exercise, run one cell, and answer; their answers are saved in the browser's storage and a
button under each exercise downloads the answer file for the learning platform.

Everything comes from the package registries, and nothing is fetched at run time:

- the Pyodide core (the Python that runs in the browser) from the npm package ``pyodide`` at the
  version the installed ``jupyterlite-pyodide-kernel`` expects (``npm pack``);
- the pure-Python wheels the kernel and the widgets need, from PyPI (``pip download``) at the
  versions Pyodide's lock file pins (ipywidgets and comm at the versions installed here, which
  match the widget front end the site ships);
- a bmclib wheel built from this source tree.

They are listed in the site's ``pyodide-lock.json`` (with their sha256), so ``import bmclib``
works with no ``%pip`` cell, and the PyPI fallback is turned off. Downloads are cached
(``$BMC_LITE_CACHE``, else ``~/.cache/bmclib/lite``).

pandas and matplotlib are not in this site: Pyodide builds them for the browser and they are on
neither registry. A host with internet can pass the Pyodide release archive
(``pyodide_dist=``, ``--pyodide-dist``): its wheels then come from the archive, pandas and
matplotlib are added and the lessons can be included (``.github/workflows/lite-site.yml``).
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .blocks import block, taxonomy
from .errors import BMCError
from .exercises import DEFAULT_SET
from .i18n import Msg, check_lang, get_language, ui
from .paths import data_path

#: the versions that install together (RECIPES.md, "JupyterLite, offline")
LITE_VERSION = "0.8.6"
#: what the Pyodide kernel loads when it starts, besides its own wheels (closure taken from the
#: lock)
KERNEL_NEEDS = ("micropip", "ipython", "jedi")
#: packages the site adds to the lock: name -> (import names, dependencies in the lock).
#: ipywidgets' front-end-only requirements (widgetsnbextension, jupyterlab_widgets) are not needed
#: in the kernel: the site ships the widget front end itself.
ADDED = {"comm": (["comm"], []), "ipywidgets": (["ipywidgets"], ["comm", "ipython", "traitlets"])}
#: with a Pyodide release archive: what the lessons need on top
FULL_EXTRAS = ("pandas", "matplotlib")
#: the front-end extensions the site needs (everything else installed here is left out)
LAB_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "@jupyterlite/pyodide-kernel-extension")
#: the Pyodide core files the kernel loads
CORE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
CORE_OPTIONAL = ("pyodide.js", "package.json")
MARKER = "bmclib-site.json"


class LiteBuildError(BMCError):
    """The site cannot be built; the message (Korean and English) says why."""

    def __init__(self, key: str, **fields):
        super().__init__(Msg(f"ui.{key}", **fields))

    @property
    def messages(self) -> dict[str, str]:
        return self.both()


def _lang() -> str:
    """The language of build messages: the session's (``set_language``, ``$BMC_LANG``), else
    English."""
    return get_language()


def _say(log, key: str, **fields) -> None:
    if log is not None:
        log(ui(key, _lang(), **fields))


def _norm(name: str) -> str:
    """A package name as PEP 503 compares them.

    >>> _norm("Prompt_Toolkit"), _norm("pure.eval")
    ('prompt-toolkit', 'pure-eval')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_cache_dir() -> Path:
    """Where downloads are kept between builds: ``$BMC_LITE_CACHE``, else ``bmclib/lite`` in the
    user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    if os.environ.get("BMC_LITE_CACHE"):
        return Path(os.environ["BMC_LITE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bmclib" / "lite"


# -- the tools ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    """The build tools found here: versions, the Pyodide version they expect, the extensions."""

    core: str
    kernel: str
    pyodide: str
    extensions: tuple[Path, ...]


def find_tools() -> Tools:
    """Check that jupyterlite-core, jupyterlite-pyodide-kernel and jupyter_server are installed
    and that the two front-end extensions the site needs are there.

    Raises:
        LiteBuildError: something is missing (the message says what to install).
    """

    def missing(problem: str) -> LiteBuildError:
        return LiteBuildError(
            "lite_need_tools", core=LITE_VERSION, kernel=LITE_VERSION, problem=problem
        )

    try:
        core = importlib.metadata.version("jupyterlite-core")
        kernel = importlib.metadata.version("jupyterlite-pyodide-kernel")
        importlib.metadata.version("jupyter_server")
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except (importlib.metadata.PackageNotFoundError, ImportError) as exc:
        raise missing(str(exc) or type(exc).__name__) from exc
    from jupyter_core.paths import jupyter_path

    roots = [
        Path(sys.prefix, "share", "jupyter", "labextensions"),
        *(Path(p) for p in jupyter_path("labextensions")),
    ]
    found = []
    for name in LAB_EXTENSIONS:
        where = next((r / name for r in roots if (r / name / "package.json").is_file()), None)
        if where is None:
            raise missing(Msg("ui.lite_no_extension", name=name))
        found.append(where)
    return Tools(core, kernel, PYODIDE_VERSION, tuple(found))


# -- Pyodide: the core and the wheels ------------------------------------------------------------


def fetch_pyodide_core(version: str, cache_dir: Path, *, log=None) -> Path:
    """The npm package ``pyodide@version`` (the core: no package wheels), downloaded once with
    ``npm pack`` into ``cache_dir/npm``; returns the ``.tgz``."""
    target = cache_dir / "npm" / f"pyodide-{version}.tgz"
    if target.is_file():
        _say(log, "lite_step_pyodide", version=version, source=str(target))
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise LiteBuildError(
            "lite_need_npm", version=version, file=target.name, folder=target.parent
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        run = subprocess.run(
            [npm, "pack", f"pyodide@{version}", "--pack-destination", tmp, "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        packed = Path(tmp, target.name)
        if run.returncode != 0 or not packed.is_file():
            raise LiteBuildError(
                "lite_download_failed",
                what=f"pyodide@{version} (npm)",
                error=_tail(run.stderr or run.stdout),
            )
        os.replace(packed, target)
    _say(log, "lite_step_pyodide", version=version, source=f"npm pack pyodide@{version}")
    return target


def _extract(archive: Path, names: Iterable[str], dest: Path) -> set[str]:
    """Copy the named files out of a Pyodide archive (npm's ``package/`` or a release's
    ``pyodide/`` folder) into ``dest``; return the names found."""
    wanted, found = set(names), set()
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            name = member.name.split("/", 1)[1] if member.name.count("/") == 1 else None
            if member.isfile() and name in wanted:
                with tar.extractfile(member) as src, open(dest / name, "wb") as out:
                    shutil.copyfileobj(src, out)
                found.add(name)
    return found


def _closure(roots: Iterable[str], packages: dict) -> list[str]:
    """Lock keys of ``roots`` and everything they depend on (sorted)."""
    index = {_norm(k): k for k in packages}
    seen: set[str] = set()
    stack = [(r, r) for r in roots]
    while stack:
        name, why = stack.pop()
        key = index.get(_norm(name))
        if key is None:
            raise LiteBuildError("lite_not_in_lock", name=name, why=why)
        if key in seen:
            continue
        seen.add(key)
        stack.extend((dep, key) for dep in packages[key].get("depends", []))
    return sorted(seen)


def _cached_wheel(folder: Path, name: str, version: str) -> Path | None:
    for path in folder.glob("*.whl"):
        parts = path.name.split("-")
        if len(parts) >= 5 and _norm(parts[0]) == _norm(name) and parts[1] == version:
            return path
    return None


def fetch_wheels(
    specs: Iterable[tuple[str, str]], cache_dir: Path, python: str, *, log=None
) -> dict[str, Path]:
    """Pure-Python wheels ``(name, version)`` for the browser's Python, from PyPI with
    ``pip download --no-deps`` (kept in ``cache_dir/wheels``); returns ``{name: path}``."""
    folder = cache_dir / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    specs = sorted(set(specs))
    todo = [(n, v) for n, v in specs if _cached_wheel(folder, n, v) is None]
    if todo:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    python,
                    "--disable-pip-version-check",
                    "-q",
                    "-d",
                    tmp,
                    *(f"{n}=={v}" for n, v in todo),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0:
                raise LiteBuildError(
                    "lite_download_failed",
                    what=", ".join(f"{n}=={v}" for n, v in todo),
                    error=_tail(run.stderr or run.stdout),
                )
            for path in Path(tmp).glob("*.whl"):
                os.replace(path, folder / path.name)
    out = {}
    for n, v in specs:
        path = _cached_wheel(folder, n, v)
        if path is None or not path.name.endswith("-none-any.whl"):
            raise LiteBuildError(
                "lite_download_failed", what=f"{n}=={v}", error=Msg("ui.lite_no_pure_wheel")
            )
        out[n] = path
    _say(log, "lite_step_wheels", count=len(specs), cached=len(specs) - len(todo), folder=folder)
    return out


def _entry(name: str, version: str, wheel: Path, imports: list[str], depends: list[str]) -> dict:
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": _sha256(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
    }


def prepare_pyodide(
    dest: Path,
    bmclib_wheel: Path,
    cache_dir: Path,
    version: str,
    *,
    pyodide_dist: Path | None = None,
    log=None,
) -> dict:
    """Fill ``dest`` with the Pyodide core, the wheels and a ``pyodide-lock.json`` that lists only
    them, so the browser never asks for anything else. Returns the lock.

    Without ``pyodide_dist`` the core comes from npm and the kernel's pure-Python packages from
    PyPI (their sha256 rewritten: PyPI's files differ from Pyodide's rebuilt ones). With a Pyodide
    release archive (``pyodide-<version>.tar.bz2``) the core and every wheel the archive has come
    from it unchanged, and pandas and matplotlib are added.
    """
    dest.mkdir(parents=True, exist_ok=True)
    archive = (
        pyodide_dist
        if pyodide_dist is not None
        else fetch_pyodide_core(version, cache_dir, log=log)
    )
    if pyodide_dist is not None:
        _say(log, "lite_step_pyodide", version=version, source=str(pyodide_dist))
    found = _extract(archive, CORE_FILES + CORE_OPTIONAL, dest)
    if not set(CORE_FILES) <= found:
        raise LiteBuildError(
            "lite_download_failed",
            what=archive.name,
            error="missing " + ", ".join(sorted(set(CORE_FILES) - found)),
        )
    lock = json.loads((dest / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    roots = list(KERNEL_NEEDS) + (list(FULL_EXTRAS) if pyodide_dist is not None else [])
    roots += [n for n in ADDED if _norm(n) in {_norm(k) for k in packages}]
    keys = _closure(roots, packages)
    python = ".".join(lock["info"]["python"].split(".")[:2])

    kept: dict[str, dict] = {}
    if pyodide_dist is not None:  # take what the archive has, as Pyodide built it
        got = _extract(pyodide_dist, [packages[k]["file_name"] for k in keys], dest)
        for k in keys:
            if packages[k]["file_name"] in got:
                wheel = dest / packages[k]["file_name"]
                if _sha256(wheel) != packages[k]["sha256"]:
                    raise LiteBuildError(
                        "lite_download_failed", what=wheel.name, error=Msg("ui.lite_sha_mismatch")
                    )
                kept[k] = packages[k]
    rest = [k for k in keys if k not in kept]
    for k in rest:
        if not packages[k]["file_name"].endswith("-none-any.whl"):
            raise LiteBuildError(
                "lite_not_pure",
                name=k,
                version=packages[k]["version"],
                file=packages[k]["file_name"],
            )
    added = {
        n: importlib.metadata.version(n)
        for n in ADDED
        if not any(_norm(n) == _norm(k) for k in keys)
    }
    wheels = fetch_wheels(
        [(packages[k]["name"], packages[k]["version"]) for k in rest] + list(added.items()),
        cache_dir,
        python,
        log=log,
    )
    for k in rest:
        wheel = wheels[packages[k]["name"]]
        shutil.copy2(wheel, dest / wheel.name)
        kept[k] = {
            **packages[k],
            "file_name": wheel.name,
            "sha256": _sha256(wheel),
            "unvendored_tests": False,
        }
    for name, ver in added.items():
        imports, depends = ADDED[name]
        shutil.copy2(wheels[name], dest / wheels[name].name)
        kept[name] = _entry(name, ver, wheels[name], imports, depends)

    from . import __version__

    shutil.copy2(bmclib_wheel, dest / bmclib_wheel.name)
    index = {_norm(k): k for k in packages}
    needs = ["ipywidgets"] + (
        [index[_norm(x)] for x in FULL_EXTRAS] if pyodide_dist is not None else []
    )
    kept["bmclib"] = _entry("bmclib", __version__, dest / bmclib_wheel.name, ["bmclib"], needs)
    lock["packages"] = dict(sorted(kept.items()))
    (dest / "pyodide-lock.json").write_text(
        json.dumps(lock, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return lock


# -- bmclib itself -------------------------------------------------------------------------------


def source_root() -> Path | None:
    """The repository this bmclib runs from (an editable install), or None for an installed
    wheel."""
    root = Path(__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and re.search(
        r'^name\s*=\s*"bmclib"', pyproject.read_text(encoding="utf-8"), re.MULTILINE
    ):
        return root
    return None


def build_bmclib_wheel(out_dir: Path, wheel: str | os.PathLike | None = None) -> Path:
    """A bmclib wheel for the site: ``wheel`` if given, else built from the source tree (copied to a
    temporary folder first, so the tree gets no ``build/`` folder)."""
    if wheel is not None:
        path = Path(wheel)
        if not (
            path.is_file()
            and path.name.startswith("bmclib-")
            and path.name.endswith("-py3-none-any.whl")
        ):
            raise LiteBuildError("lite_bad_wheel", path=path)
        return path
    root = source_root()
    if root is None:
        raise LiteBuildError("lite_no_source")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src")
        src.mkdir()
        skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(root / name, src / name)
        for name in ("bmclib", "data"):
            shutil.copytree(root / name, src / name, ignore=skip)
        out_dir.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--disable-pip-version-check",
                "-q",
                "-w",
                str(out_dir),
                str(src),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        built = sorted(out_dir.glob("bmclib-*-py3-none-any.whl"))
        if run.returncode != 0 or not built:
            raise LiteBuildError(
                "lite_download_failed",
                what="bmclib wheel (pip wheel)",
                error=_tail(run.stderr or run.stdout),
            )
    return built[-1]


# -- the notebooks and the front page ------------------------------------------------------------


@dataclass(frozen=True)
class SiteNotebook:
    """One notebook in the site: its path (``ko/04_relationships-practice.ipynb``) and title."""

    path: str
    lang: str
    title: str
    kind: str  # "exercise" or "lesson"
    items: int = 0


def exercise_sets() -> list[tuple[str, int]]:
    """The shipped exercise sets that have a practice key, in canvas order:
    ``(set id, block number)``."""
    from .exercises import exercise_set_ids, load_exercise_set

    out = []
    for sid in exercise_set_ids():
        if not data_path("keys", f"{sid}.csv").is_file():
            continue
        first = load_exercise_set(sid).items[0]
        out.append((sid, block(taxonomy(first.taxonomy).block).number))
    return sorted(out, key=lambda s: (s[1], s[0]))


def _cell(kind: str, cell_id: str, source: str) -> dict:
    cell = {
        "cell_type": kind,
        "id": cell_id,
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def exercise_notebook(set_id: str, lang: str) -> tuple[dict, SiteNotebook]:
    """The site's notebook for one exercise set in one language (practice mode, a download
    button)."""
    from .exercises import load_exercise_set
    from .i18n import ui

    ex = load_exercise_set(set_id)
    blk = block(taxonomy(ex.items[0].taxonomy).block)
    title = ui("lite_nb_title", lang, block=blk.name[lang])
    builder = (
        f'bmc.relationship_exercise(lang="{lang}")'
        if set_id == DEFAULT_SET
        else f'bmc.block_exercise("{set_id}", lang="{lang}")'
    )
    code = (
        f"import bmclib as bmc\nfrom bmclib.widgets import answers_download\nexercise = {builder}\n"
        "display(exercise, answers_download(exercise))"
    )
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {
                "name": "python",
                "display_name": "Python (Pyodide)",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "cells": [
            _cell("markdown", "start", f"# {title}\n\n{ui('lite_nb_start', lang)}\n"),
            _cell("code", "exercise", code),
            _cell(
                "markdown",
                "finish",
                ui("lite_nb_finish", lang, file=f"{set_id}.json", folder=f"{lang}/answers") + "\n",
            ),
        ],
    }
    path = f"{lang}/{blk.number:02d}_{set_id}.ipynb"
    return nb, SiteNotebook(path, lang, title, "exercise", len(ex))


def _lesson_title(nb: dict, fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", []))
            m = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
            if m:
                return m.group(1).strip()
    return fallback


def front_page(notebooks: list[SiteNotebook], langs: Iterable[str]) -> str:
    """The site's ``index.html``: for each language, the exercises (and lessons) as links that open
    in the notebook view, how answers are saved, and a link to all files. It keeps the empty
    ``jupyter-config-data`` element that JupyterLite's pages read from the site root."""
    from .i18n import ui

    langs = list(langs)
    sections = []
    for lang in langs:

        def links(kind: str, lang: str = lang) -> str:
            rows = []
            for nb in (n for n in notebooks if n.lang == lang and n.kind == kind):
                extra = (
                    f" <span class='n'>{html.escape(ui('lite_items', lang, n=nb.items))}</span>"
                    if nb.items
                    else ""
                )
                rows.append(
                    f"<li><a href='notebooks/index.html?path={quote(nb.path)}'>"
                    f"{html.escape(nb.title)}</a>{extra}</li>"
                )
            return "\n".join(rows)

        lessons = links("lesson")
        sections.append(
            f"<section lang='{lang}' id='{lang}'>\n"
            f"<p class='lang'>{html.escape(ui('language_name', lang))}</p>\n"
            f"<h1>{html.escape(ui('lite_site_title', lang))}</h1>\n"
            f"<p>{html.escape(ui('lite_site_intro', lang))}</p>\n"
            f"<h2>{html.escape(ui('lite_exercises', lang))}</h2>\n"
            f"<ul>\n{links('exercise')}\n</ul>\n"
            + (
                f"<h2>{html.escape(ui('lite_lessons', lang))}</h2>\n<ul>\n{lessons}\n</ul>\n"
                if lessons
                else ""
            )
            + f"<p class='save'>{html.escape(ui('lite_site_saving', lang))}</p>\n"
            f"<p><a href='tree/index.html'>{html.escape(ui('lite_site_files', lang))}</a></p>\n"
            "</section>"
        )
    title = " · ".join(ui("lite_site_title", lang) for lang in langs)
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{{}}</script>
<style>
body {{ margin: 0; background: #f5f7fa; color: #1f2933; line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo", \
"Malgun Gothic", sans-serif; }}
main {{ display: flex; flex-wrap: wrap; gap: 24px; max-width: 1100px; margin: 0 auto; \
padding: 32px 16px; }}
section {{ flex: 1 1 420px; background: #fff; border: 1px solid #d9e2ec; border-radius: 12px; \
padding: 8px 28px 20px; }}
h1 {{ font-size: 1.5em; margin: 4px 0 8px; }}
h2 {{ font-size: 1.1em; margin: 20px 0 6px; }}
.lang {{ color: #52606d; font-weight: 600; margin: 14px 0 0; }}
ul {{ padding-left: 20px; }}
li {{ margin: 6px 0; }}
a {{ color: #1d4ed8; }}
.n {{ color: #7b8794; font-size: 0.9em; }}
.save {{ background: #eef4ff; border-left: 4px solid #2563eb; padding: 8px 12px; \
border-radius: 6px; }}
</style>
</head>
<body>
<main>
{chr(10).join(sections)}
</main>
</body>
</html>
"""


# -- the build -----------------------------------------------------------------------------------


@dataclass
class LiteSite:
    """A built site: where it is, what it holds, how big it is and how long it took."""

    path: Path
    langs: tuple[str, ...]
    notebooks: list[SiteNotebook] = field(default_factory=list)
    size_bytes: int = 0
    seconds: float = 0.0
    pyodide: str = ""

    def summary(self, lang: str | None = None) -> str:
        from .i18n import ui

        return ui(
            "lite_done",
            check_lang(lang or _lang()),
            path=self.path,
            notebooks=len(self.notebooks),
            size=f"{self.size_bytes / 1e6:.1f}",
            seconds=f"{self.seconds:.0f}",
        )

    def to_dict(self) -> dict:
        return {
            "format": "bmclib-lite-site",
            "version": 1,
            "langs": list(self.langs),
            "pyodide": self.pyodide,
            "notebooks": [nb.path for nb in self.notebooks],
        }


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


def _is_replaceable(out: Path) -> bool:
    """An output folder may be replaced if it is missing, empty, or a site this module built."""
    return not out.exists() or (
        out.is_dir() and (not any(out.iterdir()) or (out / MARKER).is_file())
    )


def build_site(
    out: str | os.PathLike,
    *,
    langs: Iterable[str] = ("ko", "en"),
    cache_dir: str | os.PathLike | None = None,
    wheel: str | os.PathLike | None = None,
    pyodide_dist: str | os.PathLike | None = None,
    lessons: bool = False,
    log: Callable[[str], None] | None = None,
) -> LiteSite:
    """Build the static site into ``out`` (replacing a site built there before) and return it.

    Args:
        out: the folder to write; it must be new, empty, or a site built by this function.
        langs: ``("ko", "en")`` (both, the default) or one of them.
        cache_dir: where downloads are kept (default :func:`default_cache_dir`).
        wheel: a bmclib wheel to ship (default: built from this source tree).
        pyodide_dist: a Pyodide release archive (``pyodide-<version>.tar.bz2``): adds pandas and
            matplotlib (needs a host with internet to get it; not used offline).
        lessons: also put the lesson notebooks (``notebooks/<lang>/``) in the site; they need
            ``pyodide_dist`` to run their pandas and matplotlib cells.
        log: called with one line per step (e.g. ``print``).

    Raises:
        LiteBuildError: a tool or download is missing, ``out`` holds something else, or the
            build failed (the message says which, in ``$BMC_LANG`` or English).
    """
    start = time.monotonic()
    out = Path(out).absolute()
    langs = tuple(dict.fromkeys(check_lang(lang) for lang in langs))
    if not _is_replaceable(out):
        raise LiteBuildError("lite_out_not_site", path=out)
    cache = Path(cache_dir).expanduser().absolute() if cache_dir else default_cache_dir()
    tools = find_tools()
    root = source_root()
    if lessons and root is None:
        raise LiteBuildError("lite_no_lessons")

    with tempfile.TemporaryDirectory(prefix="bmclib-lite-") as tmp:
        work = Path(tmp)
        lite_dir, contents = work / "lite", work / "contents"
        bmclib_wheel = build_bmclib_wheel(work / "wheel", wheel)
        prepare_pyodide(
            lite_dir / "static" / "pyodide",
            bmclib_wheel,
            cache,
            tools.pyodide,
            pyodide_dist=Path(pyodide_dist) if pyodide_dist else None,
            log=log,
        )

        notebooks: list[SiteNotebook] = []
        for lang in langs:
            (contents / lang).mkdir(parents=True)
            for set_id, _number in exercise_sets():
                nb, entry = exercise_notebook(set_id, lang)
                (contents / entry.path).write_text(
                    json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
                )
                notebooks.append(entry)
            if lessons:
                for src in sorted((root / "notebooks" / lang).glob("*.ipynb")):
                    nb = json.loads(src.read_text(encoding="utf-8"))
                    shutil.copy2(src, contents / lang / src.name)
                    notebooks.append(
                        SiteNotebook(
                            f"{lang}/{src.name}", lang, _lesson_title(nb, src.stem), "lesson"
                        )
                    )

        (lite_dir / "jupyter-lite.json").write_text(
            json.dumps(
                {
                    "jupyter-lite-schema-version": 0,
                    "jupyter-config-data": {
                        "litePluginSettings": {
                            "@jupyterlite/pyodide-kernel-extension:kernel": {
                                "disablePyPIFallback": True
                            }
                        }
                    },
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        (lite_dir / "overrides.json").write_text(
            json.dumps(
                {
                    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        staging = out.parent / f".{out.name}.building"
        shutil.rmtree(staging, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        (lite_dir / "jupyter_lite_config.json").write_text(
            json.dumps(
                {
                    "LiteBuildConfig": {
                        "ignore_sys_prefix": ["federated_extensions"],
                        "federated_extensions": [str(p) for p in tools.extensions],
                        "apps": ["notebooks", "tree", "lab"],
                        "contents": [str(contents)],
                        "output_dir": str(staging),
                        "no_sourcemaps": True,
                        "no_unused_shared_packages": True,
                        "no_libarchive": True,
                    }
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )

        _say(log, "lite_step_build", notebooks=len(notebooks))
        run = subprocess.run(
            [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir)],
            cwd=lite_dir,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0 or not (staging / "jupyter-lite.json").is_file():
            shutil.rmtree(staging, ignore_errors=True)
            raise LiteBuildError(
                "lite_build_failed", status=run.returncode, output=_tail(run.stdout + run.stderr)
            )

    site = LiteSite(out, langs, notebooks, pyodide=tools.pyodide)
    (staging / "index.html").write_text(front_page(notebooks, langs), encoding="utf-8")
    (staging / MARKER).write_text(json.dumps(site.to_dict(), indent=2) + "\n", encoding="utf-8")
    if not _is_replaceable(out):  # checked again: something may have appeared meanwhile
        shutil.rmtree(staging, ignore_errors=True)
        raise LiteBuildError("lite_out_not_site", path=out)
    if out.exists():
        shutil.rmtree(out)
    os.replace(staging, out)
    site.size_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    site.seconds = time.monotonic() - start
    return site
