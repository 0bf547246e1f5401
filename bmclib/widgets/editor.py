"""A canvas editor: nine text areas laid out like the canvas, a live picture and the findings.

Each text area holds one note per line; ``[tag] text`` links notes that serve the same
segment, and a line that starts with spaces continues the note above. The picture comes
from ``bmclib.plots.draw_canvas`` and the findings from ``bmclib.canvas_checks.check_canvas``;
the editor adds no rules of its own.

The saved file carries the student's id and name, found the way the exercises find them
(CONTRACT.md section 8): the argument, ``BMC_STUDENT_ID``, ``JUPYTERHUB_USER`` (these fix the
id), else the canvas file being edited (the one Save writes), else the student types it in the
Student id box. A canvas opened from another file (an example, a classmate's) never lends its id.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import ipywidgets as widgets

from ..blocks import BLOCK_IDS, block
from ..errors import MissingPackageError
from ..fileio import normalise_id
from ..i18n import lang_or_session, ui
from ..optional import require
from .style import esc, html_widget, style_sheet

#: grid areas of the classic canvas: partners | activities, resources | value | relationships,
#: channels | segments on top, costs and revenue below
AREAS = {
    "key_partnerships": "kp",
    "key_activities": "ka",
    "key_resources": "kr",
    "value_propositions": "vp",
    "customer_relationships": "cr",
    "channels": "ch",
    "customer_segments": "cs",
    "cost_structure": "co",
    "revenue_streams": "rv",
}
TEMPLATE = (
    '"kp kp ka ka vp vp cr cr cs cs" '
    '"kp kp kr kr vp vp ch ch cs cs" '
    '"co co co co co rv rv rv rv rv"'
)
SEVERITY_ICON = {"error": "⛔", "warning": "⚠️", "info": "ℹ️"}


def notes_from_text(text: str) -> list:
    """Notes from a text area: one per line, ``[tag] text`` sets the segment, an indented
    line continues the note above, ``\\[`` starts a note with a literal bracket.

    >>> notes_from_text("[young] Budget app\\n  with card sync\\nWeb shop")
    [Note('Budget app\\nwith card sync', segment='young'), Note('Web shop')]
    """
    from ..canvas import Note

    parts: list[list] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if raw[:1].isspace() and parts:
            parts[-1][0] += "\n" + line
            continue
        segment = None
        if line.startswith("\\"):
            line = line[1:]
        elif line.startswith("[") and "]" in line:
            tag, rest = line[1:].split("]", 1)
            if tag.strip() and rest.strip() and "[" not in tag:
                segment, line = tag.strip(), rest.strip()
        parts.append([line, segment])
    return [Note(t, s) for t, s in parts]


def text_from_notes(notes) -> str:
    """The text-area form of a block's notes (the inverse of :func:`notes_from_text`).

    >>> from bmclib.canvas import Note
    >>> print(text_from_notes([Note("Budget app\\nwith card sync", "young"), Note("[not a tag")]))
    [young] Budget app
      with card sync
    \\[not a tag
    """
    lines = []
    for note in notes:
        first, *rest = note.text.split("\n")
        if note.segment:
            first = f"[{note.segment}] {first}"
        elif first.startswith(("[", "\\")):
            first = "\\" + first
        lines.append(first)
        lines += [f"  {r}" for r in rest]
    return "\n".join(lines)


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    return os.path.abspath(os.path.expanduser(a)) == os.path.abspath(os.path.expanduser(b))


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


class CanvasEditor(widgets.VBox):
    """Edit a Business Model Canvas in nine text areas (see :func:`canvas_editor`)."""

    def __init__(
        self,
        canvas=None,
        lang: str | None = None,
        path: str | os.PathLike | None = None,
        *,
        student_id: str | None = None,
        student_name: str | None = None,
    ):
        from ..canvas import Canvas, as_canvas

        super().__init__()
        self.lang = lang_or_session(lang)
        canvas = Canvas(lang=self.lang) if canvas is None else as_canvas(canvas)
        self.canvas = canvas
        self._syncing = False
        self.add_class("bmc-root")
        self.add_class("bmc-canvas-editor")
        self.layout.max_width = "1200px"

        self.title = widgets.Text(
            description=ui("canvas_title", lang), layout=widgets.Layout(width="460px")
        )
        self.title.add_class("bmc-canvas-title")
        self.title.observe(self._on_edit, names="value")
        self.path = widgets.Text(
            value=_shown(path or canvas.source or "canvas.json"),
            description=ui("file", lang),
            layout=widgets.Layout(width="420px"),
        )
        self.path.add_class("bmc-path")
        sid, name, fixed = self._known_student(student_id, student_name)
        self.canvas.student_id, self.canvas.student_name = sid, name
        # the boxes send their text once, when the student leaves them (as the exercises' boxes do):
        # no redraw per keystroke, and a busy kernel never sees half a name
        self.student_id = widgets.Text(
            value=sid,
            description=ui("student_id", lang),
            disabled=fixed,
            continuous_update=False,
            layout=widgets.Layout(width="260px"),
        )
        self.student_id.add_class("bmc-student-id")
        self.student_name = widgets.Text(
            value=name,
            description=ui("student_name", lang),
            continuous_update=False,
            layout=widgets.Layout(width="260px"),
        )
        self.student_name.add_class("bmc-student-name")
        for box in (self.student_id, self.student_name):
            box.observe(self._on_edit, names="value")
        student_row = widgets.HBox(
            [self.student_id, self.student_name]
            + ([] if fixed else [html_widget("bmc-note", esc(ui("editor_student_hint", lang)))])
        )
        self.areas: dict[str, widgets.Textarea] = {}
        cells = []
        for block_id in BLOCK_IDS:
            area = widgets.Textarea(
                continuous_update=False,
                placeholder=block(block_id).question[lang],
                layout=widgets.Layout(width="auto", height="100%"),
            )
            area.add_class(f"bmc-area-{block_id}")
            area.observe(self._on_edit, names="value")
            self.areas[block_id] = area
            label = html_widget("bmc-block-label", esc(block(block_id).name[lang]))
            cell = widgets.VBox(
                [label, area], layout=widgets.Layout(grid_area=AREAS[block_id], min_height="150px")
            )
            cell.add_class("bmc-block")
            cells.append(cell)
        self.grid = widgets.GridBox(
            cells,
            layout=widgets.Layout(
                grid_template_columns="repeat(10, minmax(0, 1fr))",
                grid_template_areas=TEMPLATE,
                grid_gap="6px",
                width="100%",
            ),
        )
        self.grid.add_class("bmc-grid")

        buttons = []
        for key, cls, handler in (
            ("save_json", "bmc-save", self.save),
            ("load_json", "bmc-load", self.load),
            ("export_png", "bmc-export-png", self.export_png),
            ("export_md", "bmc-export-md", self.export_markdown),
        ):
            b = widgets.Button(description=ui(key, lang), layout=widgets.Layout(width="auto"))
            b.add_class(cls)
            b.on_click(lambda _b, h=handler: self._guarded(h))
            buttons.append(b)
        buttons[0].button_style = "primary"
        self.status = html_widget("bmc-status")
        self.picture = widgets.Output()
        self.picture.add_class("bmc-picture")
        self.findings = html_widget("bmc-findings")
        self.children = [
            style_sheet(),
            self.title,
            student_row,
            html_widget("bmc-note", esc(ui("canvas_hint", lang))),
            self.grid,
            widgets.HBox([self.path, *buttons]),
            self.status,
            html_widget("bmc-block-label", esc(ui("findings", lang))),
            self.findings,
            html_widget("bmc-block-label", esc(ui("picture", lang))),
            self.picture,
        ]
        self._fill()

    # -- who ----------------------------------------------------------------------------------

    def _known_student(self, student_id, student_name) -> tuple[str, str, bool]:
        """``(id, name, fixed)``: the argument or environment (fixed: the box is read-only), else
        the canvas file Save writes (or a canvas built in code), else empty for the student to
        type."""
        from ..canvas import Canvas
        from ..identity import student_from_env

        sid, name = student_from_env(student_id, student_name)
        own = None
        target = self._target()
        if not self.canvas.source or _same_file(self.canvas.source, target):
            own = self.canvas
        if (own is None or not own.student_id) and target.is_file():
            try:
                own = Canvas.load(target)
            except Exception:  # noqa: BLE001 - a damaged file lends nothing; Load shows why
                own = None
        if sid:
            same = own is not None and normalise_id(own.student_id) == normalise_id(sid)
            return sid, name or (own.student_name if same else ""), True
        if own is not None and own.student_id:
            return own.student_id, name or own.student_name, False
        return "", name, False

    # -- model <-> widgets --------------------------------------------------------------------

    def _fill(self) -> None:
        """Put the canvas into the widgets, then redraw once."""
        self._syncing = True
        try:
            self.title.value = self.canvas.title
            self.student_id.value, self.student_name.value = (
                self.canvas.student_id,
                self.canvas.student_name,
            )
            for block_id, area in self.areas.items():
                area.value = text_from_notes(self.canvas[block_id])
        finally:
            self._syncing = False
        self.refresh()

    def _read(self):
        from ..canvas import Canvas

        blocks = {b: notes_from_text(a.value) for b, a in self.areas.items()}
        return Canvas(
            title=self.title.value.strip(),
            lang=self.canvas.lang,
            blocks=blocks,
            source=self.canvas.source,
            extra=dict(self.canvas.extra),
            student_id=self.student_id.value,
            student_name=self.student_name.value,
            saved_at=self.canvas.saved_at,
        )

    def _on_edit(self, _change) -> None:
        if self._syncing:
            return
        self._guarded(self._update)

    def _update(self) -> None:
        self.canvas = self._read()
        self.refresh()

    def _guarded(self, action) -> None:
        """Run an action; show a problem in the status line instead of raising in a callback."""
        try:
            action()
        except MissingPackageError as exc:
            self.status.value = f"<span class='bmc-warn'>{esc(exc.messages[self.lang])}</span>"
        except Exception as exc:  # noqa: BLE001 - a callback must show every problem, never raise
            self.status.value = f"<span class='bmc-warn'>{esc(exc)}</span>"

    def refresh(self) -> None:
        """Redraw the picture and re-run the checks."""
        from ..canvas_checks import check_canvas

        findings = check_canvas(self.canvas)
        if findings:
            items = "".join(
                "<li class='bmc-finding "
                f"bmc-finding-{f.severity}'>{SEVERITY_ICON.get(f.severity, '')} "
                f"<b>{esc(', '.join(block(b).name[self.lang] for b in f.blocks))}</b>: "
                f"{esc(f.message[self.lang])}</li>"
                for f in findings
            )
            self.findings.value = f"<ul class='bmc-findings'>{items}</ul>"
        else:
            self.findings.value = f"<p>{esc(ui('no_findings', self.lang))}</p>"
        from IPython.display import HTML, Image

        try:
            Figure = require("matplotlib.figure", "canvas_editor()").Figure
            from ..plots import draw_canvas
        except MissingPackageError:  # edit, check and save still work; say why there is no picture
            self.picture.outputs = ()
            self.picture.append_display_data(
                HTML(f"<p class='bmc-warn'>{esc(ui('no_picture', self.lang))}</p>")
            )
            return
        fig = Figure(figsize=(12, 9))
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
        draw_canvas(self.canvas, fig.add_subplot(), lang=self.lang)
        self.picture.outputs = ()
        self.picture.append_display_data(Image(data=_png(fig), format="png"))

    # -- buttons ------------------------------------------------------------------------------

    def _target(self, suffix: str | None = None) -> Path:
        path = Path(self.path.value.strip() or "canvas.json").expanduser()
        return path.with_suffix(suffix) if suffix else path

    def save(self) -> Path:
        """Save the canvas as JSON at the path in the File box; return the path."""
        self.canvas = self._read()
        target = self.canvas.save(self._target())
        if self.canvas.student_id:
            self.status.value = esc(ui("wrote_file", self.lang, path=target))
        else:
            saved = ui("editor_saved_without_id", self.lang, path=target, stem=target.stem)
            self.status.value = f"<span class='bmc-warn'>{esc(saved)}</span>"
        return target

    def load(self) -> None:
        """Load the canvas JSON named in the File box into the editor."""
        from ..canvas import Canvas

        target = self._target()
        loaded = Canvas.load(target)
        # an id from the hub stays; else the file's
        if self.student_id.disabled or not loaded.student_id:
            loaded.student_id = self.student_id.value.strip()
            loaded.student_name = loaded.student_name or self.student_name.value.strip()
        self.canvas = loaded
        self._fill()
        self.status.value = esc(ui("loaded_file", self.lang, path=target))

    def export_png(self) -> Path:
        """Draw the canvas to a PNG beside the JSON file; return its path."""
        from ..plots import save_canvas

        target = self._target(".png")
        save_canvas(self._read(), target, lang=self.lang)
        self.status.value = esc(ui("wrote_file", self.lang, path=target))
        return target

    def export_markdown(self) -> Path:
        """Write the canvas as Markdown beside the JSON file; return its path."""
        target = self._target(".md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self._read().to_markdown(self.lang), encoding="utf-8")
        self.status.value = esc(ui("wrote_file", self.lang, path=target))
        return target

    def __repr__(self) -> str:
        return f"CanvasEditor({self.canvas.title!r}, lang={self.lang!r}, {len(self.canvas)} notes)"


def _shown(path: str | os.PathLike) -> str:
    """A path as the File box shows it: relative to the notebook's folder when it lies inside it."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def canvas_editor(
    canvas=None,
    lang: str | None = None,
    path: str | os.PathLike | None = None,
    *,
    student_id: str | None = None,
    student_name: str | None = None,
) -> CanvasEditor:
    """Edit a canvas in nine text areas, with a live picture, checks, and Save/Load/Export buttons.

    Args:
        canvas: a ``Canvas``, a canvas JSON path or its dict; default an empty canvas.
        lang: ``"ko"`` or ``"en"`` (labels, picture and findings).
        path: the file the Save and Load buttons use (default: the canvas's own file, else
            ``canvas.json``); PNG and Markdown exports go beside it.
        student_id, student_name: who the saved file belongs to. Without them: ``BMC_STUDENT_ID``
            or ``JUPYTERHUB_USER`` (and ``BMC_STUDENT_NAME``), else the file at ``path``, else
            the student types them in the editor.

    Returns:
        The editor widget; display it in a notebook.
    """
    return CanvasEditor(canvas, lang, path, student_id=student_id, student_name=student_name)
