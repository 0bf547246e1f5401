"""A Business Model Canvas: nine blocks of notes, saved as JSON (CONTRACT.md section 7) or Markdown.

A note is a short text; a **segment tag** links the notes that serve the same customer
segment (the colour-coding of sticky notes on a paper canvas).

>>> c = Canvas(title="Bank Salad", lang="en")
>>> c = c.add("customer_segments", "People in their 20s and 30s who keep a budget", segment="young")
>>> c.add("customer_relationships", "Automated services: card payments are logged by themselves")
<Canvas 'Bank Salad' (en): 2 notes in 2 of 9 blocks; segments: young>
>>> print(c.to_markdown().splitlines()[5])
- [young] People in their 20s and 30s who keep a budget
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .blocks import BLOCK_IDS, block, blocks
from .errors import BMCError, DataError, UnknownIdError, unknown, unknown_id
from .fileio import Problem, lone_surrogate, read_json, value_kind
from .i18n import Msg, check_lang

FORMAT = "bmclib-canvas"
VERSION = 1
_NOTE_KEYS = ("text", "segment")
_TOP_KEYS = (
    "format",
    "version",
    "title",
    "lang",
    "student_id",
    "student_name",
    "saved_at",
    "blocks",
)
#: who made the canvas and when (CONTRACT.md section 7); written only when known
_WHO_KEYS = ("student_id", "student_name", "saved_at")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3130-\u318f]")


_describe = value_kind


def _clean_text(text: str) -> str:
    """Strip every line and drop blank lines, so notes look the same in JSON, Markdown and
    figures."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


def _tag_problem(segment: Any) -> Msg | None:
    if segment is None:
        return None
    if not isinstance(segment, str) or not segment.strip() or re.search(r"[\[\]\n\r]", segment):
        return (
            Msg("canvas.bad_tag", value=repr(segment))
            if isinstance(segment, str)
            else Msg("canvas.bad_tag", value=_describe(segment))
        )
    return None


@dataclass(frozen=True)
class Note:
    """One note (sticky) on a canvas: its text and an optional segment tag.

    >>> Note("Free app for savers", segment="young")
    Note('Free app for savers', segment='young')
    >>> str(Note("Free app for savers", segment="young"))
    '[young] Free app for savers'
    """

    text: str
    segment: str | None = None

    def __post_init__(self):
        if not isinstance(self.text, str) or not _clean_text(self.text):
            raise BMCError(Msg("canvas.note_needs_text", value=repr(self.text)))
        problem = _tag_problem(self.segment)
        if problem:
            raise BMCError(problem)
        object.__setattr__(self, "text", _clean_text(self.text))
        object.__setattr__(
            self, "segment", self.segment.strip() if self.segment is not None else None
        )

    def __repr__(self) -> str:
        return (
            f"Note({self.text!r}, segment={self.segment!r})"
            if self.segment
            else f"Note({self.text!r})"
        )

    def __str__(self) -> str:
        return f"[{self.segment}] {self.text}" if self.segment else self.text

    def to_dict(self) -> str | dict:
        """The JSON form: plain text, or ``{"text": ..., "segment": ...}`` when tagged."""
        return {"text": self.text, "segment": self.segment} if self.segment else self.text

    @classmethod
    def coerce(cls, value: Any) -> Note:
        """A Note from a Note, a string, or a ``{"text", "segment"}`` mapping."""
        if isinstance(value, Note):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict):
            if not isinstance(value.get("text"), str):
                raise BMCError(Msg("canvas.note_object_text", value=_describe(value.get("text"))))
            return cls(value["text"], value.get("segment"))
        raise BMCError(Msg("canvas.note_kind", value=_describe(value)))


def _check_block_id(block_id: Any) -> str:
    if block_id not in BLOCK_IDS:
        raise unknown_id("block", block_id, BLOCK_IDS)
    return block_id


