"""The no-code app: an exercise served by Voila on 127.0.0.1, no code visible.

``bmc app`` calls :func:`run_app`, which starts Voila on a small notebook shipped with the
package (``bmclib/app_notebooks/exercise.ipynb``). That notebook has one code cell,
``exercise_from_env()``, which builds the exercise from environment variables that
:func:`app_env` sets: ``BMC_APP_LANG``, ``BMC_APP_SET``, ``BMC_APP_MODE``,
``BMC_ANSWERS_DIR`` (absolute), ``BMC_APP_REVIEW`` (``1``: the review of what was missed
instead of one set) and ``BMC_APP_FONT_URL`` (the bundled Korean font, for
computers without one); ``BMC_STUDENT_ID`` / ``BMC_STUDENT_NAME`` and, on a JupyterHub,
``JUPYTERHUB_USER`` pass through (see :mod:`bmclib.identity`).

For scripts and tests, ``BMC_APP_TOKEN`` fixes the page token (default: a new random one each
start; Voila gets it through its environment, never on its command line),
``BMC_APP_CULL_SECONDS`` how long a kernel with no page connected lives (default 600) and
``BMC_APP_MAX_KERNELS`` how many kernels run at once (default 8). :func:`run_app` also gives Voila
``BMC_APP_TITLE`` (the tab title, :func:`app_title`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Mapping
from pathlib import Path

from .errors import BMCError
from .exercises import DEFAULT_SET, MODES
from .i18n import Msg, check_lang

#: a kernel with no page connected for this long is shut down (a closed tab, a page fetched by a
#: script)
CULL_IDLE_SECONDS = 600
#: the most kernels (open exercise pages) that run at once: each takes about 60 MB
MAX_KERNELS = 8
#: how long ``bmc app`` waits for Voila to answer before it gives up
READY_SECONDS = 120
#: The bundled Korean font, served by Voila (relative to the package folder, its root)
FONT = "fonts/BMCGothic-Regular.ttf"


def package_dir() -> Path:
    """The installed ``bmclib`` folder: Voila's root, so it can serve the bundled font."""
    return Path(__file__).resolve().parent


def app_notebook() -> Path:
    """The notebook Voila serves (shipped as package data).

    >>> app_notebook().relative_to(package_dir()).as_posix()
    'app_notebooks/exercise.ipynb'
    """
    return package_dir() / "app_notebooks" / "exercise.ipynb"


def app_command(
    notebook: str | os.PathLike | None = None,
    *,
    port: int = 8866,
    python: str | None = None,
    cull_seconds: int | None = None,
    max_kernels: int | None = None,
    temp_dir: str | os.PathLike | None = None,
) -> list[str]:
    """The command that serves ``notebook`` with Voila on ``127.0.0.1:port`` (pure: starts nothing).

    Voila strips code and tracebacks; ``port_retries=0`` makes a busy port an error instead
    of a silent move to another port (the printed URL must be right). Voila's root is the
    package folder and its file route serves one file: the bundled Korean font. The server
    (:mod:`bmclib.voila_app`) answers only loopback Host names and takes its page token from the
    environment (``BMC_APP_TOKEN``), never from this command line, which any local user can read.
    Voila logs warnings only (the address the user opens is the one ``bmc app`` prints); kernels
    idle for ``cull_seconds`` (10 minutes) with no page connected are shut down, and at most
    ``max_kernels`` run at once; ``temp_dir`` (a private folder) holds the kernels' connection
    files. The page's language and tab title come from the environment
    (``BMC_APP_LANG``, ``BMC_APP_TITLE``).

    >>> cmd = app_command(port=9000, python="python3")
    >>> cmd[:3], cmd[4:]  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    (['python3', '-m', 'bmclib.voila_app'], ['--no-browser', '--port=9000', '--Voila.ip=127.0.0.1',
     '--Voila.port_retries=0', '--Voila.log_level=WARN', '--strip_sources=True',
     '--show_tracebacks=False', '--theme=light', '--Voila.root_dir=...',
     '--VoilaConfiguration.file_allowlist=fonts/BMCGothic-Regular[.]ttf',
     '--VoilaConfiguration.multi_kernel_manager_class=bmclib.voila_app.CappedKernelManager',
     '--CappedKernelManager.max_kernels=8', '--MappingKernelManager.cull_idle_timeout=600',
     '--MappingKernelManager.cull_interval=60'])
    """
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise BMCError(Msg("app.bad_port", port=repr(port)))
    cull = cull_seconds if cull_seconds is not None else CULL_IDLE_SECONDS
    cap = max_kernels if max_kernels is not None else MAX_KERNELS
    command = [
        python or sys.executable,
        "-m",
        "bmclib.voila_app",
        str(notebook or app_notebook()),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--Voila.log_level=WARN",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        f"--Voila.root_dir={package_dir()}",
        "--VoilaConfiguration.file_allowlist=" + FONT.replace(".", "[.]"),
        "--VoilaConfiguration.multi_kernel_manager_class=bmclib.voila_app.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={cap}",
        f"--MappingKernelManager.cull_idle_timeout={cull}",
        f"--MappingKernelManager.cull_interval={min(60, max(1, cull // 2))}",
    ]
    if temp_dir is not None:
        command.append(f"--Voila.connection_dir_root={temp_dir}")
    return command


