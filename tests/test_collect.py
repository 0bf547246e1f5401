"""``bmc collect``: a class's answer files from users' home folders (hidden Jupyter files, hostile
entries, names that clash) and from a hub's REST API (a small fake hub here; the real one is in
test_hub.py), then ``bmc grade`` on the result."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

import bmclib as bmc
from bmclib import collect
from bmclib.cli import main

SET = "relationships-practice"
KEY = str(bmc.data_path("keys", f"{SET}.csv"))


@pytest.fixture(autouse=True)
def no_student_env(monkeypatch):
    for name in (
        "BMC_STUDENT_ID",
        "BMC_STUDENT_NAME",
        "BMC_ANSWERS_DIR",
        "JUPYTERHUB_USER",
        "JUPYTERHUB_API_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


def answer_bytes(student, answers=None, exercise_set=SET, saved_at="2026-11-20T10:00:00+09:00"):
    return json.dumps(
        {
            "format": "bmclib-answers",
            "version": 1,
            "student_id": student,
            "exercise_set": exercise_set,
            "answers": answers or {"netflix": "automated_services"},
            "saved_at": saved_at,
        }
    ).encode()


def put(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root with its kind, size, mtime and content hash (links not followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            digest = (
                hashlib.sha256(p.read_bytes()).hexdigest()
                if p.is_file() and not p.is_symlink()
                else ""
            )
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def hub_home(home: Path, user: str, answers: dict, lang: str = "en") -> Path:
    """A student's home as a hub leaves it: the lesson's answers and Jupyter's hidden files."""
    target = put(
        home / user / "bmc-course" / "notebooks" / lang / "answers" / f"{SET}.json",
        answer_bytes(user, answers),
    )
    put(
        home
        / user
        / "bmc-course"
        / "notebooks"
        / lang
        / ".ipynb_checkpoints"
        / f"{SET}-checkpoint.json",
        answer_bytes(user),
    )
    put(home / user / "bmc-course" / "notebooks" / lang / "answers" / f".{SET}.json.lock", "")
    put(
        home / user / ".local" / "share" / "jupyter" / "runtime" / "kernel-1234.json",
        '{"shell_port": 1}',
    )
    put(home / user / ".ipython" / "profile_default" / "history.json", "{}")
    put(home / user / ".jupyter" / "lab" / "workspaces" / "default.jupyterlab-workspace", "{}")
    put(home / user / "bmc-course" / "data" / "blocks.json", '{"format": "bmclib-blocks"}')
    put(
        home / user / "bmc-course" / "notebooks" / lang / "canvas.json",
        '{"format": "bmclib-canvas"}',
    )
    return target


def read_grades(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


# -- home folders
# --------------------------------------------------------------------------------------


def test_a_class_of_home_folders_is_collected_and_graded(tmp_path, capsys):
    home = tmp_path / "home"
    sources = {
        user: hub_home(home, user, {"netflix": "automated_services", "ikea": choice})
        for user, choice in [
            ("kim", "self_service"),
            ("lee", "personal_assistance"),
            ("park", "communities"),
        ]
    }
    (home / "choi").mkdir()  # a student who never saved anything
    before = snapshot(home)
    assert main(["collect", str(home), "--out", str(tmp_path / "class")]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0]
        == f"collected 3 answer file(s) from 3 user(s) into {tmp_path / 'class'}"
    )
    assert "no answer files: 1 user(s): choi" in out
    assert snapshot(home) == before  # the sources are never changed
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [
        "bmc-collection.json",
        "kim",
        "lee",
        "park",
    ]
    for user, source in sources.items():
        copied = tmp_path / "class" / user / f"{SET}.json"
        assert copied.read_bytes() == source.read_bytes()
        assert list((tmp_path / "class" / user).iterdir()) == [copied]
    assert (
        main(
            [
                "grade",
                str(tmp_path / "class"),
                "--key",
                KEY,
                "--out",
                str(tmp_path / "g.csv"),
                "--quiet",
            ]
        )
        == 0
    )
    grades = read_grades(tmp_path / "g.csv")
    assert sorted(grades) == ["kim", "lee", "park"]
    key = bmc.load_key(SET)
    expected = {
        u: bmc.grading.points_for({"netflix": "automated_services", "ikea": c}, key, 0.5)
        for u, c in [
            ("kim", "self_service"),
            ("lee", "personal_assistance"),
            ("park", "communities"),
        ]
    }
    for user, points in expected.items():
        assert float(grades[user]["score"]) == pytest.approx(sum(points))


