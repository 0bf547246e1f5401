"""The library's errors: one base class, so callers can catch everything we raise.

Every message names what was wrong and where (file, line, field), in plain words, and carries
both languages: ``str(err)`` shows the session's language (:func:`bmclib.i18n.set_language`,
``BMC_LANG``), ``err.text("ko")`` a chosen one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from .i18n import LANGS, Msg, text_of


class BMCError(ValueError):
    """Base class of every error bmclib raises on bad input; ``msg`` is the message (a ``Msg``)."""

    def __init__(self, msg: Msg | str, /):
        self.msg = msg
        super().__init__(text_of(msg, "en"))

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the session's language)."""
        return text_of(self.msg, lang)

    def both(self) -> dict[str, str]:
        return {lang: self.text(lang) for lang in LANGS}

    def __str__(self) -> str:
        return self.text()


class DataError(BMCError):
    """A data file (cases, keys, exercise sets, taxonomies, canvases) is invalid.

    ``problems`` lists every problem found, each printable as ``file:line: message``.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(Msg("error.data", count=len(self.problems)))

    def text(self, lang: str | None = None) -> str:
        lines = [p.text(lang) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(Msg("error.more_problems", count=len(self.problems) - 20).text(lang))
        return "\n".join(lines)


class AnswerFileError(BMCError):
    """An answer file cannot be read or graded; ``reason`` says why in plain words (a ``Msg``).

    ``unreadable`` is True when the computer could not read the file at all (permissions, a
    disk error): its content is unknown, so it must never be replaced or set aside.
    """

    def __init__(
        self,
        source: str,
        reason: Msg | str,
        *,
        unreadable: bool = False,
        other_format: str | None = None,
    ):
        self.source = source
        self.unreadable = unreadable
        #: the file is another bmclib file (e.g. "bmclib-canvas"), not a broken answer file
        self.other_format = other_format
        super().__init__(reason)

    @property
    def reason(self) -> str:
        """Why, in the session's language (``msg`` keeps both languages)."""
        return text_of(self.msg)

    def text(self, lang: str | None = None) -> str:
        return f"{self.source}: {text_of(self.msg, lang)}"


class MissingPackageError(ModuleNotFoundError):
    """A feature needs an optional heavy package (pandas, matplotlib) that is not installed,
    e.g. in the course's browser site (JupyterLite). ``str()`` shows the session's language."""

    def __init__(self, package: str, message: Msg):
        super().__init__(message.text("en"), name=package)
        self.message = message  # (ImportError keeps its own ``msg``: the English text)

    @property
    def messages(self) -> dict[str, str]:
        return self.message.both()

    def text(self, lang: str | None = None) -> str:
        return self.message.text(lang)

    def __str__(self) -> str:
        return self.message.text()


class UnknownIdError(BMCError, KeyError):
    """An id (block, category, case, exercise set) that does not exist. ``word`` is what was given,
    ``choices`` the valid ids and ``suggestion`` the closest one (or None)."""

    def __init__(
        self,
        msg: Msg | str,
        /,
        *,
        word: Any = None,
        choices: Iterable[str] = (),
        suggestion: str | None = None,
    ):
        self.word, self.choices, self.suggestion = word, tuple(choices), suggestion
        BMCError.__init__(self, msg)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.text()


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (difflib), or None when none is close.

    >>> closest("value_proposition", ["value_propositions", "channels"])
    'value_propositions'
    >>> closest("zzz", ["channels"]) is None
    True
    """
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> Msg | str:
    """``" Did you mean 'x'?"`` for the closest choice (a message), or ``""``.

    >>> did_you_mean("value_proposition", ["value_propositions", "channels"]).text("en")
    " Did you mean 'value_propositions'?"
    >>> did_you_mean("zzz", ["channels"])
    ''
    """
    match = closest(word, choices)
    return Msg("error.did_you_mean", match=match) if match else ""


def unknown(kind: str, word: object, choices: Iterable[str]) -> Msg:
    """The message for an unknown id of ``kind`` (``block``, ``case``, ...), with a suggestion and
    the valid ids.

    >>> m = unknown("block", "chanels", ["channels", "cost_structure"])
    >>> m.text("en")
    "'chanels' is not a block. Did you mean 'channels'? Blocks are: channels, cost_structure."
    >>> print(m.text("ko"))  # doctest: +NORMALIZE_WHITESPACE
    'chanels'은(는) 블록이 아닙니다. 'channels'을(를) 찾으셨나요?
    블록 목록: channels, cost_structure.
    """
    choices = [str(c) for c in choices]
    key = kind.replace(" ", "_")
    return Msg(
        "error.unknown_id",
        word=f"'{word}'",
        kind=Msg(f"kind.{key}"),
        kinds=Msg(f"kinds.{key}"),
        suggestion=did_you_mean(str(word), choices),
        choices=", ".join(choices),
    )


def unknown_id(kind: str, word: object, choices: Iterable[str]) -> UnknownIdError:
    """An :class:`UnknownIdError` for ``word``, ready to raise."""
    choices = [str(c) for c in choices]
    return UnknownIdError(
        unknown(kind, word, choices),
        word=word,
        choices=choices,
        suggestion=closest(str(word), choices),
    )
