"""A real JupyterHub for tests: a fresh hub on free loopback ports in a temporary folder.

What it starts (RECIPES.md, "JupyterHub"): the hub (``python -m jupyterhub``) with the dummy
authenticator, ``SimpleLocalProcessSpawner`` with every home in the temporary folder, and
configurable-http-proxy from npm. Every address is 127.0.0.1. Two hub services hold API tokens:
``admin`` (start, stop and inspect servers, for the test itself) and ``collector`` with exactly
the scopes the instructor guide tells instructors to give ``bmc collect --hub``.

Every process the hub starts (proxy, users' servers, their kernels) carries a marker variable
unique to this hub, so :meth:`Hub.stop` can find and end each one of them by its process id,
even when the hub itself died first. Nothing else on the machine is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from netutil import free_port

ROOT = Path(__file__).resolve().parents[1]
#: Where ``.ci/run`` installs configurable-http-proxy (``npm install --prefix .ci/node ...``).
LOCAL_PROXY = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
MARKER = "BMC_HUB_TEST_RUN"


def find_proxy() -> str | None:
    """configurable-http-proxy: on PATH, else where ``.ci/run`` installs it."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    return str(LOCAL_PROXY) if LOCAL_PROXY.is_file() and os.access(LOCAL_PROXY, os.X_OK) else None


def missing_tools() -> str | None:
    """Why a hub cannot start here (``None`` when it can)."""
    try:
        import jupyterhub  # noqa: F401
        import websocket  # noqa: F401
    except ImportError as exc:
        return f'{exc.name} is not installed (pip install -e ".[test]")'
    if not Path("/proc/self/environ").exists():
        return "needs Linux's /proc to find and stop every process the hub started"
    if not shutil.which("node"):
        return "node is not installed (the hub's proxy, configurable-http-proxy, runs on Node.js)"
    if not find_proxy():
        return (
            "configurable-http-proxy is not installed: npm install --prefix .ci/node "
            "configurable-http-proxy@5 (as .ci/run does), or npm install -g configurable-http-proxy"
        )
    return None


def marked_pids(marker_value: str) -> list[int]:
    """Process ids whose environment carries ``MARKER=marker_value`` (only ours: we set it)."""
    needle = f"{MARKER}={marker_value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(entry.name))
    return found


CONFIG = """\
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.JupyterHub.pid_file = "{tmp}/hub.pid"
# POST .../server answers at once: starts overlap
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = set({users!r})
c.JupyterHub.load_groups = {{"students": {{"users": {users!r}}}}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = {args!r}
c.Spawner.environment = {{{marker!r}: {marker_value!r}}}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.Spawner.poll_interval = 2
c.JupyterHub.services = [
    {{"name": "admin", "api_token": {admin_token!r}}},
    {{"name": "collector", "api_token": {collector_token!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "test-admin", "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"],
      "services": ["admin"]}},
    {{"name": "collector", "scopes": ["list:users", "read:users", "tokens!group=students"],
      "services": ["collector"]}},
]
"""


