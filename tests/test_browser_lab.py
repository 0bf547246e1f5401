"""Come back and find every answer: JupyterLab and ``bmc app`` in a real browser.

The issue: "A student can do the whole relationships exercise in JupyterLab and in bmc app,
in Korean and in English, close everything, come back, and find every answer".

* ``test_lab_answers_survive_a_restart[en|ko]``: a fresh notebook with one cell
  (``bmc.relationship_exercise(..., lang=...)``) in a real JupyterLab, no ``BMC_STUDENT_ID``:
  the widget asks for the student id, the student answers three cases (one of them checked,
  with feedback), JupyterLab is stopped completely (server and kernel), started again, the
  notebook is run again and the widget shows "3 of 18 answered", reopens on case 4 and shows
  the saved choices when going back.
* ``test_app_full_run_survives_a_restart``: ``bmc app`` in Korean, every case answered,
  the app stopped with Ctrl-C (SIGINT to its process group) and started again on the same
  answers folder: every answer is there, on screen and in the file.

Headless Debian Chromium through Playwright, one browser per module, only loopback requests.
Every server runs in its own process group and is always stopped (its kernels too).
Screenshots go to ``$BMC_ARTIFACTS`` if set, else ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    FLAGS,
    MISSING,
    artifacts_dir,
    free_port,
    loopback_only,
    wait_for_port,
)

import bmclib as bmc
from bmclib.i18n import ui

pytestmark = pytest.mark.browser

SET = "relationships-practice"
TOKEN = "bmc-browser-test"
STUDENTS = {"en": ("s0042", "Alex Bard-Dix"), "ko": ("s0043", "김민지 Kim")}
# JupyterLab without news or update checks (RECIPES.md, "Real browser")
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": (
        '{"checkForUpdates": false, "fetchNews": "false", "doNotDisturbMode": true}'
    ),
}
LAB_FLAGS = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    "--ServerApp.port_retries=0",
    "--ServerApp.open_browser=False",
]
START_TIMEOUT = 60_000  # ms: server start + page + kernel on a busy 2-core CI machine
STEP_TIMEOUT = 15_000  # ms: one click's round trip through the kernel


# -- plumbing ---------------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, str]]:
    """``{pid: (parent pid, start time)}`` for every process we can see (Linux /proc)."""
    table = {}
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
            table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every process started (directly or not) by ``pid``: ``{pid: start time}``.

    Kernels are started in their own session, so a signal to the server's process group
    does not reach them: they are found here and checked (or ended) by id.
    """
    table = _proc_table()
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and child not in found:
                found[child] = started
                todo.append(child)
    return found


def kernels_of(pid: int) -> dict[int, str]:
    """The IPython kernels started (directly or not) by ``pid``."""
    found = {}
    for child, started in descendants(pid).items():
        with contextlib.suppress(OSError):
            if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes():
                found[child] = started
    return found


def still_running(procs: dict[int, str]) -> list[int]:
    """The processes of ``procs`` that still run (same id and start time, not a zombie)."""
    alive = []
    for pid, started in procs.items():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[19] == started and fields[0] != "Z":
            alive.append(pid)
    return alive


