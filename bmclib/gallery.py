"""``bmc canvas gallery``: every student's canvas on one HTML page, for a seminar review.

``DIR/index.html`` shows, per student, the canvas picture (a PNG or SVG file beside the page,
drawn by :func:`bmclib.plots.save_canvas` with the blocks that have findings framed), the
rubric points and the findings. The page sorts by score or by name (two links; a small inline
script does the sorting), loads nothing from the network, and escapes every text that came
from a student's file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .blocks import block
from .canvas_grading import CanvasBatch, CanvasGrade, Rubric, grade_canvases, load_rubric
from .errors import BMCError, unknown
from .fileio import DEFAULT_MAX_FILE_SIZE, normalise_id, write_atomic
from .i18n import Msg, lang_or_session, text_of, ui
from .scoring import fmt_points

FORMATS = ("png", "svg")
#: pictures are for a screen: the 10 x 7.5 inch canvas at 140 dpi is 1400 x 1050 pixels
DPI = 140

_SCRIPT = """(function () {
  var sort = new URLSearchParams(window.location.search).get("sort");
  if (sort !== "score" && sort !== "name") { sort = "name"; }
  function order(a, b) {
    if (sort === "score") {
      var d = parseFloat(b.getAttribute("data-score")) - parseFloat(a.getAttribute("data-score"));
      if (d !== 0) { return d; }
    }
    return parseInt(a.getAttribute("data-order"), 10) - parseInt(b.getAttribute("data-order"), 10);
  }
  ["bmc-cards", "bmc-rows"].forEach(function (id) {
    var box = document.getElementById(id);
    if (!box) { return; }
    var items = Array.prototype.slice.call(box.children);
    items.sort(order).forEach(function (item) { box.appendChild(item); });
  });
  var link = document.getElementById("bmc-sort-" + sort);
  if (link) { link.setAttribute("aria-current", "true"); }
  document.documentElement.setAttribute("data-sort", sort);
})();"""

#: Hangul as CSS writes it: the characters the bundled font draws when the computer has no Korean
#: font
HANGUL_RANGE = "U+1100-11FF, U+3130-318F, U+A960-A97F, U+AC00-D7A3, U+D7B0-D7FF"
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_FONT_FACE = "/*bmc-font-face*/"

_STYLE = """
/*bmc-font-face*/
:root { color-scheme: light; }
body { font-family: "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR", "Noto Sans CJK KR", \
"NanumGothic",
       "BMC Gothic", system-ui, -apple-system, "Segoe UI", "Helvetica Neue", Arial, sans-serif;
       margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.5;
       word-break: keep-all; overflow-wrap: break-word; }
