"""The hub side of an LTI 1.3 launch: ltiauthenticator's authenticator, plus a clear page for a
launch from inside an iframe.

A launch inside the platform's iframe cannot work: the browser keeps the hub's sign-in cookie
from a page framed by another site, and every JupyterHub page forbids framing
(``Content-Security-Policy: frame-ancestors 'none'``). With ltiauthenticator alone the student
sees an error or a blank frame. :class:`LTIAuthenticator` notices such a launch (browsers say so
in ``Sec-Fetch-Dest: iframe``) before anything is set, and answers with one small page, in Korean
and English, with a button that opens the same launch in a new window, where it works.

.. code-block:: python

    # jupyterhub_config.py
    c.JupyterHub.authenticator_class = "bmclib.lti.hub.LTIAuthenticator"

Everything else (settings, validation of the launch, the user name) is ltiauthenticator's
``LTI13Authenticator`` (``c.LTI13Authenticator.issuer`` and so on apply). ltiauthenticator and
JupyterHub are imported only when the class is first used.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

#: ``Sec-Fetch-Dest`` values of a navigation inside a frame
FRAMED = ("iframe", "frame")


def framed(headers) -> bool:
    """Whether a request comes from inside a frame (by the headers browsers send).

    >>> framed({"Sec-Fetch-Dest": "iframe"}), framed({"Sec-Fetch-Dest": "document"}), framed({})
    (True, False, False)
    """
    return (headers.get("Sec-Fetch-Dest") or "").strip().lower() in FRAMED


def new_window_page(launch_url: str) -> str:
    """The page shown instead of a framed launch: why, and a button that opens ``launch_url`` in a
    new window (both languages; the student's language is not known yet).

    >>> page = new_window_page("/hub/lti13/oauth_login?iss=x&login_hint=1")
    >>> 'target="_blank"' in page, "/hub/lti13/oauth_login?iss=x&amp;login_hint=1" in page
    (True, True)
    """
    from .errors import say

    url = html.escape(launch_url, quote=True)
    parts = []
    for lang in ("ko", "en"):
        parts.append(
            f'<section lang="{lang}"><h1>{html.escape(say("lti_frame_title", lang))}</h1>'
            f"<p>{html.escape(say('lti_frame_why', lang))}</p>"
            f'<p><a class="open" href="{url}" target="_blank" rel="noopener">'
            f"{html.escape(say('lti_frame_open', lang))}</a></p></section>"
        )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Jupyter</title>'
        "<style>body{font-family:sans-serif;margin:2em;max-width:40em}"
        "a.open{display:inline-block;padding:.6em 1.2em;background:#1f6feb;color:#fff;"
        "border-radius:6px;text-decoration:none}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def _build() -> dict:
    from ltiauthenticator.lti13.auth import LTI13Authenticator
    from ltiauthenticator.lti13.handlers import LTI13LoginInitHandler

    class NewWindowLoginHandler(LTI13LoginInitHandler):
        """The login initiation, except from inside a frame: then the new-window page."""

        def post(self):
            if not framed(self.request.headers):
                return super().post()
            args = [
                (k, v.decode("utf-8", "replace"))
                for k, vs in self.request.arguments.items()
                for v in vs
            ]
            # this one page may be framed (it only shows a link); every other hub page stays
            # unframeable
            self.set_header("Content-Security-Policy", "frame-ancestors *")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.log.info(
                "LTI launch from inside a frame: offered a new window (%s)", self.request.path
            )
            self.finish(new_window_page(self.request.path + "?" + urlencode(args)))

        get = post

    class LTIAuthenticator(LTI13Authenticator):
        """ltiauthenticator's LTI 1.3 authenticator; a launch inside a frame gets a new-window
        page."""

        login_handler = NewWindowLoginHandler

    built = {"LTIAuthenticator": LTIAuthenticator, "NewWindowLoginHandler": NewWindowLoginHandler}
    # as if defined at the top of this module (logs, pickling, repr)
    for name, cls in built.items():
        cls.__qualname__ = name
    return built


def __getattr__(name: str):
    if name in ("LTIAuthenticator", "NewWindowLoginHandler"):
        built = _build()
        globals().update(built)
        return built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
