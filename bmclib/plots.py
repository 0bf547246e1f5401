"""Figures: the canvas itself and the lesson charts, in Korean or English.

Every function takes an optional ``ax`` and returns the Axes it drew on (the matplotlib
object-oriented API); nothing here calls ``show()`` or ``savefig()`` for you, except
:func:`save_canvas`, whose job is to write a file. Global settings (``rcParams``) are
never changed: Korean text uses the bundled font (``bmclib/fonts``, a subset of NanumGothic
under the SIL Open Font License) passed to each text call.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from bmclib.paths import data_path
>>> ax = draw_canvas(data_path("canvases", "bank_salad.ko.json"))
>>> [t.get_text() for t in ax.texts if t.get_gid() == "bmc-title-channels"]
['채널']
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .analysis import (
    advocate_levels,
    chart_text,
    loyalty_counts,
    loyalty_stages,
    palette,
    pareto_curve,
    pareto_share,
)
from .blocks import BLOCK_IDS, block
from .canvas import Canvas, as_canvas
from .errors import BMCError, unknown_id
from .i18n import Msg, check_lang, lang_or_session
from .optional import require

# Pictures need matplotlib: without it, importing this module says so (in Korean and English).
font_manager = require("matplotlib.font_manager", "bmclib.plots")
FontProperties = font_manager.FontProperties

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "BMCGothic-Regular.ttf"

#: Where each block sits: (x, y, width, height) on a 10 x 7.45 canvas (the standard layout).
LAYOUT = {
    "key_partnerships": (0.0, 2.2, 2.0, 4.6),
    "key_activities": (2.0, 4.5, 2.0, 2.3),
    "key_resources": (2.0, 2.2, 2.0, 2.3),
    "value_propositions": (4.0, 2.2, 2.0, 4.6),
    "customer_relationships": (6.0, 4.5, 2.0, 2.3),
    "channels": (6.0, 2.2, 2.0, 2.3),
    "customer_segments": (8.0, 2.2, 2.0, 4.6),
    "cost_structure": (0.0, 0.0, 5.0, 2.2),
    "revenue_streams": (5.0, 0.0, 5.0, 2.2),
}
CANVAS_SIZE = (10.0, 7.45)  # data units; the title band is above y = 6.8
#: the canvas's figure: sized so that a notebook shows it at about its own width, text readable
FIGSIZE = (10.0, 7.5)
NOTE_SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
ELLIPSIS = "\u2026"


# -- fonts ------------------------------------------------------------------------------------


def literal(text: object) -> str:
    """User text for places where matplotlib reads ``$...$`` as math (legends, tick labels):
    every ``$`` is escaped, so ``$5 to $10`` is drawn as written and ``$\\frac{}$`` cannot break a
    drawing.

    >>> literal("$5 to $10")
    '\\\\$5 to \\\\$10'
    """
    return str(text).replace("$", r"\$")


def use_korean_font() -> str:
    """Register the bundled Korean font with matplotlib (once) and return its family name.

    Only matplotlib's font list changes; ``rcParams`` stay as they are. bmclib's figures
    call this themselves; for your own plots see :func:`use_fonts`.

    >>> use_korean_font()
    'BMC Gothic'
    """
    if not FONT_FILE.is_file():
        raise BMCError(Msg("plots.font_missing", path=str(FONT_FILE)))
    path = str(FONT_FILE)
    if not any(entry.fname == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return _font_name(path)


def use_fonts() -> list[str]:
    """Let your own matplotlib and pandas charts show Korean as well as Latin text: registers the
    bundled Korean font and makes it the fallback after DejaVu Sans (``rcParams["font.family"]``),
    with a plain minus sign. Call it once, when you choose to; importing bmclib changes nothing.
    Returns the family list; ``plt.style.use("default")`` undoes it.

    >>> import matplotlib
    >>> use_fonts()
    ['DejaVu Sans', 'BMC Gothic']
    >>> matplotlib.rcParams["font.family"]
    ['DejaVu Sans', 'BMC Gothic']
    >>> matplotlib.rcdefaults()
    """
    import matplotlib

    family = ["DejaVu Sans", use_korean_font()]
    matplotlib.rcParams["font.family"] = family
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


@cache
def _font_name(path: str) -> str:
    return FontProperties(fname=path).get_name()


def _family(lang: str) -> list[str]:
    korean = use_korean_font()
    return [korean, "DejaVu Sans"] if lang == "ko" else ["DejaVu Sans", korean]


def _font(lang: str, size: float) -> FontProperties:
    """Font properties with Korean and Latin coverage; missing glyphs fall back to the other font.

    The bundled font has no bold face (asking for one makes matplotlib log a complaint), so
    titles are emboldened with a thin outline instead (:func:`_bold`).
    """
    return FontProperties(family=_family(lang), size=size)


def _bold(colour: str, width: float = 0.6) -> list:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground=colour)]


def _new_axes(figsize):
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=figsize)
    return ax


def _renderer(fig):
    """A renderer to measure text with (Agg: the same FreeType metrics every backend uses)."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(8, 8, fig.dpi)


