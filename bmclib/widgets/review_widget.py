"""The review widget: the questions a learner missed, across every practice set, with feedback.

The widget adds no rules of its own: the items come from :func:`bmclib.review_schedule.review_deck`,
feedback from ``score_answers`` shown exactly as in the lessons (:func:`feedback_html`), answers
are saved to each set's own answer file with ``record_change`` (as the lesson widget saves them)
and the Leitner schedule is kept by :mod:`bmclib.review_schedule`.
"""

from __future__ import annotations

import os
from datetime import datetime

import ipywidgets as widgets

from ..answers import AnswerFile, load_or_new, record_change, resolve_answers_dir
from ..blocks import block, category, taxonomy
from ..exercises import load_exercise_set
from ..i18n import ui
from ..keys import Key, load_key
from ..progress_map import resolve_lang
from ..review_schedule import (
    INTERVALS,
    STATE_FILE,
    Clock,
    ReviewEntry,
    check_intervals,
    record_review,
    review_deck,
    system_clock,
)
from ..scoring import ItemScore, score_answers, status_label
from .exercise import _error_text, feedback_html
from .style import esc, html_widget, style_sheet

#: The few styles the review adds to the shared sheet (scoped to the review widget).
REVIEW_CSS = """
.bmc-review .bmc-review-source { color: #52606d; font-size: 0.9em; }
.bmc-review .bmc-review-box span { display: inline-block; font-size: 0.8em; color: #5c4300; \
background: #fdf0d5;
  border-radius: 10px; padding: 1px 9px; }
.bmc-review .bmc-review-last { color: #6d1b1b; font-size: 0.92em; }
.bmc-review .bmc-review-moved { color: #1f4e79; font-weight: 600; margin-top: 6px; }
"""


def _review_style() -> widgets.HTML:
    sheet = widgets.HTML(f"<style>{REVIEW_CSS}</style>", layout=widgets.Layout(display="none"))
    sheet.add_class("bmc-style")
    return sheet


