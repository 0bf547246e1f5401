"""The app's real server (Voila through ``bmc app``): only the page opened with the printed token
can start a kernel (others get our own 403 page), the token is on no command line, requests
addressed to another host are refused, idle kernels are shut down, the kernel cap holds, and
``kill`` or a killed ``bmc`` never leaves Voila, kernels or temporary files behind."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest
from browser_support import free_port, wait_for_port

pytest.importorskip(
    "voila", reason="Voila is not installed: pip install -e '.[app]' to test the app's server"
)

pytestmark = pytest.mark.slow
TOKEN = "test-token-123"


def kernels(proc: subprocess.Popen) -> list[psutil.Process]:
    """The ipykernel processes under ``bmc app`` (its Voila child starts them)."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for p in family:
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.Error:  # it ended (or is ending) meanwhile: not a live kernel
            continue
    return found


def voila_of(proc: subprocess.Popen) -> psutil.Process:
    return next(
        p
        for p in psutil.Process(proc.pid).children()
        if "bmclib.voila_app" in " ".join(p.cmdline())
    )


def get(port: int, path: str, host: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
    response = conn.getresponse()
    response.text = response.read().decode("utf-8", "replace")
    conn.close()
    return response


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


@pytest.fixture
def app(tmp_path):
    """Start `bmc app` with a known token and a short kernel cull time; always stopped."""
    started = []

    def start(lang="en", wait=True, **env_extra):
        port = free_port()
        temp = tmp_path / f"tmp-{port}"  # the app's TMPDIR: it must be empty again after a stop
        temp.mkdir()
        env = dict(
            os.environ, BMC_APP_TOKEN=TOKEN, BMC_STUDENT_ID="s0001", TMPDIR=str(temp), **env_extra
        )
        env.pop("BMC_ANSWERS_DIR", None)
        log = open(tmp_path / f"app-{port}.log", "wb")  # noqa: SIM115 - closed below
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
                str(tmp_path / "answers"),
                "--lang",
                lang,
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path, proc.temp = tmp_path / f"app-{port}.log", temp
        started.append((proc, log))
        if wait:
            wait_for_port(port, proc, "bmc app")
        return proc, port

    yield start
    for proc, log in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_only_the_page_with_the_token_starts_a_kernel_and_only_for_this_computer(app):
    proc, port = app()
    assert get(port, "/").status == 403  # no token: our page, no kernel
    assert kernels(proc) == []
    evil = get(port, f"/?token={TOKEN}", host=f"rebind.evil.example:{port}")  # DNS rebinding shape
    assert evil.status == 403 and kernels(proc) == []
    assert get(port, f"/?token={TOKEN}", host=f"localhost:{port}").status == 200
    wait_until(lambda: len(kernels(proc)) == 1, 60, "a kernel for the page with the token")


def test_a_kernel_with_no_page_connected_is_shut_down(app):
    proc, port = app(BMC_APP_CULL_SECONDS="4")
    for _ in range(3):  # pages fetched by a script never connect: their kernels must not pile up
        assert get(port, f"/?token={TOKEN}").status == 200
    wait_until(lambda: len(kernels(proc)) >= 1, 60, "kernels for the fetched pages")
    wait_until(lambda: kernels(proc) == [], 90, "idle kernels being culled")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_stopping_bmc_app_stops_voila_too(app, sig):
    proc, port = app()
    voila = voila_of(proc)
    # `kill <pid>`, a closed terminal, or kill -9 of bmc alone (not its group)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    wait_until(
        lambda: not voila.is_running() or voila.status() == psutil.STATUS_ZOMBIE,
        60,
        "Voila stopping",
    )
    with __import__("socket").socket() as s:  # the port is free again: a restart works
        s.bind(("127.0.0.1", port))


def test_the_token_is_on_no_command_line_and_in_no_kernel(app):
    """Every local user can read /proc/<pid>/cmdline: the token goes through the environment,
    which Voila empties of it before any kernel starts."""
    proc, port = app()
    voila = voila_of(proc)
    assert "bmclib.voila_app" in " ".join(voila.cmdline())
    assert not any(TOKEN in part for part in voila.cmdline())
    with open(f"/proc/{voila.pid}/cmdline", "rb") as f:
        assert TOKEN.encode() not in f.read()
    assert get(port, f"/?token={TOKEN}").status == 200
    wait_until(lambda: len(kernels(proc)) == 1, 60, "a kernel for the page")
    (kernel,) = kernels(proc)
    assert not any(TOKEN in part for part in kernel.cmdline())
    assert "BMC_APP_TOKEN" not in kernel.environ()


