"""Languages, and the one message catalogue: every sentence a user reads, in Korean and English.

All words a person reads (widget labels, feedback, errors, problems in files, report headings,
command output) live in ``data/messages.json``, never in code: code names a message by its key
and gives the fields, the way click's ``gettext`` discipline works. A :class:`Msg` keeps the key
and the fields and is rendered when it is read, in the language asked for or the session's:

1. an argument (``lang="ko"``),
2. else :func:`set_language` (``bmc.set_language("ko")``),
3. else the ``BMC_LANG`` environment variable,
4. else English.

Korean templates attach particles to fields with a format spec, ``{word:은/는}``: the particle
that fits the word's last sound is chosen (see :func:`josa`).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

LANGS = ("en", "ko")
DEFAULT_LANG = "en"
FORMAT = "bmclib-messages"

_session: str | None = None


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"en"`` or ``"ko"``; raise a clear error otherwise.

    >>> check_lang("ko")
    'ko'
    """
    if lang not in LANGS:
        from .errors import BMCError

        raise BMCError(Msg("error.lang", lang=repr(lang)))
    return lang


def set_language(lang: str | None) -> None:
    """Set the session's language for everything bmclib shows (``None`` goes back to ``BMC_LANG``).

    >>> set_language("ko"); get_language()
    'ko'
    >>> set_language(None)
    """
    global _session
    _session = None if lang is None else check_lang(lang)


def get_language() -> str:
    """The session's language: :func:`set_language`, else ``$BMC_LANG`` (``en`` or ``ko``), else
    English."""
    if _session is not None:
        return _session
    env = os.environ.get("BMC_LANG", "").strip().lower()
    return env if env in LANGS else DEFAULT_LANG


def lang_or_session(lang: str | None) -> str:
    """``lang`` when given (checked), else the session's language."""
    return get_language() if lang is None else check_lang(lang)


def tr(text: Any, lang: str | None = None) -> Any:
    """Pick one language from a ``{"en": ..., "ko": ...}`` mapping (other values pass through).

    >>> tr({"en": "Channels", "ko": "채널"}, "ko")
    '채널'
    """
    if isinstance(text, Mapping) and "en" in text:
        return text[lang_or_session(lang)]
    return text


#: how each digit is read in Korean (for the particle after a number)
_DIGIT_SOUNDS = dict(
    zip("0123456789", ("영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"), strict=True)
)


def _last_sound(word: str) -> str:
    """The last character that is pronounced: quotes, brackets and spaces at the end are skipped.

    A final digit stands for its Korean reading (``6`` is 육, ``4`` is 사; ``10`` is 십, whose
    final consonant behaves like 영's).
    """
    last = word.rstrip(" '\"`)]}»”’.!?")[-1:]
    return _DIGIT_SOUNDS.get(last, last)


def josa(word: str, pair: str) -> str:
    """``word`` with the Korean particle that fits its last sound; ``pair`` is e.g. ``"이/가"``.

    A final consonant takes the first form, a vowel the second; "으로/로" also takes "로" after ㄹ.
    A word that does not end in Hangul (an id such as ``'chanels'``) gets both forms, ``은(는)``.

    >>> josa("셀프서비스", "이/가"), josa("개별 어시스트", "은/는"), josa("커뮤니티", "와/과")
    ('셀프서비스가', '개별 어시스트는', '커뮤니티와')
    >>> josa("자동화 서비스", "을/를"), josa("전담 개별 어시스트", "이/가")
    ('자동화 서비스를', '전담 개별 어시스트가')
    >>> josa("코크리에이션", "이/가")
    '코크리에이션이'
    >>> josa("'chanels'", "은/는"), josa("'채널'", "을/를")
    ("'chanels'은(는)", "'채널'을")
    >>> josa("q4_6", "은/는"), josa("q4_4", "은/는"), josa("7", "으로/로")
    ('q4_6은', 'q4_4는', '7로')
    """
    with_final, without = pair.split("/")
    if with_final in ("와", "는", "를", "가", "로"):  # accept either order
        with_final, without = without, with_final
    last = _last_sound(word)
    if not ("가" <= last <= "힣"):
        return f"{word}{with_final}({without})"
    final = (ord(last) - 0xAC00) % 28
    if with_final == "으로" and final == 8:  # ㄹ
        return word + without
    return word + (with_final if final else without)


# -- the catalogue ---------------------------------------------------------------------------------


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """``{key: {"en": ..., "ko": ...}}`` for every message, read once from
    ``data/messages.json``."""
    from .paths import data_path

    data = json.loads(data_path("messages.json").read_text(encoding="utf-8"))
    return data["messages"]


