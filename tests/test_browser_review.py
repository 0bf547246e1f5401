"""``bmc app --review`` in a real browser: Voila serves the review of what was missed, headless
Chromium answers a missed question, and the answer file and the review schedule change on disk."""

import json
import os
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


def test_the_app_reviews_a_missed_question(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    answers = tmp_path / "answers"
    answers.mkdir()
    # channels-practice ch_14: partner_stores is partly right, wholesaler is the best answer
    (answers / "channels-practice.json").write_text(
        json.dumps(
            {
                "format": "bmclib-answers",
                "version": 1,
                "student_id": "s0001",
                "student_name": "Kim Minji",
                "exercise_set": "channels-practice",
                "answers": {"ch_14": "partner_stores", "ch_01": "sales_force"},
                "saved_at": "2026-11-20T10:00:00+09:00",
            }
        ),
        encoding="utf-8",
    )
    port = free_port()
    env = dict(os.environ, BMC_APP_TOKEN="review-test")
    for name in ("BMC_ANSWERS_DIR", "BMC_STUDENT_ID", "JUPYTERHUB_USER"):
        env.pop(name, None)
    with open(tmp_path / "app.log", "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bmclib.cli",
                "app",
                "--review",
                "--no-browser",
                "--port",
                str(port),
                "--answers",
                str(answers),
                "--lang",
                "en",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, proc)
        label = bmc.load_exercise_set("channels-practice").item("ch_14").choices("en")["wholesaler"]
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.route("**/*", loopback_only)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/?token=review-test")
            page.locator(".bmc-choice button.widget-toggle-button").first.wait_for(
                state="visible", timeout=60_000
            )
            assert page.locator(".bmc-review-box").inner_text().strip() == "Review box 1 of 4"
            assert (
                "Last time: Partner stores (partly right)"
                in page.locator(".bmc-review-last").inner_text()
            )
            page.locator(".bmc-choice button.widget-toggle-button", has_text=label).first.click()
            page.wait_for_function(
                "() => !document.querySelector('.bmc-check').disabled", timeout=10_000
            )
            page.locator(".bmc-check").click()
            page.locator(".bmc-fb-best").wait_for(state="visible", timeout=10_000)
            moved = page.locator(".bmc-review-moved").inner_text()
            page.screenshot(path=str(artifacts_dir() / "app-review-en.png"), full_page=True)
            context.close()
            browser.close()
        assert moved.startswith("Up to box 2: it comes back after a 1-day gap")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (answers / ".review-state").exists():
            time.sleep(0.1)
        state = json.loads((answers / ".review-state").read_text(encoding="utf-8"))
        assert state["items"]["channels-practice"]["ch_14"]["box"] == 2
        saved = bmc.read_answers(answers / "channels-practice.json")
        assert (
            saved.answers == {"ch_14": "wholesaler", "ch_01": "sales_force"}
            and saved.student_id == "s0001"
        )
        assert bmc.review_items(answers) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