class Hub:
    """One JupyterHub in ``tmp``; :meth:`stop` ends every process it started.

    ``extra_config`` (Python, e.g. another authenticator) is added after :data:`CONFIG`."""

    def __init__(self, tmp: Path, users: list[str], extra_config: str = ""):
        self.tmp = Path(tmp)
        self.users = users
        self.extra_config = extra_config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_hex(16)
        self.collector_token = secrets.token_hex(16)
        self.marker_value = uuid.uuid4().hex
        self.proc: subprocess.Popen | None = None
        self.log = self.tmp / "hub.log"

    def home(self, user: str) -> Path:
        return self.tmp / "home" / user

    def start(self, timeout: float = 60) -> None:
        args = ["--ServerApp.allow_root=True"] if os.getuid() == 0 else []
        args += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        config = CONFIG.format(
            port=self.port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            tmp=self.tmp.as_posix(),
            proxy=find_proxy(),
            password=secrets.token_hex(8),
            users=sorted(self.users),
            python=sys.executable,
            args=args,
            marker=MARKER,
            marker_value=self.marker_value,
            admin_token=self.admin_token,
            collector_token=self.collector_token,
        )
        (self.tmp / "jupyterhub_config.py").write_text(config + self.extra_config, encoding="utf-8")
        (self.tmp / "home").mkdir(exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()  # nothing of a hub these tests might run in
            if not k.startswith(("JUPYTERHUB_", "BMC_", "JUPYTER_CONFIG", "JUPYTER_RUNTIME"))
        }
        env[MARKER] = self.marker_value
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(self.tmp / "jupyterhub_config.py")],
                cwd=self.tmp,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                status, _ = self.request("GET", "/hub/api/", token=self.admin_token)
                if status == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the hub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(
                self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return "(no hub log)"

    # -- requests ---------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, token: str | None = None, body=None, timeout: float = 30
    ):
        """``(status, JSON or None)`` for a request to the hub or a user's server (token in the
        header)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"token {token or self.admin_token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw.strip() else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, None

    def user_model(self, user: str) -> dict:
        status, model = self.request("GET", f"/hub/api/users/{user}")
        assert status == 200, (status, model)
        return model

    def start_servers(self, users: list[str], timeout: float = 60) -> None:
        """Start users' default servers through the REST API and wait until each is ready."""
        for user in users:
            status, body = self.request("POST", f"/hub/api/users/{user}/server")
            assert status in (201, 202), (user, status, body, self.log_tail())
        deadline = time.monotonic() + timeout
        waiting = set(users)
        while waiting and time.monotonic() < deadline:
            for user in sorted(waiting):
                model = self.user_model(user)
                if model["servers"].get("", {}).get("ready"):
                    waiting.discard(user)
                elif not model.get("pending") and not model["servers"]:
                    raise RuntimeError(f"{user}'s server failed to start:\n{self.log_tail()}")
            time.sleep(0.3)
        if waiting:
            raise TimeoutError(
                f"servers not ready within {timeout} s: {sorted(waiting)}\n{self.log_tail()}"
            )

    def stop_server(self, user: str, timeout: float = 30) -> None:
        status, body = self.request("DELETE", f"/hub/api/users/{user}/server")
        assert status in (202, 204), (status, body)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.user_model(user)["servers"]:
                return
            time.sleep(0.3)
        raise TimeoutError(f"{user}'s server did not stop within {timeout} s")

    def server_pid(self, user: str) -> int:
        return int(self.user_model(user)["servers"][""]["state"]["pid"])

    # -- the end
    # ------------------------------------------------------------------------------------

    def stop(self) -> list[int]:
        """Stop the hub (it stops the servers and the proxy), then end any process of ours left.

        Returns the process ids that had to be ended by force (for the test to report)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        leftovers = marked_pids(self.marker_value)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in leftovers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and marked_pids(self.marker_value):
                time.sleep(0.1)
            if not marked_pids(self.marker_value):
                break
        return leftovers


class Kernel:
    """A kernel in a user's server, driven over its websocket with Jupyter messages."""

    def __init__(self, hub: Hub, user: str, notebook_path: str, timeout: float = 60):
        import websocket

        self.hub, self.user = hub, user
        status, session = hub.request(
            "POST",
            f"/user/{user}/api/sessions",
            body={
                "path": notebook_path,
                "type": "notebook",
                "name": "",
                "kernel": {"name": "python3"},
            },
            timeout=timeout,
        )
        assert status == 201, (status, session)
        self.kernel_id = session["kernel"]["id"]
        self.session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{hub.port}/user/{user}/api/kernels/{self.kernel_id}/channels"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {hub.admin_token}"], timeout=timeout
        )

    def run(self, code: str, timeout: float = 60) -> str:
        """Run ``code``; return its stdout; raise with the traceback if it failed."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": self.user,
                        "session": self.session,
                        "date": "",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "buffers": [],
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        out, reply, idle = [], None, False
        deadline = time.monotonic() + timeout
        while not (reply and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply from {self.user}'s kernel within {timeout} s")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append("\n".join(content["traceback"]))
            elif kind == "execute_reply":
                reply = content
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        if reply["status"] != "ok":
            raise RuntimeError(
                f"{self.user}'s kernel: {reply.get('ename')}: {reply.get('evalue')}\n"
                + "".join(out)
            )
        return "".join(out)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