class Servers:
    """Servers started by a test, each in its own process group; :meth:`stop` ends one
    (and every process it started), :meth:`close` ends whatever is left. Logs are kept
    in ``folder`` (a hidden one, so JupyterLab's file browser does not list them)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        # process -> the signal that stops it cleanly
        self.running: dict[subprocess.Popen, int] = {}
        self.logs = contextlib.ExitStack()

    def start(
        self,
        name: str,
        command: list[str],
        env: dict[str, str],
        port: int,
        *,
        stop_signal: int = signal.SIGINT,
        cwd: Path | None = None,
    ):
        log = self.logs.enter_context(open(self.folder / f"{name}.log", "ab"))  # noqa: SIM115 (closed in close())
        proc = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.running[proc] = stop_signal
        wait_for_port(port, proc, name)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 180.0) -> list[int]:
        """Send the server's stop signal to its group and wait until it and its children are gone
        (on a busy machine that can take long: ``grace`` only bounds a server that hangs); kill
        what is left. Returns the ids of processes (e.g. kernels) that outlived a clean stop."""
        sig = self.running.get(proc, signal.SIGINT)
        children = descendants(proc.pid)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        deadline = time.monotonic() + 60  # a kernel may take a moment after its server
        while still_running(children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = still_running(children)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything else still in its group
        self.running.pop(proc, None)
        return left

    def close(self) -> None:
        try:
            for proc in list(self.running):
                self.stop(proc, grace=10)
        finally:
            self.logs.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module (each test gets fresh contexts)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, request):
    """``new_page()``: a page in a fresh browser context (a browser closed and opened again)
    that may only reach 127.0.0.1. Every context is closed at the end; if the test failed,
    the pages still open are saved as ``FAILED-<test>-<n>.png`` first."""
    contexts = []
    failed_before = request.session.testsfailed

    def make():
        context = browser.new_context(
            viewport={"width": 1280, "height": 1000}, device_scale_factor=1
        )
        contexts.append(context)
        context.route("**/*", loopback_only)
        return context.new_page()

    try:
        yield make
    finally:
        failed = request.session.testsfailed > failed_before
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, context in enumerate(contexts):
            with contextlib.suppress(Exception):
                if failed and context.pages:
                    context.pages[-1].screenshot(
                        path=str(artifacts_dir() / f"FAILED-{name}-{n}.png")
                    )
            with contextlib.suppress(Exception):
                context.close()


@pytest.fixture
def servers(tmp_path, request):
    started = Servers(tmp_path / ".logs")
    failed_before = request.session.testsfailed
    try:
        yield started
    finally:
        started.close()
        if request.session.testsfailed > failed_before:  # keep the server logs of a failed test
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for log in started.folder.glob("*.log"):
                shutil.copy(log, artifacts_dir() / f"FAILED-{name}-{log.name}")


def expect(locator):
    """Playwright's retrying ``expect`` (imported late: the module must import without it)."""
    from playwright.sync_api import expect as expect_

    return expect_(locator)


def choice_button(page, label: str):
    """The toggle button of one choice (exact label: "Personal assistance" is also part of
    "Dedicated personal assistance")."""
    return page.locator(".bmc-choice").get_by_role("button", name=label, exact=True)


def active_choice(page):
    return page.locator(".bmc-choice button.widget-toggle-button.mod-active")


def answer(page, lang: str, n: int, total: int, label: str, answered_before: int) -> None:
    """On case ``n`` (1-based): check the position line, pick ``label``, wait until the kernel
    saved it (the progress line counts it)."""
    expect(page.locator(".bmc-position")).to_have_text(
        ui("position", lang, n=n, total=total), timeout=STEP_TIMEOUT
    )
    choice_button(page, label).click()
    expect(active_choice(page)).to_have_text(label, timeout=STEP_TIMEOUT)
    expect(page.locator(".bmc-progress-text")).to_have_text(
        ui("progress", lang, done=answered_before + 1, total=total), timeout=STEP_TIMEOUT
    )


def go_next(page, lang: str, n: int, total: int) -> None:
    page.locator(".bmc-next").click()
    expect(page.locator(".bmc-position")).to_have_text(
        ui("position", lang, n=n + 1, total=total), timeout=STEP_TIMEOUT
    )


def wait_for_file(path: Path, want: dict[str, str], timeout: float = 10.0):
    """The answer file once it holds exactly ``want`` (it is written before the page updates,
    so this normally returns at once)."""
    deadline = time.monotonic() + timeout
    while True:
        af = bmc.read_answers(path) if path.is_file() else None
        if (af is not None and af.answers == want) or time.monotonic() > deadline:
            return af
        time.sleep(0.05)


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(artifacts_dir() / name))


