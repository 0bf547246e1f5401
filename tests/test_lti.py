"""Grades to the platform, without a hub: the launch store, the push settings, the AGS client and
``bmc grade --push-lti`` against the test-only platform (``lti_platform.py``) on loopback.

Fast: one platform per test, no hub, no browser; retries sleep through an injected function.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import pytest

import bmclib as bmc
from bmclib.cli import main
from bmclib.lti import LaunchStore, LTIError, load_config, push_grades, record_launches
from bmclib.lti.ags import SCOPE_LINEITEM, SCOPE_SCORE, AGSClient
from bmclib.lti.tool_keys import generate

jwt = pytest.importorskip("jwt", reason="the LTI tests need PyJWT: pip install -e '.[test]'")
pytest.importorskip(
    "cryptography", reason="the LTI tests need cryptography: pip install -e '.[test]'"
)
pytest.importorskip("tornado", reason="the test platform runs on tornado: pip install -e '.[test]'")

pytestmark = pytest.mark.lti

SET = "relationships-practice"
SCORE = SCOPE_SCORE


@pytest.fixture(scope="module")
def tool_key(tmp_path_factory):
    """The tool's key pair, made as an instructor would: ``(key id, private key path)``."""
    key_id, paths = generate(tmp_path_factory.mktemp("keys") / "lti", "tool-key-1")
    return key_id, paths["tool-key.pem"]


@pytest.fixture
def platform(tool_key):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from lti_platform import Platform

    the_platform = Platform(page_size=2)
    key = load_pem_private_key(tool_key[1].read_bytes(), password=None)
    the_platform.register_tool(key.public_key(), tool_key[0])
    for login in ("alice", "bob", "dave"):
        the_platform.add_user(login)
    the_platform.add_link(
        "lesson-4",
        "https://hub.example.edu/hub/user-redirect/lab/tree/course/en/04.ipynb",
        title="Lesson 4",
    )
    the_platform.start()
    try:
        yield the_platform
    finally:
        the_platform.stop()


def launch(platform, store_path, hub_user, login, link="lesson-4"):
    """What the hub's hook records at one launch (the platform's own id_token, decoded)."""
    claims = jwt.decode(platform.id_token(login, link, "n-1"), options={"verify_signature": False})
    hook = record_launches(store_path)
    result = hook(None, None, {"name": hub_user, "auth_state": claims})
    assert result["name"] == hub_user
    return claims


def write_config(tmp_path, platform, tool_key, store, **extra):
    lines = [
        f'issuer = "{platform.issuer}"',
        f'client_id = "{platform.client_id}"',
        f'token_url = "{platform.token_url}"',
        f'private_key = "{tool_key[1]}"',
        f'key_id = "{tool_key[0]}"',
        f'store = "{store}"',
    ]
    tables = {k: v for k, v in extra.items() if isinstance(v, dict)}
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items() if not isinstance(v, dict)]
    for name, table in tables.items():
        lines += [f"[{name}]", *[f'{k} = "{v}"' for k, v in table.items()]]
    path = tmp_path / "lti.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plans():
    """Answers for three students and the scores the shipped practice key gives them."""
    key = bmc.load_key(SET)
    items = {k.item_id: k for k in key.items}
    first, second = key.items[0], key.items[1]
    partly = next(k for k in key.items if k.acceptable)
    return {
        "alice": (
            {first.item_id: min(first.best), second.item_id: min(second.best)},
            first.points + second.points,
        ),
        "bob": ({partly.item_id: min(partly.acceptable)}, items[partly.item_id].points * 0.5),
        "carol": ({first.item_id: min(first.best)}, first.points),
    }, key.max_score


def answers_folder(tmp_path, plan):
    folder = tmp_path / "class"
    for student, (answers, _) in plan.items():
        bmc.write_answers(
            folder / student / f"{SET}.json",
            bmc.AnswerFile(student, SET, answers, saved_at="2026-11-20T10:00:00+09:00"),
        )
    return folder