@pytest.mark.parametrize(
    "lang, title, words",
    [
        ("en", "Open the app from its address", "the address that bmc app printed in its terminal"),
        ("ko", "앱 주소로 열어 주세요", "bmc app이 터미널에 출력한 주소"),
    ],
)
def test_a_page_without_the_right_token_gets_our_page_in_the_apps_language(app, lang, title, words):
    proc, port = app(lang=lang)
    for path in ("/", "/?token=wrong", "/login", "/login?next=%2F"):
        page = get(port, path)
        assert page.status == 403, path
        assert f'<html lang="{lang}">' in page.text and f"<title>{title}</title>" in page.text
        assert words in page.text and "?token=..." in page.text
        assert "<form" not in page.text and "password" not in page.text.lower()
    assert kernels(proc) == []


def test_the_terminal_shows_one_address_ours(app):
    proc, port = app()
    assert get(port, f"/?token={TOKEN}").status == 200
    wait_until(lambda: len(kernels(proc)) == 1, 60, "a kernel for the page")
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    log = proc.log_path.read_text(encoding="utf-8")
    assert log.count("http://") == 1 and f"http://127.0.0.1:{port}/?token={TOKEN}" in log
    assert "Voil" not in log and "[LoopbackVoila]" not in log and "without encryption" not in log


def test_the_kernel_cap_reaches_voila_and_holds(app):
    proc, port = app(BMC_APP_MAX_KERNELS="1")
    assert "--CappedKernelManager.max_kernels=1" in voila_of(proc).cmdline()
    assert get(port, f"/?token={TOKEN}").status == 200
    wait_until(lambda: len(kernels(proc)) == 1, 60, "a kernel for the first page")
    second = get(port, f"/?token={TOKEN}")
    assert second.status == 503 and "The app runs at most 1 exercise pages at once" in second.text
    assert len(kernels(proc)) == 1


@pytest.mark.parametrize("when", ["serving", "starting"])
def test_sigterm_stops_the_app_cleanly_with_status_0(app, when):
    """`kill <pid>` (a hub or systemd stop): kernels shut down, temporary files removed, status 0,
    also when it comes before Voila is ready (it used to exit 241, that is -SIGTERM)."""
    proc, port = app(wait=when == "serving")
    if when == "serving":
        assert get(port, f"/?token={TOKEN}").status == 200
        wait_until(lambda: len(kernels(proc)) == 1, 60, "a kernel for the page")
        running = kernels(proc)
    else:
        wait_until(
            lambda: b"starting on port" in proc.log_path.read_bytes(), 60, "bmc app starting"
        )
        running = []
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=60) == 0, proc.log_path.read_text(encoding="utf-8")
    for kernel in running:
        wait_until(
            lambda k=kernel: not k.is_running() or k.status() == psutil.STATUS_ZOMBIE,
            30,
            "kernel exit",
        )
    assert list(proc.temp.iterdir()) == []
    assert "bmc app: stopped" in proc.log_path.read_text(encoding="utf-8")


def test_template_paths_of_another_shape_get_404_and_print_nothing(app):
    proc, port = app()
    assert get(port, "/voila/templates/lab/static/voila.js").status in (200, 404)
    for path in (
        "/voila/templates/",
        "/voila/templates/lab",
        "/voila/templates/lab/static/../../../../../../../../etc/passwd",
        "/voila/templates/lab/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ):
        page = get(port, path)
        assert page.status == 404, path
        assert "root:" not in page.text
    for (
        path
    ) in (  # refused without a page of ours: still nothing in the terminal, no terminal codes
        "/voila/static/../../etc/passwd",
        "/voila/static/..%2f%1b%5b31mRED%1b%5b0m",
        "/voila/files/%1b%5b2Jx",
    ):
        assert get(port, path).status in (403, 404), path
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    log = proc.log_path.read_text(encoding="utf-8")
    assert "Traceback" not in log and "Uncaught" not in log
    # no server error logged ("500 GET ..."; the port in the printed address may hold "500")
    assert not re.search(r"\b500 (GET|HEAD|POST|PUT|DELETE)", log)
    assert "\x1b" not in log and "passwd" not in log and "RED" not in log