def test_answer_files_written_by_the_widget_as_hub_users_are_collected(tmp_path, monkeypatch):
    home = tmp_path / "home"
    for user, choice in [("alice", "automated_services"), ("bob", "self_service")]:
        monkeypatch.setenv("JUPYTERHUB_USER", user)
        monkeypatch.chdir(put(home / user / "notebooks" / "ko" / "04.ipynb", "{}").parent)
        ex = bmc.relationship_exercise(SET, lang="ko", mode="practice")
        ex.show(ex.exercise_set.item_ids.index("netflix"))
        ex.choices.value = choice
        put(home / user / ".local" / "share" / "jupyter" / "runtime" / "jpserver-1.json", "{}")
    result = collect.collect_folders([home], tmp_path / "class")
    assert result.collected_users == ["alice", "bob"]
    assert result.skipped["hidden"] >= 2
    assert (
        main(
            [
                "grade",
                str(tmp_path / "class"),
                "--key",
                KEY,
                "--out",
                str(tmp_path / "g.csv"),
                "--quiet",
            ]
        )
        == 0
    )
    grades = read_grades(tmp_path / "g.csv")
    assert sorted(grades) == ["alice", "bob"]
    assert float(grades["alice"]["score"]) > float(grades["bob"]["score"])


def test_hidden_folders_and_json_that_is_not_an_answer_file_are_skipped_and_counted(tmp_path):
    home = tmp_path / "home"
    hub_home(home, "kim", {})
    put(home / "kim" / "notes.json", b"\xff\xfe not text")
    put(home / "kim" / "broken.json", '{"format": "bmclib-answers", "version": 1,')
    put(home / "kim" / "list.json", "[1, 2]")
    put(home / "kim" / "deep.json", "[" * 100_000 + "]" * 100_000)
    put(home / "kim" / "readme.txt", "not json at all")
    result = collect.collect_folders([home], tmp_path / "class")
    assert [c.source for c in result.copied] == [
        str(home / "kim/bmc-course/notebooks/en/answers" / f"{SET}.json")
    ]
    # the folders .ipynb_checkpoints, .local, .ipython, .jupyter (the lock file is no JSON: not
    # counted)
    assert result.skipped["hidden"] == 4
    # blocks.json, canvas.json, notes.json, broken.json, list.json, deep.json
    assert result.skipped["not_answer"] == 6
    assert result.problems == []
    summary = result.summary()
    assert (
        "4 hidden folder(s) or file(s)" in summary
        and "6 JSON file(s) that are not answer files" in summary
    )
    data = result.to_dict()
    assert data["skipped"] == {"hidden": 4, "not_answer": 6}
    assert data["users"]["kim"]["folder"] == "kim" and len(data["users"]["kim"]["files"]) == 1
    json.dumps(data)


def test_an_answer_file_with_faults_is_copied_so_grade_reports_it(tmp_path):
    home = tmp_path / "home"
    put(
        home / "kim" / "answers" / f"{SET}.json",
        json.dumps({"format": "bmclib-answers", "version": 7, "student_id": "kim"}),
    )
    result = collect.collect_folders([home], tmp_path / "class")
    assert len(result.copied) == 1
    # the grader names the fault
    assert (
        main(
            [
                "grade",
                str(tmp_path / "class"),
                "--key",
                KEY,
                "--out",
                str(tmp_path / "g.csv"),
                "--quiet",
            ]
        )
        == 1
    )