@pytest.fixture
def classroom(tmp_path, platform, tool_key):
    """alice and bob launched from the platform (hub users alice, bob); carol never did."""
    store = tmp_path / "launches.json"
    launch(platform, store, "alice", "alice")
    launch(platform, store, "bob", "bob")
    plan, max_score = plans()
    return {
        "store": store,
        "plan": plan,
        "max": max_score,
        "folder": answers_folder(tmp_path, plan),
        "config": write_config(tmp_path, platform, tool_key, store),
    }


def client_for(platform, tool_key, sleeps, **kw):
    return AGSClient(
        platform.token_url,
        platform.client_id,
        tool_key[1].read_bytes(),
        tool_key[0],
        sleep=sleeps.append,
        **kw,
    )


# -- the launch store
# -------------------------------------------------------------------------------


def test_the_hook_records_each_users_platform_id_course_and_every_lesson_link(tmp_path, platform):
    platform.add_link(
        "quiz",
        "https://hub.example.edu/hub/user-redirect/lab/tree/quiz.ipynb",
        title="Quiz",
        custom={"exercise_set": SET},
        graded=True,
    )
    store = tmp_path / "state" / "launches.json"
    launch(platform, store, "alice", "alice", "lesson-4")
    launch(platform, store, "alice", "alice", "quiz")  # auth_state would keep only this one
    launch(platform, store, "bob", "bob", "lesson-4")
    data = LaunchStore(store).read()  # a fresh reader: what a restarted hub or bmc grade sees
    alice = data["users"]["alice"]
    assert alice["platform_user_id"] == platform.users["alice"]["sub"]
    assert (alice["issuer"], alice["client_id"], alice["courses"]) == (
        platform.issuer,
        platform.client_id,
        ["course-7"],
    )
    assert alice["email"] == "alice@example.edu" and alice["name"] == "Alice"
    course = data["courses"]["course-7"]
    assert course["lineitems"] == platform.lineitems_url
    # both lesson links, though the last launch was the quiz
    assert set(course["links"]) == {"lesson-4", "quiz"}
    assert course["links"]["lesson-4"]["lineitem"] is None
    assert course["links"]["quiz"]["lineitem"] == platform.links["quiz"]["lineitem"]
    assert course["links"]["quiz"]["exercise_set"] == SET
    assert SCORE in course["scopes"]
    # names and e-mail addresses: the owner only
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    assert LaunchStore(store).user("ALICE")["platform_user_id"] == alice["platform_user_id"]


def test_the_hook_passes_other_logins_through_and_never_blocks_one(tmp_path):
    hook = record_launches(tmp_path / "launches.json")
    model = {"name": "kim", "auth_state": None}
    assert hook(None, None, model) is model
    assert not (tmp_path / "launches.json").exists()

    logged = []

    class Log:
        def exception(self, *args):
            logged.append(args)

    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    hook = record_launches(blocked / "launches.json")  # its folder is a file: cannot be written
    authenticator = type("A", (), {"log": Log()})()
    model = {"name": "kim", "auth_state": {"iss": "https://lms.example.edu", "sub": "u-1"}}
    assert hook(authenticator, None, model) is model
    assert logged and "could not record the LTI launch" in logged[0][0]


def test_a_damaged_store_is_set_aside_not_lost(tmp_path):
    store = tmp_path / "launches.json"
    store.write_text("{not json", encoding="utf-8")
    LaunchStore(store).record("kim", {"iss": "https://lms.example.edu", "sub": "u-1"})
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("launches.json.damaged-")]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert LaunchStore(store).read()["users"]["kim"]["platform_user_id"] == "u-1"


# -- the settings ----------------------------------------------------------------------------------


def test_settings_name_the_file_and_the_setting(tmp_path, platform, tool_key, classroom):
    good = load_config(classroom["config"])
    assert (good.audience, good.lang, good.warnings) == (platform.token_url, "en", ())

    def problem(text):
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(LTIError) as info:
            load_config(path)
        return str(info.value)

    base = classroom["config"].read_text()
    assert problem(base.replace("token_url", "token_uri")).startswith(
        f"{tmp_path / 'bad.toml'}: 'token_uri' is not an LTI setting. Did you mean 'token_url'?"
    )
    assert "'key_id' is missing" in problem(
        "\n".join(x for x in base.splitlines() if not x.startswith("key_id"))
    )
    assert "plain http:// is allowed only on this computer" in problem(
        base.replace(platform.token_url, "http://lms.example.edu/login/oauth2/token")
    )
    assert 'lang = "fr"' in problem(base + 'lang = "fr"\n')
    assert "cannot read the LTI settings" in problem("issuer = ")
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert f"private_key {not_a_key} is not an RSA private key" in problem(
        base.replace(str(tool_key[1]), str(not_a_key))
    )
    assert "the launch store" in problem(
        base.replace(str(classroom["store"]), str(tmp_path / "none.json"))
    )
    assert "record_launches" in problem(
        base.replace(str(classroom["store"]), str(tmp_path / "none.json"))
    )