# -- the canvas -------------------------------------------------------------------------------

_as_canvas = as_canvas


def _highlight_ids(highlight: str | Iterable[str]) -> set[str]:
    ids = (
        [highlight]
        if isinstance(highlight, str)
        else list(highlight if highlight is not None else ())
    )
    for block_id in ids:
        if block_id not in BLOCK_IDS:
            raise unknown_id("block", block_id, BLOCK_IDS)
    return set(ids)


class _Measure:
    """Text widths in display pixels, measured once per word at a reference size and scaled.

    Measuring is slow with a large CJK font (each call lays the text out), so words and
    single characters are measured once at 10 pt and scaled to other sizes; a line's width
    is the sum of its words and spaces. The fitter checks the real extent of what it places.
    """

    REF = 10.0

    def __init__(self, renderer, lang: str):
        self.renderer = renderer
        self.prop = _font(lang, self.REF)
        self.cache: dict[str, float] = {}
        self.space_ref = max(self._ref("n n") - self._ref("nn"), 0.0)

    def _ref(self, text: str) -> float:
        if text not in self.cache:
            self.cache[text] = self.renderer.get_text_width_height_descent(
                text, self.prop, ismath=False
            )[0]
        return self.cache[text]

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` (words joined by single spaces) at ``size`` points."""
        words = text.split(" ")
        total = sum(self._ref(w) for w in words if w) + self.space_ref * (len(words) - 1)
        return total * size / self.REF

    def chars(self, word: str, size: float) -> list[float]:
        return [self._ref(ch) * size / self.REF for ch in word]


def _wrap(text: str, width: float, size: float, measure: _Measure) -> list[str]:
    """Greedy word wrap to ``width`` pixels; words longer than a line are split by characters."""
    space = measure.space_ref * size / measure.REF
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, current_w = "", 0.0
        for word in paragraph.split():
            word_w = measure.width(word, size)
            if current and current_w + space + word_w <= width:
                current, current_w = f"{current} {word}", current_w + space + word_w
                continue
            if current:
                lines.append(current)
            current, current_w = word, word_w
            if word_w > width:  # split a long word by characters
                piece, piece_w = "", 0.0
                for ch, ch_w in zip(word, measure.chars(word, size)):
                    if piece and piece_w + ch_w > width:
                        lines.append(piece)
                        piece, piece_w = "", 0.0
                    piece, piece_w = piece + ch, piece_w + ch_w
                current, current_w = piece, piece_w
        if current:
            lines.append(current)
    return lines or [""]


def _ellipsize(line: str, width: float, size: float, measure: _Measure) -> str:
    line = line.rstrip()
    while line and measure.width(line + ELLIPSIS, size) > width:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


class _BlockFitter:
    """Places the notes of one block inside its box: shrinks the font, then truncates with an
    ellipsis."""

    def __init__(self, ax, renderer, rect, block_id, notes, colours, pal, lang, scale=1.0):
        self.ax, self.renderer, self.rect = ax, renderer, rect
        self.block_id, self.notes, self.colours, self.pal, self.lang = (
            block_id,
            notes,
            colours,
            pal,
            lang,
        )
        self.measure = _Measure(renderer, lang)
        self.to_px = ax.transData.transform
        self.to_data = ax.transData.inverted().transform
        self.px_per_pt = ax.get_figure().dpi / 72.0
        self.sizes = tuple(dict.fromkeys(max(3.0, round(s * scale, 2)) for s in NOTE_SIZES))

    def area(self, top_px: float, size: float):
        x0, y0 = self.to_px((self.rect.get_x(), self.rect.get_y()))
        x1, _y1 = self.to_px(
            (self.rect.get_x() + self.rect.get_width(), self.rect.get_y() + self.rect.get_height())
        )
        pad = 6 * self.px_per_pt
        marker = size * 1.1 * self.px_per_pt
        left = x0 + pad + marker
        return left, x1 - pad, y0 + pad, top_px, marker

    def place(
        self, wrapped: list[list[str]], size: float, top_px: float, truncate_to: int | None = None
    ):
        """Draw the notes; return the artists if everything fits, else remove them and return
        None."""
        prop = _font(self.lang, size)
        left, right, bottom, top, marker = self.area(top_px, size)
        width = right - left
        kept, remaining = [], truncate_to
        total_lines = sum(len(w) for w in wrapped)
        for lines in wrapped:
            if remaining is not None:
                if remaining <= 0:
                    break
                lines = lines[:remaining]
                remaining -= len(lines)
            kept.append(list(lines))
        if truncate_to is not None and truncate_to < total_lines and kept:
            kept[-1][-1] = _ellipsize(kept[-1][-1], width, size, self.measure)
        artists, y = [], top
        gap = size * 0.45 * self.px_per_pt
        for i, lines in enumerate(kept):
            note = self.notes[i]
            x_data, y_data = self.to_data((left, y))
            text = self.ax.text(
                x_data,
                y_data,
                "\n".join(lines),
                ha="left",
                va="top",
                fontproperties=prop,
                color=self.pal["text"],
                linespacing=1.15,
                parse_math=False,
                gid=f"bmc-note-{self.block_id}-{i}",
                zorder=3,
            )
            text.set_clip_path(self.rect)
            artists.append(text)
            box = text.get_window_extent(self.renderer)
            colour = self.colours.get(note.segment, self.pal["untagged"])
            first_line_px = size * 1.15 * self.px_per_pt
            mx, my = self.to_data((left - marker * 0.55, y - first_line_px * 0.45))
            (dot,) = self.ax.plot(
                [mx],
                [my],
                marker="o",
                linestyle="none",
                markersize=size * 0.6,
                color=colour,
                markeredgewidth=0,
                gid=f"bmc-marker-{self.block_id}-{i}",
                zorder=3,
            )
            artists.append(dot)
            if box.y0 < bottom - 0.5 or box.x1 > right + 0.5:
                for artist in artists:
                    artist.remove()
                return None
            y = box.y0 - gap
        return artists

    def fit(self, top_px: float) -> None:
        if not self.notes:
            return
        for size in self.sizes:
            left, right, bottom, top, _marker = self.area(top_px, size)
            width = (right - left) * 0.97
            wrapped = [_wrap(n.text, width, size, self.measure) for n in self.notes]
            lines = sum(len(w) for w in wrapped)
            if lines * size * self.px_per_pt > top - bottom:  # cannot fit: skip drawing it
                continue
            if size != self.sizes[-1] and any(
                self.measure.width(word, size) > width
                for n in self.notes
                for word in n.text.split()
            ):  # a word wider than the box would be cut in two ("recommendation/s"): go smaller
                continue
            if self.place(wrapped, size, top_px) is not None:
                return
        # smallest size and still too long: keep as many lines as fit, the last one ends with "…"
        lo, hi = (
            1,
            min(sum(len(w) for w in wrapped) - 1, int((top - bottom) / (size * self.px_per_pt))),
        )
        best = 0
        while lo <= hi:
            mid = (lo + hi) // 2
            artists = self.place(wrapped, size, top_px, truncate_to=mid)
            if artists is None:
                hi = mid - 1
            else:
                for artist in artists:
                    artist.remove()
                best, lo = mid, mid + 1
        if best:
            self.place(wrapped, size, top_px, truncate_to=best)


def draw_canvas(
    canvas: Canvas | str | Path | dict,
    ax=None,
    *,
    lang: str | None = None,
    highlight: str | Iterable[str] = (),
):
    """Draw a canvas in the standard nine-block layout and return the Axes.

    Top row, left to right: Key Partnerships | Key Activities over Key Resources | Value
    Propositions | Customer Relationships over Channels | Customer Segments; bottom row:
    Cost Structure | Revenue Streams. Notes are wrapped to stay inside their box (the font
    shrinks down to 6 pt, then the last line ends with "…"). Each note has a coloured dot:
    the same segment tag always gets the same colour, untagged notes a grey one.

    Args:
        canvas: a :class:`~bmclib.canvas.Canvas` (or a canvas JSON path, or its dict).
        ax: the Axes to draw on; a new 10 x 7.5 inch figure when None (a notebook shows it
            at about its real size). Size the figure before drawing: notes are fitted to the
            boxes as they are now.
        lang: language of the block titles, ``"en"`` or ``"ko"`` (default: the canvas's language).
        highlight: block ids to emphasise (a thick coloured frame), e.g.
            ``"customer_relationships"``.

    Returns:
        The matplotlib Axes. Artists carry gids: ``bmc-block-<id>``, ``bmc-title-<id>``,
        ``bmc-note-<id>-<i>``, ``bmc-marker-<id>-<i>``.

    Raises:
        UnknownIdError: a highlighted block id that does not exist.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> c = Canvas("Demo").add("channels", "Own stores", segment="families")
    >>> ax = draw_canvas(c, highlight="channels")
    >>> len(ax.patches), [t.get_text() for t in ax.texts if t.get_gid() == "bmc-note-channels-0"]
    (9, ['Own stores'])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.patches import Rectangle

    canvas = _as_canvas(canvas)
    lang = check_lang(lang or canvas.lang)
    chosen = _highlight_ids(highlight)
    pal = palette()
    if ax is None:
        ax = _new_axes(FIGSIZE)
        ax.get_figure().subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    fig = ax.get_figure()
    width, height = CANVAS_SIZE
    ax.set_xlim(-0.02, width + 0.02)
    ax.set_ylim(-0.02, height)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    ax.apply_aspect()
    renderer = _renderer(fig)
    colours = canvas.segment_colours()
    # sizes are designed for a 10-inch-wide canvas; a smaller Axes scales titles and legend down
    scale = min(1.0, ax.get_window_extent().width / (FIGSIZE[0] * 0.98 * fig.dpi))
    measure = _Measure(renderer, lang)
    bold = _bold(pal["title"], 0.6 * scale)
    pad_x, pad_y = ax.transData.inverted().transform(
        (7 * fig.dpi / 72, 7 * fig.dpi / 72)
    ) - ax.transData.inverted().transform((0, 0))
    for b in BLOCK_IDS:
        x, y, w, h = LAYOUT[b]
        on = b in chosen
        rect = Rectangle(
            (x, y),
            w,
            h,
            facecolor=pal["highlight_fill"] if on else pal["block_fill"],
            edgecolor=pal["highlight_edge"] if on else pal["block_edge"],
            linewidth=(3.0 if on else 1.0) * max(scale, 0.5),
            gid=f"bmc-block-{b}",
            zorder=1 if not on else 2,
        )
        ax.add_patch(rect)
        name = block(b).name[lang]
        room = (
            ax.transData.transform((w, 0))[0] - ax.transData.transform((0, 0))[0]
        ) - 14 * fig.dpi / 72
        size = max(3.0, min(13.0 * scale, 0.92 * 13.0 * room / max(measure.width(name, 13.0), 1.0)))
        title = ax.text(
            x + pad_x,
            y + h - pad_y,
            name,
            ha="left",
            va="top",
            fontproperties=_font(lang, size),
            color=pal["title"],
            parse_math=False,
            gid=f"bmc-title-{b}",
            zorder=3,
            path_effects=bold,
        )
        title.set_clip_path(rect)
        right_px = ax.transData.transform((x + w, 0))[0] - 4 * fig.dpi / 72
        # tiny sizes: hinting widens
        while title.get_window_extent(renderer).x1 > right_px and size > 2.0:
            size *= 0.9
            title.set_fontproperties(_font(lang, size))
        top_px = title.get_window_extent(renderer).y0 - 5 * fig.dpi / 72
        _BlockFitter(ax, renderer, rect, b, canvas[b], colours, pal, lang, scale).fit(top_px)
    if canvas.title:
        ax.text(
            0.0,
            height - 0.28,
            canvas.title,
            ha="left",
            va="center",
            fontproperties=_font(lang, 20 * scale),
            color=pal["title"],
            parse_math=False,
            gid="bmc-canvas-title",
            path_effects=bold,
        )
    if colours:
        from matplotlib.lines import Line2D

        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                color=c,
                markeredgewidth=0,
                markersize=7 * scale,
                label=literal(tag),
            )
            for tag, c in colours.items()
        ]
        legend = ax.legend(
            handles=handles,
            loc="center right",
            bbox_to_anchor=(1.0, (height - 0.28) / height),
            ncols=len(handles),
            frameon=False,
            prop=_font(lang, 9.5 * scale),
            handletextpad=0.2,
            columnspacing=1.0,
            borderaxespad=0.0,
        )
        legend.set_gid("bmc-segment-legend")
    return ax


def save_canvas(
    canvas: Canvas | str | Path | dict,
    path: str | Path,
    *,
    lang: str | None = None,
    highlight: str | Iterable[str] = (),
    dpi: int = 200,
) -> Path:
    """Draw a canvas and write it to a PNG, SVG or PDF file (chosen by the file's suffix).

    Uses its own figure (not pyplot), so nothing is left open. Folders are created as needed.

    Args:
        canvas: the canvas (or a canvas JSON path, or its dict).
        path: where to write; the suffix ``.png``, ``.svg`` or ``.pdf`` picks the format.
        lang: language of the block titles (default: the canvas's language).
        highlight: block ids to emphasise.
        dpi: resolution of a PNG.

    Returns:
        The path written.

    Raises:
        BMCError: another suffix.

    >>> save_canvas(Canvas("Demo"), "canvas.jpg")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: cannot save a canvas as 'canvas.jpg': use a file name ending in .png,
    .svg or .pdf
    """
    from matplotlib.figure import Figure

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise BMCError(Msg("plots.suffix", name=target.name))
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    draw_canvas(canvas, ax, lang=lang, highlight=highlight)
    metadata = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}[
        suffix
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=dpi, metadata=metadata)
    return target


# -- lesson charts ----------------------------------------------------------------------------


def _fmt_count(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def draw_loyalty_ladder(counts: Any, ax=None, *, lang: str | None = None):
    """Draw the loyalty ladder as a funnel: prospects at the top, passionate fans at the bottom.

    Args:
        counts: how many people reached each stage (that stage or a higher one), a mapping or
            pandas Series keyed by stage id (``prospect``, ``first_time_buyer``,
            ``repeat_customer``, ``member``, ``advocate``, ``passionate_fan``) or by a stage
            label; missing stages count 0.
        ax: the Axes to draw on (a new 9 x 5 inch figure when None).
        lang: ``"en"`` or ``"ko"``.

    Returns:
        The Axes: one bar (patch) per stage, widths proportional to the counts; each bar is
        labelled with its stage, its count and its share of the previous, less loyal stage
        ("50% of those who reached First-time buyer").

    Raises:
        UnknownIdError: a stage that does not exist (with a did-you-mean).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = draw_loyalty_ladder({"prospect": 1000, "first_time_buyer": 200, "repeat_customer": 80,
    ...                           "member": 30, "advocate": 10, "passionate_fan": 2}, lang="ko")
    >>> len(ax.patches), ax.get_title(loc="left")
    (6, '충성도 사다리')
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.patches import Rectangle

    lang = lang_or_session(lang)
    values = loyalty_counts(counts)
    stages = loyalty_stages()
    pal = palette()
    ax = ax if ax is not None else _new_axes((9, 5))
    biggest = max(values.values()) or 1.0
    n = len(stages)
    label_prop, count_prop = _font(lang, 11), _font(lang, 10)
    for i, stage in enumerate(stages):
        y = n - 1 - i
        share = values[stage.id] / biggest
        if values[stage.id] > 0:
            share = max(share, 0.012)  # a thin bar stays visible next to a very large stage
        ax.add_patch(
            Rectangle(
                (-share / 2, y - 0.38),
                share,
                0.76,
                facecolor=pal["ladder"][i],
                edgecolor="white",
                gid=f"bmc-stage-{stage.id}",
            )
        )
        ax.text(
            -0.54,
            y,
            stage.label[lang],
            ha="right",
            va="center",
            fontproperties=label_prop,
            color=pal["title"],
            parse_math=False,
            gid=f"bmc-stage-label-{stage.id}",
        )
        note = chart_text("loyalty_ladder", "count_label", lang).format(
            count=_fmt_count(values[stage.id])
        )
        if i:
            above = values[stages[i - 1].id]
            if above > 0:
                pct = f"{values[stage.id] / above:.0%}"
                note += "  \u00b7  " + chart_text(
                    "loyalty_ladder", "conversion_label", lang
                ).format(pct=pct, previous=stages[i - 1].label[lang])
        ax.text(
            max(share / 2, 0.0) + 0.03,
            y,
            note,
            ha="left",
            va="center",
            fontproperties=count_prop,
            color=pal["muted"],
            parse_math=False,
            gid=f"bmc-stage-count-{stage.id}",
        )
    ax.set_xlim(-1.05, 1.35)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_axis_off()
    ax.set_title(
        chart_text("loyalty_ladder", "title", lang), fontproperties=_font(lang, 14), loc="left"
    )
    return ax


def draw_pareto(revenue: Any, ax=None, *, lang: str | None = None, top: float = 0.2):
    """Draw the Pareto curve of revenue: customers sorted by revenue and their cumulative share.

    A dashed vertical line marks the top ``top`` of customers and is annotated with the share
    of revenue they bring (the number :func:`bmclib.analysis.pareto_share` returns).

    Args:
        revenue: revenue per customer (a list, a pandas Series or a mapping customer -> revenue).
        ax: the Axes to draw on (a new 8 x 5 inch figure when None).
        lang: ``"en"`` or ``"ko"``.
        top: the fraction of customers to mark, 0.2 for the top 20%.

    Returns:
        The Axes: one bar per customer (its own share), the cumulative curve, the marker line.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = draw_pareto([40, 30, 10, 5, 5, 3, 3, 2, 1, 1])
    >>> [t.get_text() for t in ax.texts]
    ['Top 20% of customers: 70% of revenue']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.ticker import PercentFormatter

    lang = lang_or_session(lang)
    xs, ys = pareto_curve(revenue)
    share = pareto_share(revenue, top)
    pal = palette()
    ax = ax if ax is not None else _new_axes((8, 5))
    n = len(xs) - 1
    own = [(ys[i] - ys[i - 1]) * 100 for i in range(1, n + 1)]
    ax.bar(
        [(i - 0.5) / n * 100 for i in range(1, n + 1)],
        own,
        width=100 / n,
        color=pal["bars"],
        edgecolor="white" if n <= 60 else pal["bars"],
        linewidth=0.5,
        label=chart_text("pareto", "bars_label", lang),
        gid="bmc-pareto-bars",
    )
    ax.plot(
        [x * 100 for x in xs],
        [y * 100 for y in ys],
        color=pal["curve"],
        linewidth=2.2,
        label=chart_text("pareto", "curve_label", lang),
        gid="bmc-pareto-curve",
    )
    ax.axvline(
        top * 100, color=pal["marker_line"], linestyle="--", linewidth=1.5, gid="bmc-pareto-top"
    )
    ax.plot(
        [0, top * 100],
        [share * 100, share * 100],
        color=pal["marker_line"],
        linestyle=":",
        linewidth=1.2,
    )
    text = chart_text("pareto", "annotation", lang).format(top=f"{top:.0%}", share=f"{share:.0%}")
    ax.annotate(
        text,
        xy=(top * 100, share * 100),
        xytext=(top * 100 + 6, max(share * 100 - 22, 8)),
        fontproperties=_font(lang, 11),
        color=pal["title"],
        parse_math=False,
        arrowprops={"arrowstyle": "->", "color": pal["marker_line"]},
        gid="bmc-pareto-annotation",
    )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 105)
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel(chart_text("pareto", "xlabel", lang), fontproperties=_font(lang, 11))
    ax.set_ylabel(chart_text("pareto", "ylabel", lang), fontproperties=_font(lang, 11))
    ax.set_title(chart_text("pareto", "title", lang), fontproperties=_font(lang, 13), loc="left")
    ax.legend(loc="center right", prop=_font(lang, 9.5), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def draw_advocate_pyramid(ax=None, *, lang: str | None = None):
    """Draw the five levels of what advocates want, from physical rewards (base) to influence (top).

    Args:
        ax: the Axes to draw on (a new 9 x 5 inch figure when None).
        lang: ``"en"`` or ``"ko"``.

    Returns:
        The Axes: five trapezoids (patches), each with its label inside and a short example
        beside it.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = draw_advocate_pyramid(lang="ko")
    >>> [t.get_text() for t in ax.texts if t.get_gid().startswith("bmc-level-label")]
    ['물리적 보상', '관심', '권한/위임', '특별대우의 경험', '영향력']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.patches import Polygon

    lang = lang_or_session(lang)
    levels = advocate_levels()
    pal = palette()
    ax = ax if ax is not None else _new_axes((9, 5))
    n = len(levels)

    def half(y: float) -> float:
        return 1.0 - 0.78 * y / n

    label_prop, note_prop = _font(lang, 11), _font(lang, 9.5)
    for i, level in enumerate(levels):
        lo, hi = i + 0.04, i + 0.96
        ax.add_patch(
            Polygon(
                [(-half(lo), lo), (half(lo), lo), (half(hi), hi), (-half(hi), hi)],
                closed=True,
                facecolor=pal["pyramid"][i],
                edgecolor="white",
                gid=f"bmc-level-{level.id}",
            )
        )
        ax.text(
            0,
            i + 0.5,
            level.label[lang],
            ha="center",
            va="center",
            fontproperties=label_prop,
            color=pal["title"],
            parse_math=False,
            gid=f"bmc-level-label-{level.id}",
        )
        ax.text(
            half(i + 0.5) + 0.08,
            i + 0.5,
            level.description[lang],
            ha="left",
            va="center",
            fontproperties=note_prop,
            color=pal["muted"],
            parse_math=False,
            gid=f"bmc-level-note-{level.id}",
        )
    ax.set_xlim(-1.05, 2.15)
    ax.set_ylim(-0.05, n + 0.05)
    ax.set_axis_off()
    ax.set_title(
        chart_text("advocate_pyramid", "title", lang), fontproperties=_font(lang, 14), loc="left"
    )
    return ax


__all__ = [
    "FONT_FILE",
    "LAYOUT",
    "draw_advocate_pyramid",
    "draw_canvas",
    "draw_loyalty_ladder",
    "draw_pareto",
    "save_canvas",
    "use_korean_font",
]


# -- the class report and the segment prioritiser ------------------------------------------------


def _label_ticks(ax, axis: str, lang: str, size: float = 9.0) -> None:
    for t in ax.get_yticklabels() if axis == "y" else ax.get_xticklabels():
        t.set_fontproperties(_font(lang, size))


def draw_item_shares(stats: Any, ax=None, *, lang: str | None = None):
    """The class report's bars: for each item (named by company), the shares of students who were
    right, partly right, wrong or gave no answer. ``stats`` are ``bmclib.report.ItemStats``.

    Returns the Axes; each bar carries the gid ``bmc-share-<part>-<n>`` (part: right, partly, wrong,
    unanswered; n counts from the top), so an SVG can be checked bar by bar.
    """
    from .scoring import STATUS_COLOURS

    lang = lang_or_session(lang)
    stats = list(stats)
    own_figure = ax is None
    if own_figure:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(8, 0.35 * len(stats) + 1.4), layout="constrained").subplots()
    names = [literal(s.label(lang)) for s in stats][::-1]
    positions = list(range(len(names)))
    left = [0.0] * len(names)
    parts = (
        ("right", "best"),
        ("partly", "acceptable"),
        ("wrong", "wrong"),
        ("unanswered", "unanswered"),
    )
    for part, status in parts:
        values = [getattr(s, part) for s in stats][::-1]
        bars = ax.barh(
            positions,
            values,
            left=left,
            color=STATUS_COLOURS[status],
            label=Msg(f"status.{status}").text(lang),
        )
        for n, bar in enumerate(reversed(bars.patches), start=1):
            bar.set_gid(f"bmc-share-{part}-{n}")
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(positions, names)
    _label_ticks(ax, "y", lang)
    ax.set_xlim(0, 1)
    ax.set_xlabel(Msg("report.share").text(lang), fontproperties=_font(lang, 10))
    ax.set_title(Msg("report.items_fig").text(lang), fontproperties=_font(lang, 12), loc="left")
    ax.set_ylim(-0.6, len(names) - 0.4)
    if own_figure:  # below the x label, with no gap that grows with the number of items
        ax.figure.legend(loc="outside lower center", ncols=4, prop=_font(lang, 9), frameon=False)
    else:
        ax.legend(loc="lower right", prop=_font(lang, 9))
    return ax


def draw_score_hist(percents: Iterable[float], ax=None, *, lang: str | None = None):
    """The class report's histogram of scores (percent, bins of 10)."""
    lang = lang_or_session(lang)
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(6, 3.5), layout="constrained").subplots()
    ax.hist(
        list(percents),
        bins=[i * 10 for i in range(11)],
        color=palette()["curve"],
        edgecolor="white",
        gid="bmc-score-hist",
    )
    ax.set_xlabel(Msg("report.percent").text(lang), fontproperties=_font(lang, 10))
    ax.set_ylabel(Msg("report.count").text(lang), fontproperties=_font(lang, 10))
    ax.set_title(Msg("report.hist_fig").text(lang), fontproperties=_font(lang, 12), loc="left")
    return ax


def draw_priority(
    names: list[str], scores: list[float], ranks: list[int], ax=None, *, lang: str | None = None
):
    """The segment prioritiser's bars: each segment's priority score, the first highlighted."""
    lang = lang_or_session(lang)
    pal = palette()
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(6.4, 0.42 * len(names) + 1.1)).subplots()
    names, scores, ranks = list(names)[::-1], list(scores)[::-1], list(ranks)[::-1]
    colours = [pal["highlight_edge"] if r == 1 else pal["curve"] for r in ranks]
    ax.barh(range(len(names)), scores, color=colours, gid="bmc-priority-bars")
    ax.set_yticks(range(len(names)), [literal(n) for n in names])
    _label_ticks(ax, "y", lang, 10)
    for y, score in enumerate(scores):
        ax.text(score + 0.01, y, f"{score:.2f}", va="center", fontsize=9, color=pal["text"])
    ax.set_xlim(0, 1.1)
    ax.set_xlabel(Msg("ui.priority_score").text(lang), fontproperties=_font(lang, 10))
    ax.spines[["top", "right"]].set_visible(False)
    return ax
