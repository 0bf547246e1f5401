"""Re-running ``bmc collect`` into the same folder (a third breaker's findings, issue 9): a user the
run could not read completely (a stopped, broken, unstartable or slow server; a home folder, answers
folder or file that cannot be read) keeps the copies the earlier collection made, in the folder it
had, and ``bmc grade`` still knows whose they are. Only a user read completely loses the copies of
files that are gone. A user with several servers of which one fails gets none of this run's files
(an older file from one server must not be graded while the newer one on another was not read)."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from collect_support import RIGHT, WRONG, JSONHandler, answer_file, enter_fresh_folder, put

from bmclib import collect
from bmclib.cli import main

#: the summary's line for kim's kept copies
KEPT_KIM = (
    "kept the earlier copies of 1 user(s), of files this run did not read again"
    " (a user or folder not read completely, or another set): kim"
)
KEPT_KIM_KO = (
    "이번에 다시 읽지 않은 파일(다 읽지 못한 사용자나 폴더, 다른 세트)은 이전 사본을 그대로"
    " 두었습니다. 사용자 1명: kim"
)


@pytest.fixture(autouse=True)
def here(tmp_path, monkeypatch):
    return enter_fresh_folder(tmp_path, monkeypatch)


def answer(student, answers, saved="2026-11-20T10:00:00+09:00") -> bytes:
    return answer_file(student, answers, saved)


def grade(folder: str) -> tuple[dict[str, str], list[dict]]:
    """Scores by student, and the problems rows other than kim's older save being superseded."""
    code = main(
        ["grade", folder, "--key", "key.csv", "--out", "g.csv", "--problems", "p.csv", "--quiet"]
    )
    assert code in (0, 1)
    rows = csv.DictReader(io.StringIO(Path("g.csv").read_text(encoding="utf-8")))
    probs = [
        p
        for p in csv.DictReader(io.StringIO(Path("p.csv").read_text(encoding="utf-8")))
        if not (p["source"].endswith("extra.json") and p["problem"].startswith("superseded by"))
    ]
    return {r["student_id"]: r["score"] for r in rows}, probs


def copies(folder: str = "out") -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in Path(folder).rglob("*.json")
        if p.name != "bmc-collection.json"
    )


def manifest(folder: str = "out") -> dict:
    return json.loads(Path(folder, "bmc-collection.json").read_text(encoding="utf-8"))


def manifest_files(folder: str = "out") -> dict[str, tuple[str, str]]:
    """target -> (user, student_id), as the manifest lists them."""
    return {f["target"]: (f["user"], f["student_id"]) for f in manifest(folder)["files"]}


# -- a fake hub whose users' servers can be stopped, broken, slow or unstartable ----------------


class FakeClass:
    """Users, each with servers (``""`` the default one, others named), each holding answer files
    in ``answers/``; ``state[(user, server)]``: fine, stopped, slow (each file after ``delay``
    seconds) or broken (HTTP 500 on every request). ``unstartable``: users whose server the hub
    cannot start."""

    def __init__(self):
        self.files: dict[str, dict[str, dict[str, bytes]]] = {}
        self.state: dict[tuple[str, str], str] = {}
        self.unstartable: set[str] = set()
        self.delay = 1.2

    def add(self, user: str, name: str, data: bytes, server: str = "") -> None:
        self.files.setdefault(user, {}).setdefault(server, {})[name] = data
        self.state.setdefault((user, server), "fine")

    def model(self, user: str) -> dict:
        servers = {
            name: {
                "ready": True,
                "url": f"/user/{quote(user, safe='')}/{name + '/' if name else ''}",
            }
            for name in sorted(self.files[user])
            if self.state[(user, name)] != "stopped"
        }
        return {"name": user, "servers": servers, "server": None, "pending": None}


