"""What the real-browser tests share: the Chromium they drive, free ports, waiting, artifacts."""

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

from netutil import free_port  # noqa: F401 (shared; tests import it from here too)

CHROMIUM = "/usr/bin/chromium"
# Flags measured on these machines (RECIPES.md, "Real browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
MISSING = "Chromium not found: install it with 'apt-get install -y chromium' (Debian)"


def artifacts_dir() -> Path:
    """``$BMC_ARTIFACTS`` if set, else ``tests/artifacts`` (git-ignored); created if missing."""
    target = Path(os.environ.get("BMC_ARTIFACTS") or Path(__file__).parent / "artifacts")
    target.mkdir(parents=True, exist_ok=True)
    return target


def wait_for_port(port: int, proc, what: str = "the server", timeout: float = 90.0) -> None:
    """Wait until something answers on ``port``; fail early if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{what}: nothing answered on port {port} within {timeout:.0f} s")


def loopback_only(route) -> None:
    """Playwright route handler: let loopback requests through, abort the rest (CDN fonts etc.)."""
    if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()