class ReviewExercise(widgets.VBox):
    """A practice widget over today's review (see :func:`review`)."""

    def __init__(
        self,
        lang: str | None = None,
        *,
        answers_dir: str | os.PathLike | None = None,
        clock: Clock | None = None,
        intervals=INTERVALS,
    ):
        super().__init__()
        self.lang = resolve_lang(lang)
        self.answers_dir = resolve_answers_dir(answers_dir)
        self.clock = clock or system_clock
        self.intervals = check_intervals(intervals)
        self.deck = review_deck(self.answers_dir, now=self.clock(), intervals=self.intervals)
        self.entries: list[ReviewEntry] = list(self.deck.entries)
        self.index = 0
        self._files: dict[str, AnswerFile] = {}  # answer file path -> its answers, as last saved
        self._keys: dict[tuple[str, str], Key] = {}
        self._checked: dict[tuple[str, str], ItemScore] = {}
        self._moved: dict[tuple[str, str], str] = {}  # item -> what its first check did to its box
        self._noted: set[tuple[str, str]] = set()  # items told that only the first check counts
        self._syncing = False
        self._build()
        if self.entries:
            self.show(0)

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        lang = self.lang
        self.add_class("bmc-root")
        self.add_class("bmc-review")
        count = ui("review_count", lang, count=len(self.entries))
        self.header = html_widget(
            "bmc-head",
            f"<div class='bmc-title'>{esc(ui('review_title', lang))}</div>"
            f"<div class='bmc-sub'>{esc(ui('review_note', lang))}</div>",
        )
        self.count = html_widget(
            "bmc-progress", f"<div class='bmc-progress-text'>{esc(count)}</div>"
        )
        self.notice = html_widget("bmc-review-notice")
        if self.deck.state_problem:
            text = ui(
                "review_state_unreadable", lang, file=STATE_FILE, reason=self.deck.state_problem
            )
            self.notice.value = f"<span class='bmc-warn'>{esc(text)}</span>"
        if not self.entries:
            lines = [ui("review_empty", lang)]
            if self.deck.upcoming:
                when, n = self.deck.upcoming[0]
                lines.append(ui("review_upcoming", lang, count=n, date=when.isoformat()))
            self.empty = html_widget("bmc-review-empty", "<br>".join(esc(t) for t in lines))
            card = widgets.VBox([self.empty])
            card.add_class("bmc-card")
            self.children = [style_sheet(), _review_style(), self.header, self.notice, card]
            return
        self.position = html_widget("bmc-position")
        self.source = html_widget("bmc-review-source")
        self.box = html_widget("bmc-review-box")
        self.kind = html_widget("bmc-kind")
        self.company = html_widget("bmc-company")
        self.prompt = html_widget("bmc-prompt")
        self.last = html_widget("bmc-review-last")
        self.choose_line = html_widget("bmc-choose")
        self.choices = widgets.ToggleButtons(options=[], value=None, style={"button_width": "auto"})
        self.choices.add_class("bmc-choice")
        self.choices.observe(lambda c: self._safely(self._on_choice, c), names="value")
        self.check_button = widgets.Button(description=ui("check", lang), button_style="primary")
        self.check_button.add_class("bmc-check")
        self.check_button.on_click(lambda b: self._safely(self._on_check, b))
        self.feedback = html_widget("bmc-feedback")
        self.moved = html_widget("bmc-review-moved")
        self.card = widgets.VBox(
            [
                self.position,
                self.source,
                self.box,
                self.kind,
                self.company,
                self.prompt,
                self.last,
                self.choose_line,
                self.choices,
                self.check_button,
                self.feedback,
                self.moved,
            ]
        )
        self.card.add_class("bmc-card")
        self.prev_button = widgets.Button(description=ui("previous", lang))
        self.prev_button.add_class("bmc-prev")
        self.prev_button.on_click(lambda _b: self._safely(self.show, self.index - 1))
        self.next_button = widgets.Button(description=ui("next", lang))
        self.next_button.add_class("bmc-next")
        self.next_button.on_click(lambda _b: self._safely(self.show, self.index + 1))
        self.saved = html_widget("bmc-saved")
        nav = widgets.HBox([widgets.HBox([self.prev_button, self.next_button]), self.saved])
        nav.add_class("bmc-nav")
        self.children = [
            style_sheet(),
            _review_style(),
            self.header,
            self.count,
            self.notice,
            self.card,
            nav,
        ]

    # -- what the learner sees ---------------------------------------------------------------

    @property
    def entry(self) -> ReviewEntry:
        """The review item on screen."""
        return self.entries[self.index]

    def _item(self, entry: ReviewEntry):
        return load_exercise_set(entry.exercise_set).item(entry.item_id)

    def show(self, index: int) -> None:
        """Show review item number ``index`` (0-based; clamped to the deck)."""
        lang = self.lang
        self.index = max(0, min(index, len(self.entries) - 1))
        entry = self.entry
        item = self._item(entry)
        choices = item.choices(lang)
        self._syncing = True
        try:
            options = [(label, cid) for cid, label in choices.items()]
            if list(self.choices.options) != options:
                self.choices.options = options
                self.choices.tooltips = [category(cid).definition[lang] for cid in choices]
            checked = self._checked.get((entry.exercise_set, entry.item_id))
            shown = checked.choice if checked is not None else None
            self.choices.value = shown if shown in choices else None
        finally:
            self._syncing = False
        the_block = block(taxonomy(item.taxonomy).block)
        self.position.value = esc(ui("position", lang, n=self.index + 1, total=len(self.entries)))
        self.source.value = esc(
            " · ".join(
                (
                    ui("progress_lesson", lang, n=the_block.number),
                    the_block.name[lang],
                    entry.exercise_set,
                )
            )
        )
        self.box.value = (
            f"<span>{esc(ui('review_box', lang, box=entry.box, boxes=self.deck.boxes))}</span>"
        )
        self.kind.value = (
            f"<span data-kind='{item.kind}'>{esc(ui('kind_' + item.kind, lang))}</span>"
        )
        self.company.value = esc(item.company[lang])
        self.prompt.value = esc(item.prompt[lang])
        if entry.missed:
            label = choices.get(entry.choice, entry.choice)
            self.last.value = esc(
                ui(
                    "review_last_answer",
                    lang,
                    choice=label,
                    status=status_label(entry.status, lang),
                )
            )
        else:
            self.last.value = ""
        self.choose_line.value = esc(
            ui("choose_one", lang, taxonomy=taxonomy(item.taxonomy).name[lang])
        )
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.entries) - 1
        self._show_feedback()

    def _show_feedback(self) -> None:
        entry = self.entry
        where = (entry.exercise_set, entry.item_id)
        choice = self.choices.value
        self.check_button.disabled = choice is None
        checked = self._checked.get(where)
        if checked is None or checked.choice != choice:
            self.feedback.value = ""
        else:
            self.feedback.value = feedback_html(checked, self.lang)
        self.moved.value = esc(self._moved.get(where, ""))

    # -- callbacks ---------------------------------------------------------------------------

    def _answers(self, entry: ReviewEntry) -> AnswerFile:
        if entry.path not in self._files:
            # the file's own student id is kept (an empty id never overrides it); a file deleted
            # since the review opened starts afresh under the id it had
            self._files[entry.path] = load_or_new(
                entry.path, student_id="", exercise_set=entry.exercise_set
            )
            if not self._files[entry.path].student_id:
                self._files[entry.path].student_id = entry.student_id
        return self._files[entry.path]

    def _record(self, entry: ReviewEntry, choice: str | None, event: str) -> bool:
        """Save one change to the set's own answer file, as the lesson widget does."""
        try:
            self._files[entry.path] = record_change(
                entry.path, self._answers(entry), entry.item_id, choice, event=event
            )
        except Exception as exc:  # noqa: BLE001 - a failed save must never lose the choice or raise
            message = ui("save_failed", self.lang, error=_error_text(exc))
            self.saved.value = f"<span class='bmc-error'>{esc(message)}</span>"
            return False
        self.saved.value = esc(ui("saved", self.lang, time=datetime.now().strftime("%H:%M:%S")))
        return True

    def _on_choice(self, change) -> None:
        if self._syncing:
            return
        self._record(self.entry, change["new"], "choose")
        self._show_feedback()

    def _key(self, entry: ReviewEntry) -> Key:
        """A one-item key, so Check scores only this item (as in the lesson widget)."""
        where = (entry.exercise_set, entry.item_id)
        if where not in self._keys:
            key = load_key(entry.exercise_set)
            self._keys[where] = Key(key.exercise_set, (key.item(entry.item_id),), key.source)
        return self._keys[where]

    def _on_check(self, _button=None) -> None:
        entry, choice, lang = self.entry, self.choices.value, self.lang
        if choice is None:
            self.feedback.value = (
                f"<div class='bmc-fb bmc-fb-info'>{esc(ui('choose_first', lang))}</div>"
            )
            return
        where = (entry.exercise_set, entry.item_id)
        cases = ()
        if any(it.case_id for it in load_exercise_set(entry.exercise_set).items):
            from ..cases import read_cases

            cases = tuple(read_cases())
        first = where not in self._checked
        self._checked[where] = score_answers(
            {entry.item_id: choice}, self._key(entry), cases=cases
        ).items[0]
        self._record(entry, choice, "check")
        if first:
            right = self._checked[where].status == "best"
            try:
                card = record_review(
                    self.answers_dir,
                    entry.exercise_set,
                    entry.item_id,
                    right,
                    box=entry.box,
                    now=self.clock(),
                    intervals=self.intervals,
                )
            except Exception as exc:  # noqa: BLE001 - the answer is saved; say what failed
                self._moved[where] = ui("review_state_failed", lang, error=_error_text(exc))
            else:
                if card.learned:
                    self._moved[where] = ui("review_learned", lang)
                elif right:
                    days = (card.due - self.clock().date()).days
                    self._moved[where] = ui(
                        "review_moved_up", lang, box=card.box, days=days, date=card.due.isoformat()
                    )
                else:
                    self._moved[where] = ui("review_back_to_one", lang)
        elif where in self._moved and where not in self._noted:
            self._noted.add(where)
            self._moved[where] += " " + ui("review_counted_once", lang)
        self._show_feedback()

    def _safely(self, action, *args) -> None:
        """Run a callback; any error is shown instead of vanishing in the kernel log."""
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001
            self.saved.value = (
                f"<span class='bmc-error'>"
                f"{esc(ui('unexpected_error', self.lang, error=_error_text(exc)))}</span>"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lang={self.lang!r}, {len(self.entries)} items)"


def review(
    lang: str | None = None,
    answers_dir: str | os.PathLike | None = None,
    *,
    clock: Clock | None = None,
    intervals=INTERVALS,
) -> ReviewExercise:
    """A practice widget over the questions you missed in every practice set, and those due again.

    Args:
        lang: ``"ko"`` or ``"en"`` (default ``$BMC_LANG``, else Korean).
        answers_dir: the folder of answer files (default ``$BMC_ANSWERS_DIR``, else ``answers/``
            beside the notebook); answers are saved to each set's own file there, and the review
            schedule to its ``.review-state`` file.
        clock: a function returning the current time (for tests; default the system clock).
        intervals: days until an item answered right comes back, box by box (default 1, 3, 7).

    Returns:
        The widget; display it in a notebook.

    >>> import tempfile
    >>> review("en", tempfile.mkdtemp())
    ReviewExercise(lang='en', 0 items)
    """
    return ReviewExercise(lang, answers_dir=answers_dir, clock=clock, intervals=intervals)
