"""What the platform said at each LTI launch, kept per hub user in a file that survives restarts.

JupyterHub's ``auth_state`` holds only the last launch of each user (every launch overwrites it),
and only while the hub has ``enable_auth_state``. Posting grades needs more: each student's
platform user id, the course's line-items URL and the line item of every lesson link. The hub
records them here at every launch, through :func:`record_launches`:

.. code-block:: python

    # jupyterhub_config.py
    from bmclib.lti import record_launches
    c.Authenticator.post_auth_hook = record_launches("/srv/jupyterhub/lti-launches.json")

The store is one JSON file, written atomically (a crash leaves the previous version whole) and
readable only by its owner (it holds names and e-mail addresses)::

    {"format": "bmclib-lti-launches", "version": 1,
     "users": {
       "<hub user>": {"platform_user_id": "<sub>", "issuer": ..., "client_id": ...,
                      "deployment_id": ..., "name": ..., "email": ..., "courses": ["<context id>"],
                      "first_launch": ..., "last_launch": ...}},
     "courses": {
       "<context id>": {"issuer": ..., "client_id": ..., "deployment_id": ..., "title": ...,
                        "label": ..., "lineitems": "<AGS line-items URL>", "scopes": [...],
                        "last_launch": ...,
                        "links": {
                          "<resource link id>": {"title": ..., "lineitem": "<URL or null>",
                                                 "target_link_uri": ..., "exercise_set": ...,
                                                 "last_launch": ...}}}}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..fileio import json_reason, normalise_id, os_reason, write_atomic
from ..i18n import Msg

FORMAT = "bmclib-lti-launches"
VERSION = 1
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
#: the custom parameter that ties a lesson link to an exercise set (set it on the link in the
#: platform)
SET_PARAMETER = "exercise_set"


def _empty() -> dict:
    return {"format": FORMAT, "version": VERSION, "users": {}, "courses": {}}


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _client_id(claims: dict) -> str | None:
    aud = claims.get("aud")
    if isinstance(aud, list):
        return _text(claims.get("azp")) or (_text(aud[0]) if len(aud) == 1 else None)
    return _text(aud)


class StoreError(OSError):
    """The store file exists but cannot be read as a store; ``str()`` says why (``msg``: both
    languages)."""

    def __init__(self, msg: Msg):
        super().__init__(msg.text("en"))
        self.msg = msg

    def __str__(self) -> str:
        return self.msg.text()


@dataclass(frozen=True)
class Launch:
    """What one launch token says, reduced to what grade passback needs."""

    user_id: str
    issuer: str
    client_id: str | None
    deployment_id: str | None
    name: str | None
    email: str | None
    course: str | None
    course_title: str | None
    course_label: str | None
    lineitems: str | None
    lineitem: str | None
    scopes: tuple[str, ...]
    link: str | None
    link_title: str | None
    target_link_uri: str | None
    exercise_set: str | None

    @classmethod
    def from_claims(cls, claims: dict) -> Launch | None:
        """The launch in a decoded LTI 1.3 id_token, or None when it is not one (no
        ``sub``/``iss``).

        >>> token = {"iss": "https://lms.example.edu", "aud": "tool-1", "sub": "u-42",
        ...          CLAIM + "context": {"id": "c-7", "title": "Business models"},
        ...          CLAIM + "resource_link": {"id": "rl-1", "title": "Lesson 4"},
        ...          CLAIM + "custom": {"exercise_set": "relationships-practice"},
        ...          AGS_CLAIM: {"scope": ["x"], "lineitems": "https://lms.example.edu/c-7/lineitems"}}
        >>> launch = Launch.from_claims(token)
        >>> launch.user_id, launch.course, launch.link, launch.exercise_set, launch.lineitem
        ('u-42', 'c-7', 'rl-1', 'relationships-practice', None)
        >>> Launch.from_claims({"aud": "tool-1"}) is None
        True
        """
        if not isinstance(claims, dict):
            return None
        sub, iss = _text(claims.get("sub")), _text(claims.get("iss"))
        if not sub or not iss:
            return None

        def part(name: str) -> dict:
            value = claims.get(CLAIM + name)
            return value if isinstance(value, dict) else {}

        ags = claims.get(AGS_CLAIM) if isinstance(claims.get(AGS_CLAIM), dict) else {}
        scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
        context, link, custom = part("context"), part("resource_link"), part("custom")
        name = (
            _text(claims.get("name"))
            or " ".join(
                t for t in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if t
            )
            or None
        )
        return cls(
            user_id=sub,
            issuer=iss,
            client_id=_client_id(claims),
            deployment_id=_text(claims.get(CLAIM + "deployment_id")),
            name=name,
            email=_text(claims.get("email")),
            course=_text(context.get("id")),
            course_title=_text(context.get("title")),
            course_label=_text(context.get("label")),
            lineitems=_text(ags.get("lineitems")),
            lineitem=_text(ags.get("lineitem")),
            scopes=tuple(s for s in scopes if isinstance(s, str)),
            link=_text(link.get("id")),
            link_title=_text(link.get("title")),
            target_link_uri=_text(claims.get(CLAIM + "target_link_uri")),
            exercise_set=_text(custom.get(SET_PARAMETER)),
        )


class LaunchStore:
    """The launch store at ``path`` (see the module's description)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def read(self) -> dict:
        """The whole store (an empty one when the file does not exist yet).

        Raises:
            StoreError: the file exists but is not a readable store.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return _empty()
        except OSError as exc:
            raise StoreError(
                Msg("lti.store_unreadable", path=str(self.path), reason=os_reason(exc))
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise StoreError(
                Msg("lti.store_unreadable", path=str(self.path), reason=Msg("answers.not_utf8"))
            ) from None
        except ValueError as exc:
            raise StoreError(
                Msg(
                    "lti.store_unreadable",
                    path=str(self.path),
                    reason=json_reason(exc, with_line=True),
                )
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError(Msg("lti.store_format", path=str(self.path), format=FORMAT))
        if data.get("version") != VERSION:
            raise StoreError(
                Msg(
                    "lti.store_version",
                    path=str(self.path),
                    found=repr(data.get("version")),
                    version=VERSION,
                )
            )
        if not isinstance(data.get("users"), dict) or not isinstance(data.get("courses"), dict):
            raise StoreError(Msg("lti.store_shape", path=str(self.path)))
        return data

    def write(self, data: dict) -> None:
        """Replace the store atomically; a new file is readable by its owner only."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # write_atomic keeps the mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        write_atomic(
            self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        )

    def record(self, hub_user: str, claims: dict, *, now: datetime | None = None) -> Launch | None:
        """Add one launch of ``hub_user`` (the decoded id_token ``claims``); return it, or None
        when ``claims`` is not an LTI launch. A damaged store is set aside as
        ``<name>.damaged-<time>`` (nothing is lost) and a new one is started."""
        launch = Launch.from_claims(claims)
        if launch is None:
            return None
        stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        try:
            data = self.read()
        except StoreError:
            os.replace(
                self.path, self.path.with_name(f"{self.path.name}.damaged-{stamp.replace(':', '')}")
            )
            data = _empty()
        user = data["users"].setdefault(hub_user, {"first_launch": stamp, "courses": []})
        user.update(
            platform_user_id=launch.user_id,
            issuer=launch.issuer,
            client_id=launch.client_id,
            deployment_id=launch.deployment_id,
            last_launch=stamp,
        )
        # keep what an earlier launch said when this one says nothing
        for field in ("name", "email"):
            if getattr(launch, field):
                user[field] = getattr(launch, field)
        if launch.course:
            if launch.course not in user["courses"]:
                user["courses"].append(launch.course)
            course = data["courses"].setdefault(launch.course, {"links": {}})
            course.update(
                issuer=launch.issuer,
                client_id=launch.client_id,
                deployment_id=launch.deployment_id,
                last_launch=stamp,
            )
            for field, value in (
                ("title", launch.course_title),
                ("label", launch.course_label),
                ("lineitems", launch.lineitems),
            ):
                if value:
                    course[field] = value
            if launch.scopes:
                course["scopes"] = sorted(launch.scopes)
            if launch.link:
                link = course["links"].setdefault(launch.link, {})
                link.update(
                    title=launch.link_title,
                    lineitem=launch.lineitem,
                    target_link_uri=launch.target_link_uri,
                    last_launch=stamp,
                )
                if launch.exercise_set:
                    link["exercise_set"] = launch.exercise_set
        self.write(data)
        return launch

    def user(self, student_id: str, data: dict | None = None) -> dict | None:
        """The record of the hub user whose name is ``student_id`` (compared as ids are), or
        None."""
        data = self.read() if data is None else data
        wanted = normalise_id(student_id)
        for name, record in data["users"].items():
            if normalise_id(name) == wanted:
                return record
        return None