h1 { margin-bottom: 0.2rem; }
nav a { margin: 0 0.3rem; }
nav a[aria-current] { font-weight: bold; text-decoration: none; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
#bmc-problems td { overflow-wrap: anywhere; word-break: break-all; }
.bmc-summary th { font-size: 0.8rem; font-weight: normal; max-width: 8rem; white-space: normal; }
.bmc-summary td:first-child, .bmc-summary td:nth-child(2) { white-space: nowrap; }
.bmc-card { border: 1px solid #bbb; border-radius: 6px; padding: 0.8rem 1rem; margin: 1.2rem 0; }
.bmc-card h2 { margin: 0 0 0.3rem; font-size: 1.25rem; }
.bmc-card img { width: 100%; height: auto; border: 1px solid #ddd; }
.bmc-score { font-size: 1.1rem; font-weight: bold; }
.bmc-meta { color: #666; font-size: 0.9rem; }
.bmc-findings li { margin: 0.2rem 0; }
.bmc-sev-error { color: #B00020; font-weight: bold; }
.bmc-sev-warning { color: #B35900; font-weight: bold; }
.bmc-sev-info { color: #555; font-weight: bold; }
.bmc-lost { color: #B35900; }
"""


@dataclass
class Gallery:
    """What :func:`build_gallery` wrote: the page, the pictures, and the grading behind them."""

    index: Path
    batch: CanvasBatch
    pictures: list[Path] = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        """One line: the grading's summary, then what was written."""
        wrote = Msg("gallery.summary", index=str(self.index), pictures=len(self.pictures)).text(
            lang
        )
        return f"{self.batch.summary(lang)}; {wrote}"


def picture_name(student_id: str, taken: set[str], fmt: str) -> str:
    """A safe, unique file name for a student's picture (``taken`` holds the names given so far).

    >>> taken = set()
    >>> picture_name("s0001", taken, "png"), picture_name("../../etc/passwd", taken, "png")
    ('s0001.png', 'etc_passwd.png')
    >>> picture_name("S0001", taken, "png"), picture_name("김민지", taken, "svg")
    ('S0001-2.png', '김민지.svg')
    """
    base = unicodedata.normalize("NFKC", student_id)
    base = re.sub(r"[^\w.-]+", "_", base).strip("._-")[:60].strip("._-") or "canvas"
    if base.casefold() == "index":
        base = "index_"
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name.casefold())
    return f"{name}.{fmt}"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _words(lang: str) -> dict[str, str]:
    """The page's own words in ``lang``, escaped for HTML."""
    msgs = {
        "title": Msg("gallery.title"),
        "sort": Msg("gallery.sort"),
        "by_score": Msg("gallery.by_score"),
        "by_name": Msg("gallery.by_name"),
        "student": Msg("gallery.student"),
        "score": Msg("gallery.score"),
        "rubric": Msg("gallery.rubric"),
        "criterion": Msg("gallery.criterion"),
        "points": Msg("gallery.points"),
        "id_from_file": Msg("gallery.id_from_file"),
        "problems": Msg("gallery.problems"),
        "empty": Msg("gallery.empty"),
    }
    words = {k: _esc(m.text(lang)) for k, m in msgs.items()}
    for key in ("file", "findings", "no_findings", "student_id"):
        words[key] = _esc(ui(key, lang))
    return words


def _who(row: CanvasGrade) -> str:
    return row.student_name or row.student_id


def _sort_key(row: CanvasGrade) -> tuple:
    return (
        unicodedata.normalize("NFKC", _who(row)).casefold(),
        normalise_id(row.student_id),
        row.source,
    )


def _finding_items(row: CanvasGrade, lang: str) -> list[str]:
    items = []
    for score in row.scores:
        for reason in score.unmet:
            label, text = _esc(score.criterion.label[lang]), _esc(text_of(reason, lang))
            items.append(f"<li><span class='bmc-sev-error'>{label}</span>: {text}</li>")
    for f in row.findings:
        names = _esc(", ".join(block(b).name[lang] for b in f.blocks))
        severity = _esc(Msg("severity." + f.severity).text(lang))
        items.append(
            f"<li><span class='bmc-sev-{_esc(f.severity)}'>{severity}</span>"
            f" <b>{names}</b>: {_esc(f.message[lang])}</li>"
        )
    return items


def _card(row: CanvasGrade, order: int, picture: str | None, lang: str, w: dict[str, str]) -> str:
    who = _who(row)
    heading = _esc(who) + (
        f" <span class='bmc-meta'>({_esc(row.student_id)})</span>" if row.student_name else ""
    )
    meta = [f"{w['file']}: {_esc(row.source)}"]
    if row.canvas.title:
        meta.insert(0, _esc(row.canvas.title))
    if row.id_from_file:
        meta.append(w["id_from_file"])
    figure = ""
    if picture:
        src, alt = quote(picture), _esc(Msg("gallery.picture_alt", who=who).text(lang))
        figure = f"<a href='{src}'><img src='{src}' loading='lazy' alt='{alt}'></a>"
    points = "".join(
        f"<tr{' class=bmc-lost' if s.lost else ''}><td>{_esc(s.criterion.label[lang])}</td>"
        f"<td class='num'>{fmt_points(s.earned)}/{fmt_points(s.criterion.points)}</td></tr>"
        for s in row.scores
    )
    items = _finding_items(row, lang)
    findings = (
        f"<ul class='bmc-findings'>{''.join(items)}</ul>" if items else f"<p>{w['no_findings']}</p>"
    )
    return (
        f"<article class='bmc-card' id='card-{order}' "
        f"data-order='{order}' data-score='{row.score:g}'><h2>{heading}</h2>"
        f"<p class='bmc-score'>{w['score']}: {fmt_points(row.score)}/"
        f"{fmt_points(row.max_score)} ({row.percent:g}%)</p>"
        f"<p class='bmc-meta'>{' · '.join(meta)}</p>{figure}"
        f"<table class='bmc-points'><tr><th>{w['criterion']}</th>"
        f"<th class='num'>{w['points']}</th></tr>{points}</table>"
        f"<h3>{w['findings']}</h3>{findings}</article>"
    )


def render_gallery(batch: CanvasBatch, pictures: dict[int, str], *, lang: str | None = None) -> str:
    """The HTML page for a graded batch; ``pictures`` maps a row's index in ``batch.rows`` to its
    picture's file name (relative to the page). Everything is in ``lang`` (default: the
    session's)."""
    lang = lang_or_session(lang)
    w = _words(lang)
    rubric = batch.rubric
    ordered = sorted(range(len(batch.rows)), key=lambda i: _sort_key(batch.rows[i]))
    head_cells = "".join(
        f"<th class='num' title='{_esc(c.label[lang])}'>{_esc(c.label[lang])}</th>"
        for c in rubric.criteria
    )
    rows, cards = [], []
    for order, i in enumerate(ordered):
        r = batch.rows[i]
        cells = "".join(f"<td class='num'>{fmt_points(p)}</td>" for p in r.criterion_points)
        rows.append(
            f"<tr data-order='{order}' data-score='{r.score:g}'><td><a href='#card-{order}'>"
            f"{_esc(_who(r))}</a></td><td>{_esc(r.student_id)}</td>"
            f"<td class='num'>{fmt_points(r.score)}</td>{cells}</tr>"
        )
        cards.append(_card(r, order, pictures.get(i), lang, w))
    legend = "".join(
        f"<tr><td>{_esc(c.label[lang])}</td><td class='num'>{fmt_points(c.points)}</td>"
        f"<td>{_esc(c.about.get(lang, ''))}</td></tr>"
        for c in rubric.criteria
    )
    problems = ""
    if batch.problems:
        items = "".join(
            f"<tr><td>{_esc(s)}</td><td>{_esc(text_of(p, lang))}</td></tr>"
            for s, p in batch.problems
        )
        problems = (
            f"<section id='bmc-problems'><h2>{w['problems']}</h2><table>{items}</table></section>"
        )
    intro = _esc(
        Msg(
            "gallery.intro",
            count=len(batch.rows),
            rubric=rubric.name,
            max=fmt_points(rubric.max_score),
        ).text(lang)
    )
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; img-src 'self'; font-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    summary = (
        f"<table class='bmc-summary'><thead><tr><th>{w['student']}</th><th>{w['student_id']}</th>"
        f"<th class='num'>{w['score']}</th>{head_cells}</tr></thead>"
        f"<tbody id='bmc-rows'>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{w['empty']}</p>"
    )
    page = (
        f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>{w['title']}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{w['title']}</h1><p>{intro}</p>\n"
        f"<nav>{w['sort']} <a id='bmc-sort-score' href='?sort=score'>{w['by_score']}</a> · "
        f"<a id='bmc-sort-name' href='?sort=name'>{w['by_name']}</a></nav>\n"
        f"{summary}\n<main id='bmc-cards'>{''.join(cards)}</main>\n{problems}\n"
        f"<section id='bmc-rubric'><h2>{w['rubric']}: {_esc(rubric.name)}</h2>"
        f"<table><tr><th>{w['criterion']}</th><th "
        f"class='num'>{w['points']}</th><th></th></tr>{legend}</table></section>\n"
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )
    return page.replace(_FONT_FACE, font_face(set(_HANGUL.findall(page))), 1)


def font_face(hangul: set[str]) -> str:
    """An ``@font-face`` rule for "BMC Gothic" holding the bundled Korean font's glyphs for
    ``hangul`` only (a few dozen KB, embedded in the page); empty when there is no Hangul.

    The page's font stack puts it after the usual Korean fonts and before any font that is always
    present (Chromium does not fall back past one to a web font), so a computer without a Korean
    font still shows Hangul, and no file beside the page is needed.
    """
    if not hangul:
        return ""
    from fontTools import subset  # installed with matplotlib
    from fontTools.ttLib import TTFont

    from .plots import FONT_FILE

    font = TTFont(str(FONT_FILE), recalcTimestamp=False)
    options = subset.Options()
    options.notdef_outline, options.name_IDs = True, ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in hangul})
    subsetter.subset(font)
    font.flavor = "woff"  # zlib-compressed; woff2 would need brotli
    buf = io.BytesIO()
    font.save(buf, reorderTables=True)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        '@font-face { font-family: "BMC Gothic"; font-weight: 100 900; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); unicode-range: {HANGUL_RANGE}; }}'
    )


def build_gallery(
    paths: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    lang: str | None = None,
    rubric: Rubric | str | Path | None = None,
    fmt: str = "png",
    progress: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    dpi: int = DPI,
) -> Gallery:
    """Grade the canvases under ``paths`` and write ``out/index.html`` with one picture per canvas.

    Files that cannot be read are listed on the page (and in ``Gallery.batch.problems``);
    a canvas that cannot be drawn keeps its card, without a picture, and is a problem too.

    Raises:
        BMCError: ``fmt`` is not ``png`` or ``svg``, or ``out`` is a file.
    """
    lang = lang_or_session(lang)
    if fmt not in FORMATS:
        raise BMCError(unknown("format", fmt, FORMATS))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BMCError(Msg("cli.out_is_file", path=str(out)))
    rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    batch = grade_canvases(paths, rubric, max_file_size=max_file_size)
    out.mkdir(parents=True, exist_ok=True)
    from .plots import save_canvas

    taken: set[str] = set()
    pictures: dict[int, str] = {}
    written = []
    order = sorted(range(len(batch.rows)), key=lambda i: _sort_key(batch.rows[i]))
    steps: Iterable[int] = order
    if progress:
        from tqdm import tqdm

        steps = tqdm(order, desc="drawing", unit=" canvases", file=sys.stderr, disable=None)
    for i in steps:
        row = batch.rows[i]
        name = picture_name(row.student_id, taken, fmt)
        try:
            framed = [b for f in row.findings for b in f.blocks]
            written.append(
                save_canvas(row.canvas, out / name, lang=lang, highlight=framed, dpi=dpi)
            )
        except Exception as exc:  # noqa: BLE001 - one canvas that cannot be drawn keeps its card
            batch.problems.append(
                (row.source, Msg("canvas_grade.draw_failed", reason=f"{type(exc).__name__}: {exc}"))
            )
            continue
        pictures[i] = name
    batch.problems.sort(key=lambda p: (p[0], text_of(p[1], "en")))
    index = write_atomic(
        out / "index.html", render_gallery(batch, pictures, lang=lang), fsync=False
    )
    return Gallery(index, batch, written)
