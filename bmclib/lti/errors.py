"""The LTI errors and sentences: every text comes from ``data/ui_text.json`` (keys ``lti_*``)."""

from __future__ import annotations

import os

from ..errors import BMCError

LANGS = ("en", "ko")


def cli_lang() -> str:
    """The language of messages on the command line: ``$BMC_LANG`` if it is ``ko`` or ``en``, else English."""
    lang = os.environ.get("BMC_LANG", "").strip().lower()
    return lang if lang in LANGS else "en"


def say(key: str, lang: str | None = None, /, **fields) -> str:
    """One LTI sentence in ``lang`` (default: :func:`cli_lang`).

    >>> say("lti_not_launched", "en", student="carol")[:36]
    'carol never launched the course from'
    """
    from ..widgets.text import ui

    return ui(key, lang or cli_lang(), **fields)


class LTIError(BMCError):
    """Grades cannot reach the platform (or the settings to do so are wrong).

    ``key`` names the sentence in ``data/ui_text.json``; ``messages`` holds it in ``en`` and
    ``ko``; ``str()`` is the command line's language."""

    def __init__(self, key: str, **fields):
        self.key = key
        self.fields = fields
        self.messages = {lang: say(key, lang, **fields) for lang in LANGS}
        super().__init__(self.messages[cli_lang()])


def need_packages() -> None:
    """Raise :class:`LTIError` unless PyJWT and cryptography (the ``[lti]`` extra) import."""
    try:
        import cryptography  # noqa: F401
        import jwt  # noqa: F401
    except ImportError as exc:
        raise LTIError("lti_need_packages", problem=str(exc)) from None
