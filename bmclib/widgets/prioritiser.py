"""Segment prioritiser: weight size, growth and fit with sliders; a ranked table and a bar chart.

The ranking is :func:`bmclib.prioritise.prioritise`; this widget only calls it and draws.
"""

from __future__ import annotations

import io

import ipywidgets as widgets

from ..errors import BMCError
from ..i18n import lang_or_session, ui
from ..prioritise import CRITERIA, prioritise
from .style import esc, html_widget, style_sheet


def _number(value) -> str:
    """A table cell: whole numbers with thousands separators, others with one decimal.

    >>> _number(1200000), _number(2.5), _number(4.0)
    ('1,200,000', '2.5', '4')
    """
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


class SegmentPrioritiser(widgets.VBox):
    """Sliders for the weights of size, growth and fit; the ranking updates live."""

    def __init__(self, segments=None, lang: str | None = None):
        super().__init__()
        self.lang = lang = lang_or_session(lang)
        if segments is None:
            from ..datasets import load_dataset

            segments = load_dataset("segments")
        self.segments = segments
        name_col = f"name_{lang}"
        self._name_col = (
            name_col
            if name_col in segments.columns
            else ("segment" if "segment" in segments.columns else None)
        )
        self.ranking = None
        self.add_class("bmc-root")
        self.add_class("bmc-prioritiser")
        self.sliders = {}
        for c in CRITERIA:
            s = widgets.IntSlider(
                value=5,
                min=0,
                max=10,
                step=1,
                description=ui(f"criterion_{c}", lang),
                continuous_update=False,
                layout=widgets.Layout(width="360px"),
            )
            s.add_class(f"bmc-weight-{c}")
            s.observe(self._on_weight, names="value")
            self.sliders[c] = s
        self.table = html_widget("bmc-ranking")
        self.message = html_widget("bmc-message")
        self.chart = widgets.Output()
        self.chart.add_class("bmc-chart")
        self.children = [
            style_sheet(),
            html_widget(
                "bmc-head",
                f"<div class='bmc-title'>{esc(ui('prioritiser_title', lang))}</div>"
                f"<div class='bmc-sub'>{esc(ui('prioritiser_note', lang))}</div>",
            ),
            html_widget("bmc-block-label", esc(ui("weights", lang))),
            *self.sliders.values(),
            self.message,
            self.table,
            self.chart,
        ]
        self.update()

    @property
    def weights(self) -> dict[str, int]:
        """The weights the sliders show."""
        return {c: s.value for c, s in self.sliders.items()}

    def _on_weight(self, _change) -> None:
        self.update()

    def _names(self, frame) -> list[str]:
        return [str(v) for v in (frame[self._name_col] if self._name_col else frame.index)]

    def update(self) -> None:
        """Rank with the current weights; redraw the table and the chart."""
        try:
            self.ranking = prioritise(self.segments, self.weights)
        except BMCError:
            if sum(self.weights.values()) > 0:
                raise
            self.ranking = None
            self.message.value = (
                f"<span class='bmc-warn'>{esc(ui('need_weight', self.lang))}</span>"
            )
            self.table.value = ""
            self.chart.outputs = ()
            return
        self.message.value = ""
        self.table.value = self._table_html(self.ranking)
        self._draw(self.ranking)

    def _table_html(self, ranked) -> str:
        lang = self.lang
        head = "".join(
            f"<th>{esc(h)}</th>"
            for h in (
                ui("rank", lang),
                ui("segment", lang),
                *(ui(f"criterion_{c}", lang) for c in CRITERIA),
                ui("score", lang),
            )
        )
        rows = []
        for name, (_, row) in zip(self._names(ranked), ranked.iterrows(), strict=True):
            top = " class='bmc-top'" if row["rank"] == 1 else ""
            cells = "".join(f"<td class='num'>{_number(row[c])}</td>" for c in CRITERIA)
            rows.append(
                f"<tr{top}><td class='num'>{row['rank']}</td><td>{esc(name)}</td>{cells}"
                f"<td class='num'>{row['score']:.2f}</td></tr>"
            )
        return (
            f"<table class='bmc-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    def _draw(self, ranked) -> None:
        from IPython.display import Image

        from ..plots import draw_priority

        ax = draw_priority(
            self._names(ranked), list(ranked["score"]), list(ranked["rank"]), lang=self.lang
        )
        ax.figure.tight_layout()
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=100)
        self.chart.outputs = ()
        self.chart.append_display_data(Image(data=buf.getvalue(), format="png"))

    def __repr__(self) -> str:
        return f"SegmentPrioritiser({len(self.segments)} segments, lang={self.lang!r})"


def segment_prioritiser(segments=None, lang: str | None = None) -> SegmentPrioritiser:
    """Rank customer segments with sliders for the weights of size, growth and fit.

    Args:
        segments: a DataFrame with ``segment``, ``name_en``, ``name_ko``, ``size``, ``growth``
            and ``fit`` (default: ``bmc.load_dataset("segments")``).
        lang: ``"ko"`` or ``"en"``.

    Returns:
        The widget: a ranked table and a bar chart that follow the sliders.
        ``.ranking`` holds the current ranking as a DataFrame.
    """
    return SegmentPrioritiser(segments, lang)