def _handler(fake: FakeClass):
    class Handler(JSONHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.endswith("/server"):  # start a stopped server
                user = unquote(self.path.split("/")[-2])
                if user in fake.unstartable:
                    return self.send({"message": "spawner failed"}, 500)
                for server in fake.files[user]:
                    fake.state[(user, server)] = "fine"
                return self.send({}, 201)
            return self.send({"token": "usertok", "id": "t1"})

        def do_DELETE(self):
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            path, _, _query = self.path.partition("?")
            if path == "/hub/api/users":
                return self.send([fake.model(u) for u in sorted(fake.files)])
            if path.startswith("/hub/api/users/"):
                return self.send(fake.model(unquote(path.rsplit("/", 1)[-1])))
            _, _, user, rest = path.split("/", 3)
            user = unquote(user)
            server = "" if rest.startswith("api/contents/") else rest.split("/", 1)[0]
            contents = rest.split("api/contents/", 1)[1]
            state = fake.state[(user, server)]
            if state == "broken":
                return self.send({"message": "boom"}, 500)
            files = fake.files[user][server]
            if contents == "":
                return self.send(
                    {"content": [{"name": "answers", "type": "directory", "path": "answers"}]}
                )
            if contents == "answers":
                entries = [
                    {"name": n, "type": "file", "path": f"answers/{n}", "size": len(d)}
                    for n, d in sorted(files.items())
                ]
                return self.send({"content": entries})
            if state == "slow":
                time.sleep(fake.delay)
            return self.send({"content": files[contents.split("/", 1)[1]].decode()})

    return Handler


@pytest.fixture
def hub():
    fake = FakeClass()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def kim_and_lee(fake: FakeClass) -> None:
    fake.add("kim", "quiz.json", answer("kim", RIGHT))
    # an older save kept beside it (bmc grade reports it as superseded)
    fake.add("kim", "extra.json", answer("kim", {"a": "self_service"}, "2026-11-19T10:00:00+09:00"))
    fake.add("lee", "quiz.json", answer("lee", RIGHT))


# -- F1 through a hub -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, start_stopped, code, reason",
    [
        ("stopped", False, 0, "no running server"),  # the idle culler stopped it
        ("stopped", True, 1, "could not start the server"),  # and the hub cannot start it
        ("slow", False, 1, "longer than 0.5 s in all"),  # runs out of --server-timeout
        ("broken", False, 1, "HTTP 500"),  # does not answer
    ],
)
def test_a_server_not_read_on_a_rerun_keeps_the_earlier_copies(
    hub, capsys, monkeypatch, state, start_stopped, code, reason
):
    fake, url = hub
    kim_and_lee(fake)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "svc")
    args = ["collect", "--hub", url, "--out", "out", "--server-timeout", "0.5"]
    assert main(args) == 0
    assert copies() == ["kim/extra.json", "kim/quiz.json", "lee/quiz.json"]
    before = manifest_files()
    capsys.readouterr()
    # since then kim changed her answers, and her server stopped (or broke, or slowed down)
    fake.files["kim"][""]["quiz.json"] = answer("kim", WRONG, "2026-11-27T10:00:00+09:00")
    fake.state[("kim", "")] = state
    if start_stopped:
        fake.unstartable.add("kim")
    assert main(args + (["--start-stopped"] if start_stopped else [])) == code
    out, err = capsys.readouterr()
    assert "not reached: kim: " in err and reason in err
    assert "removed" not in err  # no false note
    assert KEPT_KIM in out
    assert copies() == ["kim/extra.json", "kim/quiz.json", "lee/quiz.json"]
    assert manifest_files() == before  # with their users and student ids
    assert manifest()["users"] == {"kim": "kim", "lee": "lee"}
    assert manifest()["complete"] is True
    kept = json.loads(Path("out/kim/quiz.json").read_bytes())
    assert kept["answers"] == RIGHT  # the copy of the earlier run, not a half-read new one
    scores, probs = grade("out")
    assert scores == {"kim": "3", "lee": "3"} and probs == []


