"""The no-code app: the Voila command and environment (pure), the shipped notebook, run_app's
start and stop, and ``bmc app`` -> ``run_app``."""

import functools
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from netutil import free_port

import bmclib
from bmclib import app
from bmclib.cli import main
from bmclib.errors import BMCError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (
        "BMC_STUDENT_ID",
        "BMC_STUDENT_NAME",
        "BMC_ANSWERS_DIR",
        "BMC_APP_LANG",
        "BMC_APP_SET",
        "BMC_APP_MODE",
        "BMC_APP_TOKEN",
        "JUPYTERHUB_USER",
    ):
        monkeypatch.delenv(name, raising=False)


# -- pure parts ----------------------------------------------------------------------------------


def test_app_command_serves_the_notebook_on_loopback_without_code():
    cmd = app.app_command(port=9123)
    assert cmd[:4] == [sys.executable, "-m", "bmclib.voila_app", str(app.app_notebook())]
    for flag in (
        "--no-browser",
        "--port=9123",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--Voila.root_dir={app.package_dir()}",
        "--VoilaConfiguration.file_allowlist=fonts/BMCGothic-Regular[.]ttf",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
    ):
        assert flag in cmd
    assert (app.package_dir() / app.FONT).is_file()
    assert app.app_command(port=9123) == cmd  # pure: same input, same output


def test_app_command_carries_no_token():
    """The token reaches Voila through its environment: a command line is readable by every local
    user in /proc/<pid>/cmdline."""
    cmd = app.app_command(port=9123)
    assert not any("token" in part.lower() for part in cmd)
    with pytest.raises(TypeError):
        app.app_command(port=9123, token="s3cret")


def test_app_command_quiets_voila_and_caps_its_kernels(tmp_path):
    cmd = app.app_command(port=9123, max_kernels=3, cull_seconds=30, temp_dir=tmp_path)
    assert "--Voila.log_level=WARN" in cmd  # Voila prints no address of its own next to ours
    assert (
        "--VoilaConfiguration.multi_kernel_manager_class=bmclib.voila_app.CappedKernelManager"
        in cmd
    )
    assert "--CappedKernelManager.max_kernels=3" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=30" in cmd  # idle culling kept
    assert "--MappingKernelManager.cull_interval=15" in cmd
    # connection files in the app's own folder
    assert f"--Voila.connection_dir_root={tmp_path}" in cmd
    assert f"--CappedKernelManager.max_kernels={app.MAX_KERNELS}" in app.app_command(port=9123)


def test_the_kernel_cap_and_the_page_token_are_settings_voila_takes():
    """The flags above are real settings of the installed Voila and Jupyter (a typo would be
    ignored)."""
    pytest.importorskip("voila", reason="Voila is not installed (pip install -e '.[app]')")
    from bmclib import voila_app

    voila = voila_app.LoopbackVoila()
    manager_flag = (
        "--VoilaConfiguration.multi_kernel_manager_class=bmclib.voila_app.CappedKernelManager"
    )
    voila.parse_command_line(
        [
            manager_flag,
            "--CappedKernelManager.max_kernels=3",
            "--MappingKernelManager.cull_idle_timeout=30",
            "--Voila.log_level=WARN",
        ]
    )
    manager = voila_app.CappedKernelManager(config=voila.config)
    assert manager.max_kernels == 3 and manager.cull_idle_timeout == 30
    from voila.configuration import VoilaConfiguration

    assert (
        VoilaConfiguration(config=voila.config).multi_kernel_manager_class
        is voila_app.CappedKernelManager
    )
    assert voila.log_level == 30  # logging.WARN


def test_app_title_names_the_exercise_in_the_apps_language(own_set):
    items, _key = own_set
    assert (
        app.app_title({"BMC_APP_LANG": "en", "BMC_APP_SET": "relationships-practice"})
        == "Customer Relationships — practice"
    )
    assert (
        app.app_title({"BMC_APP_LANG": "ko", "BMC_APP_SET": "relationships-practice"})
        == "고객 관계 — 연습"
    )
    assert (
        app.app_title({"BMC_APP_LANG": "ko", "BMC_APP_SET": "channels-practice"}) == "채널 — 연습"
    )
    assert app.app_title(
        {"BMC_APP_LANG": "en", "BMC_APP_SET": str(items), "BMC_APP_MODE": "assessment"}
    ).endswith(" — assessment")
    assert app.app_title({"BMC_APP_LANG": "en", "BMC_APP_REVIEW": "1"}) == "Review what you missed"


