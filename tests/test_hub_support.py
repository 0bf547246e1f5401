"""The hub tests' own helpers: they say clearly why a hub cannot start, and find the proxy where
.ci/run installs it (these run everywhere, also where the hub tests are skipped)."""

from pathlib import Path

import hub_support
import pytest


def test_missing_node_or_proxy_is_named_with_the_fix(monkeypatch, tmp_path):
    pytest.importorskip("jupyterhub")
    pytest.importorskip("websocket")
    monkeypatch.setattr(hub_support.shutil, "which", lambda name: None)
    assert "node is not installed" in hub_support.missing_tools()
    monkeypatch.setattr(
        hub_support.shutil, "which", lambda name: "/usr/bin/node" if name == "node" else None
    )
    monkeypatch.setattr(hub_support, "LOCAL_PROXY", tmp_path / "configurable-http-proxy")
    message = hub_support.missing_tools()
    assert message.startswith("configurable-http-proxy is not installed")
    assert "npm install --prefix .ci/node configurable-http-proxy@5" in message


def test_the_proxy_is_found_on_path_or_in_ci_node(monkeypatch, tmp_path):
    local = tmp_path / "configurable-http-proxy"
    local.write_text("#!/bin/sh\n")
    local.chmod(0o755)
    monkeypatch.setattr(hub_support, "LOCAL_PROXY", local)
    monkeypatch.setattr(hub_support.shutil, "which", lambda name: None)
    assert hub_support.find_proxy() == str(local)
    monkeypatch.setattr(hub_support.shutil, "which", lambda name: "/somewhere/" + name)
    assert hub_support.find_proxy() == "/somewhere/configurable-http-proxy"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_marked_pids_finds_only_processes_carrying_the_marker():
    import os
    import subprocess
    import sys

    marker = "test-marker-" + os.urandom(4).hex()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        env={**os.environ, hub_support.MARKER: marker},
    )
    try:
        assert hub_support.marked_pids(marker) == [proc.pid]
        assert hub_support.marked_pids(marker + "x") == []
    finally:
        proc.kill()
        proc.wait()
