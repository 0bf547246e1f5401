"""A second breaker's findings against ``bmc collect`` (collect2): a user named like the manifest,
accounts whose names compare as another student's, a student's server that floods or drips, and
the exit status when something could not be read."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from collect_support import (
    RIGHT,
    WRONG,
    JSONHandler,
    answer_file,
    enter_fresh_folder,
    put,
)

from bmclib import collect
from bmclib.cli import main


@pytest.fixture(autouse=True)
def here(tmp_path, monkeypatch):
    return enter_fresh_folder(tmp_path, monkeypatch)


def answer(student, answers, saved="2026-11-20T10:00:00+09:00") -> bytes:
    return answer_file(student, answers, saved)


def grade(folder: str) -> tuple[dict[str, str], list[dict]]:
    return grade_paths([folder])


def grade_paths(paths: list[str]) -> tuple[dict[str, str], list[dict]]:
    code = main(
        ["grade", *paths, "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv", "--quiet"]
    )
    assert code in (0, 1)
    rows = csv.DictReader(io.StringIO(Path("g.csv").read_text(encoding="utf-8")))
    probs = list(csv.DictReader(io.StringIO(Path("p.csv").read_text(encoding="utf-8"))))
    return {r["student_id"]: r["score"] for r in rows}, probs


def temp_files(folder: str | Path) -> list[str]:
    return sorted(p.name for p in Path(folder).rglob("*.tmp"))


def kim_and_mallory(home="home"):
    put(f"{home}/kim/answers/quiz.json", answer("kim", RIGHT))
    put(f"{home}/mallory/answers/y.json", answer("KIM", WRONG, saved="2026-11-26T10:00:00+09:00"))


# -- 1. a user named like the manifest ----------------------------------------------------------


def test_a_user_named_like_the_manifest_never_switches_off_the_guard(capsys):
    kim_and_mallory()
    put("home/bmc-collection.json/answers/quiz.json", answer("bmc-collection.json", RIGHT))
    for _run in range(2):  # and a re-run into the same folder works the same
        assert main(["collect", "home", "--out", "out"]) == 0
        assert Path("out/bmc-collection.json").is_file()
        manifest = json.loads(Path("out/bmc-collection.json").read_text(encoding="utf-8"))
        assert manifest["complete"] is True
        assert manifest["users"]["bmc-collection.json-2"] == "bmc-collection.json"
        assert Path("out/bmc-collection.json-2/quiz.json").is_file()
    assert "names student 'KIM', found with user 'mallory'" in capsys.readouterr().err
    scores, probs = grade("out")
    assert scores["kim"] == "3" and scores["bmc-collection.json"] == "3"
    assert [p["source"] for p in probs] == [str(Path("out/mallory/y.json"))]
    assert "collected from the folder of user 'mallory'" in probs[0]["problem"]


def test_a_folder_in_the_manifests_place_is_refused_before_anything_is_copied(capsys):
    kim_and_mallory()
    Path("out/bmc-collection.json/answers").mkdir(parents=True)
    assert main(["collect", "home", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert "out/bmc-collection.json is not the collection's manifest" in err
    assert sorted(p.name for p in Path("out").iterdir()) == ["bmc-collection.json"]


def test_a_run_stopped_half_way_leaves_the_manifest_first_and_no_temporary_files(monkeypatch):
    kim_and_mallory()
    put("home/zed/answers/quiz.json", answer("zed", RIGHT))
    real_replace, moved = os.replace, []

    def replace_then_stop(src, dst):
        if not str(dst).endswith("bmc-collection.json"):  # the copies, not the manifest
            if moved:
                raise KeyboardInterrupt  # Ctrl+C after the first copy
            moved.append(dst)
        return real_replace(src, dst)

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(collect.os, "replace", replace_then_stop)
        collect.collect_folders(["home"], "out")
    assert temp_files("out") == []
    manifest = json.loads(Path("out/bmc-collection.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is False
    assert sorted(manifest["users"].values()) == ["kim", "mallory", "zed"]
    # whatever made it into the folder is graded with its owner: mallory's copy replaces nothing
    put("out/mallory/y.json", answer("KIM", WRONG, saved="2026-11-26T10:00:00+09:00"))
    scores, probs = grade("out")
    assert scores["kim"] == "3"
    assert "collected from the folder of user 'mallory'" in probs[0]["problem"]


# -- 2. accounts whose names compare as another student's ---------------------------------------


def test_a_jupyter_prefixed_account_never_takes_the_students_grade(capsys):
    # lee's own folder and a second account jupyter-lee (a plain /home/<user> hub)
    put("home/lee/answers/quiz.json", answer("lee", RIGHT))
    put("home/jupyter-lee/answers/quiz.json", answer("lee", WRONG, "2026-11-27T10:00:00+09:00"))
    assert main(["collect", "home", "--out", "out"]) == 1
    assert "names student 'lee', found with user 'jupyter-lee'" in capsys.readouterr().err
    scores, probs = grade("out")
    assert scores == {"lee": "3"}
    assert len(probs) == 1 and "folder of user 'jupyter-lee'" in probs[0]["problem"]
    assert "superseded" not in probs[0]["problem"]


@pytest.mark.parametrize(
    "layout, victim, other",
    [
        ({"home": ["kim", "ｋｉｍ"]}, "kim", "ｋｉｍ"),
        ({"rA": ["kim"], "rB": ["Kim"]}, "kim", "Kim"),
        ({"rA": ["Kim"], "rB": ["kim"]}, "Kim", "kim"),  # the victim spelt with a capital
        ({"home": ["ｋｉｍ", "kim"]}, "ｋｉｍ", "kim"),  # the victim spelt full-width
    ],
)
def test_accounts_that_compare_as_one_student_never_take_each_others_grade(
    capsys, layout, victim, other
):
    """Which of two look-alike accounts is the student's cannot be told (either can write any
    spelling of the id): neither's file naming the student is graded, and both are named."""
    for root, users in layout.items():
        for user in users:  # both name the victim; the other account's file is later and wrong
            own = user == victim
            saved = "2026-11-20T10:00:00+09:00" if own else "2026-11-27T10:00:00+09:00"
            put(f"{root}/{user}/answers/quiz.json", answer(victim, RIGHT if own else WRONG, saved))
    assert main(["collect", *layout, "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert "all stand for student" in err and "cannot be told" in err
    manifest = json.loads(Path("out/bmc-collection.json").read_text(encoding="utf-8"))
    assert sorted(manifest["users"].values()) == sorted([victim, other])  # kept apart
    scores, probs = grade("out")
    assert scores == {}  # the wrong, later file never wins
    assert len(probs) == 2 and all("cannot be told" in p["problem"] for p in probs)


def test_two_accounts_neither_spelt_as_the_id_are_graded_from_neither(capsys):
    put("home/KIM/answers/quiz.json", answer("kim", RIGHT))
    put("home/Kim/answers/quiz.json", answer("kim", WRONG, saved="2026-11-27T10:00:00+09:00"))
    assert main(["collect", "home", "--out", "out"]) == 1
    assert "cannot be told" in capsys.readouterr().err
    scores, probs = grade("out")
    assert scores == {}
    assert len(probs) == 2 and all("cannot be told" in p["problem"] for p in probs)


def test_the_littlest_jupyterhub_layout_still_belongs_to_its_student(capsys):
    put("home/jupyter-kim/answers/quiz.json", answer("kim", RIGHT))
    assert main(["collect", "home", "--out", "out"]) == 0
    assert "names student" not in capsys.readouterr().err
    assert grade("out")[0] == {"kim": "3"}


def test_a_look_alike_account_cannot_answer_for_a_student_who_saved_nothing(capsys):
    """kim's own folder holds no answer file; the look-alike account ｋｉｍ saves one naming kim.
    The manifest names every user found, so bmc grade knows both accounts stand for kim."""
    Path("home/kim/answers").mkdir(parents=True)
    put("home/ｋｉｍ/answers/quiz.json", answer("kim", WRONG))
    assert main(["collect", "home", "--out", "out"]) == 1
    assert "cannot be told" in capsys.readouterr().err
    manifest = json.loads(Path("out/bmc-collection.json").read_text(encoding="utf-8"))
    assert list(manifest["users"].values()) == ["ｋｉｍ"]
    assert manifest["known_users"] == ["kim", "ｋｉｍ"]
    scores, probs = grade("out")
    assert scores == {}
    assert len(probs) == 1 and "cannot be told" in probs[0]["problem"]


def test_a_classmates_file_never_counts_for_a_student_whose_own_folder_holds_none(capsys):
    Path("home/kim/answers").mkdir(parents=True)
    put("home/mallory/answers/quiz.json", answer("mallory", RIGHT))
    put("home/mallory/answers/y.json", answer("kim", WRONG))
    assert main(["collect", "home", "--out", "out"]) == 0
    scores, probs = grade("out")
    assert scores == {"mallory": "3"}
    assert [p["problem"] for p in probs] == [
        (
            "names student 'kim' but was collected from the folder of user 'mallory'; not graded,"
            " since the student has a folder of their own (kim) in the collection, and only a file"
            " from there counts for them"
        )
    ]
    # a student with no folder of their own (ids that are not user names) is still graded
    put("home/mallory/answers/z.json", answer("2026001", RIGHT))
    assert main(["collect", "home", "--out", "out"]) == 0
    assert grade("out")[0] == {"2026001": "3", "mallory": "3"}


def test_a_manifest_from_before_known_users_is_still_read(capsys):
    Path("home/kim/answers").mkdir(parents=True)
    put("home/mallory/answers/y.json", answer("kim", WRONG))
    assert main(["collect", "home", "--out", "out"]) == 0
    manifest_path = Path("out/bmc-collection.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["known_users"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    scores, probs = grade("out")  # as before: the only file naming kim, graded with a note
    assert scores == {"kim": "0"} and probs == []
    assert "graded as student 'kim'" in capsys.readouterr().err


def test_a_file_deep_in_a_classmates_collected_folder_still_has_its_owner(capsys):
    kim_and_mallory()
    assert main(["collect", "home", "--out", "out"]) == 0
    deep = Path("out/mallory/a/b")
    deep.mkdir(parents=True)
    Path("out/mallory/y.json").rename(deep / "y.json")
    for given in (["out"], ["out/mallory/a/b", "out/kim"], ["out/mallory/a/b/y.json", "out/kim"]):
        scores, probs = grade_paths(given)
        assert scores == {"kim": "3"}, given
        assert len(probs) == 1 and "folder of user 'mallory'" in probs[0]["problem"]


# -- 4. exit status -------------------------------------------------------------------------------


def test_collect_exits_1_when_a_file_could_not_be_read(monkeypatch, capsys):
    kim_and_mallory()
    locked = put("home/lee/answers/quiz.json", answer("lee", RIGHT))
    real_open = os.open

    def fake_open(path, *a, **kw):
        if str(path).endswith(str(locked)):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    monkeypatch.setattr(collect.os, "open", fake_open)
    assert main(["collect", "home", "--out", "out"]) == 1
    assert "cannot read the file (permission denied)" in capsys.readouterr().err
    assert Path("out/kim/quiz.json").is_file()  # the rest is collected


# -- 3. a student's server that floods or drips ---------------------------------------------------


def _hub(mode: dict[str, str]):
    """A hub with users kim (well-behaved) and mallory (``mode``: flood, drip, fine)."""
    good = answer("kim", RIGHT).decode()

    class H(JSONHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send({"token": "usertok", "id": "t1"})

        def do_DELETE(self):
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            p = self.path
            if p.startswith("/hub/api/users"):
                return self.send(
                    [
                        {"name": "kim", "server": "/user/kim/"},
                        {"name": "mallory", "server": "/user/mallory/"},
                    ]
                )
            if p.startswith("/user/kim/api/contents/"):
                if "type=directory" in p and p.startswith("/user/kim/api/contents/?"):
                    entry = {"name": "answers", "type": "directory", "path": "answers"}
                    return self.send({"content": [entry]})
                if "type=directory" in p:
                    entry = {"name": "q.json", "type": "file", "path": "answers/q.json", "size": 9}
                    return self.send({"content": [entry]})
                return self.send({"content": good})
            if mode["mallory"] == "flood":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                item = b'{"name":"x","type":"file","path":"x"},' * 2000
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (12, b'{"content":['))
                    for _ in range(200):  # about 8 MB
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(item), item))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                return
            if mode["mallory"] == "slow":  # 300 answer files, each sent after 50 ms
                if p.startswith("/user/mallory/api/contents/?"):
                    entry = {"name": "answers", "type": "directory", "path": "answers"}
                    return self.send({"content": [entry]})
                if "type=directory" in p:
                    names = [f"q{i:03d}.json" for i in range(300)]
                    entries = [
                        {"name": n, "type": "file", "path": f"answers/{n}", "size": 9}
                        for n in names
                    ]
                    return self.send({"content": entries})
                time.sleep(0.05)
                return self.send({"content": answer("mallory", RIGHT).decode()})
            if mode["mallory"] == "drip":
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                try:
                    while not mode.get("done"):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass
                return
            return self.send({"content": []})

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def hub():
    mode = {"mallory": "fine"}
    server, url = _hub(mode)
    yield mode, url
    mode["done"] = True
    server.shutdown()
    server.server_close()


def test_a_huge_listing_is_cut_off_and_the_rest_collected(hub, monkeypatch):
    mode, url = hub
    mode["mallory"] = "flood"
    monkeypatch.setattr(collect, "MAX_RESPONSE", 256 * 1024)
    result = collect.collect_hub(url, "out", token="svc")
    assert result.collected_users == ["kim"]
    assert [s for s, _p in result.problems] == ["/user/mallory/api/contents/"]
    assert "larger than 262144 bytes" in str(result.problems[0][1])
    assert result.exit_code == 1
    assert temp_files("out") == []


def test_a_dripping_server_runs_out_of_time_and_the_rest_is_collected(hub):
    mode, url = hub
    mode["mallory"] = "drip"
    started = time.monotonic()
    result = collect.collect_hub(url, "out", token="svc", server_timeout=1.0)
    took = time.monotonic() - started
    assert took < 10, took  # not the 30 s socket timeout, nor forever
    assert result.collected_users == ["kim"]
    assert [u for u, _r in result.unreachable] == ["mallory"]
    assert "longer than 1 s in all" in str(result.unreachable[0][1])
    assert result.exit_code == 1 and temp_files("out") == []


def test_a_server_out_of_time_between_files_is_one_line_not_one_per_file(hub):
    """A server that sends each of its many files slowly runs out of its time part-way: it is
    listed once as not reached (none of its files copied, since the newest may be among those not
    read), not once per file left."""
    mode, url = hub
    mode["mallory"] = "slow"
    result = collect.collect_hub(url, "out", token="svc", server_timeout=1.0)
    assert result.collected_users == ["kim"]
    assert [u for u, _r in result.unreachable] == ["mallory"]
    assert "longer than 1 s in all" in str(result.unreachable[0][1])
    assert result.problems == []
    assert not Path("out/mallory").exists() and temp_files("out") == []


def test_server_timeout_on_the_command_line(hub, monkeypatch, capsys):
    mode, url = hub
    mode["mallory"] = "drip"
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "svc")
    assert main(["collect", "--hub", url, "--out", "out", "--server-timeout", "0.5"]) == 1
    assert "not reached: mallory: server /user/mallory/: the server took longer than 0.5 s" in (
        capsys.readouterr().err
    )
    assert main(["collect", "home", "--out", "out", "--server-timeout", "5"]) == 2
    assert main(["collect", "--hub", url, "--out", "out", "--server-timeout", "0"]) == 2


def test_temporary_files_are_removed_however_a_run_ends(hub, here):
    mode, url = hub
    mode["mallory"] = "drip"
    # a killed run's leftovers are removed by the next run
    for name in (".bmc-copy-abc.tmp", ".bmc-collect-abc.tmp", ".bmc-collection.json.x.tmp"):
        put(f"out/{name}", b"{}")
    put("out/.keep.tmp", b"")  # not ours: left alone
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": "svc", "PYTHONPATH": str(Path.cwd())}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bmclib", "collect", "--hub", url, "--out", "out"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    staged: list[Path] = []
    while not staged and time.monotonic() < deadline:
        time.sleep(0.05)  # until kim's copy is staged; mallory's server is dripping
        staged = [p for p in Path("out").glob(".bmc-copy-*.tmp") if p.name != ".bmc-copy-abc.tmp"]
    assert staged, "kim's copy was never staged"
    assert not Path("out/.bmc-copy-abc.tmp").exists()
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert temp_files("out") == [".keep.tmp"]