def spread_choices(items, lang: str, key) -> dict[str, str]:
    """A choice for every item, not all the same: the key's best answer for every third item,
    else the choice list walked round (so a mix-up between items would show)."""
    out = {}
    for n, item in enumerate(items):
        ids = list(item.choices(lang))
        out[item.id] = key.item(item.id).best[0] if n % 3 == 0 else ids[(n * 5 + 1) % len(ids)]
    return out


# -- JupyterLab -------------------------------------------------------------------------------


def write_notebook(folder: Path, lang: str) -> Path:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            f'import bmclib as bmc\nbmc.relationship_exercise("{SET}", lang="{lang}")'
        )
    ]
    path = folder / f"relationships-{lang}.ipynb"
    nbformat.write(nb, path)
    return path


def lab_env(tmp_path: Path) -> dict[str, str]:
    """The test's environment without any student id, and Jupyter's own folders in tmp_path
    (no user settings, workspaces or config leak in; the same folders serve both starts)."""
    home = tmp_path / ".jupyter"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BMC_STUDENT_ID", "BMC_STUDENT_NAME", "BMC_ANSWERS_DIR", "JUPYTERHUB_USER")
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    for name, text in LAB_SETTINGS.items():
        target = home / "settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return env


def start_lab(servers: Servers, root: Path, env: dict[str, str], name: str):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        *LAB_FLAGS,
    ]
    # SIGTERM: the server shuts its kernels down cleanly (SIGINT without a terminal just exits)
    proc = servers.start(name, command, env, port, stop_signal=signal.SIGTERM, cwd=root)
    return proc, f"http://127.0.0.1:{port}"


