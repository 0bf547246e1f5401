"""LTI 1.3 through a real JupyterHub: students launch from the (test-only) platform, land signed in
on the lesson, their answers are graded, and ``bmc grade --push-lti`` puts the scores into the
platform's gradebook. Forged, misaddressed and framed launches fail cleanly.

The hub (``hub_support.py``) runs bmclib's ``LTIAuthenticator`` (ltiauthenticator's LTI 1.3
authenticator) with ``record_launches`` as its ``post_auth_hook``, configured as the instructor
guide (section 11) says. The platform (``lti_platform.py``) runs in this process on loopback; a
``requests`` session plays the student's browser (it carries cookies and follows the platform's
auto-submitting form by hand). Skipped with the reason when node, configurable-http-proxy or
ltiauthenticator is missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hub_support import Hub, Kernel, marked_pids, missing_tools

import bmclib as bmc


def _missing() -> str | None:
    for module in ("jwt", "cryptography", "ltiauthenticator", "requests"):
        try:
            __import__(module)
        except ImportError:
            return f'{module} is not installed (pip install -e ".[test]")'
    return missing_tools()


pytestmark = [pytest.mark.lti, pytest.mark.hub, pytest.mark.slow]
if _missing():
    pytestmark.append(
        pytest.mark.skip(reason=f"LTI hub tests need a real JupyterHub: {_missing()}")
    )

SET = "relationships-practice"
LESSON = "course/en/04_customer_relationships.ipynb"
LESSON_PATH = f"/hub/user-redirect/lab/tree/{LESSON}"
EMPTY_NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'

GUIDE = Path(__file__).resolve().parents[1] / "notebooks" / "src" / "instructor_guide.md"


def guide_block(start: str) -> str:
    """The code block of the instructor guide's LTI section (English) whose first line is
    ``start``."""
    text = GUIDE.read_text(encoding="utf-8")
    heading = re.search(r"^## \d+\. .*LTI 1\.3$", text, re.MULTILINE)
    assert heading, "the instructor guide has no English section on LTI 1.3"
    section = text[heading.start() : text.index("=== ko", heading.start())]
    blocks = re.findall(r"```\w*\n(.*?)```", section, re.DOTALL)
    (block,) = [b for b in blocks if b.startswith(start)]
    return block


def hub_config(**values: str) -> str:
    """The guide's jupyterhub_config.py for LTI, with this test's platform and store filled in."""
    block = guide_block("# jupyterhub_config.py")
    seen = set()

    def fill(match):
        seen.add(match.group(2))
        value = values[match.group(2)]
        return f"{match.group(1)} = {[value] if match.group(2) == 'client_id' else value!r}"

    block = re.sub(
        r"^(c\.LTI13Authenticator\.(\w+)) = .*$",
        lambda m: fill(m) if m.group(2) in values else m.group(0),
        block,
        flags=re.MULTILINE,
    )
    block, n = re.subn(
        r'record_launches\("[^"]*"\)', f"record_launches({values['store']!r})", block
    )
    assert seen == set(values) - {"store"} and n == 1, (seen, block)
    assert (
        'authenticator_class = "bmclib.lti.hub.LTIAuthenticator"' in block
        and "allow_all = True" in block
    )
    return "\n# LTI 1.3: the instructor guide's configuration (section 11)\n" + block


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """The platform, the tool's keys, a hub that trusts the platform, and the push settings."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from lti_platform import Platform

    from bmclib.lti.tool_keys import generate

    tmp = tmp_path_factory.mktemp("lti-hub")
    key_id, keys = generate(tmp / "keys")
    platform = Platform()
    platform.register_tool(
        load_pem_private_key(keys["tool-key.pem"].read_bytes(), None).public_key(), key_id
    )
    store = tmp / "srv" / "lti-launches.json"
    hub = Hub(
        tmp,
        [],
        hub_config(
            issuer=platform.issuer,
            authorize_url=platform.auth_url,
            jwks_endpoint=platform.jwks_url,
            client_id=platform.client_id,
            store=str(store),
        ),
    )
    platform.redirect_uris.add(f"{hub.url}/hub/lti13/oauth_callback")
    for login in ("alice", "bob", "dave", "eve", "frank", "gina"):
        platform.add_user(login)
    platform.add_link("lesson-4", hub.url + LESSON_PATH, title="Lesson 4: customer relationships")
    config = tmp / "lti.toml"  # the guide's settings, with this platform's values
    settings = tomllib.loads(guide_block("issuer = "))
    settings.update(
        issuer=platform.issuer,
        client_id=platform.client_id,
        token_url=platform.token_url,
        private_key="keys/tool-key.pem",
        key_id=key_id,
        store="srv/lti-launches.json",
    )
    assert len(settings) == 6, settings  # the guide names every setting a push needs, and no other
    config.write_text(
        "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()), encoding="utf-8"
    )
    # the lesson handed out (as nbgitpuller would)
    for user in ("alice@example.edu", "bob@example.edu"):
        (hub.home(user) / "course" / "en").mkdir(parents=True)
        (hub.home(user) / LESSON).write_text(EMPTY_NOTEBOOK, encoding="utf-8")
    platform.start()
    started = time.monotonic()
    try:
        hub.start()
        yield {
            "platform": platform,
            "hub": hub,
            "store": store,
            "config": config,
            "tmp": tmp,
            "started": started,
        }
    finally:
        try:
            hub.stop()
            # shown on failure
            print(f"--- the end of the hub's log ({hub.log}):\n{hub.log_tail(40)}")
            left = marked_pids(hub.marker_value)
            assert not left, f"processes of the hub still running after stop: {left}"
        finally:
            platform.stop()
            print(
                f"LTI hub module: {time.monotonic() - started:.1f} "
                "s from platform start to hub stop"
            )


