"""The settings for pushing grades to a platform: a small TOML file the instructor keeps on the hub.

.. code-block:: toml

    issuer = "https://canvas.instructure.com"       # the platform's issuer (the launches' "iss")
    client_id = "10000000000042"                    # the tool's client id on the platform
    token_url = "https://school.instructure.com/login/oauth2/token"
    private_key = "tool-key.pem"                    # the tool's private key (relative to this file)
    key_id = "bmc-2026-1"                           # the "kid" of its public key on the platform
    store = "/srv/jupyterhub/lti-launches.json"     # where the hub records launches

    # optional
    token_audience = "..."     # the "aud" of the client assertion (default: token_url)
    course = "..."             # the course (LTI context id) when the store holds several
    lang = "ko"                # language of the comment beside each score (default: en)

    [labels]                   # the title of a new line item, per exercise set (default: set id)
    relationships-practice = "Customer relationships quiz"

    [links]                    # the lesson link whose line item gets an exercise set's scores
    relationships-practice = "<resource link id>"

Everything is checked when the file is loaded, before any grading: a wrong file is a usage error.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import did_you_mean
from ..fileio import os_reason
from ..i18n import Msg
from .errors import LTIError, need_packages

#: every setting a push needs; ``lti.config_missing_<name>`` in messages.json says what each one is
REQUIRED = ("issuer", "client_id", "token_url", "private_key", "key_id", "store")
OPTIONAL = ("token_audience", "course", "lang", "labels", "links")
LOCAL_HOSTS = ("localhost",)


@dataclass(frozen=True)
class LTIConfig:
    """A checked push configuration (see the module's description)."""

    source: Path
    issuer: str
    client_id: str
    token_url: str
    private_key: Path
    key_id: str
    store: Path
    token_audience: str = ""
    course: str | None = None
    lang: str = "en"
    labels: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def audience(self) -> str:
        return self.token_audience or self.token_url

    def private_key_pem(self) -> bytes:
        return self.private_key.read_bytes()


def is_local(host: str) -> bool:
    """Whether ``host`` is this computer (plain http is allowed only there).

    >>> is_local("127.0.0.1"), is_local("localhost"), is_local("lms.example.edu")
    (True, True, False)
    """
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be a platform address (the key of the message that says it), or None.

    >>> check_url("https://lms.example.edu/token"), check_url("http://127.0.0.1:8000/token")
    (None, None)
    >>> check_url("http://lms.example.edu/token"), check_url("lms.example.edu/token")
    ('lti_config_http', 'lti_config_not_url')
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "lti_config_not_url"
    if parts.scheme == "http" and not is_local(parts.hostname):
        return "lti_config_http"
    return None


def load_config(path: str | os.PathLike) -> LTIConfig:
    """Read and check the push configuration at ``path``.

    Relative paths in it (``private_key``, ``store``) are relative to the file's folder.

    Raises:
        LTIError: the file cannot be read, a setting is missing, unknown or wrong, the key file
            cannot be read or is not an RSA private key, or the store does not exist; the message
            names the file and the setting.
    """
    source = Path(path)
    where = str(source)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LTIError("lti_config_unreadable", file=where, error=os_reason(exc)) from None
    except UnicodeDecodeError:
        raise LTIError("lti_config_unreadable", file=where, error=Msg("answers.not_utf8")) from None
    except tomllib.TOMLDecodeError as exc:  # TOML's own words, with the line and column
        raise LTIError("lti_config_unreadable", file=where, error=str(exc)) from None
    known = [*REQUIRED, *OPTIONAL]
    for name in data:
        if name not in known:
            raise LTIError(
                "lti_config_unknown",
                file=where,
                field=name,
                suggestion=did_you_mean(name, known),
                fields=", ".join(known),
            )
    values: dict[str, str] = {}
    for name in REQUIRED:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise LTIError(f"lti_config_missing_{name}", file=where)
        if not isinstance(value, str):
            raise LTIError("lti_config_text", file=where, field=name)
        values[name] = value.strip()
    for name in ("token_audience", "course", "lang"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise LTIError("lti_config_text", file=where, field=name)
    for name in ("labels", "links"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(v, str) and v.strip() for v in table.values()
        ):
            raise LTIError("lti_config_table", file=where, field=name)
    problem = check_url(values["token_url"])
    if problem:
        raise LTIError(problem, file=where, field="token_url", url=values["token_url"])
    lang = (data.get("lang") or "en").strip()
    if lang not in ("en", "ko"):
        raise LTIError("lti_config_lang", file=where, value=lang)
    base = source.resolve().parent
    key_path = base / Path(values["private_key"]).expanduser()
    store = base / Path(values["store"]).expanduser()
    warnings = _check_key(where, key_path)
    if not store.is_file():
        raise LTIError("lti_store_missing", file=where, path=str(store))
    return LTIConfig(
        source=source,
        issuer=values["issuer"],
        client_id=values["client_id"],
        token_url=values["token_url"],
        private_key=key_path,
        key_id=values["key_id"],
        store=store,
        token_audience=(data.get("token_audience") or "").strip(),
        course=(data.get("course") or "").strip() or None,
        lang=lang,
        labels={k: v.strip() for k, v in data.get("labels", {}).items()},
        links={k: v.strip() for k, v in data.get("links", {}).items()},
        warnings=tuple(warnings),
    )


def _check_key(where: str, key_path: Path) -> list[str]:
    """Check that the private key file is an RSA private key; warn when others can read it."""
    from .errors import say

    need_packages()
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        pem = key_path.read_bytes()
        mode = stat.S_IMODE(os.stat(key_path).st_mode)
    except OSError as exc:
        raise LTIError(
            "lti_key_unreadable", file=where, path=str(key_path), error=exc.strerror or str(exc)
        ) from None
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise LTIError(
            "lti_key_invalid", file=where, path=str(key_path), error=str(exc).split("\n")[0]
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise LTIError("lti_key_invalid", file=where, path=str(key_path), error=type(key).__name__)
    return [say("lti_key_exposed", path=str(key_path))] if mode & 0o077 else []