def test_kept_copies_are_listed_in_json(hub, capsys, monkeypatch):
    fake, url = hub
    kim_and_lee(fake)
    collect.collect_hub(url, "out", token="svc")
    fake.state[("kim", "")] = "stopped"
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "svc")
    capsys.readouterr()
    assert main(["collect", "--hub", url, "--out", "out", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["users"]) == ["lee"]
    assert data["kept"] == {
        "kim": {
            "folder": "kim",
            "files": [
                {
                    "source": f"/user/kim/api/contents/answers/{name}",
                    "target": str(Path("out", "kim", name)),
                    "exercise_set": "quiz",
                    "student_id": "kim",
                }
                for name in ("extra.json", "quiz.json")
            ],
        }
    }


def test_a_kept_student_is_graded_from_the_kept_copy_and_the_owner_guard_holds(hub, capsys):
    fake, url = hub
    kim_and_lee(fake)
    fake.add("mallory", "m.json", answer("mallory", WRONG))
    collect.collect_hub(url, "out", token="svc")
    # kim's server is culled; mallory now has a later file naming kim
    fake.state[("kim", "")] = "stopped"
    fake.files["mallory"][""]["y.json"] = answer("kim", WRONG, "2026-11-28T10:00:00+09:00")
    result = collect.collect_hub(url, "out", token="svc")
    assert [c.user for c in result.kept] == ["kim", "kim"]
    assert result.exit_code == 0
    scores, probs = grade("out")
    assert scores["kim"] == "3"  # her own kept copy, not mallory's later file naming her
    assert [p["source"] for p in probs] == [str(Path("out/mallory/y.json"))]
    assert "collected from the folder of user 'mallory'" in probs[0]["problem"]


def test_a_user_read_completely_still_loses_the_copies_of_deleted_files(hub, capsys):
    fake, url = hub
    kim_and_lee(fake)
    collect.collect_hub(url, "out", token="svc")
    del fake.files["kim"][""]["extra.json"]  # the student deleted it
    fake.state[("lee", "")] = "stopped"
    result = collect.collect_hub(url, "out", token="svc")
    assert copies() == ["kim/quiz.json", "lee/quiz.json"]
    gone = "removed: copied here by an earlier collection, but no longer in the user's folder"
    assert [(Path(s).as_posix(), str(n)) for s, n in result.notes] == [("out/kim/extra.json", gone)]
    assert [c.user for c in result.kept] == ["lee"]


def test_a_user_no_longer_on_the_hub_keeps_their_copies(hub):
    """A user gone from the hub's list (removed, renamed) was not read: nothing says their files
    are gone, so their copies stay, and the summary names them."""
    fake, url = hub
    kim_and_lee(fake)
    collect.collect_hub(url, "out", token="svc")
    del fake.files["lee"]
    result = collect.collect_hub(url, "out", token="svc")
    assert "lee/quiz.json" in copies() and [c.user for c in result.kept] == ["lee"]
    assert "removed" not in " ".join(str(n) for _s, n in result.notes)


# -- F4: several named servers --------------------------------------------------------------------


def kim_with_a_lab(fake: FakeClass) -> None:
    fake.add("kim", "quiz.json", answer("kim", WRONG, "2026-11-20T10:00:00+09:00"))
    fake.add("kim", "quiz.json", answer("kim", RIGHT, "2026-11-25T10:00:00+09:00"), server="lab")
    fake.add("lee", "quiz.json", answer("lee", RIGHT))


def test_when_one_of_a_users_servers_fails_none_of_their_files_is_copied(hub):
    fake, url = hub
    kim_with_a_lab(fake)
    fake.state[("kim", "lab")] = "slow"  # the newer file is on lab, and lab runs out of time
    result = collect.collect_hub(url, "out", token="svc", server_timeout=0.5)
    assert [u for u, _r in result.unreachable] == ["kim"]
    assert copies() == ["lee/quiz.json"]  # not the older file from kim's default server
    assert result.collected_users == ["lee"] and result.exit_code == 1
    scores, _probs = grade("out")
    assert scores == {"lee": "3"}


def test_named_servers_all_read_are_all_copied_and_kept_whole_when_one_fails(hub):
    fake, url = hub
    kim_with_a_lab(fake)
    result = collect.collect_hub(url, "out", token="svc", server_timeout=0.5)
    assert result.exit_code == 0
    both = ["kim/answers__quiz.json", "kim/lab__answers__quiz.json", "lee/quiz.json"]
    assert copies() == both
    assert grade("out")[0]["kim"] == "3"  # the newer file, from lab
    # next time kim's default server has a newer file still, but lab is broken
    fake.files["kim"][""]["quiz.json"] = answer("kim", {}, "2026-11-29T10:00:00+09:00")
    fake.state[("kim", "lab")] = "broken"
    result = collect.collect_hub(url, "out", token="svc", server_timeout=0.5)
    assert [u for u, _r in result.unreachable] == ["kim"]
    assert [c.user for c in result.kept] == ["kim", "kim"]
    assert copies() == both
    kept = json.loads(Path("out/kim/answers__quiz.json").read_bytes())
    assert kept["saved_at"] == "2026-11-20T10:00:00+09:00"  # the earlier run's copy, untouched
    assert grade("out")[0]["kim"] == "3"


# -- F1 with home folders -------------------------------------------------------------------------


def refuse(monkeypatch, *, folders=(), files=()):
    """Make these folders unlistable and these files unopenable (as permission denied does; tests
    may run as root, so it is simulated)."""
    folders = {str(Path(f)) for f in folders}
    files = {str(Path(f)) for f in files}
    real_scandir, real_open = os.scandir, os.open

    def scandir(path="."):
        if str(Path(os.fspath(path))) in folders:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def fake_open(path, *a, **kw):
        if str(Path(os.fspath(path))) in files:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    monkeypatch.setattr(collect.os, "scandir", scandir)
    monkeypatch.setattr(collect.os, "open", fake_open)


def a_class():
    put("home/kim/answers/quiz.json", answer("kim", RIGHT))
    put("home/lee/answers/quiz.json", answer("lee", RIGHT))
    put("home/lee/answers/old.json", answer("lee", {}))


@pytest.mark.parametrize(
    "unreadable", ["home/kim", "home/kim/answers", "home/kim/answers/quiz.json"]
)
def test_an_unreadable_home_folder_on_a_rerun_keeps_the_earlier_copies(
    monkeypatch, capsys, unreadable
):
    a_class()
    assert main(["collect", "home", "--out", "out"]) == 0
    before = manifest_files()
    Path("home/lee/answers/old.json").unlink()  # lee, read completely, deleted a file
    put("home/kim/answers/quiz.json", answer("kim", WRONG, "2026-11-27T10:00:00+09:00"))
    capsys.readouterr()
    with monkeypatch.context() as patched:
        if unreadable.endswith(".json"):
            refuse(patched, files=[unreadable])
        else:
            refuse(patched, folders=[unreadable])
        assert main(["collect", "home", "--out", "out"]) == 1
    out, err = capsys.readouterr()
    assert "permission denied" in err
    assert KEPT_KIM in out
    assert copies() == ["kim/quiz.json", "lee/quiz.json"]
    assert str(Path("out/kim/quiz.json")) not in err  # no false "removed" note
    assert f"{Path('out/lee/old.json')}: removed" in err  # lee's deleted file is still cleaned
    assert manifest_files() == {t: v for t, v in before.items() if t != "lee/old.json"}
    assert manifest()["users"] == {"kim": "kim", "lee": "lee"}
    scores, probs = grade("out")
    assert scores == {"kim": "3", "lee": "3"} and probs == []


def test_a_partly_read_home_folder_copies_what_it_read_and_keeps_the_rest(monkeypatch, capsys):
    put("home/kim/en/answers/quiz.json", answer("kim", WRONG))
    put("home/kim/ko/answers/quiz.json", answer("kim", RIGHT))
    assert main(["collect", "home", "--out", "out"]) == 0
    names = ["kim/en__answers__quiz.json", "kim/ko__answers__quiz.json"]
    assert copies() == names
    put("home/kim/en/answers/quiz.json", answer("kim", {"a": "self_service"}))
    capsys.readouterr()
    with monkeypatch.context() as patched:
        refuse(patched, folders=["home/kim/ko/answers"])
        result = collect.collect_folders(["home"], "out")
    # en's file was read again and keeps its name; ko's earlier copy stays beside it
    assert copies() == names
    assert [Path(c.target).name for c in result.copied] == ["en__answers__quiz.json"]
    assert [Path(c.target).name for c in result.kept] == ["ko__answers__quiz.json"]
    assert json.loads(Path("out", names[0]).read_bytes())["answers"] == {"a": "self_service"}
    assert result.notes == []
    assert sorted(manifest_files()) == names


def test_an_unreadable_root_keeps_every_earlier_user(monkeypatch, capsys):
    a_class()
    collect.collect_folders(["home"], "out")
    with monkeypatch.context() as patched:
        refuse(patched, folders=["home"])
        result = collect.collect_folders(["home"], "out")
    assert result.exit_code == 1
    assert sorted({c.user for c in result.kept}) == ["kim", "lee"]
    assert copies() == ["kim/quiz.json", "lee/old.json", "lee/quiz.json"]
    assert "kim, lee" in result.summary()
    assert sorted(manifest()["known_users"]) == ["kim", "lee"]


def test_a_user_under_two_roots_keeps_the_copies_from_the_root_not_read(monkeypatch):
    put("rA/kim/answers/a.json", answer("kim", WRONG))
    put("rB/kim/answers/b.json", answer("kim", RIGHT))
    put("rA/lee/answers/quiz.json", answer("lee", RIGHT))
    put("rB/zed/answers/quiz.json", answer("zed", RIGHT))
    collect.collect_folders(["rA", "rB"], "out")
    assert copies() == ["kim/a.json", "kim/b.json", "lee/quiz.json", "zed/quiz.json"]
    with monkeypatch.context() as patched:
        refuse(patched, folders=["rB"])
        result = collect.collect_folders(["rA", "rB"], "out")
    assert [Path(c.target).name for c in result.copied] == ["a.json", "quiz.json"]
    assert [(c.user, Path(c.target).name) for c in result.kept] == [
        ("kim", "b.json"),
        ("zed", "quiz.json"),
    ]
    assert copies() == ["kim/a.json", "kim/b.json", "lee/quiz.json", "zed/quiz.json"]
    assert result.notes == []
    # once rB is read again and zed is gone from it, zed's copy goes
    Path("rB/zed/answers/quiz.json").unlink()
    Path("rB/zed/answers").rmdir()
    Path("rB/zed").rmdir()
    result = collect.collect_folders(["rA", "rB"], "out")
    assert copies() == ["kim/a.json", "kim/b.json", "lee/quiz.json"] and result.kept == []


def test_kept_copies_removed_by_hand_are_simply_not_kept(monkeypatch):
    a_class()
    collect.collect_folders(["home"], "out")
    Path("out/lee/old.json").unlink()  # the instructor removed it
    with monkeypatch.context() as patched:
        refuse(patched, folders=["home/lee"])
        result = collect.collect_folders(["home"], "out")
    assert [Path(c.target).name for c in result.kept] == ["quiz.json"]
    assert [p for p, _ in result.problems] == [str(Path("home/lee"))]
    assert copies() == ["kim/quiz.json", "lee/quiz.json"]
    assert sorted(manifest_files()) == ["kim/quiz.json", "lee/quiz.json"]


def test_a_kept_user_keeps_the_folder_it_had(monkeypatch):
    # "a b" and "a_b" both make the folder name a_b: the first in order has it, the other a_b-2
    put("home/a b/answers/quiz.json", answer("a b", RIGHT))
    put("home/a_b/answers/quiz.json", answer("a_b", WRONG))
    collect.collect_folders(["home"], "out")
    assert manifest()["users"] == {"a_b": "a b", "a_b-2": "a_b"}
    with monkeypatch.context() as patched:
        refuse(patched, folders=["home/a b"])
        result = collect.collect_folders(["home"], "out")
    assert [c.user for c in result.kept] == ["a b"]
    assert manifest()["users"] == {"a_b": "a b", "a_b-2": "a_b"}
    assert json.loads(Path("out/a_b/quiz.json").read_bytes())["student_id"] == "a b"
    assert json.loads(Path("out/a_b-2/quiz.json").read_bytes())["student_id"] == "a_b"
    scores, probs = grade("out")
    assert scores == {"a b": "3", "a_b": "0"} and probs == []


def test_the_korean_summary_names_the_kept_users(monkeypatch):
    a_class()
    collect.collect_folders(["home"], "out")
    with monkeypatch.context() as patched:
        refuse(patched, folders=["home/kim"])
        result = collect.collect_folders(["home"], "out")
    assert KEPT_KIM_KO in (result.summary("ko"))


# -- a fourth breaker's findings: what a re-run may call gone -----------------------------------


def test_hub_users_named_with_terminal_codes_keep_their_copies_and_are_shown_escaped(
    hub, capsys, monkeypatch
):
    fake, url = hub
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "svc")
    odd = ["k\x1b[31mim", "lee\nnote: all fine", "yoon\u202ekcatta"]
    for user in odd:
        fake.add(user, "quiz.json", answer("kim", RIGHT))
    assert main(["collect", "--hub", url, "--out", "out"]) == 0
    for user in odd:
        fake.state[(user, "")] = "stopped"
    capsys.readouterr()
    assert main(["collect", "--hub", url, "--out", "out"]) == 0
    out, err = capsys.readouterr()
    assert len(copies()) == 3 and "removed" not in err
    assert sorted(manifest()["known_users"]) == sorted(
        ["k\\x1b[31mim", "lee\\x0anote: all fine", "yoon\\u202ekcatta"]
    )
    shown = out + err
    assert "\x1b" not in shown and "\u202e" not in shown
    assert not any(line.startswith("note: all fine") for line in shown.splitlines())