def test_a_private_key_others_can_read_is_a_warning(tmp_path, platform, tool_key, classroom):
    exposed = tmp_path / "exposed.pem"
    exposed.write_bytes(tool_key[1].read_bytes())
    exposed.chmod(0o644)
    config = write_config(tmp_path, platform, (tool_key[0], exposed), classroom["store"])
    warnings = load_config(config).warnings
    assert len(warnings) == 1 and f"chmod 600 {exposed}" in warnings[0]


# -- the AGS client --------------------------------------------------------------------------------


def test_the_token_request_is_a_jwt_signed_with_the_tools_key(platform, tool_key):
    client = client_for(platform, tool_key, [])
    token = client.token()
    assert client.token() == token  # kept while valid: one request
    assert len(platform.token_requests) == 1
    form = platform.token_requests[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert set(form["scope"].split()) == {SCOPE_LINEITEM, SCOPE_SCORE}
    header = jwt.get_unverified_header(form["client_assertion"])
    claims = jwt.decode(form["client_assertion"], options={"verify_signature": False})
    assert header["kid"] == tool_key[0] and header["alg"] == "RS256"
    assert (
        claims["iss"] == claims["sub"] == platform.client_id and claims["aud"] == platform.token_url
    )
    assert claims["exp"] - claims["iat"] <= 300


def test_find_or_create_makes_one_line_item_per_set_across_pages(platform, tool_key):
    client = client_for(platform, tool_key, [])
    for n in range(5):  # other columns of the gradebook, over three pages of two
        platform._new_line_item({"label": f"Essay {n}", "scoreMaximum": 10, "tag": f"essay-{n}"})
    item, created, count = client.find_or_create_line_item(
        platform.lineitems_url, tag=SET, label="Quiz", score_maximum=16, resource_id=SET
    )
    assert (created, count) == (True, 1)
    assert (item["label"], item["scoreMaximum"], item["tag"], item["resourceId"]) == (
        "Quiz",
        16,
        SET,
        SET,
    )
    again, created, _ = client.find_or_create_line_item(
        platform.lineitems_url, tag=SET, label="Quiz", score_maximum=16
    )
    assert (again["id"], created) == (item["id"], False)
    assert len(client.line_items(platform.lineitems_url)) == 6  # every page followed
    assert [i for i in platform.line_items.values() if i.get("tag") == SET] == [item]


def test_429_and_5xx_are_tried_again_with_backoff_then_given_up(platform, tool_key):
    sleeps = []
    client = client_for(platform, tool_key, sleeps, retries=3, backoff=0.5)
    platform.fail("POST", "^/token$", 503, after=True)  # it saw the assertion, then failed
    platform.fail("GET", "/lineitems$", 429, Retry_After="7")
    assert client.line_items(platform.lineitems_url) == []
    assert sleeps == [0.5, 7.0]  # the backoff, then the platform's own Retry-After
    first, second = (
        jwt.decode(r["client_assertion"], options={"verify_signature": False})["jti"]
        for r in platform.token_requests
    )
    # a retried token request carries a new assertion: its jti may have been seen
    assert first != second
    platform.fail("GET", "/lineitems$", 502, times=10)
    with pytest.raises(LTIError, match=r"GET .*/lineitems failed: HTTP 502"):
        client.line_items(platform.lineitems_url)
    assert sleeps[2:] == [0.5, 1.0, 2.0]  # bounded: three more tries, then a clear error


def test_a_creation_that_failed_after_the_fact_is_not_made_twice(platform, tool_key):
    sleeps = []
    client = client_for(platform, tool_key, sleeps)
    platform.fail("POST", "/lineitems$", 500, after=True)  # the platform made it, then answered 500
    item, created, count = client.find_or_create_line_item(
        platform.lineitems_url, tag=SET, label="Quiz", score_maximum=16
    )
    assert (created, count) == (False, 1) and sleeps == [1.0]
    assert len(platform.line_items) == 1 and item["tag"] == SET


def test_a_missing_score_scope_is_named(platform, tool_key):
    # the registration allows line items only: granted without score
    platform.allowed_scopes.discard(SCORE)
    with pytest.raises(LTIError) as info:
        client_for(platform, tool_key, []).token()
    assert "did not grant the scope " + SCORE in str(info.value)
    assert "grade sync and column management" in str(info.value)
    platform.strict_scopes = True  # a platform that refuses the request outright
    with pytest.raises(LTIError, match="did not grant the scope .*invalid_scope"):
        client_for(platform, tool_key, []).token()


def test_an_ags_answer_401_or_403_names_the_scope(platform, tool_key):
    client = client_for(platform, tool_key, [], scopes=[SCOPE_LINEITEM])  # a token without score
    item, _, _ = client.find_or_create_line_item(
        platform.lineitems_url, tag=SET, label="Quiz", score_maximum=1
    )
    with pytest.raises(LTIError) as info:
        client.post_score(item["id"], {"userId": "x"})
    assert f"did not grant the scope {SCOPE_SCORE} (POST {item['id']}/scores (HTTP 403)" in str(
        info.value
    )
    assert "ko" in info.value.messages and "권한 범위" in info.value.messages["ko"]


def test_a_revoked_key_is_invalid_client_with_what_to_check(platform, tool_key):
    platform.tool_keys.clear()  # the platform forgot the tool's public key
    with pytest.raises(LTIError) as info:
        client_for(platform, tool_key, []).token()
    text = str(info.value)
    assert "refused the tool's key" in text and "invalid_client" in text
    assert f"client_id {platform.client_id}" in text and f"key_id {tool_key[0]}" in text
    assert len(platform.token_requests) == 1  # refused at once: a refused key is not tried again


def test_an_unreachable_platform_is_a_clear_error_after_bounded_tries(tool_key):
    sleeps = []
    client = AGSClient(
        "http://127.0.0.1:9/token",
        "c",
        tool_key[1].read_bytes(),
        "k",
        retries=2,
        sleep=sleeps.append,
    )
    with pytest.raises(
        LTIError, match=r"could not reach http://127.0.0.1:9/token: .*\(tried 3 times\)"
    ):
        client.token()
    assert sleeps == [1.0, 2.0]


# -- pushing a graded class ------------------------------------------------------------------------


def grade(classroom):
    return bmc.grade_batch([classroom["folder"]], bmc.load_key(SET))


def test_push_posts_each_students_score_and_lists_who_never_launched(platform, tool_key, classroom):
    result = push_grades(grade(classroom), load_config(classroom["config"]))
    assert (result.error, result.refused, result.exit_code) == (None, [], 0)
    assert result.not_launched == ["carol"]
    assert result.how == "created"
    item = platform.line_items[result.line_item]
    assert (item["tag"], item["label"], item["scoreMaximum"]) == (SET, SET, classroom["max"])
    subs = {login: u["sub"] for login, u in platform.users.items()}
    plan = classroom["plan"]
    assert platform.results(result.line_item) == {
        subs["alice"]: plan["alice"][1],
        subs["bob"]: plan["bob"][1],
    }
    sent = {s["body"]["userId"]: s["body"] for s in platform.scores}
    alice = sent[subs["alice"]]
    assert alice["scoreMaximum"] == classroom["max"]
    assert (alice["activityProgress"], alice["gradingProgress"]) == ("Completed", "FullyGraded")
    assert alice["comment"].startswith(
        f"{SET}: {plan['alice'][1]:g} of {classroom['max']:g} points"
    )
    assert alice["timestamp"].endswith("+00:00")
    assert {s["content_type"] for s in platform.scores} == {"application/vnd.ims.lis.v1.score+json"}


def test_a_regrade_overwrites_and_makes_no_second_line_item(
    platform, tool_key, classroom, tmp_path
):
    config = load_config(classroom["config"])
    first = push_grades(grade(classroom), config)
    key = bmc.load_key(SET)
    bmc.write_answers(
        classroom["folder"] / "bob" / f"{SET}.json",  # bob's file, corrected later
        bmc.AnswerFile(
            "bob",
            SET,
            {k.item_id: min(k.best) for k in key.items},
            saved_at="2026-11-21T10:00:00+09:00",
        ),
    )
    second = push_grades(grade(classroom), config)
    assert (second.how, second.line_item) == ("found", first.line_item)
    assert len(platform.line_items) == 1
    assert platform.results(first.line_item)[platform.users["bob"]["sub"]] == key.max_score


def test_the_lesson_links_line_item_takes_the_scores_when_tied_to_the_set(
    tmp_path, platform, tool_key
):
    platform.add_link(
        "quiz",
        "https://hub.example.edu/quiz",
        title="Relationship quiz",
        custom={"exercise_set": SET},
        graded=True,
    )
    store = tmp_path / "launches.json"
    launch(platform, store, "alice", "alice", "quiz")
    plan, _ = plans()
    folder = answers_folder(tmp_path, {"alice": plan["alice"]})
    result = push_grades(
        bmc.grade_batch([folder], bmc.load_key(SET)),
        load_config(write_config(tmp_path, platform, tool_key, store)),
    )
    assert (result.how, result.line_item, result.label) == (
        "link",
        platform.links["quiz"]["lineitem"],
        "Relationship quiz",
    )
    assert len(platform.line_items) == 1  # nothing created
    assert SCOPE_LINEITEM not in platform.token_requests[0]["scope"]  # only what it needs


def test_one_refused_score_does_not_stop_the_others(platform, tool_key, classroom):
    del platform.users["bob"]  # bob left the course on the platform
    result = push_grades(grade(classroom), load_config(classroom["config"]))
    assert [s for s, _, _, _ in result.posted] == ["alice"]
    assert len(result.refused) == 1 and result.refused[0][0] == "bob"
    assert "HTTP 422" in result.refused[0][1] and "User not found in course" in result.refused[0][1]
    assert result.exit_code == 1


def test_a_dry_run_prints_what_it_would_send_and_sends_nothing(platform, tool_key, classroom):
    lines = []
    result = push_grades(
        grade(classroom), load_config(classroom["config"]), dry_run=True, out=lines.append
    )
    assert platform.requests == []
    assert lines[0].startswith(
        f"LTI dry run: nothing is sent. A push would ask {platform.token_url}"
    )
    assert lines[1] == (
        f"line item: the one tagged '{SET}' in {platform.lineitems_url}, or a new one "
        f"(label '{SET}', scoreMaximum {classroom['max']:g})"
    )
    bodies = [json.loads(line) for line in lines if line.startswith("{")]
    assert [b["userId"] for b in bodies] == [
        platform.users["alice"]["sub"],
        platform.users["bob"]["sub"],
    ]
    assert [b["scoreGiven"] for b in bodies] == [
        classroom["plan"]["alice"][1],
        classroom["plan"]["bob"][1],
    ]
    assert result.not_launched == ["carol"]


def test_a_store_with_launches_from_another_platform_is_not_read_as_nobody_launched(
    tmp_path, platform, tool_key, classroom
):
    config = write_config(tmp_path, platform, tool_key, classroom["store"])
    config.write_text(
        config.read_text().replace(platform.issuer, "https://lms.example.edu"), encoding="utf-8"
    )
    result = push_grades(grade(classroom), load_config(config))
    assert "holds no launch from issuer https://lms.example.edu" in result.error
    assert result.not_sent == ["alice", "bob", "carol"] and result.exit_code == 1


# -- bmc grade --push-lti --------------------------------------------------------------------------


def test_bmc_grade_push_lti_writes_the_csv_then_pushes(
    platform, tool_key, classroom, tmp_path, capsys
):
    out = tmp_path / "grades.csv"
    code = main(
        [
            "grade",
            str(classroom["folder"]),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(out),
            "--quiet",
            "--push-lti",
            str(classroom["config"]),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "carol never launched the course from the platform" in err
    assert f"every grade is in {out}" in err
    assert out.read_text().count("\n") == 4  # header + alice, bob, carol
    assert len(platform.results(next(iter(platform.line_items)))) == 2


def test_a_push_failure_is_exit_1_with_the_csv_written(
    platform, tool_key, classroom, tmp_path, capsys
):
    platform.tool_keys.clear()
    out = tmp_path / "grades.csv"
    code = main(
        [
            "grade",
            str(classroom["folder"]),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(out),
            "--quiet",
            "--push-lti",
            str(classroom["config"]),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "the push to the platform stopped: the platform refused the tool's key" in err
    assert "scores not sent: alice, bob" in err
    assert out.is_file() and "alice" in out.read_text()
    assert platform.scores == []


def test_a_bad_push_config_is_a_usage_error_before_anything_is_written(tmp_path, classroom, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('issuer = "x"\n', encoding="utf-8")
    out = tmp_path / "grades.csv"
    code = main(
        [
            "grade",
            str(classroom["folder"]),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(out),
            "--push-lti",
            str(bad),
        ]
    )
    assert code == 2 and not out.exists()
    assert f"{bad}: 'client_id' is missing" in capsys.readouterr().err
    code = main(
        [
            "grade",
            str(classroom["folder"]),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(out),
            "--dry-run",
        ]
    )
    assert code == 2 and "--dry-run goes with --push-lti CONFIG" in capsys.readouterr().err


def test_bmc_grade_dry_run_prints_the_scores(platform, tool_key, classroom, tmp_path, capsys):
    code = main(
        [
            "grade",
            str(classroom["folder"]),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(tmp_path / "g.csv"),
            "--quiet",
            "--push-lti",
            str(classroom["config"]),
            "--dry-run",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.count('"userId"') == 2 and platform.requests == []
    assert "LTI dry run: 2 score(s) would be sent; nothing was sent" in captured.err


# -- the tool's keys -------------------------------------------------------------------------------


def test_keygen_makes_a_private_key_for_the_hub_and_public_keys_for_the_platform(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "bmclib.lti", "keygen", "--out", str(tmp_path / "k")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    private = tmp_path / "k" / "tool-key.pem"
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    jwk = json.loads((tmp_path / "k" / "tool-jwk.json").read_text())
    assert run.stdout.startswith(f"key id: {jwk['kid']}") and jwk["kid"].startswith("bmc-")
    assert json.loads((tmp_path / "k" / "tool-jwks.json").read_text()) == {"keys": [jwk]}
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    signed = jwt.encode(
        {"x": 1}, load_pem_private_key(private.read_bytes(), None), algorithm="RS256"
    )
    public = jwt.PyJWK(jwk).key
    assert jwt.decode(signed, public, algorithms=["RS256"]) == {"x": 1}
    before = private.read_bytes()
    again = subprocess.run(
        [sys.executable, "-m", "bmclib.lti", "keygen", "--out", str(tmp_path / "k")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 2 and "already exists; a key is never overwritten" in again.stderr
    assert private.read_bytes() == before


def test_every_lti_sentence_exists_in_both_languages():
    from pathlib import Path

    from bmclib.i18n import catalogue
    from bmclib.lti.config import REQUIRED

    source = "".join(
        p.read_text(encoding="utf-8")
        for p in Path(bmc.__file__).parent.joinpath("lti").glob("*.py")
    )
    asked = set(re.findall(r"""(?:LTIError|say)\(\s*["'](lti_[a-z_]+)["']""", source))
    asked |= set(re.findall(r"""return ["'](lti_[a-z_]+)["']""", source))  # check_url's answers
    asked |= {f"lti_config_missing_{name}" for name in REQUIRED}
    # named in a table or a loop
    asked |= {
        "lti_pushed_link",
        "lti_pushed_found",
        "lti_pushed_created",
        "lti_frame_title",
        "lti_frame_why",
        "lti_frame_open",
    }
    texts = {
        "lti_" + k.removeprefix("lti."): v for k, v in catalogue().items() if k.startswith("lti.")
    }
    assert len(asked) > 40 and asked <= set(texts), sorted(asked - set(texts))
    assert all(texts[k]["ko"] != texts[k]["en"] for k in asked if k != "lti_key_unreadable")
