"""What a learner should look at again: the items they missed, with light spaced repetition.

:func:`review_items` lists the ``(exercise_set, item_id)`` pairs answered wrong or only partly
right (by the shipped practice keys; sets without one are never reviewed), oldest miss first.

The review widget (:func:`bmclib.review`) also keeps a **Leitner** schedule. A missed item is in
box 1 and is shown in every review. Answered right in a review, it moves up a box and comes back
after a longer gap: 1, 3 and then 7 days by default (:data:`INTERVALS`); right again in the last
box, it is learned and leaves the review. A miss in a review puts it back in box 1. The schedule
is its own file in the answers folder (:data:`STATE_FILE`, written atomically), so it survives a
restart, travels with the answers folder and works on a hub; no answer file is ever touched by it.
Its name is hidden and does not end in ``.json``, so ``bmc grade`` skips it like any file that is
not an answer file and ``bmc collect`` skips it as hidden.

Every function that needs the date takes it as an argument (an injectable clock): nothing here
reads the time by itself except as a default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .answers import resolve_answers_dir, set_aside
from .errors import BMCError
from .fileio import json_reason, os_reason, read_limited, to_json, write_atomic
from .i18n import Msg
from .progress_map import Miss, Study, _lesson, study

#: The review schedule's file in the answers folder.
STATE_FILE = ".review-state"
STATE_FORMAT = "bmclib-review"
STATE_VERSION = 1
#: Days until an item answered right comes back, box by box (box 1 -> 2 -> 3 -> 4, then learned).
INTERVALS = (1, 3, 7)
#: A clock: returns the current time as an aware datetime (tests pass their own).
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current local time, with its UTC offset (the default clock)."""
    return datetime.now().astimezone()


def review_items(answers_dir: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """The ``(exercise_set, item_id)`` pairs answered wrong or only partly right, oldest miss first.

    Each answer file in the answers folder (default ``$BMC_ANSWERS_DIR``, else ``answers/``) is
    scored against its shipped practice key; an item whose saved answer is not the best one is a
    miss. Its age is the attempt log's time of the attempt that gave this answer (else the file's
    ``saved_at``); ties keep lesson order, then the key's order. Sets without a shipped practice
    key (assessments) are never listed; files that cannot be read are passed over (see
    :func:`bmclib.progress` for the list of them).

    >>> import tempfile
    >>> review_items(tempfile.mkdtemp())
    []
    """
    return [(m.exercise_set, m.item_id) for m in study(answers_dir).misses]


# -- the schedule -------------------------------------------------------------------------------


def check_intervals(intervals: Iterable[int]) -> tuple[int, ...]:
    """The gaps in days as a tuple; each a whole number of at least 1, not shrinking.

    >>> check_intervals([1, 3, 7])
    (1, 3, 7)
    """
    out = tuple(intervals)
    whole = all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in out)
    if not out or not whole or list(out) != sorted(out):
        raise BMCError(Msg("review.intervals", value=repr(intervals)))
    return out


@dataclass
class Card:
    """Where one item stands in the schedule."""

    box: int = 1
    due: date | None = None  #: the first day it is shown again (None: now)
    learned: bool = False
    reviewed_at: str = ""  #: the time of its last check in a review

    def to_dict(self) -> dict:
        return {
            "box": self.box,
            "due": self.due.isoformat() if self.due else None,
            "learned": self.learned,
            "reviewed_at": self.reviewed_at,
        }

    @classmethod
    def from_dict(cls, raw: object) -> Card | None:
        if not isinstance(raw, dict):
            return None
        box = raw.get("box")
        if not isinstance(box, int) or isinstance(box, bool) or box < 1:
            return None
        due = None
        if isinstance(raw.get("due"), str):
            try:
                due = date.fromisoformat(raw["due"])
            except ValueError:
                return None
        reviewed = raw.get("reviewed_at")
        return cls(
            box, due, raw.get("learned") is True, reviewed if isinstance(reviewed, str) else ""
        )


def _today(now: datetime | date) -> date:
    return now if not isinstance(now, datetime) else now.date()