@pytest.mark.parametrize("port", [0, 70000, "8866", True])
def test_app_command_refuses_bad_ports(port):
    with pytest.raises(BMCError, match="port must be a number from 1 to 65535"):
        app.app_command(port=port)


def test_app_env_sets_the_app_variables_and_passes_the_student_through(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = app.app_env(
        lang="en",
        answers="answers",
        exercise_set="channels-practice",
        mode="practice",
        environ={"PATH": "/bin", "BMC_STUDENT_ID": "s1", "BMC_STUDENT_NAME": "Kim"},
    )
    assert env == {
        "PATH": "/bin",
        "BMC_STUDENT_ID": "s1",
        "BMC_STUDENT_NAME": "Kim",
        "BMC_APP_LANG": "en",
        "BMC_APP_SET": "channels-practice",
        "BMC_APP_MODE": "practice",
        "BMC_ANSWERS_DIR": str(tmp_path / "answers"),
        "BMC_APP_FONT_URL": "/voila/files/fonts/BMCGothic-Regular.ttf",
    }
    assert Path(env["BMC_ANSWERS_DIR"]).is_absolute()


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"lang": "fr"}, "lang must be 'en' or 'ko'"),
        ({"mode": "exam"}, "mode must be 'practice' or 'assessment'"),
        ({"exercise_set": "relationship-practice"}, "Did you mean 'relationships-practice'?"),
    ],
)
def test_app_env_refuses_bad_settings(kw, message):
    with pytest.raises(BMCError, match=message):
        app.app_env(**kw)


def test_assessment_on_a_shipped_set_is_refused_with_the_way_to_make_an_own_set():
    for set_id in ("relationships-practice", "channels-practice"):
        with pytest.raises(
            BMCError,
            match=f"'{set_id}' is a practice set: its answer key ships with bmclib.*"
            "section 7.2 of the instructor guide",
        ):
            app.app_env(exercise_set=set_id, mode="assessment", environ={})
    assert main(["app", "--no-browser", "--mode", "assessment"]) == 2


def test_exercise_from_env_builds_what_the_variables_say(tmp_path, own_set):
    items, _key = own_set
    env = {
        "BMC_APP_LANG": "en",
        "BMC_APP_SET": str(items),
        "BMC_APP_MODE": "assessment",
        "BMC_ANSWERS_DIR": str(tmp_path),
        "BMC_STUDENT_ID": "s7",
        "BMC_STUDENT_NAME": "Choi",
    }
    ex = app.exercise_from_env(env)
    assert repr(ex) == "BlockExercise('my-quiz', lang='en', mode='assessment', 4 items)"
    assert ex.key is None and ex.check_button is None
    assert ex.path == tmp_path / "my-quiz.json"
    ex.choices.value = next(iter(ex.item.choices("en")))
    assert json.loads(ex.path.read_text(encoding="utf-8"))["student_name"] == "Choi"
    default = app.exercise_from_env({"BMC_ANSWERS_DIR": str(tmp_path)})
    assert repr(default).startswith(
        "RelationshipExercise('relationships-practice', lang='ko', mode='practice'"
    )
    assert default.student_box in default.children  # no id: asks


def test_exercise_from_env_puts_the_font_rule_before_the_widget(tmp_path, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_kw: shown.extend(objs))
    app.exercise_from_env(
        {"BMC_ANSWERS_DIR": str(tmp_path), "BMC_APP_FONT_URL": "/voila/files/fonts/x.ttf"}
    )
    assert (
        len(shown) == 1
        and "@font-face" in shown[0].data
        and "url('/voila/files/fonts/x.ttf')" in shown[0].data
    )
    shown.clear()
    app.exercise_from_env({"BMC_ANSWERS_DIR": str(tmp_path)})
    assert shown == []


# -- the shipped notebook ------------------------------------------------------------------------


