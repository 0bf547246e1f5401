"""A test-only LTI 1.3 platform (a learning management system as far as a tool can tell).

It runs tornado on a free loopback port in a background thread and plays the platform's part:

- ``GET /jwks``: its public keys, to check the launch tokens it signs;
- ``GET|POST /auth``: the OIDC authorization endpoint; answers the tool's authentication request
  with an auto-submitting form that posts a signed ``id_token`` (an LtiResourceLinkRequest) to the
  tool's redirect URI, as a browser would carry it;
- ``POST /token``: OAuth2 client credentials with a JWT client assertion signed by the tool's key
  (RFC 7523); grants the requested scopes it allows;
- ``/courses/<id>/lineitems`` (GET, paged with ``Link: rel="next"``; POST) and
  ``/courses/<id>/lineitems/<n>`` (GET) and ``.../<n>/scores`` (POST): AGS line items and scores.

Everything it receives is recorded (``token_requests``, ``scores``, ``requests``), the gradebook
keeps the latest score per (line item, user) as AGS says (an older timestamp never replaces a
newer one), and faults can be injected (``fail(...)``) to test retries. Nothing here is shipped.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from netutil import free_port
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/"
SCOPES = {
    AGS + "scope/lineitem",
    AGS + "scope/lineitem.readonly",
    AGS + "scope/score",
    AGS + "scope/result.readonly",
}
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Fault:
    """Answer the next ``times`` requests ``method`` + path matching ``path`` with ``status``;
    with ``after=True`` the request is carried out first (a platform that did it, then failed)."""

    method: str
    path: str
    status: int
    times: int = 1
    headers: dict = field(default_factory=dict)
    after: bool = False


class Platform:
    def __init__(
        self,
        *,
        client_id: str = "bmc-tool-1",
        deployment_id: str = "dep-1",
        course: str = "course-7",
        page_size: int = 50,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = self.url
        self.client_id, self.deployment_id, self.course = client_id, deployment_id, course
        self.key, self.kid = new_key(), "platform-key-1"
        self.tool_keys: dict[str, object] = {}  # kid -> the tool's public key (its registration)
        self.redirect_uris: set[str] = set()
        self.allowed_scopes = set(SCOPES)
        # True: asking for a scope not allowed is invalid_scope (else: not granted)
        self.strict_scopes = False
        self.page_size = page_size
        self.users: dict[str, dict] = {}  # login hint -> claims about the user
        self.links: dict[str, dict] = {}  # resource link id -> title, target, custom, lineitem
        self.line_items: dict[str, dict] = {}
        self.scores: list[dict] = []  # every score posted: {"lineitem", "body", "content_type"}
        self.gradebook: dict[tuple[str, str], dict] = {}  # (line item id, user) -> latest score
        self.token_requests: list[dict] = []
        self.tokens: dict[str, set[str]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path and query) of every request
        self.faults: list[Fault] = []
        self.launches: list[dict] = []  # id_token claims issued
        self._seen_jti: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: HTTPServer | None = None

    # -- set-up
    # -------------------------------------------------------------------------------------

    def register_tool(self, public_key, kid: str, redirect_uri: str | None = None) -> None:
        self.tool_keys[kid] = public_key
        if redirect_uri:
            self.redirect_uris.add(redirect_uri)

    def add_user(self, login: str, *, email: str | None = None, name: str | None = None) -> str:
        sub = "u-" + uuid.uuid5(uuid.NAMESPACE_URL, login).hex[:12]
        self.users[login] = {
            "sub": sub,
            "email": email or f"{login}@example.edu",
            "name": name or login.title(),
        }
        return sub

    def add_link(
        self,
        link_id: str,
        target: str,
        *,
        title: str = "",
        custom: dict | None = None,
        graded: bool = False,
        score_maximum: float = 100,
    ) -> None:
        link = {
            "title": title or link_id,
            "target": target,
            "custom": custom or {},
            "lineitem": None,
        }
        if graded:  # an assignment made on the platform: its line item exists before any launch
            link["lineitem"] = self._new_line_item(
                {
                    "label": title or link_id,
                    "scoreMaximum": score_maximum,
                    "resourceLinkId": link_id,
                }
            )["id"]
        self.links[link_id] = link

    def fail(
        self, method: str, path: str, status: int, times: int = 1, *, after: bool = False, **headers
    ) -> None:
        self.faults.append(Fault(method, path, status, times, headers, after))

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def lineitems_url(self) -> str:
        return f"{self.url}/courses/{self.course}/lineitems"

    def initiation(
        self, login_url: str, login: str, link_id: str, *, tamper: str = ""
    ) -> tuple[str, dict]:
        """The third-party login initiation a platform makes: ``(tool login URL, form fields)``."""
        fields = {
            "iss": self.issuer,
            "login_hint": login,
            "target_link_uri": self.links[link_id]["target"],
            "lti_message_hint": json.dumps({"link": link_id, "tamper": tamper}),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        return login_url, fields

    # -- launch tokens
    # ----------------------------------------------------------------------------------

    def id_token(self, login: str, link_id: str, nonce: str, tamper: str = "") -> str:
        user, link, now = self.users[login], self.links[link_id], int(time.time())
        ags = {"scope": sorted(self.allowed_scopes & SCOPES), "lineitems": self.lineitems_url}
        if link["lineitem"]:
            ags["lineitem"] = link["lineitem"]
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if tamper == "wrong_audience" else self.client_id,
            "sub": user["sub"],
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": user["email"],
            "name": user["name"],
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": link["target"],
            CLAIM + "resource_link": {"id": link_id, "title": link["title"]},
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {"id": self.course, "label": "BMC101", "title": "Business models"},
            CLAIM + "custom": link["custom"],
            CLAIM + "launch_presentation": {"document_target": "window"},
            AGS + "claim/endpoint": ags,
        }
        self.launches.append(claims)
        # same kid, another key: a forged token
        key = new_key() if tamper == "bad_signature" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    # -- AGS state
    # ----------------------------------------------------------------------------------------

    def _new_line_item(self, body: dict) -> dict:
        with self._lock:
            n = len(self.line_items) + 1
            item = {**body, "id": f"{self.lineitems_url}/{n}"}
            self.line_items[item["id"]] = item
        return item

    def results(self, line_item: str) -> dict[str, float]:
        """``{user id: scoreGiven}`` as the gradebook shows it now."""
        return {
            user: s["scoreGiven"] for (item, user), s in self.gradebook.items() if item == line_item
        }

    # -- running
    # ------------------------------------------------------------------------------------------

    def start(self) -> Platform:
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = Application(
                [
                    (r"/jwks", JWKS, {"p": self}),
                    (r"/auth", Auth, {"p": self}),
                    (r"/token", Token, {"p": self}),
                    (r"/courses/([^/]+)/lineitems", LineItems, {"p": self}),
                    (r"/courses/([^/]+)/lineitems/(\d+)", LineItem, {"p": self}),
                    (r"/courses/([^/]+)/lineitems/(\d+)/scores", Scores, {"p": self}),
                ]
            )
            self._server = HTTPServer(app)
            self._server.listen(self.port, address="127.0.0.1")
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="lti-platform", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if not self._loop:
            return

        async def shut():
            self._server.stop()
            await self._server.close_all_connections()
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(shut(), self._loop)
        self._thread.join(10)
        self._loop.close()
        self._loop = None


class Base(RequestHandler):
    def initialize(self, p: Platform):
        self.p = p

    def check_xsrf_cookie(self):  # cross-site by design
        return

    def prepare(self):
        self.p.requests.append((self.request.method, self.request.uri))  # before the answer leaves
        for fault in list(self.p.faults):
            if fault.method == self.request.method and re.search(fault.path, self.request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self.p.faults.remove(fault)
                if fault.after:
                    self._fault_after = fault
                    return
                self.answer(fault.status, {"error": "injected fault"}, **fault.headers)
                return

    def answer(self, status: int, body=None, *, content_type: str = "application/json", **headers):
        if getattr(self, "_fault_after", None):
            fault, self._fault_after = self._fault_after, None
            status, body, headers = (
                fault.status,
                {"error": "injected fault after the work"},
                fault.headers,
            )
        self.set_status(status)
        for name, value in headers.items():
            self.set_header(name.replace("_", "-"), value)
        if body is not None:
            self.set_header("Content-Type", content_type)
            self.write(json.dumps(body))
        self.finish()

    def bearer(self, scope: str) -> bool:
        """Check the access token; answer 401/403 and return False when it does not do."""
        match = re.fullmatch(r"Bearer (\S+)", self.request.headers.get("Authorization", ""))
        granted = self.p.tokens.get(match.group(1)) if match else None
        if granted is None:
            self.answer(
                401, {"error": "invalid_token"}, WWW_Authenticate='Bearer error="invalid_token"'
            )
            return False
        if scope not in granted and not (
            scope.endswith("lineitem.readonly") and scope[:-9] in granted
        ):
            self.answer(403, {"error": "insufficient_scope", "scope": scope})
            return False
        return True


class JWKS(Base):
    def get(self):
        jwk = json.loads(RSAAlgorithm.to_jwk(self.p.key.public_key()))
        self.answer(200, {"keys": [{**jwk, "kid": self.p.kid, "alg": "RS256", "use": "sig"}]})


class Auth(Base):
    def get(self):
        a = {
            k: self.get_argument(k, "")
            for k in (
                "client_id",
                "redirect_uri",
                "login_hint",
                "nonce",
                "state",
                "lti_message_hint",
                "response_type",
                "response_mode",
                "scope",
                "prompt",
            )
        }
        if a["client_id"] != self.p.client_id or a["redirect_uri"] not in self.p.redirect_uris:
            return self.answer(
                400, {"error": "invalid_request", "error_description": "unknown client or redirect"}
            )
        if (a["response_type"], a["response_mode"], a["scope"]) != (
            "id_token",
            "form_post",
            "openid",
        ):
            return self.answer(
                400, {"error": "invalid_request", "error_description": "not an LTI auth request"}
            )
        if a["login_hint"] not in self.p.users or not a["nonce"] or not a["state"]:
            return self.answer(400, {"error": "login_required"})
        hint = json.loads(a["lti_message_hint"] or "{}")
        token = self.p.id_token(a["login_hint"], hint["link"], a["nonce"], hint.get("tamper", ""))
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in (("id_token", token), ("state", a["state"]))
        )
        self.set_header("Content-Type", "text/html")
        self.finish(
            '<form id="launch" method="post" '
            f'action="{html.escape(a["redirect_uri"])}">{fields}</form>'
            '<script>document.getElementById("launch").submit()</script>'
        )

    post = get


class Token(Base):
    def post(self):
        form = {
            k: self.get_argument(k, "")
            for k in ("grant_type", "client_assertion_type", "client_assertion", "scope")
        }
        self.p.token_requests.append(form)
        if (
            form["grant_type"] != "client_credentials"
            or form["client_assertion_type"]
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self.answer(400, {"error": "unsupported_grant_type"})
        try:
            kid = jwt.get_unverified_header(form["client_assertion"]).get("kid")
            key = self.p.tool_keys[kid]
            claims = jwt.decode(
                form["client_assertion"],
                key,
                algorithms=["RS256"],
                audience=self.p.token_url,
                issuer=self.p.client_id,
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
            if claims["sub"] != self.p.client_id or claims["jti"] in self.p._seen_jti:
                raise jwt.InvalidTokenError("bad sub or a replayed jti")
            self.p._seen_jti.add(claims["jti"])
        except (KeyError, jwt.PyJWTError) as exc:
            return self.answer(
                401, {"error": "invalid_client", "error_description": f"client assertion: {exc}"}
            )
        asked = set(form["scope"].split())
        granted = asked & self.p.allowed_scopes
        if not granted or (self.p.strict_scopes and asked - granted):
            return self.answer(
                400,
                {"error": "invalid_scope", "error_description": "scope not allowed for this tool"},
            )
        token = secrets.token_hex(16)
        self.p.tokens[token] = granted
        self.answer(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": " ".join(sorted(granted)),
            },
        )


class LineItems(Base):
    def get(self, course):
        if not self.bearer(AGS + "scope/lineitem.readonly"):
            return
        items = [
            i
            for i in self.p.line_items.values()
            if all(
                self.get_argument(q, None) in (None, i.get(k))
                for q, k in (
                    ("tag", "tag"),
                    ("resource_id", "resourceId"),
                    ("resource_link_id", "resourceLinkId"),
                )
            )
        ]
        start = int(self.get_argument("start", "0"))
        page = items[start : start + self.p.page_size]
        links = {}
        if start + self.p.page_size < len(items):
            query = {k: self.get_argument(k) for k in self.request.arguments if k != "start"}
            query["start"] = str(start + self.p.page_size)
            links["Link"] = f'<{self.p.lineitems_url}?{urlencode(query)}>; rel="next"'
        self.answer(
            200, page, content_type="application/vnd.ims.lis.v2.lineitemcontainer+json", **links
        )

    def post(self, course):
        if not self.bearer(AGS + "scope/lineitem"):
            return
        body = json.loads(self.request.body)
        if (
            not isinstance(body.get("scoreMaximum"), (int, float))
            or body["scoreMaximum"] <= 0
            or not body.get("label")
        ):
            return self.answer(
                400, {"error": "a line item needs a label and a positive scoreMaximum"}
            )
        self.answer(
            201,
            self.p._new_line_item(body),
            content_type="application/vnd.ims.lis.v2.lineitem+json",
        )


class LineItem(Base):
    def get(self, course, n):
        if not self.bearer(AGS + "scope/lineitem.readonly"):
            return
        item = self.p.line_items.get(f"{self.p.lineitems_url}/{n}")
        self.answer(200 if item else 404, item or {"error": "no such line item"})


class Scores(Base):
    def post(self, course, n):
        if not self.bearer(AGS + "scope/score"):
            return
        item_id = f"{self.p.lineitems_url}/{n}"
        if item_id not in self.p.line_items:
            return self.answer(404, {"error": "no such line item"})
        content_type = self.request.headers.get("Content-Type", "")
        if content_type != "application/vnd.ims.lis.v1.score+json":
            return self.answer(415, {"error": f"wrong content type {content_type}"})
        body = json.loads(self.request.body)
        self.p.scores.append({"lineitem": item_id, "body": body, "content_type": content_type})
        members = {u["sub"] for u in self.p.users.values()}
        if body.get("userId") not in members:
            return self.answer(
                422,
                {
                    "errors": {
                        "type": "user",
                        "message": "User not found in course or is not a student",
                    }
                },
            )
        if body.get("activityProgress") not in (
            "Initialized",
            "Started",
            "InProgress",
            "Submitted",
            "Completed",
        ) or body.get("gradingProgress") not in (
            "FullyGraded",
            "Pending",
            "PendingManual",
            "Failed",
            "NotReady",
        ):
            return self.answer(400, {"error": "bad activityProgress or gradingProgress"})
        stamp = datetime.fromisoformat(body["timestamp"])
        old = self.p.gradebook.get((item_id, body["userId"]))
        if old is None or datetime.fromisoformat(old["timestamp"]) < stamp:
            self.p.gradebook[(item_id, body["userId"])] = body
        self.answer(204)
