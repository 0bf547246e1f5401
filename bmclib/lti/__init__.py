"""Grades back to the learning platform: LTI 1.3 launches into the hub, AGS score passback.

The pieces, each in its own module:

- :mod:`bmclib.lti.store`: :func:`record_launches`, the hub's ``post_auth_hook`` that records, per
  hub user, the platform user id, the course's line-items URL and each lesson link's line item.
- :mod:`bmclib.lti.hub`: ``LTIAuthenticator``, ltiauthenticator's LTI 1.3 authenticator with a
  clear new-window page for launches from inside an iframe.
- :mod:`bmclib.lti.config`: :func:`load_config`, the push settings (a TOML file kept on the hub).
- :mod:`bmclib.lti.ags`: :class:`AGSClient`, the OAuth2 token (a JWT signed with the tool's private
  key), line items and scores, with bounded retries.
- :mod:`bmclib.lti.push`: :func:`push_grades`, what ``bmc grade --push-lti CONFIG`` runs.
- :mod:`bmclib.lti.tool_keys`: the tool's key pair (``python -m bmclib.lti keygen --out DIR``).

Importing this package is cheap: PyJWT and cryptography (``pip install "bmclib[lti]"``) load when a
token is first signed, ltiauthenticator when the hub first uses the authenticator.
"""

from __future__ import annotations

from importlib import import_module

from .errors import LTIError
from .store import LaunchStore, record_launches

_LAZY = {
    "AGSClient": "ags",
    "load_config": "config",
    "LTIConfig": "config",
    "push_grades": "push",
    "push_from_cli": "push",
    "PushResult": "push",
}

__all__ = [
    "AGSClient",
    "LTIConfig",
    "LTIError",
    "LaunchStore",
    "PushResult",
    "load_config",
    "push_from_cli",
    "push_grades",
    "record_launches",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