@dataclass(repr=False)
class Canvas:
    """A Business Model Canvas: a title, a language and notes in nine blocks.

    ``blocks`` maps every block id (playbook order) to a list of :class:`Note`; blocks not
    given are empty. Notes may be given as strings or ``{"text", "segment"}`` mappings.
    ``student_id``, ``student_name`` and ``saved_at`` say whose canvas it is and when it was
    last saved (empty when unknown; :meth:`save` sets ``saved_at``). They are not part of the
    canvas's content: two canvases with the same notes are equal whoever made them.

    Raises:
        UnknownIdError: a block id that does not exist (with a did-you-mean).
        BMCError: ``lang`` is not ``"en"`` or ``"ko"``, or a note is malformed.

    >>> Canvas("Netflix", blocks={"channels": ["Smart-TV apps"]})["channels"]
    [Note('Smart-TV apps')]
    >>> Canvas("Netflix", blocks={"channel": []})  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'channel' is not a block. Did you mean 'channels'? Blocks are:
    customer_segments, value_propositions, channels, customer_relationships, revenue_streams,
    key_resources, key_activities, key_partnerships, cost_structure.
    """

    title: str = ""
    lang: str = "en"
    blocks: dict = field(default_factory=dict)
    source: str = field(default="", compare=False)
    extra: dict = field(default_factory=dict, compare=False)
    student_id: str = field(default="", compare=False)
    student_name: str = field(default="", compare=False)
    saved_at: str = field(default="", compare=False)

    def __post_init__(self):
        check_lang(self.lang)
        if not isinstance(self.title, str):
            raise BMCError(Msg("canvas.title_text", value=_describe(self.title)))
        for key in _WHO_KEYS:
            value = getattr(self, key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise BMCError(Msg("canvas.who_text", key=key, value=_describe(value)))
            setattr(self, key, value.strip())
        given = dict(self.blocks or {})
        for block_id in given:
            _check_block_id(block_id)
        normalised = {}
        for block_id in BLOCK_IDS:
            notes = given.get(block_id) or []
            if isinstance(notes, (str, dict, Note)):
                raise BMCError(Msg("canvas.block_list", block=block_id, value=_describe(notes)))
            normalised[block_id] = [Note.coerce(n) for n in notes]
        self.blocks = normalised

    # -- reading and editing ------------------------------------------------------------------

    def __getitem__(self, block_id: str) -> list[Note]:
        return self.blocks[_check_block_id(block_id)]

    def add(self, block_id: str, text: str, segment: str | None = None) -> Canvas:
        """Add a note to a block and return the canvas (so calls can be chained).

        >>> Canvas("IKEA").add("channels", "Own stores").add("channels", "Website")["channels"]
        [Note('Own stores'), Note('Website')]
        """
        self.blocks[_check_block_id(block_id)].append(Note(text, segment))
        return self

    def notes(self) -> list[tuple[str, Note]]:
        """Every ``(block_id, note)`` pair, in playbook order."""
        return [(b, n) for b in BLOCK_IDS for n in self.blocks[b]]

    def segments(self) -> tuple[str, ...]:
        """The segment tags in use: those of Customer Segments first, then any others, in order of
        appearance.

        >>> Canvas(blocks={"channels": [{"text": "Shops", "segment": "b"}],
        ...                "customer_segments": [{"text": "A", "segment": "a"}]}).segments()
        ('a', 'b')
        """
        seen: dict[str, None] = {}
        for _block_id, note in self.notes():
            if note.segment:
                seen.setdefault(note.segment)
        return tuple(seen)

    def __len__(self) -> int:
        return sum(len(v) for v in self.blocks.values())

    # -- JSON ----------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The JSON form of CONTRACT.md section 7 (all nine blocks, in playbook order)."""
        out = {"format": FORMAT, "version": VERSION, "title": self.title, "lang": self.lang}
        out.update({k: getattr(self, k) for k in _WHO_KEYS if getattr(self, k)})
        out["blocks"] = {b: [n.to_dict() for n in self.blocks[b]] for b in BLOCK_IDS}
        out.update({k: v for k, v in self.extra.items() if k not in out and k not in _TOP_KEYS})
        return out

    def save(self, path: str | Path) -> Path:
        """Write the canvas as JSON, atomically (temporary file, then rename); return the path.

        ``saved_at`` is set to the current time first: when a student hands in several files,
        a grader counts the one saved last.
        """
        from .answers import now_iso
        from .fileio import write_json_atomic

        self.saved_at = now_iso()
        target = write_json_atomic(path, self.to_dict())
        self.source = str(target)
        return target

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None, *, _text: str = "") -> Canvas:
        """A canvas from parsed JSON (CONTRACT.md section 7), checked.

        Raises:
            UnknownIdError: a block id that does not exist, with a did-you-mean and the file line.
            DataError: wrong ``format`` or ``version`` or a malformed note (``file:line: message``).

        >>> Canvas.from_dict({"format": "bmclib-canvas", "version": 1, "title": "T",
        ...                   "blocks": {"channels": ["Web"]}})["channels"]
        [Note('Web')]
        >>> Canvas.from_dict({"format": "bmclib-canvas", "version": 2}, source="x.json")
        Traceback (most recent call last):
        ...
        bmclib.errors.DataError: x.json: unknown version 2 (this bmclib reads version 1)
        """
        label = source or "<canvas>"
        canvas, problems, unknown_block = _parse(data, _text, label)
        if unknown_block is not None:
            raise UnknownIdError(unknown_block)
        if problems:
            raise DataError(problems)
        canvas.source = source or ""
        return canvas

    @classmethod
    def load(cls, path: str | Path) -> Canvas:
        """Read and check a canvas JSON file.

        Raises:
            DataError: the file cannot be read, is not JSON, or is not a valid canvas
                (``file:line: ...``).
            UnknownIdError: a block id that does not exist
                (``file:line: 'x' is not a block. Did you mean ...``).

        >>> from bmclib.paths import data_path
        >>> Canvas.load(data_path("canvases", "netflix.en.json")).title
        'Netflix'
        """
        data, text, problems = read_json(path)
        if problems:
            raise DataError(problems)
        return cls.from_dict(data, str(path), _text=text)

    # -- Markdown ------------------------------------------------------------------------------

    def to_markdown(self, lang: str | None = None) -> str:
        """The canvas as Markdown: ``## Block name`` headings and ``- [segment] note`` bullets.

        Block names are written in ``lang`` (default: the canvas's language).

        >>> ikea = Canvas("IKEA").add("channels", "Own stores", segment="families")
        >>> print(ikea.to_markdown("ko"))
        # IKEA
        <BLANKLINE>
        <!-- bmclib-canvas lang=en -->
        <BLANKLINE>
        ## 고객 세그먼트
        <BLANKLINE>
        ## 가치 제안
        <BLANKLINE>
        ## 채널
        - [families] Own stores
        <BLANKLINE>
        ## 고객 관계
        <BLANKLINE>
        ## 수익원
        <BLANKLINE>
        ## 핵심 자원
        <BLANKLINE>
        ## 핵심 활동
        <BLANKLINE>
        ## 핵심 파트너십
        <BLANKLINE>
        ## 비용 구조
        <BLANKLINE>
        """
        lang = check_lang(lang or self.lang)
        lines = [f"# {self.title}", ""] if self.title else []
        lines += [f"<!-- bmclib-canvas lang={self.lang} -->", ""]
        for b in blocks():
            lines.append(f"## {b.name[lang]}")
            for note in self.blocks[b.id]:
                first, *rest = note.text.split("\n")
                if note.segment:
                    prefix = f"[{note.segment}] "
                else:
                    prefix = "\\" if first.startswith(("[", "\\")) else ""
                lines.append(f"- {prefix}{first}")
                lines += [f"  {r}" for r in rest]
            lines.append("")
        return "\n".join(lines)

    @classmethod
    def from_markdown(
        cls, text: str, *, lang: str | None = None, source: str | None = None
    ) -> Canvas:
        """A canvas from Markdown: ``# title``, ``## block`` headings (name in English or Korean, or
        id), ``- note`` bullets with an optional ``[segment]`` tag; indented lines continue a note.

        The language comes from ``lang``, else from a ``<!-- bmclib-canvas lang=.. -->`` line,
        else from the headings (Korean names mean ``"ko"``).

        Raises:
            UnknownIdError: a heading that is not a block (with a did-you-mean).
            DataError: a line that is neither a heading nor a note (``source:line: ...``).

        >>> c = Canvas.from_markdown("# Netflix\\n## Channels\\n- [viewers] Smart-TV apps\\n")
        >>> c.title, c["channels"]
        ('Netflix', [Note('Smart-TV apps', segment='viewers')])
        >>> Canvas.from_markdown("## Chanels\\n- Web\\n")  # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        bmclib.errors.UnknownIdError: <markdown>:1: 'Chanels' is not a block. Did you mean
        'Channels'? Blocks are: Customer Segments, Value Propositions, Channels, Customer
        Relationships, Revenue Streams, Key Resources, Key Activities, Key Partnerships, Cost
        Structure.
        """
        return _parse_markdown(text, lang=lang, source=source or "<markdown>")

    # -- views ---------------------------------------------------------------------------------

    def __repr__(self) -> str:
        filled = sum(1 for v in self.blocks.values() if v)
        segs = ", ".join(self.segments()) or "none"
        return (
            f"<Canvas {self.title!r} ({self.lang}): "
            f"{len(self)} note{'s' if len(self) != 1 else ''} "
            f"in {filled} of 9 blocks; segments: {segs}>"
        )

    def segment_colours(self) -> dict[str, str]:
        """One colour per segment tag, from the named palette (the same tag always gets the same
        colour)."""
        from .analysis import palette

        colours = palette()["segments"]
        return {tag: colours[i % len(colours)] for i, tag in enumerate(self.segments())}

    def _repr_html_(self) -> str:
        from .analysis import palette

        pal = palette()
        colours = self.segment_colours()

        def cell(block_id: str, attrs: str = "") -> str:
            name = html.escape(block(block_id).name[self.lang])
            items = []
            for note in self.blocks[block_id]:
                colour = colours.get(note.segment, pal["untagged"])
                tag = (
                    "<span "
                    f"style='color:{colour};font-weight:bold'>[{html.escape(note.segment)}]</span> "
                    if note.segment
                    else ""
                )
                text = html.escape(note.text).replace("\n", "<br>")
                items.append(f"<li><span style='color:{colour}'>&#9679;</span> {tag}{text}</li>")
            body = (
                f"<ul style='list-style:none;padding-left:0;margin:4px 0'>{''.join(items)}</ul>"
                if items
                else ""
            )
            return (
                f"<td {attrs} style='vertical-align:top;border:1px solid {pal['block_edge']};"
                f"background:{pal['block_fill']};padding:6px;width:20%'><b>{name}</b>{body}</td>"
            )

        title = html.escape(self.title or "")
        return (
            f"<div class='bmc-canvas'><b>{title}</b>"
            "<table style='border-collapse:collapse;width:100%;table-layout:fixed'>"
            f"<tr>{cell('key_partnerships', 'rowspan=2 colspan=2')}"
            f"{cell('key_activities', 'colspan=2')}"
            f"{cell('value_propositions', 'rowspan=2 colspan=2')}"
            f"{cell('customer_relationships', 'colspan=2')}"
            f"{cell('customer_segments', 'rowspan=2 colspan=2')}</tr>"
            f"<tr>{cell('key_resources', 'colspan=2')}{cell('channels', 'colspan=2')}</tr>"
            f"<tr>{cell('cost_structure', 'colspan=5')}{cell('revenue_streams', 'colspan=5')}</tr>"
            "</table></div>"
        )


