"""The app in a real browser: ``bmc app`` (Voila) driven by headless Chromium through Playwright.

Each test starts ``bmc app --no-browser`` on a free port, picks a relationship type for the
first case, clicks Check, reads the feedback, checks the answer file on disk, saves a
screenshot and measures click-to-feedback latency inside the page. Artifacts go to
``$BMC_ARTIFACTS`` if set, else ``tests/artifacts/`` (git-ignored).
"""

import contextlib
import json
import os
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

pytestmark = pytest.mark.browser

SET = "relationships-practice"

# In the page: click Check, resolve with the milliseconds until the feedback shows text.
MEASURE_JS = """
() => new Promise((resolve, reject) => {
  const fb = document.querySelector('.bmc-feedback');
  const button = document.querySelector('.bmc-check');
  const before = fb.innerText;
  const observer = new MutationObserver(() => {
    const now = fb.innerText.trim();
    if (now && now !== before.trim()) { observer.disconnect(); resolve(performance.now() - t0); }
  });
  observer.observe(fb, {subtree: true, childList: true, characterData: true});
  setTimeout(() => { observer.disconnect(); reject(new Error('no feedback within 10 s')); }, 10000);
  const t0 = performance.now();
  button.click();
})
"""


@pytest.fixture(scope="module")
def playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture
def browser_page(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=1)

    context.route("**/*", loopback_only)
    try:
        yield context.new_page()
    finally:
        context.close()
        browser.close()


