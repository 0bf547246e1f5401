"""The words on the widgets, in Korean and English, read from ``data/ui_text.json``.

No label or message is written in code: every widget asks :func:`ui` for it.
This module imports no widget library, so data checks can use it too.
"""

from __future__ import annotations

import json
import string
from functools import cache

from ..blocks import LANGS, check_lang
from ..errors import UnknownIdError, unknown
from ..paths import data_path
from ..problems import Problem


@cache
def ui_texts() -> dict[str, dict[str, str]]:
    """``{key: {"en": ..., "ko": ...}}`` for every widget label and message."""
    return json.loads(data_path("ui_text.json").read_text(encoding="utf-8"))["texts"]


def ui(key: str, lang: str, **fields) -> str:
    """One label or message in one language, with ``{fields}`` filled in.

    >>> ui("progress", "en", done=7, total=16)
    '7/16 answered'
    >>> ui("progress", "ko", done=7, total=16)
    '16문항 중 7문항 답함'
    """
    texts = ui_texts()
    if key not in texts:
        raise UnknownIdError(unknown("UI text", key, sorted(texts)))
    return texts[key][check_lang(lang)].format(**fields)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check_ui_texts(data: object, source: str = "ui_text.json") -> list[Problem]:
    """Every problem in a UI text file: each entry needs non-empty ``en`` and ``ko``
    texts that use the same ``{fields}``.

    >>> check_ui_texts({"format": "bmclib-ui-text", "version": 1, "texts": {"a": {"en": "{n} left", "ko": "남음"}}})
    [Problem(file='ui_text.json', line=0, message="'a': en uses {n} but ko uses no fields")]
    """
    if not isinstance(data, dict) or data.get("format") != "bmclib-ui-text" or data.get("version") != 1:
        return [Problem(source, 1, "not a UI text file: needs \"format\": \"bmclib-ui-text\", \"version\": 1")]
    texts = data.get("texts")
    if not isinstance(texts, dict):
        return [Problem(source, 1, "'texts' must map keys to {\"en\": ..., \"ko\": ...}")]
    problems = []
    for key, entry in texts.items():
        if not isinstance(entry, dict) or any(not isinstance(entry.get(lang), str) or not entry[lang].strip()
                                              for lang in LANGS):
            problems.append(Problem(source, 0, f"'{key}' needs non-empty 'en' and 'ko' texts"))
            continue
        en, ko = _fields(entry["en"]), _fields(entry["ko"])
        if en != ko:
            def show(f):
                return "{" + "}, {".join(sorted(f)) + "}" if f else "no fields"
            problems.append(Problem(source, 0, f"'{key}': en uses {show(en)} but ko uses {show(ko)}"))
    return problems
