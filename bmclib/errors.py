"""The library's errors: one base class, so callers can catch everything we raise.

Every message names what was wrong and where (file, line, field), in plain words.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BMCError(ValueError):
    """Base class of every error bmclib raises on bad input."""


class DataError(BMCError):
    """A data file (cases, keys, exercise sets, taxonomies, canvases) is invalid.

    ``problems`` lists every problem found, each printable as ``file:line: message``.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        super().__init__("\n".join(lines))


class AnswerFileError(BMCError):
    """An answer file cannot be read or graded; ``reason`` says why in plain words.

    ``unreadable`` is True when the computer could not read the file at all (permissions, a
    disk error): its content is unknown, so it must never be replaced or set aside.
    """

    def __init__(self, source: str, reason: str, *, unreadable: bool = False):
        self.source = source
        self.reason = reason
        self.unreadable = unreadable
        super().__init__(f"{source}: {reason}")


class MissingPackageError(ModuleNotFoundError):
    """A feature needs an optional heavy package (pandas, matplotlib) that is not installed,
    e.g. in the course's browser site (JupyterLite). ``messages`` holds the text in ``en`` and
    ``ko``; ``str()`` shows ``$BMC_LANG``'s language, or both when it is not set."""

    def __init__(self, package: str, messages: dict[str, str]):
        self.messages = dict(messages)
        super().__init__(self._text(), name=package)

    def _text(self) -> str:
        import os

        lang = os.environ.get("BMC_LANG", "").strip().lower()
        if lang in self.messages:
            return self.messages[lang]
        return "\n".join(self.messages[k] for k in ("ko", "en") if k in self.messages)

    def __str__(self) -> str:
        return self._text()


class UnknownIdError(BMCError, KeyError):
    """An id (block, category, case, exercise set) that does not exist."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``.

    >>> did_you_mean("value_proposition", ["value_propositions", "channels"])
    " Did you mean 'value_propositions'?"
    >>> did_you_mean("zzz", ["channels"])
    ''
    """
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def unknown(kind: str, word: object, choices: Iterable[str]) -> str:
    """Compose the message for an unknown id, with a suggestion and the valid ids.

    >>> unknown("block", "chanels", ["channels", "cost_structure"])
    "'chanels' is not a block. Did you mean 'channels'? Blocks are: channels, cost_structure."
    """
    choices = list(choices)
    plural = kind + ("es" if kind.endswith("s") else "s")
    article = "an" if kind[:1] in "aeiou" else "a"
    return (
        f"'{word}' is not {article} {kind}.{did_you_mean(str(word), choices)} "
        f"{plural[0].upper() + plural[1:]} are: {', '.join(choices)}."
    )