def open_and_run(page, base: str, notebook: Path) -> None:
    """Open the notebook in JupyterLab, wait for an idle kernel, then Run > Run All Cells."""
    page.goto(f"{base}/lab/tree/{notebook.name}?token={TOKEN}")
    idle = page.get_by_text("Python 3 (ipykernel) | Idle", exact=True)
    expect(idle).to_be_visible(timeout=START_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.locator(".bmc-exercise").first.wait_for(state="visible", timeout=START_TIMEOUT)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_lab_answers_survive_a_restart(lang, servers, new_page, tmp_path):
    exercise = bmc.load_exercise_set(SET)
    items, total = exercise.items, len(exercise)
    key = bmc.load_key(SET)
    sid, name = STUDENTS[lang]
    notebook = write_notebook(tmp_path, lang)
    env = lab_env(tmp_path)
    answers_file = tmp_path / "answers" / f"{SET}.json"

    # -- first visit: no student id known, so the widget asks ---------------------------------
    t0 = time.monotonic()
    lab, base = start_lab(servers, tmp_path, env, f"lab-{lang}-1")
    page = new_page()
    open_and_run(page, base, notebook)
    t_ready = time.monotonic() - t0
    expect(page.locator(".bmc-student-id input")).to_be_visible()
    assert page.locator(".bmc-progress").count() == 0  # nothing to answer before the id
    # typed key by key, as a student does: letters such as a, b, x, d must not reach the
    # notebook's command-mode shortcuts (insert, cut, delete cells)
    page.locator(".bmc-student-id input").press_sequentially(sid)
    page.locator(".bmc-student-name input").press_sequentially(name)
    expect(page.locator(".bmc-student-name input")).to_have_value(name)
    page.locator(".bmc-start").click()
    expect(page.locator(".bmc-progress-text")).to_have_text(
        ui("progress", lang, done=0, total=total), timeout=STEP_TIMEOUT
    )
    # typing that reaches the kernel after Start still counts: wait for it, not for a fixed time
    expect(page.locator(".bmc-student-line")).to_have_text(
        ui("student_line", lang, who=f"{sid} · {name}"), timeout=STEP_TIMEOUT
    )
    assert page.locator(".bmc-student-id").count() == 0
    assert page.locator(".jp-Notebook .jp-Cell").count() == 1  # typing changed no cell

    first = items[0]
    k0 = key.item(first.id)
    picks = {
        first.id: k0.best[0] if lang == "en" else k0.acceptable[0],  # checked below
        items[1].id: list(items[1].choices(lang))[-1],
        items[2].id: list(items[2].choices(lang))[2],
    }
    for n, item in enumerate(items[:3], start=1):
        label = item.choices(lang)[picks[item.id]]
        answer(page, lang, n, total, label, answered_before=n - 1)
        if n == 1:  # practice mode: Check gives feedback on this case only
            check = page.locator(".bmc-check")
            expect(check).to_be_enabled(timeout=STEP_TIMEOUT)
            check.click()
            feedback = page.locator(".bmc-feedback .bmc-fb")
            expect(feedback).to_be_visible(timeout=STEP_TIMEOUT)
            text = feedback.inner_text()
            if lang == "en":
                assert feedback.get_attribute("data-status") == "best"
                assert f"Right: {label}." in text
                assert ui("points", lang, points="1", max="1") in text
            else:
                assert feedback.get_attribute("data-status") == "acceptable"
                assert "부분 정답입니다" in text and label in text
                assert "오답" not in text
        go_next(page, lang, n, total)
    expect(page.locator(".bmc-saved")).to_have_text(
        re.compile("^" + re.escape(ui("saved", lang, time="")))
    )

    af = wait_for_file(answers_file, picks)
    assert af is not None and af.answers == picks
    assert (af.student_id, af.student_name, af.exercise_set) == (sid, name, SET)
    assert [(a["item"], a["event"]) for a in af.attempts] == [
        (None, "open"),  # the exercise was opened: the first answer is timed from here
        (first.id, "choose"),
        (first.id, "check"),
        (items[1].id, "choose"),
        (items[2].id, "choose"),
    ]
    screenshot(page, f"lab-{lang}-first-visit.png")
    t_first = time.monotonic() - t0

    # -- close everything: the browser context, the server and its kernel ---------------------
    page.context.close()
    kernels = kernels_of(lab.pid)
    assert len(kernels) == 1, f"expected one kernel, found {kernels}"
    left = servers.stop(lab)
    assert left == [], f"processes left running after JupyterLab stopped: {left}"
    assert lab.returncode is not None and still_running(kernels) == []

    # -- come back: a new server, a new kernel, the notebook run again -------------------------
    t1 = time.monotonic()
    _lab2, base2 = start_lab(servers, tmp_path, env, f"lab-{lang}-2")
    page = new_page()
    open_and_run(page, base2, notebook)
    expect(page.locator(".bmc-progress-text")).to_have_text(
        ui("progress", lang, done=3, total=total), timeout=STEP_TIMEOUT
    )
    assert page.locator(".bmc-student-id").count() == 0  # the saved file knows the student
    expect(page.locator(".bmc-student-line")).to_have_text(
        ui("student_line", lang, who=f"{sid} · {name}")
    )
    # it reopens on the first unanswered case, nothing chosen yet
    expect(page.locator(".bmc-position")).to_have_text(ui("position", lang, n=4, total=total))
    assert active_choice(page).count() == 0
    page.locator(".bmc-exercise").first.scroll_into_view_if_needed()
    screenshot(page, f"lab-{lang}-reopened.png")
    # going back shows each saved choice as the active toggle
    for n in (3, 2, 1):
        page.locator(".bmc-prev").click()
        expect(page.locator(".bmc-position")).to_have_text(
            ui("position", lang, n=n, total=total), timeout=STEP_TIMEOUT
        )
        item = items[n - 1]
        expect(active_choice(page)).to_have_text(
            item.choices(lang)[picks[item.id]], timeout=STEP_TIMEOUT
        )
    screenshot(page, f"lab-{lang}-back-to-first.png")
    assert bmc.read_answers(answers_file).answers == picks  # looking changed nothing
    print(
        f"lab {lang}: widget ready {t_ready:.1f} s, first visit {t_first:.1f} s, "
        f"second visit {time.monotonic() - t1:.1f} s"
    )


# -- bmc app ----------------------------------------------------------------------------------


def start_app(servers: Servers, answers: Path, lang: str, name: str):
    port = free_port()
    env = dict(os.environ, BMC_STUDENT_ID="s0044", BMC_STUDENT_NAME="이서준", BMC_APP_TOKEN=TOKEN)
    env.pop("BMC_ANSWERS_DIR", None)
    command = [
        sys.executable,
        "-m",
        "bmclib.cli",
        "app",
        "--no-browser",
        "--port",
        str(port),
        "--answers",
        str(answers),
        "--lang",
        lang,
    ]
    proc = servers.start(name, command, env, port)
    return proc, f"http://127.0.0.1:{port}/?token={TOKEN}"


def test_app_full_run_survives_a_restart(servers, new_page, tmp_path):
    lang = "ko"
    exercise = bmc.load_exercise_set(SET)
    items, total = exercise.items, len(exercise)
    picks = spread_choices(items, lang, bmc.load_key(SET))
    answers = tmp_path / "answers"
    answers_file = answers / f"{SET}.json"

    t0 = time.monotonic()
    app, url = start_app(servers, answers, lang, "app-1")
    page = new_page()
    page.goto(url)
    page.locator(".bmc-choice button.widget-toggle-button").first.wait_for(
        state="visible", timeout=START_TIMEOUT
    )
    t_ready = time.monotonic() - t0
    for n, item in enumerate(items, start=1):
        answer(page, lang, n, total, item.choices(lang)[picks[item.id]], answered_before=n - 1)
        if n < total:
            go_next(page, lang, n, total)
    expect(page.locator(".bmc-next")).to_be_disabled()  # the last case
    af = wait_for_file(answers_file, picks)
    assert af is not None and af.answers == picks
    assert (af.student_id, af.student_name) == ("s0044", "이서준")
    t_run = time.monotonic() - t0

    # -- close everything: the page and the app (Ctrl-C) ---------------------------------------
    page.context.close()
    kernels = kernels_of(app.pid)
    assert len(kernels) == 1, f"expected one kernel, found {kernels}"
    left = servers.stop(app)  # Ctrl-C to its process group, as in a terminal
    assert left == [], f"processes left running after bmc app stopped: {left}"
    assert app.returncode == 0 and still_running(kernels) == []

    # -- come back on the same answers folder ----------------------------------------------------
    _app2, url2 = start_app(servers, answers, lang, "app-2")
    page = new_page()
    page.goto(url2)
    page.locator(".bmc-choice button.widget-toggle-button").first.wait_for(
        state="visible", timeout=START_TIMEOUT
    )
    expect(page.locator(".bmc-progress-text")).to_have_text(
        ui("progress", lang, done=total, total=total), timeout=STEP_TIMEOUT
    )
    # everything answered: it opens on the first case, with its saved choice
    expect(page.locator(".bmc-position")).to_have_text(ui("position", lang, n=1, total=total))
    expect(active_choice(page)).to_have_text(items[0].choices(lang)[picks[items[0].id]])
    # every case in the "go to" list is marked answered
    options = page.locator(".bmc-jump select option")
    expect(options).to_have_count(total)
    assert all(text.rstrip().endswith("●") for text in options.all_inner_texts())
    # spot-check a case in the middle through the list
    middle = items[total // 2]
    page.locator(".bmc-jump select").select_option(index=total // 2)
    expect(page.locator(".bmc-position")).to_have_text(
        ui("position", lang, n=total // 2 + 1, total=total), timeout=STEP_TIMEOUT
    )
    expect(active_choice(page)).to_have_text(
        middle.choices(lang)[picks[middle.id]], timeout=STEP_TIMEOUT
    )
    screenshot(page, f"app-{lang}-all-answered.png")
    af = bmc.read_answers(answers_file)
    assert len(af.answers) == total and af.answers == picks
    print(
        f"app {lang}: widget ready {t_ready:.1f} s, all {total} answered {t_run:.1f} s, "
        f"back {time.monotonic() - t0:.1f} s in all"
    )