def test_a_stopped_named_server_keeps_its_copies_and_the_newer_answer_counts(hub):
    fake, url = hub
    fake.add("kim", "quiz.json", answer("kim", WRONG, "2026-11-20T10:00:00+09:00"))
    fake.add("kim", "quiz.json", answer("kim", RIGHT, "2026-11-25T10:00:00+09:00"), server="lab")
    collect.collect_hub(url, "out", token="svc")
    assert grade("out")[0] == {"kim": "3"}
    fake.state[("kim", "lab")] = "stopped"  # the culler stops lab; the hub no longer lists it
    result = collect.collect_hub(url, "out", token="svc")
    assert len(copies()) == 2 and [c.user for c in result.kept] == ["kim"]
    assert not any("removed" in str(n) for _s, n in result.notes)
    assert grade("out")[0] == {"kim": "3"}  # the newer answer, from the kept copy


def test_a_rerun_for_one_set_keeps_the_copies_of_the_others(capsys):
    put("home/kim/answers/quiz.json", answer("kim", RIGHT))
    put(
        "home/kim/answers/week2.json",
        answer_file("kim", RIGHT, "2026-11-20T10:00:00+09:00").replace(
            b'"exercise_set": "quiz"', b'"exercise_set": "week2"'
        ),
    )
    assert main(["collect", "home", "--out", "out"]) == 0
    assert main(["collect", "home", "--out", "out", "--set", "quiz"]) == 0
    assert copies() == ["kim/quiz.json", "kim/week2.json"]
    assert "removed" not in capsys.readouterr().err
    Path("home/kim/answers/week2.json").unlink()  # gone for real: the next run removes its copy
    assert main(["collect", "home", "--out", "out", "--set", "quiz"]) == 0
    assert copies() == ["kim/quiz.json"]