@pytest.fixture
def start_app(tmp_path):
    """Start ``bmc app`` for a language; always stopped (Ctrl-C to its group, then kill)."""
    procs = []
    logs = contextlib.ExitStack()

    def start(lang: str):
        port = free_port()
        answers = tmp_path / "answers"
        env = dict(
            os.environ,
            BMC_STUDENT_ID="s0001",
            BMC_STUDENT_NAME="Kim Minji",
            BMC_APP_TOKEN="browser-test",
        )
        env.pop("BMC_ANSWERS_DIR", None)
        log = logs.enter_context(open(tmp_path / f"app-{lang}.log", "wb"))  # noqa: SIM115 (closed below)
        proc = subprocess.Popen(
            [
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
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(proc)
        wait_for_port(port, proc)
        return f"http://127.0.0.1:{port}/?token=browser-test", answers

    try:
        yield start
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        logs.close()


def run_first_case(page, url, answers, lang, pick):
    """Open the app, pick ``pick(item)`` for the first case, Check; return (choice, feedback,
    ms)."""
    item = bmc.load_exercise_set(SET).items[0]
    choice = pick(item)
    label = item.choices(lang)[choice]
    page.goto(url)
    buttons = page.locator(".bmc-choice button.widget-toggle-button")
    buttons.first.wait_for(state="visible", timeout=60_000)
    page.locator(".bmc-choice button.widget-toggle-button", has_text=label).first.click()
    path = answers / f"{SET}.json"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.is_file() and bmc.read_answers(path).answers.get(item.id) == choice:
            break
        time.sleep(0.1)
    page.wait_for_function("() => !document.querySelector('.bmc-check').disabled", timeout=10_000)
    ms = page.evaluate(MEASURE_JS)
    feedback = page.locator(".bmc-feedback").inner_text()
    return item, choice, feedback, ms


def record(lang, page, ms, tmp_path):
    out = artifacts_dir()
    shot = tmp_path / f"app-{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, out / f"app-{lang}.png")
    (out / f"latency-{lang}.json").write_text(
        json.dumps({"lang": lang, "click_to_feedback_ms": round(ms, 1)}) + "\n", encoding="utf-8"
    )
    print(f"click-to-feedback latency ({lang}): {ms:.1f} ms")


def test_app_in_english_right_answer(start_app, browser_page, tmp_path):
    url, answers = start_app("en")
    key = bmc.load_key(SET)
    item, choice, feedback, ms = run_first_case(
        browser_page, url, answers, "en", lambda it: key.item(it.id).best[0]
    )
    assert "Right" in feedback and "Not right" not in feedback
    assert "Points: 1 of 1" in feedback
    af = bmc.read_answers(answers / f"{SET}.json")
    assert af.answers == {item.id: choice}
    assert (af.student_id, af.student_name) == ("s0001", "Kim Minji")
    assert [a["event"] for a in af.attempts] == ["open", "choose", "check"]
    page = browser_page
    assert (
        page.locator(".bmc-progress")
        .inner_text()
        .startswith(f"1/{len(bmc.load_exercise_set(SET))} answered")
    )
    assert page.locator(".bmc-saved").inner_text().startswith("saved ")
    # no code shown
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert page.title() == "Customer Relationships — practice"
    record("en", page, ms, tmp_path)
    assert ms < 5000


# Recorded from the first byte of the page: the text it shows (rendered, as innerText) at every
# frame.
RECORD_TEXTS_JS = """
window.__texts = [];
const sample = () => {
  const text = document.body ? document.body.innerText.trim() : '';
  if (text && window.__texts[window.__texts.length - 1] !== text) { window.__texts.push(text); }
  requestAnimationFrame(sample);
};
requestAnimationFrame(sample);
"""


def test_app_in_korean_wrong_answer(start_app, browser_page, tmp_path):
    url, answers = start_app("ko")
    key = bmc.load_key(SET)
    browser_page.add_init_script(RECORD_TEXTS_JS)

    def wrong(it):
        k = key.item(it.id)
        return next(c for c in it.choices("ko") if c not in k.best + k.acceptable)

    item, choice, feedback, ms = run_first_case(browser_page, url, answers, "ko", wrong)
    assert "오답입니다" in feedback
    # the tab and every text shown while loading are Korean: no notebook name, no Voila English
    assert browser_page.title() == "고객 관계 — 연습"
    assert browser_page.evaluate("document.documentElement.lang") == "ko"
    shown = browser_page.evaluate("window.__texts")
    assert "연습 문제를 불러오는 중입니다..." in shown
    for english in ("Loading widget", "Executing", "Running"):
        assert not any(english in text for text in shown), (
            english,
            [t for t in shown if english in t],
        )
    assert "Loading widget" not in browser_page.locator("body").inner_text()
    # the bundled Korean font is served (for computers without one), and nothing else is
    assert (
        browser_page.request.get(
            url.split("?")[0] + "voila/files/fonts/BMCGothic-Regular.ttf"
        ).status
        == 200
    )
    assert browser_page.request.get(url.split("?")[0] + "voila/files/app.py").status == 403
    assert browser_page.evaluate("document.fonts.check(\"16px 'BMC Gothic'\", '가')")
    assert bmc.read_answers(answers / f"{SET}.json").answers == {item.id: choice}
    total = len(bmc.load_exercise_set(SET))
    assert (
        browser_page.locator(".bmc-progress").inner_text().startswith(f"{total}문항 중 1문항 답함")
    )
    assert browser_page.locator(".bmc-saved").inner_text().startswith("저장됨 ")
    record("ko", browser_page, ms, tmp_path)
    assert ms < 5000


def test_app_restores_answers_after_a_reload(start_app, browser_page, tmp_path):
    """Close the page, come back: the new kernel reads the answer file and shows the choice
    again."""
    url, answers = start_app("en")
    key = bmc.load_key(SET)
    item, choice, _feedback, _ms = run_first_case(
        browser_page, url, answers, "en", lambda it: key.item(it.id).best[0]
    )
    page = browser_page
    page.goto("about:blank")
    page.goto(url)
    page.locator(".bmc-choice button.widget-toggle-button").first.wait_for(
        state="visible", timeout=60_000
    )
    total = len(bmc.load_exercise_set(SET))
    assert page.locator(".bmc-progress").inner_text().startswith(f"1/{total} answered")
    # it reopens on the first unanswered case; going back shows the saved choice
    page.locator(".bmc-prev").click()
    active = page.locator(".bmc-choice button.widget-toggle-button.mod-active")
    active.first.wait_for(state="visible", timeout=10_000)
    assert active.inner_text().strip() == item.choices("en")[choice]
    assert bmc.read_answers(answers / f"{SET}.json").answers == {item.id: choice}
