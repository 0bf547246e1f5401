"""An LTI Advantage Assignment and Grade Services (AGS) client: token, line items, scores.

The tool proves who it is with its private key (an OAuth2 client-credentials grant whose client
assertion is a JWT signed with that key, RFC 7523), then reads and creates line items (gradebook
columns) and posts scores. The key lives on the hub side only; nothing here runs in a student's
server. Requests that meet ``429 Too Many Requests``, a ``5xx`` answer or a network failure are
tried again after a growing pause (``Retry-After`` when the platform gives one), a bounded number of
times. A missing scope or a refused key raises :class:`~bmclib.lti.errors.LTIError` that says what
to change on the platform.

Needs PyJWT and cryptography (``pip install "bmclib[lti]"``), imported when first used.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .errors import LTIError, need_packages

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS + "lineitem"
SCOPE_SCORE = AGS + "score"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: how long a client assertion is valid (seconds)
ASSERTION_LIFETIME = 300


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers (case-insensitive) and body."""

    status: int
    headers: object
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500

    def json(self):
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            return None

    def detail(self) -> str:
        """The platform's own words about an error, short."""
        data = self.json()
        if isinstance(data, dict):
            for key in ("error_description", "message", "error", "errors", "reason"):
                if data.get(key):
                    value = data[key]
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    if key == "error_description" and data.get("error"):
                        text = f"{data['error']}: {text}"
                    return text[:300]
        text = self.body.decode("utf-8", "replace").strip()
        return re.sub(r"\s+", " ", text)[:300] or http.client.responses.get(self.status, "")


def scores_url(lineitem_url: str) -> str:
    """The scores endpoint of a line item: ``/scores`` added to the path, the query kept.

    >>> scores_url("https://lms.example.edu/api/lti/courses/7/line_items/31")
    'https://lms.example.edu/api/lti/courses/7/line_items/31/scores'
    >>> scores_url("https://moodle.example.edu/mod/lti/services.php/2/lineitems/3/lineitem?type_id=1")
    'https://moodle.example.edu/mod/lti/services.php/2/lineitems/3/lineitem/scores?type_id=1'
    """
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def add_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query (existing parameters kept).

    >>> add_query("https://moodle.example.edu/lineitems?type_id=1", tag="quiz")
    'https://moodle.example.edu/lineitems?type_id=1&tag=quiz'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))


def next_link(header: str | None, base: str) -> str | None:
    """The ``rel="next"`` address of an HTTP ``Link`` header (how AGS pages line items), or None.

    >>> header = ('<https://lms.example.edu/li?page=2>; rel="next", '
    ...           '<https://lms.example.edu/li?page=9>; rel="last"')
    >>> next_link(header, "")
    'https://lms.example.edu/li?page=2'
    >>> next_link(None, "") is None
    True
    """
    for match in re.finditer(r"<([^>]*)>\s*((?:;\s*[^,;]+)*)", header or ""):
        if re.search(r"""rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?""", match.group(2)):
            return urljoin(base, match.group(1))
    return None


def iso_now(now: datetime | None = None) -> str:
    """A score's timestamp: ISO 8601 with milliseconds and the time zone, as AGS asks.

    >>> iso_now(datetime(2026, 11, 20, 1, 2, 3, 456789, tzinfo=UTC))
    '2026-11-20T01:02:03.456+00:00'
    """
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


