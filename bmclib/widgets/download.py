"""A download button for an exercise's answer file, for students who upload it themselves.

In the course's browser site (JupyterLite) the answer file lives in the browser's storage; the
student downloads it and uploads it to the learning platform (``bmc grade`` reads the platform's
zip). The button is a plain link whose ``data:`` URL holds the file as it is on disk; it is
rebuilt after every change the exercise saves, so it always offers the latest answers.
"""

from __future__ import annotations

import base64

import ipywidgets as widgets

from ..i18n import check_lang, ui
from .style import esc, html_widget, style_sheet


class AnswersDownload(widgets.VBox):
    """The download button for one exercise widget (see :func:`answers_download`)."""

    def __init__(self, exercise, lang: str | None = None):
        super().__init__()
        self.exercise = exercise
        self.lang = check_lang(lang or exercise.lang)
        self.add_class("bmc-root")
        self.add_class("bmc-download")
        self.note = html_widget("bmc-note", esc(ui("download_note", self.lang)))
        self.link = html_widget("bmc-download-area")
        self.children = [style_sheet(), self.note, self.link]
        # The exercise saves in its own handlers, registered first: these run after each save.
        exercise.choices.observe(self.refresh, names="value")
        for button in (exercise.check_button, exercise.start_button):
            if button is not None:
                button.on_click(self.refresh)
        exercise.observe(self.refresh, names="children")
        self.refresh()

    @property
    def path(self):
        """The answer file this button offers."""
        return self.exercise.path

    def refresh(self, *_ignored) -> None:
        """Offer the file as it is on disk now (or say that there is nothing yet)."""
        try:
            data = self.path.read_bytes()
        except OSError:
            self.link.value = (
                f"<span class='bmc-note'>{esc(ui('download_waiting', self.lang))}</span>"
            )
            return
        href = "data:application/json;base64," + base64.b64encode(data).decode("ascii")
        label = ui("download_answers", self.lang, file=self.path.name)
        self.link.value = (
            f"<a class='bmc-download-link' download='{esc(self.path.name)}' "
            f"href='{href}'>{esc(label)}</a>"
        )

    def __repr__(self) -> str:
        return f"AnswersDownload({self.path.name!r}, lang={self.lang!r})"


def answers_download(exercise, lang: str | None = None) -> AnswersDownload:
    """A button that downloads ``exercise``'s answer file (``answers/<exercise set>.json``).

    Args:
        exercise: a widget from :func:`~bmclib.widgets.relationship_exercise` or
            :func:`~bmclib.widgets.block_exercise`.
        lang: ``"ko"`` or ``"en"``; default the exercise's language.

    Returns:
        The widget; display it under the exercise.

    >>> import tempfile
    >>> from bmclib.widgets import block_exercise
    >>> ex = block_exercise("channels-practice", "en", answers_dir=tempfile.mkdtemp(),
    ...                     student_id="s1")
    >>> button = answers_download(ex)
    >>> "bmc-download-link" in button.link.value       # nothing saved yet
    False
    >>> ex.choices.value = ex.choices.options[0][1]    # the exercise saves; the button follows
    >>> "download='channels-practice.json'" in button.link.value
    True
    """
    return AnswersDownload(exercise, lang)