def as_canvas(canvas: Any) -> Canvas:
    """A :class:`Canvas` from a Canvas, the path of a canvas file, or its dict: what every function
    that takes a canvas accepts.

    >>> as_canvas({"format": "bmclib-canvas", "version": 1, "title": "T"}).title
    'T'
    >>> as_canvas(3)
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: expected a Canvas, the path of a canvas file or its dict, not a number
    """
    import os

    if isinstance(canvas, Canvas):
        return canvas
    if isinstance(canvas, (str, os.PathLike)):
        return Canvas.load(canvas)
    if isinstance(canvas, dict):
        return Canvas.from_dict(canvas)
    raise BMCError(Msg("canvas.not_a_canvas", value=_describe(canvas)))


# -- parsing JSON ------------------------------------------------------------------------------


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1 if text and pos >= 0 else 0


def _key_pos(text: str, key: str, start: int = 0) -> int:
    """Position of ``"key":`` in a JSON text at or after ``start`` (-1 if not found)."""
    if not text:
        return -1
    import json

    m = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:").search(
        text, max(start, 0)
    )
    return m.start() if m else -1


def _typo(word: str, known: tuple[str, ...]) -> str | None:
    match = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
    return match[0] if match and match[0] != word else None


def _parse(data: Any, text: str, label: str, *, lint: bool = False):
    """Check parsed canvas JSON. Returns
    ``(canvas or None, problems, first unknown-block Problem or None)``.

    With ``lint``, keys that look like typos of known keys are problems too (``bmc validate``).
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return (
            None,
            [
                Problem(
                    label,
                    1 if text else 0,
                    Msg("canvas.not_object", format=FORMAT, value=_describe(data)),
                )
            ],
            None,
        )
    fmt_line = _line_at(text, _key_pos(text, "format"))
    if "format" not in data:
        return (
            None,
            [Problem(label, 1 if text else 0, Msg("canvas.no_format", format=FORMAT))],
            None,
        )
    if data["format"] != FORMAT:
        return (
            None,
            [
                Problem(
                    label,
                    fmt_line,
                    Msg("canvas.wrong_format", found=repr(data["format"]), format=FORMAT),
                )
            ],
            None,
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        return (
            None,
            [
                Problem(
                    label,
                    _line_at(text, _key_pos(text, "version")) or fmt_line,
                    Msg("data.unknown_version", version=repr(version)),
                )
            ],
            None,
        )
    half = lone_surrogate(data)
    if half is not None:
        pos = text.lower().find(f"\\u{ord(half):04x}")
        return (
            None,
            [
                Problem(
                    label,
                    _line_at(text, pos) if pos >= 0 else 1,
                    Msg("text.surrogate", code=f"U+{ord(half):04X}"),
                )
            ],
            None,
        )
    title = data.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        problems.append(
            Problem(
                label,
                _line_at(text, _key_pos(text, "title")),
                Msg("canvas.title_text", value=_describe(title)),
            )
        )
        title = ""
    lang = data.get("lang", "en")
    if lang not in ("en", "ko"):
        problems.append(
            Problem(
                label, _line_at(text, _key_pos(text, "lang")), Msg("error.lang", lang=repr(lang))
            )
        )
        lang = "en"
    who = {}
    for key in _WHO_KEYS:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and key == "student_id":
            value = str(value)  # a student number written without quotes
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems.append(
                Problem(
                    label,
                    _line_at(text, _key_pos(text, key)),
                    Msg("canvas.who_text", key=key, value=_describe(value)),
                )
            )
            value = ""
        elif key == "saved_at" and value.strip() and lint:
            from .answers import parse_time

            if parse_time(value) is None:
                problems.append(
                    Problem(
                        label,
                        _line_at(text, _key_pos(text, key)),
                        Msg("canvas.saved_at_time", value=repr(value)),
                    )
                )
        who[key] = value.strip()
    if lint:
        for key in data:
            guess = _typo(key, _TOP_KEYS) if key not in _TOP_KEYS else None
            if guess:
                problems.append(
                    Problem(
                        label,
                        _line_at(text, _key_pos(text, key)),
                        Msg("canvas.key_typo", key=key, guess=guess),
                    )
                )
    raw_blocks = data.get("blocks", {})
    blocks_pos = _key_pos(text, "blocks")
    if raw_blocks is None:
        raw_blocks = {}
    if not isinstance(raw_blocks, dict):
        problems.append(
            Problem(
                label,
                _line_at(text, blocks_pos),
                Msg("canvas.blocks_object", value=_describe(raw_blocks)),
            )
        )
        raw_blocks = {}
    unknown_block = None
    parsed: dict[str, list[Note]] = {}
    for block_id, notes in raw_blocks.items():
        bpos = _key_pos(text, block_id, blocks_pos)
        bline = _line_at(text, bpos)
        if block_id not in BLOCK_IDS:
            p = Problem(label, bline, unknown("block", block_id, BLOCK_IDS))
            problems.append(p)
            unknown_block = unknown_block or p
            continue
        if notes is None:
            notes = []
        if not isinstance(notes, list):
            problems.append(
                Problem(
                    label, bline, Msg("canvas.block_list", block=block_id, value=_describe(notes))
                )
            )
            continue
        out = []
        # each note's line, found after the previous note's (notes follow one another), and
        # counted on from there: a canvas of many notes costs no more than reading it once
        cursor, cursor_line, skip = max(bpos, 0), bline, 0
        for i, raw in enumerate(notes, start=1):
            where = Msg("canvas.note_where", block=block_id, n=i)
            nline = bline
            note_text = (
                raw if isinstance(raw, str) else raw.get("text") if isinstance(raw, dict) else None
            )
            if isinstance(note_text, str) and text:
                import json

                encoded = json.dumps(note_text, ensure_ascii=False)
                pos = text.find(encoded, cursor, cursor + skip + len(encoded) + 1000)
                if pos >= 0:
                    cursor_line += text.count("\n", cursor, pos)
                    cursor, skip, nline = pos, len(encoded), cursor_line
            if isinstance(raw, dict):
                if lint:
                    for key in raw:
                        guess = _typo(key, _NOTE_KEYS) if key not in _NOTE_KEYS else None
                        if guess:
                            problems.append(
                                Problem(
                                    label,
                                    nline,
                                    Msg(
                                        "canvas.at",
                                        where=where,
                                        error=Msg("canvas.key_typo", key=key, guess=guess),
                                    ),
                                )
                            )
                if "text" not in raw:
                    problems.append(
                        Problem(
                            label,
                            nline,
                            Msg(
                                "canvas.at", where=where, error=Msg("canvas.note_object_needs_text")
                            ),
                        )
                    )
                    continue
                if not isinstance(raw["text"], str):
                    problems.append(
                        Problem(
                            label,
                            nline,
                            Msg(
                                "canvas.at",
                                where=where,
                                error=Msg("canvas.text_text", value=_describe(raw["text"])),
                            ),
                        )
                    )
                    continue
                tag_problem = _tag_problem(raw.get("segment"))
                if tag_problem:
                    problems.append(
                        Problem(label, nline, Msg("canvas.at", where=where, error=tag_problem))
                    )
                    continue
            elif not isinstance(raw, str):
                problems.append(
                    Problem(
                        label,
                        nline,
                        Msg(
                            "canvas.at",
                            where=where,
                            error=Msg("canvas.note_kind", value=_describe(raw)),
                        ),
                    )
                )
                continue
            if not _clean_text(note_text):
                problems.append(
                    Problem(
                        label, nline, Msg("canvas.at", where=where, error=Msg("canvas.empty_note"))
                    )
                )
                continue
            out.append(Note.coerce(raw))
        parsed[block_id] = out
    if problems:
        return None, problems, unknown_block
    extra = {k: v for k, v in data.items() if k not in _TOP_KEYS}
    return Canvas(title=title, lang=lang, blocks=parsed, source=label, extra=extra, **who), [], None


def check_canvas_file(path: str | Path) -> list[Problem]:
    """Every structural problem in a canvas JSON file, as ``file:line: message`` (``bmc validate``).

    Checks the format and version, the title and language, that every block id exists
    (with a did-you-mean) and that every note is text or ``{"text", "segment"}``; keys that
    look like typos of known keys are reported too. Coherence (``bmc canvas check``) is not checked
    here.

    >>> from bmclib.paths import data_path
    >>> check_canvas_file(data_path("canvases", "ikea.ko.json"))
    []
    """
    data, text, problems = read_json(path)
    if problems:
        return problems
    return _parse(data, text, str(path), lint=True)[1]


# -- parsing Markdown --------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-&/]+", "", name).casefold()


def _heading_index() -> dict[str, tuple[str, str | None]]:
    """Normalised heading -> (block id, language of that name or None)."""
    index: dict[str, tuple[str, str | None]] = {}
    for b in blocks():
        for lang in ("en", "ko"):
            index.setdefault(_norm(b.name[lang]), (b.id, lang))
    for b in blocks():
        index.setdefault(_norm(b.id), (b.id, None))
        if b.short:
            index.setdefault(_norm(b.short), (b.id, None))
    return index


def _unknown_heading(heading: str, names: list[str]) -> Msg:
    """The unknown-block message for a Markdown heading; Korean near-misses are compared by jamo."""
    message = unknown("block", heading, names)
    if not message.fields["suggestion"]:
        decomposed = {unicodedata.normalize("NFD", n): n for n in names}
        match = difflib.get_close_matches(
            unicodedata.normalize("NFD", heading), list(decomposed), n=1, cutoff=0.6
        )
        if match:
            message.fields["suggestion"] = Msg("error.did_you_mean", match=decomposed[match[0]])
    return message


_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_TAG = re.compile(r"^\[([^\[\]\n]+)\]\s*(.*)$")
_LANG_COMMENT = re.compile(r"^<!--\s*bmclib-canvas\s+lang\s*=\s*(\w+)\s*-->$")


def _parse_markdown(text: str, *, lang: str | None, source: str) -> Canvas:
    if not isinstance(text, str):
        raise BMCError(Msg("canvas.markdown_text", value=_describe(text)))
    if lang is not None:
        check_lang(lang)
    index = _heading_index()
    problems: list[Problem] = []
    unknown_block: Problem | None = None
    title = None
    comment_lang = None
    heading_langs: list[str] = []
    notes: dict[str, list[dict]] = {}
    current: str | None = None
    last: dict | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip()
        stripped = line.strip()
        if not stripped:
            last = None
            continue
        m = _LANG_COMMENT.match(stripped)
        if m:
            comment_lang = m.group(1)
            if comment_lang not in ("en", "ko"):
                problems.append(Problem(source, number, Msg("error.lang", lang=repr(comment_lang))))
                comment_lang = None
            continue
        if stripped.startswith("<!--") and stripped.endswith("-->"):
            continue
        if line.startswith("# "):
            if title is not None:
                problems.append(Problem(source, number, Msg("canvas.one_title")))
            title = line[2:].strip()
            last = None
            continue
        if line.startswith("## "):
            heading = line[3:].strip()
            bare = re.sub(r"^\d+\s*[.)]?\s*", "", heading).rstrip(":").strip()
            key = _norm(bare)
            if key in index:
                current, name_lang = index[key]
                if bare in BLOCK_IDS:
                    name_lang = None
                if name_lang:
                    heading_langs.append(name_lang)
                notes.setdefault(current, [])
            else:
                names_lang = "ko" if _HANGUL.search(heading) else "en"
                names = [b.name[names_lang] for b in blocks()]
                p = Problem(source, number, _unknown_heading(heading, names))
                problems.append(p)
                unknown_block = unknown_block or p
                current = None
            last = None
            continue
        bullet = _BULLET.match(line)
        if bullet:
            if current is None:
                if unknown_block is None or unknown_block.line > number:
                    problems.append(Problem(source, number, Msg("canvas.note_before_heading")))
                continue
            body = bullet.group(1).strip()
            segment = None
            if body.startswith("\\"):
                body = body[1:]
            else:
                tag = _TAG.match(body)
                if tag:
                    segment, body = tag.group(1).strip(), tag.group(2).strip()
            if not body:
                problems.append(
                    Problem(
                        source,
                        number,
                        Msg("canvas.tag_without_text" if segment else "canvas.empty_note"),
                    )
                )
                continue
            last = {"text": body, "segment": segment}
            notes[current].append(last)
            continue
        if raw_line[:1].isspace() and last is not None:
            last["text"] += "\n" + stripped
            continue
        if current is None and unknown_block is not None:
            continue  # lines under an unknown heading: already reported
        problems.append(
            Problem(source, number, Msg("canvas.markdown_line", found=repr(stripped[:60])))
        )
    if unknown_block is not None:
        raise UnknownIdError(unknown_block)
    if problems:
        raise DataError(problems)
    if lang is None:
        lang = comment_lang
    if lang is None and heading_langs:
        lang = "ko" if heading_langs.count("ko") > heading_langs.count("en") else "en"
    if lang is None:
        lang = "ko" if _HANGUL.search(text) else "en"
    canvas = Canvas(
        title=title or "",
        lang=lang,
        blocks={b: [Note(n["text"], n["segment"]) for n in v] for b, v in notes.items()},
    )
    canvas.source = source if source != "<markdown>" else ""
    return canvas
