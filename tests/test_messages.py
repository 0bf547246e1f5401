"""The one message catalogue: every sentence a user reads exists in Korean and English, with the
same fields, and no sentence is written in the library's code instead."""

import ast
import json
import re
import string
from pathlib import Path

import pytest

import bmclib
from bmclib.errors import BMCError, DataError, UnknownIdError
from bmclib.i18n import (
    LANGS,
    Msg,
    catalogue,
    check_messages,
    fields_of,
    fill,
    get_language,
    set_language,
)
from bmclib.paths import data_path

LIB = Path(bmclib.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_message_has_both_languages_and_the_same_fields():
    import json

    data = json.loads(data_path("messages.json").read_text(encoding="utf-8"))
    assert check_messages(data) == []
    for key, entry in catalogue().items():
        assert set(entry) >= set(LANGS), key
        assert fields_of(entry["en"]) == fields_of(entry["ko"]), key
        assert HANGUL.search(entry["ko"]) or not re.search(
            r"[A-Za-z]{4,} [a-z]{3,}", entry["ko"]
        ), f"{key}: the Korean text reads like English: {entry['ko']!r}"


def test_a_broken_catalogue_is_named_line_by_line():
    bad = {
        "format": "bmclib-messages",
        "version": 1,
        "messages": {
            "a": {"en": "{n} left", "ko": "남음"},
            "b": {"en": "x"},
            "c": {"en": "{x}", "ko": "{x:은}"},
        },
    }
    assert [p.text("en") for p in check_messages(bad)] == [
        "messages.json: 'a': en uses {n} but ko uses no fields",
        "messages.json: 'b' needs non-empty 'en' and 'ko' texts",
        "messages.json: 'c': '은' is not a pair of Korean particles such as 은/는",
    ]


def test_every_message_key_the_code_names_exists():
    """Msg("...") and ui("...") calls with a literal key must name a catalogue entry."""
    keys = set(catalogue())
    missing = []
    for path in LIB.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "Msg" and node.args[0].value not in keys:
                missing.append(f"{path.name}:{node.lineno}: {node.args[0].value}")
            if name == "ui" and f"ui.{node.args[0].value}" not in keys:
                missing.append(f"{path.name}:{node.lineno}: ui.{node.args[0].value}")
    assert missing == []


# -- no sentence outside the catalogue
# ---------------------------------------------------------------

#: calls whose string arguments are not shown to a user as prose: argparse's help, code run in a
#: kernel or a subprocess, logging of a build, HTML/CSS markup, regular expressions
_EXEMPT_CALLS = {
    "add_argument",
    "add_parser",
    "ArgumentParser",
    "compile",
    "search",
    "match",
    "fullmatch",
    "sub",
    "split",
    "findall",
    "finditer",
    "Popen",
    "run",
    "check_output",
    "log",
    "warn",
    "_lang",
    "AttributeError",
    "code_cell",
    "new_code_cell",
}
_WORD = re.compile(r"[A-Za-z]{2,}")
_SENTENCE = re.compile(r"\b[a-z]{2,}\b \b[a-z]{2,}\b \b[a-z]{2,}\b")


def _prose(text: str) -> bool:
    """True when a string constant reads like a sentence a person would read (not code, markup or
    CSS)."""
    if len(HANGUL.findall(text)) >= 4:
        return True  # Korean prose in code is always a finding (particles like 은/는 are not prose)
    stripped = text.strip()
    if (
        ("\n" in text and ("import " in text or "def " in text))
        or (";" in text and ":" in text)
        or ("<" in text and ">" in text)
        or stripped.startswith(("{", "[", "--", "#", "%", "@"))
    ):
        return False
    return (
        len(_WORD.findall(text)) >= 4
        and any(len(w) >= 4 for w in _WORD.findall(text))
        and bool(_SENTENCE.search(text))
    )


def _sentences_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))  # docstrings
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__repr__":
            skip.update(id(n) for n in ast.walk(node))  # developer views
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            receiver = getattr(node.func, "value", None)
            receiver = getattr(receiver, "attr", getattr(receiver, "id", ""))
            # logs are for admins
            if name in _EXEMPT_CALLS or receiver in ("log", "logger", "logging"):
                skip.update(id(n) for n in ast.walk(node))
        # `"field larger than field limit" in text`: matching, not showing
        if isinstance(node, ast.Compare):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "").startswith("_MATCH") for t in node.targets
        ):
            # tables of other programs' messages to recognise
            skip.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):  # an f-string is read as a whole, its fields as words
            skip.update(id(n) for n in ast.walk(node) if n is not node)
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _prose(text):
            found.append(f"{path.relative_to(LIB.parent)}:{node.lineno}: {text[:70]!r}")
    return found