def record_launches(path: str | os.PathLike):
    """A JupyterHub ``post_auth_hook`` that records every LTI 1.3 launch in the store at ``path``.

    Works with ltiauthenticator's ``LTI13Authenticator`` (and :mod:`bmclib.lti.hub`'s), which put
    the decoded launch token in ``auth_state``. Other logins pass through untouched. A store that
    cannot be written never blocks a login: the hub logs the error (and the student is listed as
    never launched when grades are pushed).

    >>> import tempfile, types
    >>> folder = tempfile.TemporaryDirectory()
    >>> hook = record_launches(Path(folder.name) / "launches.json")
    >>> hub = types.SimpleNamespace(log=None)
    >>> auth_state = {"iss": "https://lms.example.edu", "sub": "u-1"}
    >>> hook(hub, None, {"name": "kim", "auth_state": auth_state})["name"]
    'kim'
    >>> hook.store.user("KIM")["platform_user_id"]
    'u-1'
    >>> folder.cleanup()
    """
    store = LaunchStore(path)

    def post_auth_hook(authenticator, handler, authentication):
        claims = authentication.get("auth_state") if isinstance(authentication, dict) else None
        if isinstance(claims, dict):
            try:
                store.record(authentication["name"], claims)
            except Exception:  # a login must never fail because the store could not be written
                log = getattr(authenticator, "log", None)
                if log is not None:
                    log.exception(
                        "bmclib: could not record the LTI launch of %s in %s",
                        authentication.get("name"),
                        store.path,
                    )
        return authentication

    post_auth_hook.store = store
    return post_auth_hook
