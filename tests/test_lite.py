"""The exercises as a static JupyterLite site: ``bmc lite build``, then headless Chromium.

The site is built once per test session into a temporary folder (downloads are cached: see
``bmclib.lite.default_cache_dir``), served on 127.0.0.1, and opened in Chromium with every
request to any other host refused and recorded. A student opens the Korean relationship
exercise from the front page, runs its cell, answers two cases with Check, downloads the answer
file, reloads the page and finds the answers again. Needs ``pip install -e '.[lite]'``, npm (or
a cached Pyodide core) and Debian's Chromium; skipped with a message otherwise.
"""

import csv
import functools
import hashlib
import http.server
import json
import shutil
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_support import CHROMIUM, FLAGS, MISSING, artifacts_dir

import bmclib as bmc
from bmclib import lite
from bmclib.cli import main
from bmclib.i18n import ui

pytestmark = [pytest.mark.lite, pytest.mark.slow]

SET = "relationships-practice"
NOTEBOOK = f"ko/04_{SET}.ipynb"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        tools = lite.find_tools()
    except lite.LiteBuildError as exc:
        pytest.skip(f"JupyterLite build tools missing: {exc}")
    core = lite.default_cache_dir() / "npm" / f"pyodide-{tools.pyodide}.tgz"
    if shutil.which("npm") is None and not core.is_file():
        pytest.skip(
            "npm not found (needed once to get the Pyodide "
            f"core; or put {core.name} in {core.parent})"
        )
    out = tmp_path_factory.mktemp("lite") / "site"
    built = lite.build_site(out, log=print)
    print(
        f"lite build: {built.seconds:.1f} s, {built.size_bytes / 1e6:.1f} "
        f"MB, {len(built.notebooks)} notebooks"
    )
    (artifacts_dir() / "lite-build.json").write_text(
        json.dumps(
            {
                "seconds": round(built.seconds, 1),
                "megabytes": round(built.size_bytes / 1e6, 1),
                "notebooks": len(built.notebooks),
            }
        )
        + "\n",
        encoding="utf-8",
    )
    return built


# -- what the site holds ------------------------------------------------------------------------


def test_site_holds_every_practice_set_in_both_languages(site):
    expected = [
        f"{lang}/{n:02d}_{s}.ipynb" for lang in ("ko", "en") for s, n in lite.exercise_sets()
    ]
    assert [nb.path for nb in site.notebooks] == expected
    marker = json.loads((site.path / lite.MARKER).read_text(encoding="utf-8"))
    assert marker["notebooks"] == expected and marker["langs"] == ["ko", "en"]
    listing = json.loads(
        (site.path / "api" / "contents" / "ko" / "all.json").read_text(encoding="utf-8")
    )
    assert sorted(c["name"] for c in listing["content"]) == sorted(
        Path(p).name for p in expected if p.startswith("ko/")
    )
    for path in expected:
        nb = json.loads((site.path / "files" / path).read_text(encoding="utf-8"))
        assert "pip" not in "".join(
            "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
        )


