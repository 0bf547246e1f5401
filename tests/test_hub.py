"""A whole class on a real JupyterHub: identity from the hub, answers saved in each student's
kernel, a server killed mid-session, ``bmc collect`` (home folders and ``--hub``) and ``bmc grade``.

The hub is fresh, in a temporary folder, on free loopback ports (see ``hub_support.py``); no
``BMC_STUDENT_ID`` anywhere, so the students are known only by ``JUPYTERHUB_USER``. Skipped with
the reason when node or configurable-http-proxy is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time

import pytest
from hub_support import Hub, Kernel, marked_pids, missing_tools

import bmclib as bmc
from bmclib.answers import read_answers

pytestmark = [pytest.mark.hub, pytest.mark.slow]
_missing = missing_tools()
if _missing:
    pytestmark.append(pytest.mark.skip(reason=f"hub tests need a real JupyterHub: {_missing}"))

SET = "relationships-practice"
NOTEBOOK = "course/en/04_customer_relationships.ipynb"  # where the lesson sits in a student's home
ANSWERS = "course/en/answers/relationships-practice.json"


def plans():
    """What each student chooses, and the score the key gives it (worked out here from the key)."""
    key = bmc.load_key(SET)
    items = {it.id: it for it in bmc.load_exercise_set(SET).items}
    alice, bob, alice_score, bob_score = {}, {}, 0.0, 0.0
    for k in key.items[:6]:  # alice: the best answer to six items
        alice[k.item_id] = min(k.best)
        alice_score += k.points
    # bob: one acceptable answer, three wrong ones
    partly = next(k for k in key.items if k.acceptable)
    bob[partly.item_id] = min(partly.acceptable)
    bob_score += partly.points * 0.5
    for k in [k for k in key.items if k is not partly][:3]:
        bob[k.item_id] = min(set(items[k.item_id].choices("en")) - set(k.best) - set(k.acceptable))
    return alice, bob, alice_score, bob_score, key.max_score


EXERCISE = """
import json
import bmclib as bmc
ex = bmc.relationship_exercise(lang="en", mode="practice")
print(json.dumps({"asked": ex.answers is None,
                  "student": ex.answers.student_id if ex.answers else None,
                  "answers": dict(ex.answers.answers) if ex.answers else {}}))
"""

CHOOSE = """
ids = list(ex.exercise_set.item_ids)
for item, choice in json.loads({plan!r}).items():
    ex.show(ids.index(item))
    ex.choices.value = choice