#: modules that write files for other programs (notebooks, HTML pages, the JupyterLite site's pages
#: are built from the catalogue too; what is left is code and markup)
_MODULES = sorted(p for p in LIB.rglob("*.py"))


@pytest.mark.parametrize("path", _MODULES, ids=lambda p: p.relative_to(LIB).as_posix())
def test_no_sentence_is_written_in_code(path):
    assert _sentences_in(path) == []


# -- the session language
# ----------------------------------------------------------------------------


@pytest.fixture
def session():
    yield
    set_language(None)


def test_the_session_language_comes_from_set_language_then_bmc_lang(session, monkeypatch):
    monkeypatch.setenv("BMC_LANG", "ko")
    assert get_language() == "ko"
    set_language("en")
    assert get_language() == "en"
    set_language(None)
    monkeypatch.setenv("BMC_LANG", "fr")
    assert get_language() == "en"
    with pytest.raises(BMCError, match="lang must be 'en' or 'ko'"):
        set_language("fr")


def test_library_errors_carry_both_languages_and_keep_the_suggestion(session):
    with pytest.raises(UnknownIdError) as err:
        bmclib.block("value_proposition")
    exc = err.value
    assert exc.suggestion == "value_propositions" and "channels" in exc.choices
    assert str(exc).startswith(
        "'value_proposition' is not a block. Did you mean 'value_propositions'?"
    )
    set_language("ko")
    assert str(exc).startswith(
        "'value_proposition'은(는) 블록이 아닙니다. 'value_propositions'을(를) 찾으셨나요?"
    )
    assert exc.text("en").startswith("'value_proposition' is not a block")


def test_a_data_error_lists_its_problems_in_the_session_language(session, tmp_path):
    bad = tmp_path / "key.csv"
    bad.write_text("exercise_set,item_id,best\ns,a,communitys\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        bmclib.load_key(bad)
    set_language("ko")
    assert str(err.value) == (
        f"{bad}:2: best: 'communitys'은(는) 선택지 id가 아닙니다. 'communities'을(를) "
        "찾으셨나요? data/blocks.json의 블록별 분류를 보세요."
    )


def test_korean_particles_fit_the_word_they_follow():
    assert (
        Msg("report.confuses", picked="셀프서비스", best="자동화 서비스").text("ko")
        == "셀프서비스와 자동화 서비스를 혼동합니다."
    )
    assert (
        Msg("report.confuses", picked="개별 어시스트", best="커뮤니티").text("ko")
        == "개별 어시스트와 커뮤니티를 혼동합니다."
    )
    assert (
        Msg("feedback.wrong", chosen="커뮤니티", best="코크리에이션").text("ko")
        == "오답입니다: 여기에는 커뮤니티보다 코크리에이션이 잘 맞습니다."
    )


def test_the_catalogue_has_no_unused_fields_syntax_errors():
    for entry in catalogue().values():
        for lang in LANGS:
            list(string.Formatter().parse(entry[lang]))  # raises on a broken template


def test_korean_particles_after_a_field_fit_the_field():
    """A particle written after a ``{field}`` fits only some values ("{index}와" is wrong after
    "index.html"); the template asks for the fitting one: ``{index:와/과}``."""
    fixed = re.compile(
        r"(?<!\{)\{(\w+)\}(으로|은|는|이|가|을|를|와|과|로|은\(는\)|을\(를\)|이\(가\)|와\(과\))"
        r"(?=[\s,.)!?:;]|$)"
    )
    found = [
        f"{key}: {m.group(0)}"
        for key, text in catalogue().items()
        for m in fixed.finditer(text["ko"])
    ]
    assert found == []
    assert fill(catalogue()["gallery.summary"]["ko"], index="갤러리", pictures=3).startswith(
        "갤러리와"
    )
    assert fill(catalogue()["gallery.summary"]["ko"], index="목록", pictures=3).startswith("목록과")


def test_the_catalogue_names_each_key_once():
    """JSON keeps the last of two equal keys without a word: a second entry would hide the first."""
    pairs = json.loads(
        data_path("messages.json").read_text(encoding="utf-8"), object_pairs_hook=lambda p: p
    )
    messages = dict(pairs)["messages"]
    keys = [k for k, _ in messages]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []
