"""The LTI errors and sentences: every text is in ``data/messages.json`` (keys ``lti.*``); the code
names them ``lti_<name>``."""

from __future__ import annotations

from ..errors import BMCError
from ..i18n import Msg, get_language


def cli_lang() -> str:
    """The language of messages on the command line: the session's (``--lang``, ``$BMC_LANG``), else
    English."""
    return get_language()


def lti_msg(key: str, /, **fields) -> Msg:
    """The message ``lti_<name>`` (catalogue key ``lti.<name>``), kept in both languages."""
    return Msg("lti." + key.removeprefix("lti_"), **fields)


def say(key: str, lang: str | None = None, /, **fields) -> str:
    """One LTI sentence in ``lang`` (default: the session's language).

    >>> say("lti_not_launched", "en", student="carol")[:36]
    'carol never launched the course from'
    """
    return lti_msg(key, **fields).text(lang)


class LTIError(BMCError):
    """Grades cannot reach the platform (or the settings to do so are wrong).

    ``key`` names the sentence (``lti_<name>``, catalogue key ``lti.<name>``); ``messages`` holds it
    in ``en`` and ``ko``; ``str()`` is the session's language."""

    def __init__(self, key: str, **fields):
        self.key = key
        self.fields = fields
        super().__init__(lti_msg(key, **fields))

    @property
    def messages(self) -> dict[str, str]:
        return self.both()


def need_packages() -> None:
    """Raise :class:`LTIError` unless PyJWT and cryptography (the ``[lti]`` extra) import."""
    try:
        import cryptography  # noqa: F401
        import jwt  # noqa: F401
    except ImportError as exc:
        raise LTIError("lti_need_packages", problem=str(exc)) from None