def launch(setting, session, login: str, *, tamper: str = "", headers: dict | None = None):
    """One launch as a browser makes it: initiation (platform to hub), the hub's redirect to the
    platform, the platform's auto-submitting form back to the hub. Returns the last answer."""
    platform, hub = setting["platform"], setting["hub"]
    url, fields = platform.initiation(
        f"{hub.url}/hub/lti13/oauth_login", login, "lesson-4", tamper=tamper
    )
    first = session.post(url, data=fields, allow_redirects=False, headers=headers or {}, timeout=30)
    if first.status_code != 302:
        return first
    assert first.headers["Location"].startswith(platform.auth_url), first.headers["Location"]
    auth = session.get(first.headers["Location"], allow_redirects=False, timeout=30)
    assert auth.status_code == 200, auth.text
    action = re.search(r'action="([^"]+)"', auth.text).group(1)
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', auth.text))
    return session.post(action, data=form, allow_redirects=False, timeout=30)


def hub_user(setting, name: str):
    status, model = setting["hub"].request("GET", f"/hub/api/users/{quote(name)}")
    return model if status == 200 else None


def stored_users(setting) -> dict:
    path = setting["store"]
    return json.loads(path.read_text())["users"] if path.exists() else {}


def bmc_cli(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTERHUB_API_TOKEN", "BMC_LANG")}
    return subprocess.run(
        [sys.executable, "-m", "bmclib.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_launch_lands_on_the_lesson_and_the_grades_reach_the_gradebook(setting):
    import requests

    platform, hub, tmp = setting["platform"], setting["hub"], setting["tmp"]
    began = time.monotonic()

    # 1. alice clicks the lesson link on the platform: signed in on the hub, sent to the lesson
    alice = requests.Session()
    answer = launch(setting, alice, "alice")
    assert answer.status_code == 302, (answer.status_code, answer.text[:500], hub.log_tail())
    assert answer.headers["Location"] == LESSON_PATH  # the link's target_link_uri, on this hub
    # hub pages are never framed
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    # ... and her browser gets the lesson from her own server, started for her
    page = alice.get(hub.url + LESSON_PATH, timeout=60)
    deadline = time.monotonic() + 60
    while "/spawn-pending/" in page.url and time.monotonic() < deadline:
        time.sleep(0.5)
        page = alice.get(hub.url + LESSON_PATH, timeout=60)
    user_url = "/user/alice@example.edu"
    assert page.status_code == 200 and urlsplit(page.url).path == f"{user_url}/lab/tree/{LESSON}", (
        page.url
    )
    lesson = alice.get(f"{hub.url}{user_url}/api/contents/{LESSON}?content=0", timeout=30)
    assert lesson.status_code == 200 and lesson.json()["type"] == "notebook"

    # 2. bob and dave launch too (bob twice: the store keeps him once)
    for login in ("bob", "bob", "dave"):
        assert launch(setting, requests.Session(), login).status_code == 302
    users = stored_users(setting)
    assert sorted(users) == ["alice@example.edu", "bob@example.edu", "dave@example.edu"]
    for login in ("alice", "bob", "dave"):
        record = users[f"{login}@example.edu"]
        assert record["platform_user_id"] == platform.users[login]["sub"]
        assert record["courses"] == [platform.course]
    course = json.loads(setting["store"].read_text())["courses"][platform.course]
    assert course["lineitems"] == platform.lineitems_url
    assert course["links"]["lesson-4"]["target_link_uri"] == hub.url + LESSON_PATH

    # 3. answers: alice through the exercise widget in her server (her id is the hub's user name);
    #    bob's file as his server left it; carol never launched from the platform
    key = bmc.load_key(SET)
    best = {k.item_id: min(k.best) for k in key.items[:5]}
    kernel = Kernel(hub, "alice@example.edu", LESSON)
    try:
        out = kernel.run(
            "import json, bmclib as bmc\n"
            "ex = bmc.relationship_exercise(lang='en', mode='practice')\n"
            f"ids = list(ex.exercise_set.item_ids)\nfor item, choice in {best!r}.items():\n"
            "    ex.show(ids.index(item)); ex.choices.value = choice\n"
            "print(json.dumps([ex.answers.student_id, len(ex.answers.answers)]))"
        )
    finally:
        kernel.close()
    assert json.loads(out) == ["alice@example.edu", 5]
    partly = next(k for k in key.items if k.acceptable)
    bmc.write_answers(
        hub.home("bob@example.edu") / "course/en/answers" / f"{SET}.json",
        bmc.AnswerFile("bob@example.edu", SET, {partly.item_id: min(partly.acceptable)}),
    )
    bmc.write_answers(
        tmp / "home" / "carol" / "answers" / f"{SET}.json",
        bmc.AnswerFile("carol", SET, {k.item_id: min(k.best) for k in key.items}),
    )

    # 4. collect, grade, push
    run = bmc_cli("collect", str(tmp / "home"), "--out", str(tmp / "class"))
    assert run.returncode == 0, run.stderr
    grades = tmp / "grades.csv"
    run = bmc_cli(
        "grade",
        str(tmp / "class"),
        "--key",
        str(bmc.data_path("keys", f"{SET}.csv")),
        "--out",
        str(grades),
        "--push-lti",
        str(setting["config"]),
    )
    assert run.returncode == 0, run.stderr
    assert "carol never launched the course from the platform" in run.stderr
    assert "pushed 2 score(s) to the new line item 'relationships-practice'" in run.stderr
    assert grades.read_text().count("\n") == 4  # alice, bob, carol: the CSV has everyone
    (item,) = platform.line_items.values()
    assert item["tag"] == SET and item["scoreMaximum"] == key.max_score
    # dave launched but handed nothing in: nothing sent for him
    assert platform.results(item["id"]) == {
        platform.users["alice"]["sub"]: sum(k.points for k in key.items[:5]),
        platform.users["bob"]["sub"]: partly.points * 0.5,
    }

    # 5. the platform stops granting the score scope: a clear failure, exit 1, the CSV still written
    platform.allowed_scopes.discard("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    try:
        grades.unlink()
        run = bmc_cli(
            "grade",
            str(tmp / "class"),
            "--key",
            str(bmc.data_path("keys", f"{SET}.csv")),
            "--out",
            str(grades),
            "--quiet",
            "--push-lti",
            str(setting["config"]),
        )
    finally:
        platform.allowed_scopes.add("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    assert run.returncode == 1, run.stderr
    assert (
        "did not grant the scope https://purl.imsglobal.org/spec/lti-ags/scope/score" in run.stderr
    )
    assert grades.is_file()
    print(f"\nLTI round trip: {time.monotonic() - began:.1f} s after the hub was up")


def test_forged_misaddressed_and_framed_launches_fail_cleanly(setting):
    import requests

    hub = setting["hub"]
    before = stored_users(setting)

    # a token signed with another key (same kid): refused, nobody signed in, nothing stored
    answer = launch(setting, requests.Session(), "eve", tamper="bad_signature")
    assert answer.status_code == 400 and "Signature verification failed" in answer.text
    assert hub_user(setting, "eve@example.edu") is None

    # a token for another tool (aud): refused with 401
    answer = launch(setting, requests.Session(), "frank", tamper="wrong_audience")
    assert answer.status_code == 401 and "audience" in answer.text.lower()
    assert hub_user(setting, "frank@example.edu") is None

    # a launch inside the platform's iframe: a page with a new-window button, nothing set
    framed = {
        "Sec-Fetch-Dest": "iframe",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
    }
    browser = requests.Session()
    answer = launch(setting, browser, "gina", headers=framed)
    assert answer.status_code == 200
    # this page may show in the frame
    assert answer.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "lti13authenticator" not in answer.headers.get("Set-Cookie", "")
    assert "새 창에서 열기" in answer.text and "Open in a new window" in answer.text
    link = (
        re.search(r'<a class="open" href="([^"]+)" target="_blank"', answer.text)
        .group(1)
        .replace("&amp;", "&")
    )
    assert hub_user(setting, "gina@example.edu") is None
    # the button: the same launch, now in a window of its own, works
    opened = browser.get(hub.url + link, allow_redirects=False, timeout=30)
    assert opened.status_code == 302
    auth = browser.get(opened.headers["Location"], allow_redirects=False, timeout=30)
    action = re.search(r'action="([^"]+)"', auth.text).group(1)
    landed = browser.post(
        action,
        data=dict(re.findall(r'name="([^"]+)" value="([^"]*)"', auth.text)),
        allow_redirects=False,
        timeout=30,
    )
    assert landed.status_code == 302 and landed.headers["Location"] == LESSON_PATH
    assert hub_user(setting, "gina@example.edu") is not None

    # a framed launch in a browser that sends no Sec-Fetch headers: the hub's cookie does not come
    # back from inside the frame, so the callback is refused before anyone is signed in
    platform = setting["platform"]
    url, fields = platform.initiation(f"{hub.url}/hub/lti13/oauth_login", "eve", "lesson-4")
    first = requests.Session().post(url, data=fields, allow_redirects=False, timeout=30)
    auth = requests.get(first.headers["Location"], allow_redirects=False, timeout=30)
    action = re.search(r'action="([^"]+)"', auth.text).group(1)
    answer = requests.post(
        action,
        data=dict(re.findall(r'name="([^"]+)" value="([^"]*)"', auth.text)),
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 400 and "OAuth state missing from cookies" in answer.text
    assert hub_user(setting, "eve@example.edu") is None

    after = stored_users(setting)
    # only the launch that worked was recorded
    assert set(after) - set(before) == {"gina@example.edu"}