class AGSClient:
    """Talks to one platform's token endpoint and AGS endpoints on behalf of one tool.

    Args:
        token_url: the platform's OAuth2 token endpoint.
        client_id: the tool's client id there.
        private_key_pem: the tool's RSA private key (PEM bytes).
        key_id: the ``kid`` of the matching public key on the platform.
        scopes: the AGS scopes every token asks for.
        audience: the client assertion's ``aud`` (default ``token_url``).
        retries: how many times a request is tried again after 429, 5xx or a network failure.
        backoff: the first pause in seconds (then doubled each time), at most ``max_wait``.
        sleep: called with the pause (tests pass a fake one).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        private_key_pem: bytes,
        key_id: str,
        *,
        scopes: Iterable[str] = (SCOPE_LINEITEM, SCOPE_SCORE),
        audience: str | None = None,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        need_packages()
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        self.token_url, self.client_id, self.key_id = token_url, client_id, key_id
        self.audience = audience or token_url
        self.scopes = tuple(sorted(set(scopes)))
        self.retries, self.backoff, self.max_wait, self.timeout = (
            retries,
            backoff,
            max_wait,
            timeout,
        )
        self.sleep, self.clock = sleep, clock
        self._key = load_pem_private_key(private_key_pem, password=None)
        self._token: tuple[str, float] | None = None
        self.requests = 0  #: HTTP requests sent (for reports and tests)
        self.waited: list[float] = []  #: the pauses taken before trying again

    # -- HTTP -------------------------------------------------------------------------------------

    def _once(self, method: str, url: str, data: bytes | None, headers: dict) -> Answer:
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Answer(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, exc.headers, exc.read())

    def _wait(self, attempt: int, retry_after: str | None = None) -> float:
        wait = self.backoff * 2**attempt
        if retry_after:
            try:
                wait = float(retry_after)
            except ValueError:
                try:
                    wait = email.utils.parsedate_to_datetime(retry_after).timestamp() - self.clock()
                except (TypeError, ValueError):
                    pass
        return max(0.0, min(self.max_wait, wait))

    def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | Callable[[], bytes] | None = None,
        headers: dict | None = None,
        retry: bool = True,
    ) -> Answer:
        """Send a request; try again after 429, 5xx or a network failure (when ``retry``).

        ``data`` may be a function that makes the body afresh for every try. Returns the last
        answer, whatever its status. Raises :class:`LTIError` (``lti_unreachable``) when the
        platform cannot be reached at all."""
        attempt = 0
        while True:
            body = data() if callable(data) else data
            try:
                answer = self._once(method, url, body, dict(headers or {}))
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if not retry or attempt >= self.retries:
                    reason = getattr(exc, "reason", None) or exc
                    raise LTIError(
                        "lti_unreachable", url=url, error=str(reason), tries=attempt + 1
                    ) from None
                wait = self._wait(attempt)
            else:
                if not (retry and answer.retryable) or attempt >= self.retries:
                    return answer
                wait = self._wait(attempt, answer.headers.get("Retry-After"))
            self.waited.append(wait)
            self.sleep(wait)
            attempt += 1

    # -- the token
    # ----------------------------------------------------------------------------------

    def client_assertion(self) -> str:
        """A fresh JWT that proves the tool's identity to the token endpoint."""
        import jwt

        now = int(self.clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def token(self) -> str:
        """An access token for :attr:`scopes` (kept until a minute before it expires).

        Raises:
            LTIError: ``lti_invalid_client`` (the key is refused: revoked, replaced, or the client
                id or key id is wrong), ``lti_missing_scope`` (a scope is not granted),
                ``lti_token_failed`` or ``lti_unreachable``.
        """
        if self._token and self._token[1] > self.clock():
            return self._token[0]

        # a new assertion (a new jti) for every try: a platform may have seen the last one
        def form() -> bytes:
            return urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": self.client_assertion(),
                    "scope": " ".join(self.scopes),
                }
            ).encode()

        answer = self.request(
            "POST",
            self.token_url,
            data=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        body = answer.json()
        error = body.get("error") if isinstance(body, dict) else None
        if error == "invalid_client" or (answer.status == 401 and not error):
            raise LTIError(
                "lti_invalid_client",
                url=self.token_url,
                client_id=self.client_id,
                key_id=self.key_id,
                detail=answer.detail(),
            )
        if error == "invalid_scope":
            raise LTIError(
                "lti_missing_scope",
                scope=" ".join(self.scopes),
                where=self.token_url,
                detail=answer.detail(),
            )
        if (
            not answer.ok
            or error
            or not isinstance(body, dict)
            or not isinstance(body.get("access_token"), str)
        ):
            raise LTIError(
                "lti_token_failed", url=self.token_url, status=answer.status, detail=answer.detail()
            )
        granted = body.get("scope")
        if isinstance(granted, str):  # absent: granted as asked (RFC 6749, 5.1)
            missing = sorted(set(self.scopes) - set(granted.split()))
            if missing:
                raise LTIError(
                    "lti_missing_scope",
                    scope=" ".join(missing),
                    where=self.token_url,
                    detail=f"granted: {granted or '(nothing)'}",
                )
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = (body["access_token"], self.clock() + max(0.0, lifetime - 60))
        return self._token[0]

    # -- AGS --------------------------------------------------------------------------------------

    def _ags(
        self,
        method: str,
        url: str,
        scope: str,
        *,
        body: dict | None = None,
        content_type: str = "",
        accept: str = "application/json",
        retry: bool = True,
    ) -> Answer:
        data = None if body is None else json.dumps(body).encode("utf-8")
        for fresh in (False, True):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            answer = self.request(method, url, data=data, headers=headers, retry=retry)
            if answer.status == 401 and not fresh:
                self._token = None  # expired or revoked early: one new token, then give up
                continue
            break
        if answer.status in (401, 403):
            raise LTIError(
                "lti_missing_scope",
                scope=scope,
                where=f"{method} {url} (HTTP {answer.status})",
                detail=answer.detail(),
            )
        if answer.status == 404:
            raise LTIError("lti_not_found", url=url, detail=answer.detail())
        return answer

    def _failed(self, method: str, url: str, answer: Answer) -> LTIError:
        return LTIError(
            "lti_http_failed", method=method, url=url, status=answer.status, detail=answer.detail()
        )

    def line_items(self, container_url: str, *, tag: str | None = None) -> list[dict]:
        """Every line item in a course's line-items container (all pages), only those with
        ``tag`` when it is given (asked of the platform and checked here)."""
        url: str | None = add_query(container_url, tag=tag) if tag else container_url
        items: list[dict] = []
        seen = set()
        while url and url not in seen:
            seen.add(url)
            answer = self._ags("GET", url, SCOPE_LINEITEM, accept=CONTAINER_TYPE)
            if not answer.ok:
                raise self._failed("GET", url, answer)
            page = answer.json()
            if not isinstance(page, list):
                raise LTIError("lti_bad_list", url=url, detail=answer.detail())
            items += [
                item for item in page if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]
            url = next_link(answer.headers.get("Link"), url)
        return [item for item in items if tag is None or item.get("tag") == tag]

    def find_or_create_line_item(
        self,
        container_url: str,
        *,
        tag: str,
        label: str,
        score_maximum: float,
        resource_id: str | None = None,
    ) -> tuple[dict, bool, int]:
        """The line item tagged ``tag`` in the container, created when there is none.

        Returns ``(line item, created, how many carry the tag)``. A creation that fails in a way
        that may have created it anyway (5xx, 429, a lost connection) is never simply repeated:
        the container is read again first, so a line item is never made twice.
        """
        attempt = 0
        while True:
            found = self.line_items(container_url, tag=tag)
            if found:
                return found[0], False, len(found)
            item = {"label": label, "scoreMaximum": score_maximum, "tag": tag}
            if resource_id:
                item["resourceId"] = resource_id
            try:
                answer = self._ags(
                    "POST",
                    container_url,
                    SCOPE_LINEITEM,
                    body=item,
                    content_type=LINEITEM_TYPE,
                    accept=LINEITEM_TYPE,
                    retry=False,
                )
            except LTIError as exc:
                if exc.key != "lti_unreachable" or attempt >= self.retries:
                    raise
                wait = self._wait(attempt)
            else:
                if answer.ok:
                    created = answer.json()
                    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
                        raise LTIError("lti_bad_item", url=container_url, detail=answer.detail())
                    return created, True, 1
                if not answer.retryable or attempt >= self.retries:
                    raise self._failed("POST", container_url, answer)
                wait = self._wait(attempt, answer.headers.get("Retry-After"))
            self.waited.append(wait)
            self.sleep(wait)
            attempt += 1

    def post_score(self, lineitem_url: str, score: dict) -> Answer:
        """POST one score to a line item's scores endpoint.

        Returns the answer when the platform took it (2xx) or refused this one score (another
        4xx: e.g. a user who is not in the course). Raises :class:`LTIError` when no score can get
        through (a missing scope, a line item that is gone, a platform still failing after the
        retries)."""
        url = scores_url(lineitem_url)
        answer = self._ags("POST", url, SCOPE_SCORE, body=score, content_type=SCORE_TYPE)
        if answer.retryable:
            raise self._failed("POST", url, answer)
        return answer