class _Formatter(string.Formatter):
    """``str.format`` plus Korean particles: ``{word:은/는}`` picks the form that fits ``word``."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "/" in format_spec:
            return josa(str(value), format_spec)
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def fill(template: str, /, **fields: Any) -> str:
    """``template.format(**fields)`` with Korean particles: ``{note:은/는}`` fits the particle to
    the note.

    >>> fill('{note:은/는} 무엇입니까?', note='"앱"')
    '"앱"은 무엇입니까?'
    >>> fill('{note:은/는} 무엇입니까?', note='"챗봇"')
    '"챗봇"은 무엇입니까?'
    """
    return _FORMATTER.format(template, **fields)


def render(value: Any, lang: str) -> Any:
    """A field made ready for a template: messages and ``{"en", "ko"}`` mappings in ``lang``."""
    if isinstance(value, Msg) or (
        not isinstance(value, str) and callable(getattr(value, "text", None))
    ):
        return value.text(lang)  # a message, a problem or an error: all render in one language
    if isinstance(value, Mapping) and "en" in value and "ko" in value:
        return value[lang]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Msg) for v in value):
        return " ".join(v.text(lang) for v in value)
    return value


def message(key: str, lang: str | None = None, **fields: Any) -> str:
    """One message in one language, with its ``{fields}`` filled in.

    >>> message("ui.progress", "en", done=7, total=16)
    '7/16 answered'
    >>> message("ui.progress", "ko", done=7, total=16)
    '16문항 중 7문항 답함'
    """
    return Msg(key, **fields).text(lang)


def ui(key: str, lang: str | None = None, **fields: Any) -> str:
    """A widget's label or message (the catalogue's ``ui.`` entries) in one language.

    >>> ui("check", "ko")
    '정답 확인'
    """
    return Msg(f"ui.{key}", **fields).text(lang)


class Msg:
    """A message kept as its key and fields, rendered when read (``str()`` uses the session's
    language). Fields may be messages themselves, or ``{"en", "ko"}`` mappings of labels.

    >>> m = Msg("ui.progress", done=1, total=2)
    >>> m.text("en"), m.text("ko"), m.both()
    ('1/2 answered', '2문항 중 1문항 답함', {'en': '1/2 answered', 'ko': '2문항 중 1문항 답함'})
    """

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: Any):
        if key not in catalogue():
            from .errors import did_you_mean

            raise KeyError(
                f"no message {key!r} in data/messages.json.{did_you_mean(key, catalogue())}"
            )
        self.key = key
        self.fields = fields

    def text(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang)
        template = catalogue()[self.key][lang]
        return _FORMATTER.format(template, **{k: render(v, lang) for k, v in self.fields.items()})

    def both(self) -> dict[str, str]:
        """The message in every language, ``{"en": ..., "ko": ...}``."""
        return {lang: self.text(lang) for lang in LANGS}

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.fields!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):  # a message equals its text (English, or the session's language)
            return other in (self.text("en"), self.text())
        return isinstance(other, Msg) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.fields.items()))))

    # A message read as text in a script: `"denied" in msg`, `msg.startswith(...)`, `"x: " + msg`.
    def __contains__(self, part: str) -> bool:
        return part in self.text()

    def __add__(self, other: str) -> str:
        return self.text() + other

    def __radd__(self, other: str) -> str:
        return other + self.text()

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and hasattr(str, name):
            return getattr(self.text(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def text_of(value: Any, lang: str | None = None) -> str:
    """Any message-like value as text in ``lang``: a :class:`Msg`, a ``{"en", "ko"}`` mapping or a
    string."""
    rendered = render(value, lang_or_session(lang))
    return rendered if isinstance(rendered, str) else str(rendered)


def join(items: Iterable[Any], lang: str | None = None) -> str:
    """Items as a comma-separated list in ``lang``."""
    return ", ".join(text_of(i, lang) for i in items)


# -- checking the catalogue
# ---------------------------------------------------------------------------


def fields_of(template: str) -> set[str]:
    """The field names a template uses (``{name}``, ``{name:spec}``)."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


def check_messages(data: object, source: str = "messages.json") -> list:
    """Every problem in a message catalogue: each entry needs non-empty ``en`` and ``ko`` texts that
    use the same fields; a Korean particle spec must be a pair such as ``은/는``.

    >>> [str(p) for p in check_messages({"format": FORMAT, "version": 1,
    ...                                  "messages": {"a": {"en": "{n} left", "ko": "남음"}}})]
    ["messages.json: 'a': en uses {n} but ko uses no fields"]
    """
    from .fileio import Problem

    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != 1:
        return [Problem(source, 1, Msg("data.messages_format", format=FORMAT))]
    entries = data.get("messages")
    if not isinstance(entries, dict):
        return [Problem(source, 1, Msg("data.messages_entries"))]
    problems = []
    for key, entry in entries.items():
        if not isinstance(entry, dict) or any(
            not isinstance(entry.get(lang), str) or not entry[lang].strip() for lang in LANGS
        ):
            problems.append(Problem(source, 0, Msg("data.messages_missing", key=key)))
            continue
        try:
            en, ko = fields_of(entry["en"]), fields_of(entry["ko"])
        except ValueError as exc:
            problems.append(
                Problem(source, 0, Msg("data.messages_bad_template", key=key, error=str(exc)))
            )
            continue
        if en != ko:
            problems.append(
                Problem(source, 0, Msg("data.messages_fields", key=key, en=_show(en), ko=_show(ko)))
            )
        for _, name, spec, _ in string.Formatter().parse(entry["ko"]):
            if name and spec and any("가" <= c <= "힣" for c in spec) and len(spec.split("/")) != 2:
                problems.append(Problem(source, 0, Msg("data.messages_josa", key=key, spec=spec)))
    return problems


def _show(fields: set[str]) -> str | Msg:
    return "{" + "}, {".join(sorted(fields)) + "}" if fields else Msg("data.no_fields")
