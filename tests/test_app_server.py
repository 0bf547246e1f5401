"""The app's real server (Voila through ``bmc app``): only the page opened with the printed token
can start a kernel, requests addressed to another host are refused, idle kernels are shut down,
and ``kill`` or a killed ``bmc`` never leaves Voila behind."""

import http.client
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from browser_support import free_port, wait_for_port

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
    response.read()
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

    def start(**env_extra):
        port = free_port()
        env = dict(os.environ, BMC_APP_TOKEN=TOKEN, BMC_STUDENT_ID="s0001", **env_extra)
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
                "en",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((proc, log))
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
    assert get(port, "/").status in (302, 403)  # no token: to the login page, no kernel
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
