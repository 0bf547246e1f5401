"""One exercise widget for every exercise set: a question at a time, every choice saved.

The widget adds no rules of its own: choices come from ``Item.choices``, feedback from
``score_answers`` and the file from ``bmclib.answers``. In practice mode a Check button
scores the current item against the shipped practice key; in assessment mode no key is
loaded at all and choices are only saved.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets

from ..answers import (
    AnswerFile,
    load_or_new,
    read_answers,
    record_change,
    resolve_answers_dir,
    write_answers,
)
from ..blocks import block, category, taxonomy
from ..errors import AnswerFileError, BMCError
from ..exercises import (
    DEFAULT_SET,
    MODES,
    ExerciseSet,
    Item,
    load_exercise_set,
    refuse_assessment_on_shipped,
)
from ..fileio import normalise_id
from ..i18n import Msg, lang_or_session, ui
from ..identity import student_from_env
from ..keys import Key, load_key
from ..scoring import ItemScore, fmt_points, score_answers
from .style import esc, html_widget, style_sheet

ICONS = {"best": "✓", "acceptable": "◐", "wrong": "✗"}
ANSWERED = "●"  #: an answered item the student has not checked (or assessment mode)


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, AnswerFileError):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _read_only(exc: BaseException) -> bool:
    """A save refused because the folder (or file) cannot be written: retrying will not help."""
    import errno

    return isinstance(exc, PermissionError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    )


def _shown_path(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def feedback_html(checked: ItemScore, lang: str) -> str:
    """The feedback box for one checked item (points, then the key's words): the lessons' exercise
    and the review show the same."""
    points = ui(
        "points", lang, points=fmt_points(checked.points), max=fmt_points(checked.max_points)
    )
    return (
        f"<div class='bmc-fb bmc-fb-{checked.status}' data-status='{checked.status}'>"
        f"<div class='bmc-fb-head'>{ICONS.get(checked.status, '')} {esc(points)}</div>"
        f"<div class='bmc-fb-text'>{esc(checked.feedback[lang])}</div></div>"
    )


class BlockExercise(widgets.VBox):
    """The exercise widget for any exercise set (see :func:`block_exercise`)."""

    def __init__(
        self,
        set_id: str,
        lang: str | None = None,
        mode: str = "practice",
        *,
        answers_dir: str | os.PathLike | None = None,
        student_id: str | None = None,
        student_name: str | None = None,
        key: Key | str | os.PathLike | None = None,
    ):
        super().__init__()
        self.lang = lang_or_session(lang)
        if mode not in MODES:
            raise BMCError(Msg("app.bad_mode", mode=repr(mode)))
        self.mode = mode
        self.exercise_set: ExerciseSet = load_exercise_set(set_id)
        self.key: Key | None = None
        if mode == "assessment":
            if key is not None:
                raise BMCError(Msg("exercise.no_key_in_assessment"))
            refuse_assessment_on_shipped(self.exercise_set.id)
        else:
            self.key = key if isinstance(key, Key) else load_key(key or self.exercise_set.id)
            if self.key.exercise_set != self.exercise_set.id:
                raise BMCError(
                    Msg(
                        "exercise.key_other_set",
                        key=self.key.exercise_set,
                        set=self.exercise_set.id,
                    )
                )
        self.path = resolve_answers_dir(answers_dir) / f"{self.exercise_set.id}.json"
        self.answers: AnswerFile | None = None
        self.index = 0
        self._checked: dict[str, ItemScore] = {}
        self._single_keys: dict[str, Key] = {}
        self._cases = None
        self._syncing = False
        self._late_typing_watched = False
        self._build()
        sid, name = self._known_student(student_id, student_name)
        if sid:
            self._start(sid, name, write=False)
        else:
            self.id_text.value, self.name_text.value = "", name
            self.children = [self.style_sheet, self.header, self.student_box]

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        lang, items = self.lang, self.exercise_set.items
        self.add_class("bmc-root")
        self.add_class("bmc-exercise")
        self.style_sheet = style_sheet()
        first_block = block(taxonomy(items[0].taxonomy).block)
        note = ui("practice_note" if self.mode == "practice" else "assessment_note", lang)
        self.header = html_widget(
            "bmc-head",
            f"<div class='bmc-title'>{esc(first_block.name[lang])} "
            f"· {esc(ui('mode_' + self.mode, lang))}</div><div class='bmc-sub'>{esc(note)}</div>",
        )

        # asked once when no student id is known; each box sends its text once, when the student
        # leaves it (pressing Start does), not letter by letter: a busy kernel then never sees half
        # a name
        self.id_text = widgets.Text(
            description=ui("student_id", lang), placeholder="s0001", continuous_update=False
        )
        self.id_text.add_class("bmc-student-id")
        self.name_text = widgets.Text(description=ui("student_name", lang), continuous_update=False)
        self.name_text.add_class("bmc-student-name")
        self.start_button = widgets.Button(description=ui("start", lang), button_style="primary")
        self.start_button.add_class("bmc-start")
        self.start_button.on_click(lambda b: self._safely(self._on_start, b))
        self.student_message = html_widget("bmc-student-message")
        self.student_box = widgets.VBox(
            [
                html_widget("bmc-note", esc(ui("student_intro", lang))),
                self.id_text,
                self.name_text,
                self.start_button,
                self.student_message,
            ]
        )
        self.student_box.add_class("bmc-card")
        self.student_box.add_class("bmc-student")

        # the exercise
        self.student_line = html_widget("bmc-student-line")
        self.progress = html_widget("bmc-progress")
        self.jump = widgets.Dropdown(
            options=self._jump_options(),
            value=0,
            description=ui("jump", lang),
            layout=widgets.Layout(width="auto", max_width="420px"),
        )
        self.jump.add_class("bmc-jump")
        self.jump.observe(lambda c: self._safely(self._on_jump, c), names="value")
        topbar = widgets.HBox([self.progress, self.jump])
        topbar.add_class("bmc-topbar")

        self.position = html_widget("bmc-position")
        # what the item asks: recognise, decide, pitfall, two segments
        self.kind = html_widget("bmc-kind")
        self.company = html_widget("bmc-company")
        self.prompt = html_widget("bmc-prompt")
        self.choose_line = html_widget("bmc-choose")
        self.choices = widgets.ToggleButtons(options=[], value=None, style={"button_width": "auto"})
        self.choices.add_class("bmc-choice")
        self.choices.observe(lambda c: self._safely(self._on_choice, c), names="value")
        self.feedback = html_widget("bmc-feedback")
        card = [self.position, self.kind, self.company, self.prompt, self.choose_line, self.choices]
        if self.mode == "practice":
            self.check_button = widgets.Button(
                description=ui("check", lang), button_style="primary"
            )
            self.check_button.add_class("bmc-check")
            self.check_button.on_click(lambda b: self._safely(self._on_check, b))
            card += [self.check_button, self.feedback]
        else:
            self.check_button = None
        self.card = widgets.VBox(card)
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
        self.main_box = widgets.VBox([self.student_line, topbar, self.card, nav])
        self.main_box.add_class("bmc-main")

    def _saved_file(self) -> AnswerFile | None:
        """The answer file already on disk for this set, if it can be read."""
        if not self.path.is_file():
            return None
        try:
            old = read_answers(self.path)
        except AnswerFileError:
            return None  # load_or_new keeps it aside and starts afresh
        return old if old.exercise_set == self.exercise_set.id else None

    def _known_student(self, student_id, student_name) -> tuple[str, str]:
        # argument, BMC_STUDENT_ID, JUPYTERHUB_USER
        sid, name = student_from_env(student_id, student_name)
        old = self._saved_file()
        if old is not None and (not sid or normalise_id(sid) == normalise_id(old.student_id)):
            # the same student however the id is spelt (S0001 and s0001): grading counts them as
            # one, so the file is theirs and is kept, under the spelling it already has
            sid, name = old.student_id, name or old.student_name
        return sid, name

    def _start(self, student_id: str, student_name: str, *, write: bool) -> None:
        """Open (or start) the student's answer file and show the exercise; a file that cannot be
        read is left untouched and the student sees why, with a button to try again."""
        try:
            self._open(student_id, student_name, write=write)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the student must see it
            if isinstance(exc, AnswerFileError) and exc.unreadable:
                text = ui(
                    "file_unreadable",
                    self.lang,
                    path=_shown_path(self.path),
                    error=_error_text(exc),
                )
            elif _read_only(exc):
                text = self._save_failed(exc)
            else:
                text = ui("unexpected_error", self.lang, error=_error_text(exc))
            retry = widgets.Button(description=ui("try_again", self.lang), button_style="warning")
            retry.add_class("bmc-retry")
            retry.on_click(lambda _b: self._start(student_id, student_name, write=write))
            box = widgets.VBox(
                [
                    html_widget(
                        "bmc-blocked-message", f"<span class='bmc-error'>{esc(text)}</span>"
                    ),
                    retry,
                ]
            )
            box.add_class("bmc-card")
            box.add_class("bmc-blocked")
            self.children = [self.style_sheet, self.header, box]

    def _open(self, student_id: str, student_name: str, *, write: bool) -> None:
        # another student's answers (a shared computer) are kept aside under their id, and this
        # student's own, if kept aside so before, are brought back
        self.answers = load_or_new(
            self.path,
            student_id=student_id,
            exercise_set=self.exercise_set.id,
            student_name=student_name,
        )
        existed = self.path.is_file()
        self.answers.note_open()  # saved with the first answer: times run from here
        who = f"{student_id} · {student_name}" if student_name else student_id
        self.student_line.value = esc(ui("student_line", self.lang, who=who))
        self._refresh_jump()
        self._refresh_progress()
        if write:
            self._save()
        elif existed and self.answers.saved_time:
            self._show_saved(self.answers.saved_time.astimezone())
        else:
            self.saved.value = f"<span class='bmc-unsaved'>{esc(ui('not_saved', self.lang))}</span>"
        self.saved.tooltip = ui("saved_where", self.lang, path=_shown_path(self.path))
        unanswered = [
            i for i, it in enumerate(self.exercise_set.items) if it.id not in self.answers.answers
        ]
        self.show(unanswered[0] if unanswered and self.answers.answers else 0)
        self.children = [self.style_sheet, self.header, self.main_box]

    # -- what the student sees -----------------------------------------------------------------

    @property
    def item(self) -> Item:
        """The item on screen."""
        return self.exercise_set.items[self.index]

    def show(self, index: int) -> None:
        """Show item number ``index`` (0-based); out-of-range numbers are clamped."""
        items, lang = self.exercise_set.items, self.lang
        self.index = max(0, min(index, len(items) - 1))
        item = self.item
        choices = item.choices(lang)
        self._syncing = True
        try:
            options = [(label, cid) for cid, label in choices.items()]
            if list(self.choices.options) != options:
                self.choices.options = options
                self.choices.tooltips = [category(cid).definition[lang] for cid in choices]
            chosen = self.answers.answers.get(item.id) if self.answers else None
            self.choices.value = chosen if chosen in choices else None
            self.jump.value = self.index
        finally:
            self._syncing = False
        self.position.value = esc(ui("position", lang, n=self.index + 1, total=len(items)))
        self.kind.value = (
            f"<span data-kind='{item.kind}'>{esc(ui('kind_' + item.kind, lang))}</span>"
        )
        self.company.value = esc(item.company[lang])
        self.prompt.value = esc(item.prompt[lang])
        self.choose_line.value = esc(
            ui("choose_one", lang, taxonomy=taxonomy(item.taxonomy).name[lang])
        )
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(items) - 1
        self._show_feedback()

    def _jump_options(self) -> list[tuple[str, int]]:
        done = self.answers.answers if self.answers else {}
        if not hasattr(self, "_labels"):
            self._labels = self.exercise_set.labels(self.lang)
        return [
            (f"{n}. {self._labels[it.id]}{self._mark(it.id, done)}", n - 1)
            for n, it in enumerate(self.exercise_set.items, start=1)
        ]

    def _mark(self, item_id: str, done: dict) -> str:
        """The jump list's mark: the Check's verdict on the current answer (✓ ◐ ✗), else ● for an
        answered item (never ✓ for an answer nobody has checked: a student reads it as right)."""
        if item_id not in done:
            return ""
        checked = getattr(self, "_checked", {}).get(item_id)
        if checked is not None and checked.choice == done[item_id]:
            return " " + ICONS.get(checked.status, ANSWERED)
        return " " + ANSWERED

    def _refresh_jump(self) -> None:
        options = self._jump_options()
        if list(self.jump.options) != options:
            self._syncing = True
            try:
                self.jump.options = options
                self.jump.value = self.index
            finally:
                self._syncing = False

    def _refresh_progress(self) -> None:
        total = len(self.exercise_set)
        ids = set(self.exercise_set.item_ids)
        done = len([i for i in (self.answers.answers if self.answers else {}) if i in ids])
        text = esc(ui("progress", self.lang, done=done, total=total))
        self.progress.value = (
            f"<div class='bmc-progress-text'>{text}</div><div class='bmc-bar'>"
            f"<div style='width:{100 * done / total:.0f}%'></div></div>"
        )

    def _show_feedback(self) -> None:
        if self.check_button is None:
            return
        choice = self.choices.value
        self.check_button.disabled = choice is None
        checked = self._checked.get(self.item.id)
        if checked is None or checked.choice != choice:
            self.feedback.value = ""
            return
        self.feedback.value = feedback_html(checked, self.lang)

    def _info(self, message: str) -> None:
        self.feedback.value = f"<div class='bmc-fb bmc-fb-info'>{esc(message)}</div>"

    def _show_saved(self, when: datetime) -> None:
        self.saved.value = esc(ui("saved", self.lang, time=when.strftime("%H:%M:%S")))

    # -- callbacks ---------------------------------------------------------------------------

    def _on_start(self, _button=None) -> None:
        sid = self.id_text.value.strip()
        if not sid:
            self.student_message.value = (
                f"<span class='bmc-warn'>{esc(ui('need_id', self.lang))}</span>"
            )
            return
        self.student_message.value = ""
        self._start(sid, self.name_text.value.strip(), write=True)
        if self.answers is not None and not self._late_typing_watched:
            # Browsers send a click at once but hold back typing until the kernel has answered the
            # previous keystroke: on a slow kernel the last letters of the id or name arrive after
            # Start. The boxes are hidden by then, so any change is such late typing: keep it.
            self._late_typing_watched = True
            for box in (self.id_text, self.name_text):
                box.observe(lambda _c: self._safely(self._on_late_typing), names="value")

    def _on_late_typing(self) -> None:
        sid, name = self.id_text.value.strip(), self.name_text.value.strip()
        if (
            self.answers is None
            or not sid
            or (sid, name) == (self.answers.student_id, self.answers.student_name)
        ):
            return
        self.answers.student_id, self.answers.student_name = sid, name
        who = f"{sid} · {name}" if name else sid
        self.student_line.value = esc(ui("student_line", self.lang, who=who))
        self._save()

    def _on_jump(self, change) -> None:
        if not self._syncing and change["new"] is not None:
            self.show(change["new"])

    def _on_choice(self, change) -> None:
        if self._syncing or self.answers is None:
            return
        self._record(self.item.id, change["new"], "choose")
        self._refresh_progress()
        self._refresh_jump()
        self._show_feedback()

    def _on_check(self, _button=None) -> None:
        if self.key is None or self.answers is None:
            return
        item, choice = self.item, self.choices.value
        if choice is None:
            self._info(ui("choose_first", self.lang))
            return
        key = self._item_key(item.id)
        if key is None:
            self._info(ui("no_key_item", self.lang))
            return
        if self._cases is None:
            from ..cases import read_cases

            self._cases = (
                tuple(read_cases()) if any(it.case_id for it in self.exercise_set.items) else ()
            )
        self._checked[item.id] = score_answers({item.id: choice}, key, cases=self._cases).items[0]
        self._refresh_jump()
        self._record(item.id, choice, "check")
        self._show_feedback()

    def _item_key(self, item_id: str) -> Key | None:
        """A one-item key, so Check scores only the current item (cached)."""
        if item_id not in self._single_keys:
            found = [k for k in self.key.items if k.item_id == item_id]
            if not found:
                return None
            self._single_keys[item_id] = Key(self.key.exercise_set, tuple(found), self.key.source)
        return self._single_keys[item_id]

    def _record(self, item_id: str, choice: str | None, event: str) -> None:
        """Save one change, merged with anything another open copy of this exercise saved.

        When the save fails the change stays in memory (``record_change`` applied it first) and
        the next successful save writes it; the student sees why it failed."""
        try:
            self.answers = record_change(self.path, self.answers, item_id, choice, event=event)
        except Exception as exc:  # noqa: BLE001 - a failed save must never lose the choice or raise
            if isinstance(exc, AnswerFileError) and exc.unreadable:
                message = ui(
                    "file_unreadable",
                    self.lang,
                    path=_shown_path(self.path),
                    error=_error_text(exc),
                )
            else:
                message = self._save_failed(exc)
            self.saved.value = f"<span class='bmc-error'>{esc(message)}</span>"
            return
        self._show_saved(datetime.now())

    def _save_failed(self, exc: BaseException) -> str:
        """Why a save failed, and what to do: a folder that cannot be written is named (saving
        there again will not help); anything else may pass, and the next change saves again."""
        if _read_only(exc):
            folder = _shown_path(self.path.parent)
            return ui("folder_read_only", self.lang, folder=folder, error=_error_text(exc))
        return ui("save_failed", self.lang, error=_error_text(exc))

    def _save(self) -> None:
        try:
            write_answers(self.path, self.answers)
        except Exception as exc:  # noqa: BLE001
            message = self._save_failed(exc)
            self.saved.value = f"<span class='bmc-error'>{esc(message)}</span>"
            return
        self._show_saved(datetime.now())

    def _safely(self, action, *args) -> None:
        """Run a callback; any error is shown to the student instead of vanishing in the kernel
        log."""
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001
            message = ui("unexpected_error", self.lang, error=_error_text(exc))
            self.saved.value = f"<span class='bmc-error'>{esc(message)}</span>"

    # -- views -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.exercise_set.id!r}, "
            f"lang={self.lang!r}, mode={self.mode!r}, {len(self.exercise_set)} items)"
        )


class RelationshipExercise(BlockExercise):
    """The customer-relationship exercise: the same widget, named for the lesson."""


def block_exercise(
    set_id: str,
    lang: str | None = None,
    mode: str = "practice",
    *,
    answers_dir: str | os.PathLike | None = None,
    student_id: str | None = None,
    student_name: str | None = None,
    key=None,
) -> BlockExercise:
    """An exercise on any exercise set: one question at a time, every choice saved.

    Args:
        set_id: a shipped exercise set id (e.g. ``"channels-practice"``) or the path of an
            instructor's own exercise-set CSV.
        lang: ``"ko"`` or ``"en"``.
        mode: ``"practice"`` (a Check button with feedback from the practice key) or
            ``"assessment"`` (no key, no feedback: choices are only saved).
        answers_dir: folder for the answer file (default ``$BMC_ANSWERS_DIR`` or ``answers/``
            beside the notebook); the file is ``<exercise_set>.json``.
        student_id, student_name: default ``$BMC_STUDENT_ID`` (else ``$JUPYTERHUB_USER``, the
            user name on a JupyterHub) / ``$BMC_STUDENT_NAME``, then the existing answer file;
            otherwise the widget asks once.
        key: practice mode only: a ``Key`` or key CSV path (default: the shipped practice key).

    Returns:
        The widget; display it in a notebook.

    >>> ex = block_exercise("channels-practice", "en", answers_dir="/tmp/none")
    >>> ex.mode, ex.key.exercise_set
    ('practice', 'channels-practice')
    >>> block_exercise("channels-practice", "en", "assessment")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bmclib.errors.BMCError: 'channels-practice' is a practice set: its answer key ships with ...
    """
    return BlockExercise(
        set_id,
        lang,
        mode,
        answers_dir=answers_dir,
        student_id=student_id,
        student_name=student_name,
        key=key,
    )


def relationship_exercise(
    set_id: str = DEFAULT_SET,
    lang: str | None = None,
    mode: str = "practice",
    *,
    answers_dir: str | os.PathLike | None = None,
    student_id: str | None = None,
    student_name: str | None = None,
    key=None,
) -> RelationshipExercise:
    """The customer-relationship exercise: choose one of the six types for each case.

    Same arguments as :func:`block_exercise`.

    >>> relationship_exercise(lang="en", answers_dir="/tmp/none")  # doctest: +ELLIPSIS
    RelationshipExercise('relationships-practice', lang='en', mode='practice', ... items)
    """
    return RelationshipExercise(
        set_id,
        lang,
        mode,
        answers_dir=answers_dir,
        student_id=student_id,
        student_name=student_name,
        key=key,
    )