def test_browser_python_has_bmclib_and_widgets_and_nothing_it_cannot_load(site):
    folder = site.path / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    assert {"bmclib", "ipywidgets", "comm", "ipython", "micropip", "jedi"} <= set(packages)
    # not on the registries for this Pyodide
    assert not {"pandas", "matplotlib", "numpy"} & set(packages)
    for key, entry in packages.items():
        wheel = folder / entry["file_name"]
        assert wheel.is_file(), key
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"], key
    assert packages["bmclib"]["version"] == bmc.__version__
    for name in ("pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert (folder / name).is_file()


def test_settings_keep_everything_local(site):
    config = json.loads((site.path / "jupyter-lite.json").read_text(encoding="utf-8"))[
        "jupyter-config-data"
    ]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert (
        config["settingsOverrides"]["@jupyterlab/notebook-extension:tracker"][
            "autoStartDefaultKernel"
        ]
        is True
    )
    assert sorted(e["name"] for e in config["federated_extensions"]) == sorted(lite.LAB_EXTENSIONS)


def test_rebuilding_replaces_the_site(site, tmp_path):
    """A second build into a folder that holds a site replaces it (the cache makes it quick)."""
    copy = tmp_path / "site"
    shutil.copytree(site.path, copy)
    again = lite.build_site(copy, langs=["en"])
    assert [nb.path for nb in again.notebooks] == [p.path for p in site.notebooks if p.lang == "en"]
    assert (copy / "files" / "en").is_dir() and not (copy / "files" / "ko").exists()
    assert "<section lang='ko'" not in (copy / "index.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".site.building*"))


# -- in the browser -----------------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(site):
    handler = functools.partial(QuietHandler, directory=str(site.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def loopback_only(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
        )
        # a student in Seoul: the answer file's saved_at carries the browser's time zone
        context = browser.new_context(
            viewport={"width": 1200, "height": 1000},
            timezone_id="Asia/Seoul",
            locale="ko-KR",
            accept_downloads=True,
        )
        context.route("**/*", loopback_only)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.outside = outside
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def run_exercise_cell(page) -> tuple[float, int]:
    """Do what the notebook tells the student: click the code cell and press Shift+Enter; if the
    cell's mark stays ``[ ]`` (pressed before the kernel session existed: JupyterLab drops that
    run), press again. Wait for the exercise; return the seconds it took and the presses.

    On a busy machine JupyterLite may lose the kernel's session as it starts ("Error Starting
    Kernel") or leave the widget at "Loading widget...": a student reloads the page and runs the
    cell again; so does this, once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    t0 = time.monotonic()
    presses = 0
    for attempt in (1, 2):
        cell = page.locator(".jp-Notebook .jp-CodeCell").first
        try:
            while True:
                cell.locator(".cm-content").click()
                page.keyboard.press("Shift+Enter")
                presses += 1
                try:  # queued or running shows [*], done shows [1]
                    cell.locator(".jp-InputPrompt").filter(has_not_text="[ ]").wait_for(
                        timeout=5_000
                    )
                    break
                except PlaywrightTimeout:
                    failed = page.locator(".jp-Dialog", has_text="Error Starting Kernel")
                    if failed.count():
                        failed.locator(".jp-Dialog-button").last.click()
                        raise
                    if time.monotonic() - t0 > 60 * attempt:
                        raise
            page.locator(".bmc-exercise").first.wait_for(state="visible", timeout=120_000)
            return time.monotonic() - t0, presses
        except PlaywrightTimeout:
            page.screenshot(
                path=str(artifacts_dir() / f"lite-failed-{attempt}.png"), full_page=True
            )
            if attempt == 2:
                raise
            page.reload()
            page.locator(".jp-Notebook").wait_for()
    raise AssertionError("not reached: the second attempt returns or raises")


def choose(page, label: str) -> None:
    page.locator(".bmc-choice button.widget-toggle-button", has_text=label).first.click()
    page.locator(".bmc-choice button.widget-toggle-button.mod-active", has_text=label).wait_for()


def test_student_answers_checks_downloads_and_comes_back(site, served, page, tmp_path):
    items = bmc.load_exercise_set(SET).items
    key = bmc.load_key(SET)
    first, second = items[0], items[1]
    right = key.item(first.id).best[0]
    wrong = next(
        c
        for c in second.choices("ko")
        if c not in key.item(second.id).best + key.item(second.id).acceptable
    )
    labels = {first.id: first.choices("ko")[right], second.id: second.choices("ko")[wrong]}
    timings = {}

    # the front page, in Korean first, links every exercise; the student opens the relationship one
    t0 = time.monotonic()
    page.goto(served)
    title = ui("lite_nb_title", "ko", block=bmc.block("customer_relationships").name["ko"])
    page.locator("section[lang='ko'] a", has_text=title).click()
    page.locator(".jp-Notebook").wait_for()
    assert NOTEBOOK in page.url
    timings["notebook visible"] = time.monotonic() - t0
    timings["kernel + exercise"], presses = run_exercise_cell(page)

    t0 = time.monotonic()
    page.locator(".bmc-student-id input").fill("s0042")
    page.locator(".bmc-student-name input").fill("김민지")
    page.locator(".bmc-student-id input").press("Tab")
    page.locator(".bmc-start").click()
    page.locator(".bmc-student-line", has_text="s0042 · 김민지").wait_for()

    choose(page, labels[first.id])
    page.locator(".bmc-check").click()
    page.locator(".bmc-fb[data-status='best']").wait_for()
    assert ui("points", "ko", points="1", max="1") in page.locator(".bmc-feedback").inner_text()

    page.locator(".bmc-next").click()
    page.locator(".bmc-company", has_text=second.company["ko"]).wait_for()
    choose(page, labels[second.id])
    page.locator(".bmc-check").click()
    page.locator(".bmc-fb[data-status='wrong']").wait_for()
    timings["two answers with feedback"] = time.monotonic() - t0

    # the download button offers the file as saved in the browser; bmc grade reads it
    link = page.locator("a.bmc-download-link")
    link.wait_for()
    assert link.inner_text().strip() == ui("download_answers", "ko", file=f"{SET}.json")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{SET}.json"
    af = bmc.read_answers(saved)
    assert (af.student_id, af.student_name, af.exercise_set) == ("s0042", "김민지", SET)
    assert af.answers == {first.id: right, second.id: wrong}
    assert af.saved_at.endswith("+09:00")
    assert [a["event"] for a in af.attempts] == ["open", "choose", "check", "choose", "check"]
    # as uploaded to a learning platform and downloaded by the instructor as one zip
    with zipfile.ZipFile(tmp_path / "submissions.zip", "w") as z:
        z.write(saved, f"kimminji_1234_5678_{SET}.json")
    grades = tmp_path / "grades.csv"
    assert (
        main(
            [
                "grade",
                str(tmp_path / "submissions.zip"),
                "--key",
                str(bmc.data_path("keys", f"{SET}.csv")),
                "--out",
                str(grades),
                "--quiet",
            ]
        )
        == 0
    )
    with grades.open(encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert (row["student_id"], float(row["score"])) == ("s0042", 1.0)

    # reload: a new kernel; the answers come back from the browser's storage
    t0 = time.monotonic()
    page.reload()
    page.locator(".jp-Notebook").wait_for()
    _seconds, presses_again = run_exercise_cell(page)
    timings["reload to exercise"] = time.monotonic() - t0
    page.locator(".bmc-student-line", has_text="s0042 · 김민지").wait_for()
    assert (
        page.locator(".bmc-student").count() == 0
        or not page.locator(".bmc-student").first.is_visible()
    )
    assert page.locator(".bmc-progress-text").inner_text().strip() == ui(
        "progress", "ko", done=2, total=len(items)
    )
    page.locator(".bmc-position", has_text=ui("position", "ko", n=3, total=len(items))).wait_for()
    for _ in range(2):
        page.locator(".bmc-prev").click()
    page.locator(".bmc-company", has_text=first.company["ko"]).wait_for()
    active = page.locator(".bmc-choice button.widget-toggle-button.mod-active")
    assert active.inner_text().strip() == labels[first.id]
    page.locator(".bmc-next").click()
    page.locator(".bmc-company", has_text=second.company["ko"]).wait_for()
    assert active.inner_text().strip() == labels[second.id]

    page.screenshot(path=str(artifacts_dir() / "lite-ko.png"), full_page=True)
    (artifacts_dir() / "lite-browser.json").write_text(
        json.dumps({k: round(v, 1) for k, v in timings.items()}) + "\n", encoding="utf-8"
    )
    print(
        "lite browser timings (s):",
        {k: round(v, 1) for k, v in timings.items()},
        f"Shift+Enter presses: {presses}, after the reload {presses_again}",
    )
    assert page.outside == []  # nothing was asked of any host but 127.0.0.1
