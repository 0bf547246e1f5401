"""One small style sheet shared by the widgets, and helpers to build common pieces.

The sheet is scoped to ``.bmc-root`` so it never touches the rest of a notebook page.
Colours for right / partly right / wrong match ``ScoreResult._repr_html_``.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

CSS = """
.bmc-root {
  --bmc-font: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo",
    "Malgun Gothic", "NanumGothic", "BMC Gothic", sans-serif;
  --jp-ui-font-family: var(--bmc-font);
  --jp-content-font-family: var(--bmc-font);
  --jp-widgets-font-size: 14px;
  font-family: var(--bmc-font);
  color: #1f2933; line-height: 1.5; max-width: 820px; gap: 10px;
}
.bmc-root button, .bmc-root select, .bmc-root input, .bmc-root textarea, .bmc-root label,
.bmc-root .widget-html-content {
  font-family: var(--bmc-font);
}
.bmc-root .widget-html-content { line-height: 1.55; }
.bmc-root .bmc-head { margin: 0 0 2px 0; }
.bmc-root .bmc-title { font-size: 1.35em; font-weight: 650; letter-spacing: -0.01em; }
.bmc-root .bmc-sub { color: #52606d; font-size: 0.95em; }
.bmc-root .bmc-student-line { color: #52606d; font-size: 0.9em; }
.bmc-root .bmc-topbar { align-items: center; justify-content: space-between; width: 100%; }
.bmc-root .bmc-progress { min-width: 240px; }
.bmc-root .bmc-progress-text { font-size: 0.95em; color: #323f4b; font-weight: 600; }
.bmc-root .bmc-bar { height: 6px; background: #e4e7eb; border-radius: 3px; margin-top: 4px; \
width: 220px; }
.bmc-root .bmc-bar > div { height: 6px; background: #2563eb; border-radius: 3px; }
.bmc-root .bmc-card {
  border: 1px solid #d9e2ec; border-radius: 12px; padding: 14px 20px 16px 20px;
  background: #ffffff; box-shadow: 0 1px 3px rgba(15, 23, 42, 0.07);
}
.bmc-root .bmc-position { color: #7b8794; font-size: 0.85em; text-transform: none; }
.bmc-root .bmc-kind span { display: inline-block; font-size: 0.8em; color: #1f4e79; \
background: #e8f0fa;
  border-radius: 10px; padding: 1px 9px; }
.bmc-root .bmc-company { font-size: 1.25em; font-weight: 650; margin: 2px 0 4px 0; }
.bmc-root .bmc-prompt { font-size: 1.0em; color: #323f4b; margin: 0 0 6px 0; }
.bmc-root .bmc-choose { color: #52606d; font-size: 0.9em; margin-top: 6px; }
.bmc-root .bmc-choice .widget-toggle-buttons, .bmc-root .bmc-choice .btn-group,
.bmc-root .bmc-choice { flex-wrap: wrap; }
.bmc-root .bmc-choice .widget-toggle-button {
  width: auto; height: auto; min-height: 36px; margin: 4px 8px 4px 0; padding: 5px 16px;
  border-radius: 18px; border: 1px solid #cbd2d9; background: #f5f7fa; color: #1f2933;
  font-size: 0.98em; box-shadow: none; white-space: normal;
}
.bmc-root .bmc-choice .widget-toggle-button:hover { border-color: #2563eb; background: #eef4ff; }
.bmc-root .bmc-choice .widget-toggle-button.mod-active {
  background: #2563eb; border-color: #2563eb; color: #ffffff; font-weight: 600;
}
.bmc-root .jupyter-button { border-radius: 8px; }
.bmc-root .bmc-check { min-width: 120px; font-weight: 600; margin: 12px 0 8px 0; }
.bmc-root .bmc-actions { align-items: center; margin-top: 6px; }
.bmc-root .bmc-fb { border-radius: 10px; padding: 10px 14px; border-left: 5px solid; }
.bmc-root .bmc-fb-head { font-weight: 700; margin-bottom: 2px; }
.bmc-root .bmc-fb-best { background: #e8f5e9; border-color: #2e7d32; color: #1b4d1f; }
.bmc-root .bmc-fb-acceptable { background: #fff8e1; border-color: #f9a825; color: #5c4300; }
.bmc-root .bmc-fb-wrong { background: #fdecea; border-color: #c62828; color: #6d1b1b; }
.bmc-root .bmc-fb-info { background: #f0f4f8; border-color: #9aa5b1; color: #323f4b; }
.bmc-root .bmc-main { gap: 8px; }
.bmc-root .bmc-nav { align-items: center; justify-content: space-between; width: 100%; \
margin-top: 4px; }
.bmc-root .bmc-saved { color: #2e7d32; font-size: 0.88em; }
.bmc-root .bmc-saved .bmc-unsaved { color: #7b8794; }
.bmc-root .bmc-saved .bmc-error { color: #c62828; font-weight: 600; }
.bmc-root .bmc-note { color: #52606d; font-size: 0.92em; }
.bmc-root .bmc-warn { color: #c62828; }
.bmc-root table.bmc-table { border-collapse: collapse; font-size: 0.95em; }
.bmc-root table.bmc-table th { text-align: left; border-bottom: 2px solid #cbd2d9; \
padding: 4px 10px; }
.bmc-root table.bmc-table td { border-bottom: 1px solid #e4e7eb; padding: 4px 10px; }
.bmc-root table.bmc-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bmc-root table.bmc-table tr.bmc-top td { background: #eef4ff; font-weight: 600; }
.bmc-root .bmc-block textarea { font-size: 0.92em; min-height: 110px; }
.bmc-root .bmc-block-label { font-weight: 650; font-size: 0.92em; color: #323f4b; }
.bmc-root .bmc-findings li { margin: 2px 0; }
.bmc-root a.bmc-download-link {
  display: inline-block; padding: 6px 16px; border-radius: 8px; background: #2563eb; color: #ffffff;
  font-weight: 600; text-decoration: none;
}
.bmc-root a.bmc-download-link:hover { background: #1d4ed8; }
"""


def font_face(url: str) -> str:
    """A style rule that lets the page use bmclib's bundled Korean font (served at ``url``)
    for Hangul only, when the computer has no Korean font of its own.

    >>> "unicode-range" in font_face("/voila/files/fonts/BMCGothic-Regular.ttf")
    True
    """
    return (
        f"<link rel='preload' href='{esc(url)}' as='font' type='font/ttf' crossorigin>"
        f"<style>@font-face {{ font-family: 'BMC Gothic'; "
        f"src: url('{esc(url)}') format('truetype'); "
        "unicode-range: U+1100-11FF, U+3130-318F, U+AC00-D7A3; }</style>"
        # a hidden Hangul letter makes the browser fetch the font before the widgets draw
        "<span aria-hidden='true' style=\"font-family: 'BMC "
        "Gothic'; position: absolute; opacity: 0;\">한</span>"
    )


def style_sheet() -> widgets.HTML:
    """An invisible HTML widget that carries the style sheet into the page."""
    sheet = widgets.HTML(f"<style>{CSS}</style>", layout=widgets.Layout(display="none"))
    sheet.add_class("bmc-style")
    return sheet


def esc(text: object) -> str:
    """HTML-escape any value.

    >>> esc("<b> & co")
    '&lt;b&gt; &amp; co'
    """
    return html.escape(str(text))


def html_widget(cls: str, value: str = "") -> widgets.HTML:
    """An HTML widget with a stable CSS class (a selector for tests and the style sheet)."""
    w = widgets.HTML(value)
    w.add_class(cls)
    return w