def test_a_root_not_given_again_keeps_its_copies_and_a_deleted_user_folder_loses_them():
    put("sec1/kim/answers/quiz.json", answer("kim", RIGHT))
    put("sec2/lee/answers/quiz.json", answer("lee", RIGHT))
    put("sec2/zed/answers/quiz.json", answer("zed", RIGHT))
    collect.collect_folders(["sec1", "sec2"], "out")
    result = collect.collect_folders(["sec1"], "out")  # sec2 not given this time
    assert copies() == ["kim/quiz.json", "lee/quiz.json", "zed/quiz.json"]
    assert sorted(c.user for c in result.kept) == ["lee", "zed"]
    for name in ("quiz.json", ""):  # zed's account is deleted from sec2
        (Path("sec2/zed/answers") / name).unlink() if name else None
    Path("sec2/zed/answers").rmdir()
    Path("sec2/zed").rmdir()
    collect.collect_folders(["sec1", "sec2"], "out")
    assert copies() == ["kim/quiz.json", "lee/quiz.json"]


def test_a_link_in_the_output_is_never_written_through_and_only_copies_are_removed(capsys):
    a_class()
    collect.collect_folders(["home"], "out")
    Path("elsewhere").mkdir()
    for name in Path("out/kim").iterdir():
        name.unlink()
    Path("out/kim").rmdir()
    Path("out/kim").symlink_to(Path("elsewhere").resolve(), target_is_directory=True)
    Path("out/instructor-notes.txt").write_text("mine", encoding="utf-8")
    data = manifest()
    data["remove"] = ["instructor-notes.txt", "lee"]  # a damaged or hand-edited manifest
    Path("out/bmc-collection.json").write_text(json.dumps(data), encoding="utf-8")
    result = collect.collect_folders(["home"], "out")
    assert list(Path("elsewhere").iterdir()) == []
    assert len(result.problems) == 1 and result.problems[0][0].endswith("kim")
    assert "symbolic link" in str(result.problems[0][1]) and result.exit_code == 1
    assert Path("out/instructor-notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_run_killed_half_way_never_costs_a_user_not_read_next_time_their_last_copy(hub):
    """The killed run's manifest (complete: false) lists kim's old copy for removal; the next run
    cannot read kim (the culler stopped her server): her copy stays."""
    fake, url = hub
    kim_and_lee(fake)
    collect.collect_hub(url, "out", token="svc")
    data = manifest()
    data["complete"] = False
    data["remove"] = [f["target"] for f in data["files"] if f["user"] == "kim"]
    data["files"] = [f for f in data["files"] if f["user"] != "kim"]
    data["files"].append({**data["files"][0], "user": "kim", "target": "kim/answers__quiz.json"})
    Path("out/bmc-collection.json").write_text(json.dumps(data), encoding="utf-8")
    fake.state[("kim", "")] = "stopped"
    result = collect.collect_hub(url, "out", token="svc")
    assert "kim/quiz.json" in copies()
    assert not any("removed" in str(n) for _s, n in result.notes)
    assert grade("out")[0]["kim"] == "3"


@pytest.mark.parametrize("second", ["absolute", "link", "other-folder"])
def test_a_root_named_another_way_is_the_same_place(tmp_path, monkeypatch, second):
    """home, /abs/home, a link to home, or home seen from another working folder are one root: a
    file the student deleted loses its copy, and nothing is copied twice."""
    put("home/kim/answers/quiz.json", answer("kim", RIGHT, "2026-11-25T10:00:00+09:00"))
    put("home/kim/en/answers/quiz.json", answer("kim", {"a": "communities"}))
    put("home/lee/answers/quiz.json", answer("lee", RIGHT))
    collect.collect_folders(["home"], "out")
    Path("home/kim/answers/quiz.json").unlink()
    root, out = str(tmp_path / "home"), "out"
    if second == "link":
        Path("h2").symlink_to(tmp_path / "home", target_is_directory=True)
        root = "h2"
    elif second == "other-folder":
        Path("sub").mkdir()
        monkeypatch.chdir("sub")
        root, out = "../home", "../out"
    result = collect.collect_folders([root], out)
    monkeypatch.chdir(tmp_path)
    assert copies() == ["kim/en__answers__quiz.json", "lee/quiz.json"]
    assert result.kept == [] and grade("out")[0] == {"kim": "0.5", "lee": "3"}


def test_nothing_is_removed_from_a_folder_the_manifest_gives_a_user_not_read(hub):
    fake, url = hub
    kim_and_lee(fake)
    collect.collect_hub(url, "out", token="svc")
    data = manifest()
    for f in data["files"]:
        if f["user"] == "lee":
            f["user"] = "kim"  # a damaged manifest: lee's copy listed as kim's
    Path("out/bmc-collection.json").write_text(json.dumps(data), encoding="utf-8")
    fake.state[("lee", "")] = "stopped"
    collect.collect_hub(url, "out", token="svc")
    assert "lee/quiz.json" in copies()


def test_a_manifest_from_before_where_is_read_as_paths_from_this_folder():
    put("home/kim/answers/quiz.json", answer("kim", RIGHT, "2026-11-25T10:00:00+09:00"))
    put("home/kim/en/answers/quiz.json", answer("kim", {"a": "communities"}))
    put("home/lee/answers/quiz.json", answer("lee", RIGHT))
    collect.collect_folders(["home"], "out")
    data = manifest()
    for f in data["files"]:
        del f["where"]  # as the previous version wrote it
    Path("out/bmc-collection.json").write_text(json.dumps(data), encoding="utf-8")
    result = collect.collect_folders(["home"], "out")
    assert result.kept == [] and len(copies()) == 3  # nothing copied twice
    Path("home/kim/answers/quiz.json").unlink()
    collect.collect_folders(["home"], "out")
    assert copies() == ["kim/en__answers__quiz.json", "lee/quiz.json"]
    assert grade("out")[0] == {"kim": "0.5", "lee": "3"}


def test_one_folder_named_twice_in_one_run_is_read_once(tmp_path):
    put("home/kim/answers/quiz.json", answer("kim", RIGHT))
    Path("h2").symlink_to(tmp_path / "home", target_is_directory=True)
    result = collect.collect_folders(["home", str(tmp_path / "home"), "./home/", "h2"], "out")
    assert copies() == ["kim/quiz.json"] and len(result.copied) == 1