def test_symlinks_are_never_followed(tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    secret = put(elsewhere / "other" / f"{SET}.json", answer_bytes("victim"))
    put(elsewhere / "lots" / "answers" / f"{SET}.json", answer_bytes("victim2"))
    hub_home(home, "kim", {})
    (home / "kim" / "stolen.json").symlink_to(secret)
    (home / "kim" / "outside").symlink_to(elsewhere / "lots")
    (home / "kim" / "loop").symlink_to(home / "kim")
    (home / "kim" / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    # a user folder that is a link
    (home / "mallory").symlink_to(elsewhere / "other", target_is_directory=True)
    result = collect.collect_folders([home], tmp_path / "class")
    assert [c.user for c in result.copied] == ["kim"]
    assert all("victim" not in p.read_text() for p in (tmp_path / "class").rglob("*.json"))
    assert result.skipped["symlink"] == 5
    assert any(src == str(home / "mallory") for src, _ in result.notes)


def test_fifos_and_sockets_never_block_and_are_skipped(tmp_path):
    import socket

    home = tmp_path / "home"
    hub_home(home, "kim", {})
    os.mkfifo(home / "kim" / "pipe.json")
    os.mkfifo(home / "kim" / "bmc-course" / "notebooks" / "en" / "answers" / "fifo.json")
    sock = socket.socket(socket.AF_UNIX)
    sock_path = home / "kim" / "s.json"
    sock.bind(str(sock_path))
    try:
        with ThreadPoolExecutor(1) as pool:  # a blocking open would hang here: give up after 20 s
            result = pool.submit(collect.collect_folders, [home], tmp_path / "class").result(
                timeout=20
            )
    finally:
        sock.close()
    assert result.skipped["special"] == 3
    assert len(result.copied) == 1 and result.problems == []


def test_a_file_swapped_for_a_fifo_after_listing_is_not_read(tmp_path):
    fifo = tmp_path / "late.json"
    os.mkfifo(fifo)
    assert collect._read_regular(str(fifo), collect.MAX_BYTES)[0] == "special"
    target = put(tmp_path / "real.json", "{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert collect._read_regular(str(link), collect.MAX_BYTES)[0] == "symlink"


def test_huge_files_are_not_read(tmp_path, monkeypatch):
    home = tmp_path / "home"
    hub_home(home, "kim", {})
    big = put(
        home / "kim" / "answers" / "big.json", answer_bytes("kim") + b" " * (collect.MAX_BYTES + 1)
    )
    reads = []
    real_read = os.read

    def counted_read(fd, n):
        data = real_read(fd, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(collect.os, "read", counted_read)
    result = collect.collect_folders([home], tmp_path / "class")
    assert result.skipped["too_large"] == 1
    assert all(c.source != str(big) for c in result.copied)
    assert sum(reads) < collect.MAX_BYTES  # the big one was never read
    small = collect.collect_folders([home], tmp_path / "class2", max_bytes=10)
    assert small.copied == [] and small.skipped["too_large"] == 4  # every JSON file there


def test_unreadable_files_and_folders_are_problems_with_their_path(tmp_path, monkeypatch):
    home = tmp_path / "home"
    hub_home(home, "kim", {})
    locked = put(home / "kim" / "answers" / "locked.json", answer_bytes("kim"))
    closed = home / "kim" / "private"
    put(closed / f"{SET}.json", answer_bytes("kim"))
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, *a, **kw):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    def fake_scandir(path="."):
        if str(path) == str(closed):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(collect.os, "open", fake_open)
    monkeypatch.setattr(collect.os, "scandir", fake_scandir)
    result = collect.collect_folders([home], tmp_path / "class")
    assert sorted(result.problems) == sorted(
        [
            (str(closed), "cannot open this folder (permission denied)"),
            (str(locked), "cannot read the file (permission denied)"),
        ]
    )
    assert len(result.copied) == 1  # the rest is collected
    assert "problems: 2 file(s) or folder(s) could not be read" in result.summary()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_really_unreadable_files_are_problems(tmp_path):
    home = tmp_path / "home"
    locked = put(home / "kim" / "answers" / f"{SET}.json", answer_bytes("kim"))
    locked.chmod(0)
    try:
        result = collect.collect_folders([home], tmp_path / "class")
    finally:
        locked.chmod(0o644)
    assert result.problems == [(str(locked), "cannot read the file (Permission denied)")]


def test_files_with_the_same_name_are_all_kept(tmp_path, capsys):
    home = tmp_path / "home"
    a = hub_home(home, "kim", {"netflix": "automated_services"}, lang="en")
    b = hub_home(home, "kim", {"netflix": "self_service"}, lang="ko")
    put(
        home / "kim" / "answers" / "channels-practice.json",
        answer_bytes("kim", {"x": "y"}, "channels-practice"),
    )
    result = collect.collect_folders([home], tmp_path / "class")
    names = sorted(p.name for p in (tmp_path / "class" / "kim").iterdir())
    assert names == [
        "bmc-course__notebooks__en__answers__relationships-practice.json",
        "bmc-course__notebooks__ko__answers__relationships-practice.json",
        "channels-practice.json",
    ]
    assert {Path(c.target).read_bytes() for c in result.copied} >= {a.read_bytes(), b.read_bytes()}
    only = collect.collect_folders([home], tmp_path / "only", exercise_set="channels-practice")
    assert len(only.copied) == 1 and only.skipped["other_set"] == 2


def test_user_names_become_safe_distinct_folder_names():
    assert collect.safe_name("../../etc/passwd") == "etc_passwd"
    assert collect.safe_name(".hidden") == "hidden"
    assert collect.safe_name("a\nb") == "a_x0ab"  # the line break shown escaped
    long = collect.safe_name("x" * 300)
    assert (
        len(long) <= collect.MAX_NAME
        and long.startswith("x" * 40)
        and long != collect.safe_name("x" * 301)
    )
    assert collect._folders_for(["a b", "a_b", "A_B", "..", "김민지"], {}) == {
        "..": "_",
        "A_B": "A_B",
        "a b": "a_b-2",
        "a_b": "a_b-3",
        "김민지": "김민지",
    }


def test_odd_user_folder_names_are_collected_under_safe_names(tmp_path):
    home = tmp_path / "home"
    for user in ("a b", "a_b", "-rf", "김민지"):
        put(home / user / "answers" / f"{SET}.json", answer_bytes(user.strip()))
    result = collect.collect_folders([home], tmp_path / "class")
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [
        "a_b",
        "a_b-2",
        "bmc-collection.json",
        "rf",
        "김민지",
    ]
    assert result.users == {"-rf": "rf", "a b": "a_b", "a_b": "a_b-2", "김민지": "김민지"}


def test_the_output_folder_is_never_collected_from(tmp_path, capsys):
    home = tmp_path / "home"
    hub_home(home, "kim", {})
    hub_home(home, "teacher", {})
    out = home / "teacher" / "class"
    for _ in range(2):  # twice: the second run must not collect the first run's copies
        result = collect.collect_folders([home], out)
        assert len(result.copied) == 2
    assert main(["collect", str(home), "--out", str(home)]) == 2
    assert "is the folder being collected from" in capsys.readouterr().err


def test_several_roots_and_a_file_directly_in_root(tmp_path):
    hub_home(tmp_path / "home", "kim", {})
    hub_home(tmp_path / "home2", "lee", {})
    put(tmp_path / "home" / "stray.json", answer_bytes("x"))
    result = collect.collect_folders([tmp_path / "home", tmp_path / "home2"], tmp_path / "class")
    assert result.collected_users == ["kim", "lee"]
    stray = (
        str(tmp_path / "home" / "stray.json"),
        "a file directly in the folder of users' folders is in no user's folder: not collected",
    )
    assert stray in result.notes


@pytest.mark.parametrize(
    "args, message",
    [
        (["collect", "--out", "x"], "give either folders"),
        (["collect", "home", "--hub", "http://127.0.0.1:9", "--out", "x"], "give either folders"),
        (["collect", "home", "--start-stopped", "--out", "x"], "--start-stopped goes with --hub"),
        (["collect", "nowhere", "--out", "x"], "nowhere: no such file or folder"),
        (
            ["collect", "--hub", "http://127.0.0.1:9", "--out", "x"],
            "no API token: set JUPYTERHUB_API_TOKEN",
        ),
        (
            ["collect", "--hub", "hub.example.edu", "--out", "x"],
            "is not a hub's address; write it like https://hub.example.edu",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_message(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home").mkdir()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_json_output(tmp_path, capsys):
    hub_home(tmp_path / "home", "kim", {})
    assert (
        main(["collect", str(tmp_path / "home"), "--out", str(tmp_path / "class"), "--json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert list(data["users"]) == ["kim"] and data["problems"] == []


# -- through a hub's REST API (a fake hub that answers like JupyterHub 6)
# ---------------------------------

TOKEN = "s3cret-token"


class FakeHub:
    """Users, their servers' files and what was asked; refuses anything without the token header."""

    def __init__(self):
        self.files = {
            "alice": {
                "course/en/answers/relationships-practice.json": answer_bytes("alice").decode(),
                "course/ko/answers/relationships-practice.json": answer_bytes("alice").decode(),
                "course/en/answers/notes.json": '{"a": 1}',
                "course/en/answers/huge.json": "x" * 100,
                "course/en/answers/x.txt": "text",
                # not in answers/: not read
                "course/en/data.json": answer_bytes("alice").decode(),
            },
            "b/../evil": {"answers/relationships-practice.json": answer_bytes("evil").decode()},
            "carol": {"answers/relationships-practice.json": answer_bytes("carol").decode()},
        }
        self.running = {"alice", "b/../evil", "dave", "erin"}
        self.sizes = {"course/en/answers/huge.json": collect.MAX_BYTES + 1}
        self.users = ["alice", "b/../evil", "bob", "carol", "dave", "erin"]
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.stopped: list[str] = []
        # tokens the hub made for one user's server: user -> token
        self.user_tokens: dict[str, str] = {}
        self.deleted_tokens: list[str] = []
        self.token_scope = True  # False: the service may not make tokens (no "tokens" scope)

    def user_model(self, name):
        running = name in self.running
        return {
            "kind": "user",
            "name": name,
            "server": f"/user/{quote(name, safe='')}/" if running else None,
            "pending": None,
        }


def make_handler(fake: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body=None, headers=()):
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def handle_any(self, method):
            url = urlsplit(self.path)
            with fake.lock:
                fake.requests.append((method, self.path, self.headers.get("Authorization")))
            parts = [unquote(p) for p in url.path.split("/")]
            given = self.headers.get("Authorization")
            if "token" in parse_qs(url.query):
                return self.reply(403, {"message": "Forbidden"})
            if url.path.startswith("/hub/api/users"):  # the hub: only the service's own token
                if given != f"token {TOKEN}":
                    return self.reply(403, {"message": "Forbidden"})
                return self.hub_api(method, url, parts)
            if parts[1] == "user":  # a user's server: only a token the hub made for that user
                if given != f"token {fake.user_tokens.get(parts[2])}":
                    return self.reply(403, {"message": "Forbidden"})
                return self.server_api(parts[2], "/".join(parts[5:]), parse_qs(url.query))
            return self.reply(404, {"message": "Not found"})

        def hub_api(self, method, url, parts):
            if len(parts) == 4:  # the user list, two per page
                offset = int(parse_qs(url.query)["offset"][0])
                items = [fake.user_model(n) for n in fake.users[offset : offset + 2]]
                nxt = {"offset": offset + 2, "limit": 2} if offset + 2 < len(fake.users) else None
                return self.reply(
                    200,
                    {
                        "items": items,
                        "_pagination": {
                            "offset": offset,
                            "limit": 2,
                            "total": len(fake.users),
                            "next": nxt,
                        },
                    },
                )
            name = parts[4]
            if method == "POST" and parts[5:] == ["tokens"]:
                if not fake.token_scope:
                    return self.reply(
                        403,
                        {
                            "message": "Service collector not found or no permissions to generate "
                            "tokens"
                        },
                    )
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert (
                    body["scopes"] == [f"access:servers!user={name}"] and body["expires_in"] <= 600
                )
                with fake.lock:
                    fake.user_tokens[name] = f"for-{name}-{len(fake.user_tokens)}"
                return self.reply(201, {"token": fake.user_tokens[name], "id": f"a{name}"})
            if method == "DELETE" and parts[5] == "tokens":
                with fake.lock:
                    fake.deleted_tokens.append(parts[6])
                return self.reply(204)
            if method == "POST" and parts[5:] == ["server"]:
                if name == "bob":
                    return self.reply(500, {"message": "spawn failed"})
                fake.running.add(name)
                fake.started.append(name)
                return self.reply(201)
            if method == "DELETE" and parts[5:] == ["server"]:
                fake.running.discard(name)
                fake.stopped.append(name)
                return self.reply(204)
            return self.reply(200, fake.user_model(name))

        def server_api(self, name, path, query):
            if name == "erin":  # a server that sends the client elsewhere
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/steal")
                self.end_headers()
                return None
            if name == "dave":
                return self.reply(500, {"message": "server error"})
            files = fake.files.get(name, {})
            if query.get("type") == ["file"]:
                if path not in files:
                    return self.reply(404, {"message": "no such file"})
                return self.reply(200, {"type": "file", "format": "text", "content": files[path]})
            prefix = f"{path}/" if path else ""
            names = {}
            for f in files:
                if f.startswith(prefix):
                    head, _, rest = f[len(prefix) :].partition("/")
                    names[head] = "directory" if rest else "file"
            content = [
                {
                    "name": n,
                    "path": prefix + n,
                    "type": t,
                    "size": fake.sizes.get(prefix + n, len(files.get(prefix + n, "")))
                    if t == "file"
                    else None,
                }
                for n, t in sorted(names.items())
            ]
            return self.reply(200, {"type": "directory", "content": content})

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

        def do_DELETE(self):
            self.handle_any("DELETE")

    return Handler


@pytest.fixture
def fake_hub():
    fake = FakeHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def test_collect_hub_reads_answers_of_running_servers(fake_hub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    # exit 1: dave's and erin's running servers could not be read (stopped ones are no failure)
    assert main(["collect", "--hub", fake_hub.url, "--out", str(tmp_path / "class")]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out.splitlines()[0]
        == f"collected 3 answer file(s) from 2 user(s) into {tmp_path / 'class'}"
    )
    assert sorted(p.name for p in (tmp_path / "class").iterdir()) == [
        "alice",
        "b_.._evil",
        "bmc-collection.json",
    ]
    assert sorted(p.name for p in (tmp_path / "class" / "alice").iterdir()) == [
        "course__en__answers__relationships-practice.json",
        "course__ko__answers__relationships-practice.json",
    ]
    err = captured.err
    assert "not reached: bob: no running server\n" in err
    assert "add --start-stopped: bmc starts them, collects and stops them again" in err
    assert "not reached: carol: no running server" in err
    assert (
        "not reached: dave: server /user/dave/: GET /user/dave/api/contents/" in err
        and "HTTP 500" in err
    )
    assert "not reached: erin: server /user/erin/" in err and "HTTP 302" in err
    assert TOKEN not in captured.out + err
    # the token travelled only in the header, only to the hub, never after a redirect
    assert all(TOKEN not in path for _m, path, _auth in fake_hub.requests)
    assert all(
        auth == f"token {TOKEN}" for _m, path, auth in fake_hub.requests if path.startswith("/hub/")
    )
    assert not any("/steal" in path for _m, path, _a in fake_hub.requests)
    # a student's server (which the student controls) saw only a token made for that student,
    # deleted after
    to_servers = {
        (unquote(path.split("/")[2]), auth)
        for _m, path, auth in fake_hub.requests
        if path.startswith("/user/")
    }
    assert to_servers and all(
        auth == f"token {fake_hub.user_tokens[user]}" for user, auth in to_servers
    )
    assert sorted(fake_hub.deleted_tokens) == sorted(f"a{user}" for user in fake_hub.user_tokens)
    # only answers/*.json were read, and the huge one was not
    reads = [p for m, p, _a in fake_hub.requests if "type=file" in p]
    assert not any("data.json" in p or "huge.json" in p or "x.txt" in p for p in reads)
    assert fake_hub.started == [] and fake_hub.stopped == []


def test_collect_hub_never_sends_its_token_to_a_students_server(
    fake_hub, tmp_path, monkeypatch, capsys
):
    # a service token without the tokens scope: the servers are not read at all
    fake_hub.token_scope = False
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    assert main(["collect", "--hub", fake_hub.url, "--out", str(tmp_path / "class")]) == 1
    err = capsys.readouterr().err
    assert (
        "not reached: alice: the hub made no token for this "
        "user's server (POST /hub/api/users/alice/tokens: HTTP 403"
        in err
        and "give bmc collect's service the tokens scope" in err
    )
    assert not [path for _m, path, _a in fake_hub.requests if path.startswith("/user/")]


def test_collect_hub_start_stopped_starts_collects_and_stops_again(fake_hub, tmp_path):
    result = collect.collect_hub(fake_hub.url, tmp_path / "class", token=TOKEN, start_stopped=True)
    assert result.collected_users == ["alice", "b/../evil", "carol"]
    assert fake_hub.started == ["carol"] and fake_hub.stopped == ["carol"]  # bob failed to start
    assert dict(result.unreachable)["bob"].startswith("could not start the server: POST ")
    assert result.skipped["too_large"] == 1 and result.skipped["not_answer"] == 1
    assert result.users["b/../evil"] == "b_.._evil"
    data = result.to_dict()
    assert [u["user"] for u in data["unreachable"]] == ["bob", "dave", "erin"]


@pytest.mark.parametrize(
    "token, message", [("wrong", "cannot list the hub's users: GET /hub/api/users"), (TOKEN, None)]
)
def test_collect_hub_with_a_bad_token_is_a_clear_usage_error(
    fake_hub, tmp_path, monkeypatch, capsys, token, message
):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", token)
    code = main(["collect", "--hub", fake_hub.url, "--out", str(tmp_path / "class")])
    err = capsys.readouterr().err
    if message:
        assert code == 2 and message in err and "HTTP 403" in err and "scopes" in err
    else:
        assert code == 1  # the hub answered; two running servers could not be read


def test_collect_hub_unreachable_hub_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    assert main(["collect", "--hub", f"http://127.0.0.1:{port}", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "cannot list the hub's users" in err and "no answer" in err


def test_a_file_naming_another_student_is_collected_and_pointed_out(tmp_path, capsys):
    home = tmp_path / "home"
    hub_home(home, "jupyter-kim", {})  # The Littlest JupyterHub's home of user kim: no note
    put(home / "jupyter-kim" / "answers" / f"{SET}.json", answer_bytes("kim"))
    planted = put(
        home / "jupyter-lee" / "Downloads" / f"{SET}.json",
        answer_bytes("kim", saved_at="2030-01-01"),
    )
    assert main(["collect", str(home), "--out", str(tmp_path / "class")]) == 0
    captured = capsys.readouterr()
    assert (
        "note: 1 answer file(s) name another student than the user they were found with"
        in captured.out
    )
    assert f"note: {planted}: names student 'kim', found with user 'jupyter-lee'" in captured.err
    assert captured.err.count("names student") == 1