print(json.dumps(dict(ex.answers.answers)))
"""


def bmc_cli(*args, env=None):
    import os

    full_env = {k: v for k, v in os.environ.items() if k != "JUPYTERHUB_API_TOKEN"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bmclib.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def grades(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.fixture
def hub(tmp_path):
    users = ["alice", "bob", "carol"]
    the_hub = Hub(tmp_path, users)
    # the lessons handed out (as nbgitpuller would), and some hidden Jupyter files
    for user in users:
        (the_hub.home(user) / "course" / "en").mkdir(parents=True)
        (the_hub.home(user) / ".ipython" / "profile_default").mkdir(parents=True)
        (the_hub.home(user) / ".ipython" / "profile_default" / "startup.json").write_text("{}")
    try:
        the_hub.start()
        yield the_hub
    finally:
        the_hub.stop()
        # shown on failure
        print(f"--- the end of the hub's log ({the_hub.log}):\n{the_hub.log_tail(40)}")
        left = marked_pids(the_hub.marker_value)
        assert not left, f"processes of the hub still running after stop: {left}"


def test_a_class_on_a_real_hub(hub, tmp_path):
    started = time.monotonic()
    alice_plan, bob_plan, alice_score, bob_score, max_score = plans()
    # carol worked in an earlier session; her server is stopped now
    bmc.write_answers(
        hub.home("carol") / ANSWERS,
        bmc.AnswerFile(
            "carol",
            SET,
            {next(iter(alice_plan)): next(iter(alice_plan.values()))},
            saved_at="2026-11-20T10:00:00+09:00",
        ),
    )

    hub.start_servers(["alice", "bob"])
    kernels = {user: Kernel(hub, user, NOTEBOOK) for user in ("alice", "bob")}
    try:
        # 1. identity from the hub: nobody is asked for an id
        for user, kernel in kernels.items():
            seen = json.loads(kernel.run(EXERCISE))
            assert seen == {"asked": False, "student": user, "answers": {}}, (user, seen)
        first_half = dict(list(alice_plan.items())[:3])
        saved = json.loads(kernels["alice"].run(CHOOSE.format(plan=json.dumps(first_half))))
        assert saved == first_half
        assert json.loads(kernels["bob"].run(CHOOSE.format(plan=json.dumps(bob_plan)))) == bob_plan
    finally:
        for kernel in kernels.values():
            kernel.close()

    # 2. alice's server dies mid-session (killed, as the out-of-memory killer would)
    import os
    import signal

    os.kill(hub.server_pid("alice"), signal.SIGKILL)
    on_disk = read_answers(hub.home("alice") / ANSWERS)  # intact: every choice so far, nothing else
    assert (on_disk.student_id, on_disk.answers) == ("alice", first_half)
    deadline = time.monotonic() + 30
    while hub.user_model("alice")["servers"] and time.monotonic() < deadline:
        time.sleep(0.3)  # the hub notices at its next poll
    assert not hub.user_model("alice")["servers"], "the hub never noticed alice's server had died"
    hub.start_servers(["alice"])
    kernel = Kernel(hub, "alice", NOTEBOOK)
    try:
        resumed = json.loads(kernel.run(EXERCISE))
        assert resumed == {"asked": False, "student": "alice", "answers": first_half}
        assert json.loads(kernel.run(CHOOSE.format(plan=json.dumps(alice_plan)))) == alice_plan
    finally:
        kernel.close()

    key = str(bmc.data_path("keys", f"{SET}.csv"))
    expected = {"alice": alice_score, "bob": bob_score}

    # 3. bmc collect from the home folders, then bmc grade
    run = bmc_cli("collect", str(tmp_path / "home"), "--out", str(tmp_path / "by_folder"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("collected 3 answer file(s) from 3 user(s)"), run.stdout
    assert sorted(p.name for p in (tmp_path / "by_folder").iterdir()) == [
        "alice",
        "bmc-collection.json",
        "bob",
        "carol",
    ]
    run = bmc_cli(
        "grade",
        str(tmp_path / "by_folder"),
        "--key",
        key,
        "--out",
        str(tmp_path / "g1.csv"),
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    by_folder = grades(tmp_path / "g1.csv")
    assert sorted(by_folder) == ["alice", "bob", "carol"]
    for user, score in expected.items():
        assert float(by_folder[user]["score"]) == pytest.approx(score), user
        assert float(by_folder[user]["max_score"]) == pytest.approx(max_score)

    # 4. bmc collect --hub with the collector's token (list:users, read:users, tokens only): it may
    # not reach any server itself; each server is read with a short-lived token of its own user,
    # deleted after
    status, _ = hub.request("GET", "/user/alice/api/contents/", token=hub.collector_token)
    assert status in (302, 403), status
    token = {"JUPYTERHUB_API_TOKEN": hub.collector_token}
    run = bmc_cli("collect", "--hub", hub.url, "--out", str(tmp_path / "by_hub"), env=token)
    assert run.returncode == 0, run.stderr
    assert "collected 2 answer file(s) from 2 user(s)" in run.stdout, run.stdout
    assert "not reached: carol: no running server" in run.stderr, run.stderr
    assert hub.collector_token not in run.stdout + run.stderr
    for user in ("alice", "bob"):
        status, tokens = hub.request("GET", f"/hub/api/users/{user}/tokens")
        assert status == 200 and not [
            t for t in tokens["api_tokens"] if t.get("note") == "bmc-collect"
        ], tokens
    run = bmc_cli(
        "grade",
        str(tmp_path / "by_hub"),
        "--key",
        key,
        "--out",
        str(tmp_path / "g2.csv"),
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    by_hub = grades(tmp_path / "g2.csv")
    assert sorted(by_hub) == ["alice", "bob"]
    for user in expected:
        assert by_hub[user]["score"] == by_folder[user]["score"]
        assert by_hub[user]["percent"] == by_folder[user]["percent"]

    # 5. --start-stopped reaches carol too (it needs a token that may start servers), then stops her
    # again
    run = bmc_cli(
        "collect",
        "--hub",
        hub.url,
        "--out",
        str(tmp_path / "all"),
        "--start-stopped",
        env={"JUPYTERHUB_API_TOKEN": hub.admin_token},
    )
    assert run.returncode == 0, run.stderr
    assert "collected 3 answer file(s) from 3 user(s)" in run.stdout, (run.stdout, run.stderr)
    deadline = time.monotonic() + 30
    while hub.user_model("carol")["servers"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not hub.user_model("carol")["servers"], "carol's server was left running"
    assert (
        json.loads((tmp_path / "all" / "carol" / "relationships-practice.json").read_text())[
            "student_id"
        ]
        == "carol"
    )

    # 6. bob's server is stopped (as the idle culler does), and the collection is run again into
    # the same folder: bob's copy from step 4 stays, and he is still graded from it
    hub.stop_server("bob")
    run = bmc_cli("collect", "--hub", hub.url, "--out", str(tmp_path / "by_hub"), env=token)
    assert run.returncode == 0, run.stderr
    assert "kept the earlier copies of 1 user(s), of files this run did not read" in run.stdout
    assert "or another set): bob" in run.stdout
    assert "removed" not in run.stderr, run.stderr
    assert (tmp_path / "by_hub" / "bob" / "relationships-practice.json").is_file()
    run = bmc_cli(
        "grade", str(tmp_path / "by_hub"), "--key", key, "--out", str(tmp_path / "g3.csv")
    )
    assert run.returncode == 0, run.stderr
    assert grades(tmp_path / "g3.csv")["bob"]["score"] == by_folder["bob"]["score"]
    print(f"\nhub round trip: {time.monotonic() - started:.1f} s after the hub was up")