def test_app_notebook_is_one_small_code_cell_with_no_output():
    import nbformat

    nb = nbformat.read(app.app_notebook(), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(nb.cells) == len(code) == 1
    cell = code[0]
    assert cell.outputs == [] and cell.execution_count is None
    assert len(cell.source.splitlines()) <= 3
    assert "exercise_from_env()" in cell.source
    assert "nbval-skip" in cell.metadata.get("tags", [])  # served by Voila, not a lesson
    assert "skip-execution" not in cell.metadata.get("tags", [])  # Voila must run it
    assert nb.metadata.kernelspec.name == "python3"


def test_app_notebook_runs_in_a_kernel_and_shows_the_exercise(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("BMC_APP_LANG", "en")
    monkeypatch.setenv("BMC_ANSWERS_DIR", str(tmp_path))
    monkeypatch.setenv("BMC_STUDENT_ID", "s9")
    nb = nbformat.read(app.app_notebook(), as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    (out,) = nb.cells[0].outputs
    assert out.output_type == "execute_result"
    assert "application/vnd.jupyter.widget-view+json" in out.data
    assert out.data["text/plain"].startswith(
        "RelationshipExercise('relationships-practice', lang='en', mode='practice', "
    )
    assert list(tmp_path.iterdir()) == []  # nothing saved before a choice


# -- run_app -------------------------------------------------------------------------------------

# A stand-in for Voila: answers on the port after a moment, writes a file in the app's temporary
# folder, then exits with the given status (or runs until stopped).
FAKE_SERVER = """
import os, socket, sys, time
port, temp, code = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
print(
    "token" in " ".join(sys.argv),
    os.environ.get("BMC_APP_TOKEN"),
    os.environ["BMC_APP_TITLE"],
    flush=True,
)
open(os.path.join(temp, "connection.json"), "w").close()
time.sleep(0.3)
with socket.socket() as s:
    s.bind(("127.0.0.1", port))
    s.listen()
    time.sleep(0.5 if code >= 0 else 60)
sys.exit(max(code, 0))
"""


def fake_voila(code, seen):
    def command(port, temp_dir=None, **kw):
        seen.update(port=port, temp_dir=temp_dir, **kw)
        return [sys.executable, "-c", FAKE_SERVER, str(port), str(temp_dir), str(code)]

    return command


def test_run_app_prints_the_url_once_the_port_answers_and_returns_voilas_exit_code(
    tmp_path, monkeypatch, capfd
):
    seen = {}
    monkeypatch.setattr(app, "app_command", fake_voila(3, seen))
    port = free_port()
    code = app.run_app(
        lang="en", port=port, answers=tmp_path / "ans", open_browser=False, token="T0k"
    )
    assert code == 3 and seen["port"] == port
    out = capfd.readouterr().out
    # the child got the token in its environment, not its command line, and the tab title
    assert "False T0k Customer Relationships — practice" in out
    assert (
        out.index("starting on port")
        < out.index("False T0k")
        < out.index(f"http://127.0.0.1:{port}/?token=T0k")
    )
    assert (tmp_path / "ans").is_dir()
    assert not Path(seen["temp_dir"]).exists()  # the app's temporary folder is removed


def test_run_app_says_so_when_voila_stops_before_it_is_ready(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        app, "app_command", lambda port, **_kw: [sys.executable, "-c", "import sys; sys.exit(4)"]
    )
    assert app.run_app(lang="en", port=free_port(), answers=tmp_path, open_browser=False) == 4
    out, err = capsys.readouterr()
    assert "?token=" not in out  # no address that would not work
    assert "Voila stopped before the app was ready (exit status 4)" in err


def test_run_app_gives_up_when_the_port_never_answers(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        app,
        "app_command",
        lambda port, **_kw: [sys.executable, "-c", "import time; time.sleep(120)"],
    )
    monkeypatch.setattr(app, "READY_SECONDS", 1)
    port = free_port()
    assert app.run_app(lang="ko", port=port, answers=tmp_path, open_browser=False) == 1
    out, err = capsys.readouterr()
    assert "?token=" not in out
    assert f"앱이 1초 안에 포트 {port}에서 응답하지 않아 멈췄습니다" in err


def test_sigterm_stops_the_app_with_status_0_and_removes_its_temporary_folder(
    tmp_path, monkeypatch, capfd
):
    """`kill <pid>` (a hub or systemd stop) is the app's expected end: status 0, nothing left
    behind."""
    import os
    import threading

    seen = {}
    monkeypatch.setattr(app, "app_command", fake_voila(-1, seen))  # runs until stopped
    port = free_port()

    def kill_once_ready():
        if app.wait_for_port(port, timeout=60):
            # run_app's handler is in place before Voila starts
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=kill_once_ready, daemon=True).start()
    assert app.run_app(lang="en", port=port, answers=tmp_path, open_browser=False) == 0
    assert "bmc app: stopped" in capfd.readouterr().out
    assert not Path(seen["temp_dir"]).exists()
    assert signal.getsignal(signal.SIGTERM) is not None and app.port_is_free(port)


def test_run_app_refuses_a_busy_port(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(BMCError, match=f"port {port} on 127.0.0.1 is already in use"):
            app.run_app(port=port, answers=tmp_path, open_browser=False)


def test_run_app_opens_the_browser_once_the_port_answers(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(
        app,
        "app_command",
        lambda port, **_kw: [sys.executable, "-c", "import time; time.sleep(1.5)"],
    )
    monkeypatch.setattr(app, "wait_for_port", lambda port, **_kw: True)
    monkeypatch.setattr(app.webbrowser, "open", opened.append)
    port = free_port()
    assert app.run_app(port=port, answers=tmp_path, open_browser=True, token="T0k") == 0
    assert opened == [f"http://127.0.0.1:{port}/?token=T0k"]


class FakeVoila:
    """A process whose first wait() is interrupted by Ctrl-C; it then exits after given signals."""

    def __init__(self, exits_after=()):
        self.signals, self.exits_after, self.code = [], set(exits_after), None
        self.waits, self.pid = 0, 999_999_999  # a pid no process has

    def wait(self, timeout=None):
        self.waits += 1
        if self.waits == 1:
            raise KeyboardInterrupt
        if self.code is None and timeout is not None:
            raise subprocess.TimeoutExpired("voila", timeout)
        return self.code

    def poll(self):
        return self.code

    def send_signal(self, sig):
        self.signals.append(sig)
        if sig in self.exits_after:
            self.code = -sig

    def kill(self):
        self.signals.append("kill")
        self.code = -9


def test_ctrl_c_stops_voila_cleanly(tmp_path, monkeypatch, capsys):
    fake = FakeVoila(exits_after=[signal.SIGTERM])
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: fake)
    monkeypatch.setattr(app, "wait_for_port", lambda port, **_kw: True)
    monkeypatch.setattr(app, "_stop", functools.partial(_real_stop, grace=0.01))
    assert app.run_app(port=free_port(), answers=tmp_path, open_browser=False, lang="en") == 0
    assert fake.signals == [signal.SIGTERM]  # Voila's clean stop: it shuts its kernels down
    assert "bmc app: stopped" in capsys.readouterr().out


_real_stop = app._stop


def test_stop_escalates_from_sigterm_to_kill():
    fake = FakeVoila(exits_after=[signal.SIGTERM])
    fake.waits = 1  # the interrupted wait already happened
    assert _real_stop(fake, grace=0.01) == -signal.SIGTERM
    assert fake.signals == [signal.SIGTERM]
    stubborn = FakeVoila()
    stubborn.waits = 1
    stubborn.wait = lambda timeout=None: (
        (_ for _ in ()).throw(subprocess.TimeoutExpired("v", timeout))
        if stubborn.code is None
        else stubborn.code
    )
    assert _real_stop(stubborn, grace=0.01) == -9
    assert stubborn.signals == [signal.SIGTERM, "kill"]


def test_a_stop_that_needed_kill_is_not_reported_as_clean(tmp_path, monkeypatch):
    fake = FakeVoila()  # ignores SIGTERM
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: fake)
    monkeypatch.setattr(app, "wait_for_port", lambda port, **_kw: True)
    monkeypatch.setattr(app, "_stop", functools.partial(_real_stop, grace=0.01))
    assert app.run_app(port=free_port(), answers=tmp_path, open_browser=False, lang="en") == 1


def test_stop_returns_at_once_when_voila_already_exited():
    fake = FakeVoila()
    fake.waits, fake.code = 1, 0
    assert _real_stop(fake, grace=0.01) == 0 and fake.signals == []


def test_bmc_app_calls_run_app(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(app, "run_app", lambda **kw: calls.append(kw) or 0)
    assert (
        main(
            [
                "app",
                "--no-browser",
                "--port",
                "9001",
                "--lang",
                "en",
                "--answers",
                str(tmp_path),
                "--set",
                "channels-practice",
                "--mode",
                "assessment",
            ]
        )
        == 0
    )
    assert calls == [
        {
            "lang": "en",
            "port": 9001,
            "answers": str(tmp_path),
            "exercise_set": "channels-practice",
            "mode": "assessment",
            "open_browser": False,
            "key": None,
        }
    ]


def test_bmc_app_reports_a_busy_port_as_a_usage_error(tmp_path, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--no-browser", "--port", str(port), "--answers", str(tmp_path)]) == 2
    assert (
        f"port {port} on 127.0.0.1 is already in use; choose another port"
        in capsys.readouterr().err
    )


def test_app_serves_an_instructors_own_set(tmp_path):
    """`bmc app --set my-set.csv --key my-key.csv`: the kernel gets absolute paths to both."""
    from bmclib.cli import main as bmc_main

    assert (
        bmc_main(
            [
                "new-set",
                str(bmclib.data_path("cases.csv")),
                "--set",
                "my-quiz",
                "--out",
                str(tmp_path),
                "--only",
                "ikea,netflix",
            ]
        )
        == 0
    )
    items, key = tmp_path / "exercises" / "my-quiz.csv", tmp_path / "keys" / "my-quiz.csv"
    env = app.app_env(
        lang="en", answers=tmp_path / "answers", exercise_set=str(items), key=key, environ={}
    )
    assert env["BMC_APP_SET"] == str(items) and env["BMC_APP_KEY"] == str(key)
    exercise = app.exercise_from_env(env)
    assert repr(exercise) == "BlockExercise('my-quiz', lang='en', mode='practice', 2 items)"
    assert exercise.exercise_set.item_ids == exercise.key.item_ids == ("q01", "q02")
    with pytest.raises(bmclib.BMCError, match="Or give the path of your own CSV file"):
        app.app_env(exercise_set="my-quiz", environ={})


# -- leftovers of a killed app, and Voila's template files (breaker t9) -------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_the_next_start_removes_only_folders_of_apps_that_were_killed(tmp_path):
    import os

    dead, live = dead_pid(), os.getpid()
    folders = {
        "bmc-app-killed": f"{dead}\n{dead_pid()}\n",  # bmc and its Voila: both gone
        "bmc-app-running": f"{live}\n",
        "bmc-app-voila-still-up": f"{dead}\n{live}\n",
        "bmc-app-no-owners": None,  # not ours to judge
        "other-killed": f"{dead}\n",  # not an app's folder
    }
    for name, owners in folders.items():
        (tmp_path / name / "ipython").mkdir(parents=True)
        if owners is not None:
            (tmp_path / name / app.OWNERS).write_text(owners, encoding="ascii")
    assert app.remove_stale_temp(tmp_path) == [str(tmp_path / "bmc-app-killed")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(folders) - {"bmc-app-killed"})


def test_run_app_names_its_owners_and_clears_a_killed_runs_folder(tmp_path, monkeypatch, capfd):
    import os
    import tempfile

    temp = tmp_path / "tmp"
    (temp / "bmc-app-killed").mkdir(parents=True)
    (temp / "bmc-app-killed" / app.OWNERS).write_text(f"{dead_pid()}\n", encoding="ascii")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen = {}
    fake = fake_voila(0, seen)

    def command(**kw):
        seen["owners"] = (Path(kw["temp_dir"]) / app.OWNERS).read_text(encoding="ascii")
        return fake(**kw)

    monkeypatch.setattr(app, "app_command", command)
    code = app.run_app(lang="en", port=free_port(), answers=tmp_path / "ans", open_browser=False)
    assert code == 0 and seen["owners"] == f"{os.getpid()}\n"
    assert list(temp.iterdir()) == []  # the killed run's folder, and this run's own, are gone


@pytest.mark.parametrize(
    "path",
    [
        "",
        "lab",
        "lab/static",
        "lab/static/",
        "lab/other/voila.js",
        "lab/static/../../../../../../etc/passwd",
        "../../etc/passwd",
        "lab/static/./x.js",
    ],
)
def test_a_template_file_path_of_another_shape_is_not_found(path):
    pytest.importorskip("voila", reason="Voila is not installed: pip install -e '.[app]'")
    from tornado.web import HTTPError

    from bmclib.voila_app import SafeTemplateStaticFileHandler

    with pytest.raises(HTTPError) as caught:
        SafeTemplateStaticFileHandler.checked_parts(path)
    assert caught.value.status_code == 404
    with pytest.raises(HTTPError):
        SafeTemplateStaticFileHandler.get_absolute_path("/fake-root", path)