def app_title(env: Mapping[str, str]) -> str:
    """The browser tab's title for the app that ``env`` (from :func:`app_env`) describes.

    >>> env = {"BMC_APP_LANG": "en", "BMC_APP_SET": "relationships-practice"}
    >>> app_title({**env, "BMC_APP_MODE": "practice"})
    'Customer Relationships — practice'
    >>> app_title({"BMC_APP_LANG": "ko", "BMC_APP_REVIEW": "1"})
    '틀린 문항 다시 보기'
    """
    from .blocks import block, taxonomy
    from .exercises import load_exercise_set
    from .i18n import ui

    lang = env.get("BMC_APP_LANG") or "ko"
    if env.get("BMC_APP_REVIEW") == "1":
        return ui("review_title", lang)
    items = load_exercise_set(env.get("BMC_APP_SET") or DEFAULT_SET).items
    name = block(taxonomy(items[0].taxonomy).block).name[lang]
    return Msg("app.title_" + (env.get("BMC_APP_MODE") or "practice"), block=name).text(lang)


def app_env(
    *,
    lang: str = "ko",
    answers: str | os.PathLike = "answers",
    exercise_set: str = DEFAULT_SET,
    mode: str = "practice",
    key: str | os.PathLike | None = None,
    review: bool = False,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for Voila and its kernel: ``environ`` (default ``os.environ``) plus the
    app's settings. The answers folder is made absolute, since the kernel runs elsewhere.

    >>> env = app_env(
    ...     lang="en", answers="/srv/answers", mode="practice", environ={"BMC_STUDENT_ID": "s1"}
    ... )
    >>> {k: env[k] for k in sorted(env)}  # doctest: +NORMALIZE_WHITESPACE
    {'BMC_ANSWERS_DIR': '/srv/answers',
     'BMC_APP_FONT_URL': '/voila/files/fonts/BMCGothic-Regular.ttf',
     'BMC_APP_LANG': 'en', 'BMC_APP_MODE': 'practice', 'BMC_APP_SET': 'relationships-practice',
     'BMC_STUDENT_ID': 's1'}
    """
    from .exercises import exercise_set_ids

    check_lang(lang)
    if review and (mode != "practice" or key is not None):
        raise BMCError(Msg("app.review_alone"))
    if mode not in MODES:
        raise BMCError(Msg("app.bad_mode", mode=repr(mode)))
    known = exercise_set_ids()
    own = str(exercise_set).endswith(".csv")
    if own:
        from .exercises import load_exercise_set

        load_exercise_set(exercise_set)  # an instructor's own set: check it before serving it
        exercise_set = str(Path(exercise_set).expanduser().absolute())
    elif exercise_set not in known:
        from .errors import unknown

        raise BMCError(
            Msg("paths.unknown_or_path", error=unknown("exercise set", exercise_set, known))
        )
    if mode == "assessment":
        from .exercises import load_exercise_set, refuse_assessment_on_shipped

        refuse_assessment_on_shipped(load_exercise_set(exercise_set).id)
    env = dict(os.environ if environ is None else environ)
    env.update(
        BMC_APP_LANG=lang,
        BMC_APP_SET=exercise_set,
        BMC_APP_MODE=mode,
        BMC_ANSWERS_DIR=str(Path(answers).expanduser().absolute()),
        BMC_APP_FONT_URL=f"/voila/files/{FONT}",
    )
    if key is not None:
        from .keys import load_key

        load_key(key)
        env["BMC_APP_KEY"] = str(Path(key).expanduser().absolute())
    if review:
        env["BMC_APP_REVIEW"] = "1"
    else:
        env.pop("BMC_APP_REVIEW", None)
    return env


def exercise_from_env(environ: Mapping[str, str] | None = None):
    """Build the app's exercise from ``BMC_APP_*`` variables (the app notebook's one line).

    >>> env = {"BMC_APP_LANG": "en", "BMC_APP_MODE": "practice", "BMC_ANSWERS_DIR": "/tmp/none"}
    >>> exercise_from_env(env)  # doctest: +ELLIPSIS
    RelationshipExercise('relationships-practice', lang='en', mode='practice', ... items)
    """
    from .identity import student_from_env
    from .widgets import block_exercise, relationship_exercise

    env = os.environ if environ is None else environ
    if env.get("BMC_APP_REVIEW") == "1":
        from .widgets import review

        exercise = review(env.get("BMC_APP_LANG") or "ko", env.get("BMC_ANSWERS_DIR") or None)
        _font(env)
        return exercise
    set_id = env.get("BMC_APP_SET") or DEFAULT_SET
    build = relationship_exercise if set_id == DEFAULT_SET else block_exercise
    student_id, student_name = student_from_env(environ=env)  # BMC_STUDENT_ID, else JUPYTERHUB_USER
    exercise = build(
        set_id,
        env.get("BMC_APP_LANG") or "ko",
        env.get("BMC_APP_MODE") or "practice",
        answers_dir=env.get("BMC_ANSWERS_DIR") or None,
        student_id=student_id or None,
        student_name=student_name or None,
        key=env.get("BMC_APP_KEY") or None,
    )
    _font(env)
    return exercise


def _font(env: Mapping[str, str]) -> None:
    if env.get("BMC_APP_FONT_URL"):
        # a plain HTML output, so Voila puts the font rule in the page before any widget draws
        from IPython.display import HTML, display

        from .widgets.style import font_face

        display(HTML(font_face(env["BMC_APP_FONT_URL"])))


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, timeout: float = 60.0, host: str = "127.0.0.1", proc=None) -> bool:
    """Wait until ``host:port`` accepts connections (False after ``timeout`` or if ``proc``
    ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _stop(proc, grace: float = 15.0) -> int:
    """Stop Voila cleanly and return its exit code: SIGTERM (Voila then shuts its kernels down and
    removes its connection files), then, if it is still there after ``grace`` seconds, SIGKILL to
    its process group (Voila runs in a session of its own, with its kernels)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    for _ in range(3):  # a second Ctrl-C while waiting does not cut the clean stop short
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            break
        except KeyboardInterrupt:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # already gone, or not POSIX
        proc.kill()
    return proc.wait()


def _quiet_ipython_dir(temp: str) -> str:
    """An IPython folder for the app's kernels inside ``temp``: they log errors only (not the
    notice that kernel messages travel over local TCP, which are signed with a key kept in
    ``temp``), and their input history goes away with ``temp``."""
    profile = Path(temp) / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.json").write_text(
        '{"IPKernelApp": {"log_level": "ERROR"}}\n', encoding="utf-8"
    )
    return str(profile.parent)


#: the file in the app's temporary folder that names the processes using it (bmc app, Voila)
OWNERS = "owners"
TEMP_PREFIX = "bmc-app-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


def remove_stale_temp(parent: str | os.PathLike | None = None) -> list[str]:
    """Remove what earlier runs of ``bmc app`` that were killed outright (``kill -9``, a crash)
    left in the temporary folder: only this user's ``bmc-app-*`` folders, and only those whose
    owning processes (named in their ``owners`` file) have all ended. A folder without that file
    (another program's, or one this cannot judge) is left alone. Returns the folders removed.

    >>> import tempfile
    >>> remove_stale_temp(tempfile.mkdtemp())
    []
    """
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(os.scandir(parent or tempfile.gettempdir()))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            text = Path(entry.path, OWNERS).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            continue
        pids = [int(word) for word in text.split() if word.isdigit()]
        if pids and not any(_alive(pid) for pid in pids):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def voila_installed() -> bool:
    """True when Voila can be imported here (it comes with the ``app`` extra)."""
    import importlib.util

    try:
        return importlib.util.find_spec("voila") is not None
    except (ImportError, ValueError):
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: let the kernel send SIGTERM to Voila if ``bmc app`` itself is killed outright."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001, S110 - not Linux: the signal handlers still stop Voila
        pass


def run_app(
    lang: str = "ko",
    port: int = 8866,
    answers: str | os.PathLike = "answers",
    exercise_set: str = DEFAULT_SET,
    mode: str = "practice",
    open_browser: bool = True,
    key: str | os.PathLike | None = None,
    token: str | None = None,
    review: bool = False,
) -> int:
    """Serve an exercise as a web app on ``http://127.0.0.1:<port>/?token=...`` until stopped.

    The address is printed once the app answers on the port (at most :data:`READY_SECONDS`
    later), and then opened in the browser unless ``open_browser`` is false.

    Args:
        lang: ``"ko"`` or ``"en"``: the pages, the tab title and the messages.
        port: the local port (an error if it is taken).
        answers: folder for the answer files (made absolute; created if missing).
        exercise_set: a shipped exercise set id, or the path of an instructor's own set CSV.
        mode: ``"practice"`` (Check with feedback) or ``"assessment"`` (no key, no feedback; an
            instructor's own set only, since shipped sets ship their keys).
        key: the key CSV for practice feedback on an own set (shipped sets use their practice key).
        review: serve the review of what was missed in every practice set (see
            :func:`bmclib.review`) instead of ``exercise_set``.
        open_browser: open the page in the default browser once it answers.
        token: the secret in the page's address (default ``$BMC_APP_TOKEN``, else a new random one):
            only a page opened with it can start a kernel and drive the exercise. Voila gets it
            through its environment, never on its command line.

    Returns:
        0 after a stop asked for with Ctrl-C, ``kill`` (SIGTERM) or a closed terminal (SIGHUP): the
        stop is the expected end of the app, not a failure, so a hub or a service manager sees a
        clean exit (not 130 or 143). Voila has then shut its kernels down, and the app's temporary
        folder is removed. Voila's own exit code if it stops by itself; 1 if it never answered
        or had to be killed. On Linux Voila also stops if ``bmc app`` is killed outright.
    """
    if not voila_installed():
        raise BMCError(Msg("app.no_voila"))
    env = app_env(
        lang=lang, answers=answers, exercise_set=exercise_set, mode=mode, key=key, review=review
    )
    token = token or os.environ.get("BMC_APP_TOKEN") or secrets.token_urlsafe(24)
    cull = os.environ.get("BMC_APP_CULL_SECONDS", "")
    cap = os.environ.get("BMC_APP_MAX_KERNELS", "")
    if not port_is_free(port):
        raise BMCError(Msg("app.port_busy", port=port))
    Path(env["BMC_ANSWERS_DIR"]).mkdir(parents=True, exist_ok=True)
    # Voila takes it out of its environment at once: kernels never see it
    env["BMC_APP_TOKEN"] = token
    env["BMC_APP_TITLE"] = app_title(env)
    url = f"http://127.0.0.1:{port}/?token={token}"
    linux = sys.platform.startswith("linux")
    previous = {}

    def stop_requested(_signum, _frame):
        raise KeyboardInterrupt  # kill and a closed terminal stop the app as Ctrl-C does

    # what an earlier run killed outright left behind (its IPython folder, input history)
    remove_stale_temp()
    # private (0700): connection files, the kernels' IPython folder
    temp = tempfile.mkdtemp(prefix=TEMP_PREFIX)
    owners = Path(temp, OWNERS)
    owners.write_text(f"{os.getpid()}\n", encoding="ascii")
    env["IPYTHONDIR"] = _quiet_ipython_dir(temp)
    proc = None
    try:
        command = app_command(
            port=port,
            cull_seconds=int(cull) if cull.isdigit() else None,
            max_kernels=int(cap) if cap.isdigit() else None,
            temp_dir=temp,
        )
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
                if sig is not None:
                    previous[sig] = signal.signal(sig, stop_requested)
        print(Msg("app.starting", port=port).text(lang), flush=True)
        # a session of its own: Ctrl-C in the terminal reaches bmc only, which stops Voila cleanly.
        # preexec_fn stays: PR_SET_PDEATHSIG has no Popen argument (start_new_session and
        # process_group do not make Voila stop when bmc is killed outright).
        proc = subprocess.Popen(
            command,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent if linux else None,  # noqa: PLW1509 - see above
        )
        with open(owners, "a", encoding="ascii") as f:  # Voila uses the folder as long as bmc
            f.write(f"{proc.pid}\n")
        if not wait_for_port(port, timeout=READY_SECONDS, proc=proc):
            if proc.poll() is not None:
                print(
                    Msg("app.not_ready_exit", code=proc.returncode).text(lang),
                    file=sys.stderr,
                    flush=True,
                )
                return proc.returncode or 1
            print(
                Msg("app.not_ready_timeout", port=port, seconds=READY_SECONDS).text(lang),
                file=sys.stderr,
                flush=True,
            )
            _stop(proc)
            return 1
        if review:
            print(Msg("app.serving_review", lang=lang, url=url).text(lang), flush=True)
        else:
            print(
                Msg(
                    "app.serving", set=exercise_set, mode=Msg(f"ui.mode_{mode}"), lang=lang, url=url
                ).text(lang),
                flush=True,
            )
        print(Msg("app.saved_in", folder=env["BMC_ANSWERS_DIR"]).text(lang), flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        return proc.wait()
    except KeyboardInterrupt:
        code = _stop(proc) if proc is not None else 0
        print(Msg("app.stopped").text(lang), flush=True)
        return 0 if code in (0, -signal.SIGTERM) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(temp, ignore_errors=True)