@dataclass
class ReviewState:
    """The Leitner schedule of one answers folder: ``{exercise_set: {item_id: Card}}``."""

    path: Path
    cards: dict = field(default_factory=dict)
    #: why the file on disk could not be read ("" when it could, or is absent)
    problem: Msg | str = ""

    @classmethod
    def load(cls, answers_dir: str | os.PathLike | None = None) -> ReviewState:
        """Read the schedule; a missing file is an empty schedule, and so is a damaged one (whose
        reason is kept in ``problem``; the file is set aside, never deleted, at the next save)."""
        path = resolve_answers_dir(answers_dir) / STATE_FILE
        state = cls(path)
        if not os.path.lexists(path):
            return state
        try:
            raw = json.loads(read_limited(path).decode("utf-8-sig"))
        except OSError as exc:
            state.problem = Msg("review.unreadable", reason=os_reason(exc))
            return state
        except UnicodeDecodeError:
            state.problem = Msg("review.unreadable", reason=Msg("answers.not_utf8"))
            return state
        except (ValueError, RecursionError) as exc:
            state.problem = Msg("review.unreadable", reason=json_reason(exc, with_line=True))
            return state
        if (
            not isinstance(raw, dict)
            or raw.get("format") != STATE_FORMAT
            or raw.get("version") != STATE_VERSION
        ):
            state.problem = Msg("review.not_state", format=STATE_FORMAT, version=STATE_VERSION)
            return state
        sets = raw.get("items")
        for set_id, items in sets.items() if isinstance(sets, dict) else ():
            for item_id, card in items.items() if isinstance(items, dict) else ():
                parsed = Card.from_dict(card)
                if parsed is not None:
                    state.cards.setdefault(set_id, {})[item_id] = parsed
        return state

    def card(self, set_id: str, item_id: str) -> Card | None:
        return self.cards.get(set_id, {}).get(item_id)

    def to_dict(self) -> dict:
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "items": {
                s: {i: c.to_dict() for i, c in sorted(items.items())}
                for s, items in sorted(self.cards.items())
            },
        }

    def save(self) -> Path:
        """Write the schedule atomically (a damaged file found at load time is set aside first)."""
        if self.problem and os.path.lexists(self.path):
            set_aside(self.path, f"bad-{datetime.now():%Y%m%d-%H%M%S}")
            self.problem = ""
        return write_atomic(self.path, to_json(self.to_dict()))

    def record(
        self,
        set_id: str,
        item_id: str,
        right: bool,
        *,
        box: int,
        now: datetime,
        intervals: Iterable[int] = INTERVALS,
    ) -> Card:
        """Move one item after a check in a review: right -> up a box (due after that box's gap;
        learned after the last box), else back to box 1 (due at once). ``box`` is the box the
        item was shown in. Returns the new card (call :meth:`save` to keep it)."""
        gaps = check_intervals(intervals)
        stamp = now.isoformat(timespec="seconds")
        if not right:
            card = Card(1, None, False, stamp)
        elif box > len(gaps):
            card = Card(len(gaps) + 1, None, True, stamp)
        else:
            card = Card(box + 1, _today(now) + timedelta(days=gaps[box - 1]), False, stamp)
        self.cards.setdefault(set_id, {})[item_id] = card
        return card


def record_review(
    answers_dir: str | os.PathLike | None,
    set_id: str,
    item_id: str,
    right: bool,
    *,
    box: int,
    now: datetime,
    intervals: Iterable[int] = INTERVALS,
) -> Card:
    """Record one checked review item in the answers folder's schedule and save it at once,
    re-reading the file first so that another open review's changes are kept."""
    state = ReviewState.load(answers_dir)
    card = state.record(set_id, item_id, right, box=box, now=now, intervals=intervals)
    state.save()
    return card


# -- today's review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewEntry:
    """One item to review today."""

    exercise_set: str
    item_id: str
    box: int  #: 1 for a miss; else the box it climbed to
    missed: bool  #: True when the saved answer is wrong or partly right
    choice: str = ""  #: the saved answer of a miss
    status: str = ""  #: its status (``wrong`` or ``acceptable``)
    due: date | None = None
    path: str = ""  #: the answer file that holds this item's answers
    student_id: str = ""  #: whose answers they are (from that file)


@dataclass
class ReviewDeck:
    """Today's review: the misses (oldest first), then the items due again (earliest due first)."""

    entries: list
    upcoming: list  #: ``(date, count)`` of items that come back later, earliest first
    boxes: int
    state_problem: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def items(self) -> list[tuple[str, str]]:
        return [(e.exercise_set, e.item_id) for e in self.entries]


def review_deck(
    answers_dir: str | os.PathLike | None = None,
    *,
    now: datetime | date | None = None,
    intervals: Iterable[int] = INTERVALS,
    found: Study | None = None,
) -> ReviewDeck:
    """Today's review for the answers folder at time ``now`` (default: the system clock).

    Every miss is due (box 1); an item answered right in an earlier review comes back when its
    box's gap has passed (on its due day), and leaves once learned.
    """
    gaps = check_intervals(intervals)
    today = _today(now if now is not None else system_clock())
    found = found if found is not None else study(answers_dir)
    state = ReviewState.load(found.scan.folder)
    misses: list[Miss] = found.misses
    missed = {(m.exercise_set, m.item_id) for m in misses}
    files = found.scan.files
    entries = [
        ReviewEntry(
            m.exercise_set,
            m.item_id,
            1,
            True,
            m.choice,
            m.status,
            None,
            str(files[m.exercise_set].path),
            files[m.exercise_set].answers.student_id,
        )
        for m in misses
    ]
    due, later = [], {}
    for set_id, cards in state.cards.items():
        counted = found.scan.files.get(set_id)
        if counted is None or set_id not in found.results:
            continue  # no answer file to save into (deleted), or no practice key
        known = {i.item_id for i in found.results[set_id].items}
        for item_id, card in cards.items():
            if card.learned or (set_id, item_id) in missed or item_id not in known:
                continue
            if card.due is None or card.due <= today:
                due.append(
                    ReviewEntry(
                        set_id,
                        item_id,
                        min(card.box, len(gaps) + 1),
                        False,
                        due=card.due,
                        path=str(counted.path),
                        student_id=counted.answers.student_id,
                    )
                )
            else:
                later[card.due] = later.get(card.due, 0) + 1
    order = {
        (set_id, it.item_id): (_lesson(set_id) or 99, set_id, index)
        for set_id, result in found.results.items()
        for index, it in enumerate(result.items)
    }
    due.sort(key=lambda e: (e.due or date.min, order.get((e.exercise_set, e.item_id), ())))
    return ReviewDeck(entries + due, sorted(later.items()), len(gaps) + 1, state.problem)
