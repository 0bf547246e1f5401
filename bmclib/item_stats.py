"""Item statistics and attempt patterns, as instructors know them from Moodle's quiz statistics.

* **Facility index**: the mean share of an item's points the class earned (0 to 1; high is easy).
* **Discrimination**: the corrected point-biserial correlation, between the points on an item and
  the points on the rest of the test (-1 to 1): good items are answered right by those who do well
  elsewhere. Negative discrimination usually means the key is wrong.
* **Attempts** (from an answer file's log of ``choose`` and ``check`` events): the seconds spent on
  an item before its first answer, how often the answer changed, the Checks before the right
  answer (practice mode), and rapid guessing: many changes within a few seconds.

Pure functions over plain numbers and logs, so every figure can be checked by hand.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .answers import parse_time
from .keys import Key
from .scoring import DEFAULT_PARTIAL, score_item

#: an item almost everyone gets right, or almost no one: it tells you little about who understood
TOO_EASY, TOO_HARD = 0.9, 0.2
#: so many answer changes within so few seconds on one item are guessing, not thinking
RAPID_CHANGES, RAPID_SECONDS = 3, 10.0
#: the flags an item can carry, in the order they are shown
FLAGS = ("too_easy", "too_hard", "negative_discrimination")


def facility(shares: Sequence[float]) -> float | None:
    """The mean of the students' shares of an item's points (None without students).

    >>> facility([1, 0.5, 0, 1])
    0.625
    """
    return sum(shares) / len(shares) if shares else None


def discrimination(item: Sequence[float], totals: Sequence[float]) -> float | None:
    """The corrected point-biserial: Pearson's r between the item's points and the rest of the
    test (each student's total minus that item). None when either does not vary.

    >>> round(discrimination([1, 1, 0, 0], [5, 4, 1, 2]), 3)
    0.894
    """
    rest = [t - x for x, t in zip(item, totals)]
    if len(item) < 2:
        return None
    mx, mr = statistics.fmean(item), statistics.fmean(rest)
    sxx = sum((x - mx) ** 2 for x in item)
    srr = sum((r - mr) ** 2 for r in rest)
    if sxx == 0 or srr == 0:
        return None
    return sum((x - mx) * (r - mr) for x, r in zip(item, rest)) / math.sqrt(sxx * srr)


def flags(fac: float | None, disc: float | None) -> tuple[str, ...]:
    """What an instructor should look at: ``too_easy``, ``too_hard``, ``negative_discrimination``.

    >>> flags(0.95, 0.1), flags(0.5, -0.3)
    (('too_easy',), ('negative_discrimination',))
    """
    out = []
    if fac is not None and fac > TOO_EASY:
        out.append("too_easy")
    if fac is not None and fac < TOO_HARD:
        out.append("too_hard")
    if disc is not None and disc < 0:
        out.append("negative_discrimination")
    return tuple(out)


@dataclass
class ItemAttempt:
    """How one student worked on one item, read from their answer file's log."""

    student_id: str
    item_id: str
    #: from the student's previous logged action (or the exercise's opening) to this item's first
    #: answer
    first_seconds: float | None = None
    changes: int = 0  #: answers chosen after the first one
    checks: int = 0  #: Checks pressed on this item
    #: Checks before the first Check of a best answer (None: never)
    checks_before_right: int | None = None
    rapid: bool = False  #: RAPID_CHANGES or more choices within RAPID_SECONDS
    #: this item's events: (time, event, choice)
    events: list = field(default_factory=list, repr=False)


def item_attempts(
    student_id: str, attempts: Iterable[dict], key: Key, partial: float = DEFAULT_PARTIAL
) -> dict[str, ItemAttempt]:
    """Each key item's attempt pattern in one answer file's log (``{"item", "choice", "event",
    "at"}`` entries). Entries without a readable time or item are left out; items the log never
    mentions are absent.

    >>> from bmclib.keys import Key, KeyItem
    >>> key = Key("set", (KeyItem("a", ("x",), (), 1.0),))
    >>> log = [{"item": "a", "choice": "y", "event": "choose", "at": "2026-01-01T10:00:00+00:00"},
    ...        {"item": "a", "choice": "y", "event": "check", "at": "2026-01-01T10:00:05+00:00"},
    ...        {"item": "a", "choice": "x", "event": "choose", "at": "2026-01-01T10:00:20+00:00"},
    ...        {"item": "a", "choice": "x", "event": "check", "at": "2026-01-01T10:00:21+00:00"}]
    >>> a = item_attempts("s1", log, key)["a"]
    >>> a.first_seconds, a.changes, a.checks, a.checks_before_right, a.rapid
    (None, 1, 2, 1, False)
    >>> opened = [{"item": None, "event": "open", "at": "2026-01-01T09:59:48+00:00"}]
    >>> item_attempts("s1", opened + log, key)["a"].first_seconds  # timed from the opening
    12.0
    """
    items = {i.item_id: i for i in key.items}
    log = []
    for n, entry in enumerate(attempts):
        if not isinstance(entry, dict):
            continue
        when = parse_time(entry.get("at"))
        item = entry.get("item")
        if when is not None and entry.get("event") == "open":
            item = ""  # the exercise was opened: the clock for the next first answer starts here
        if when is None or not isinstance(item, str):
            continue
        log.append((when, n, item, str(entry.get("event", "")), entry.get("choice")))
    log.sort()
    out: dict[str, ItemAttempt] = {}
    previous = None
    for when, _n, item_id, event, choice in log:
        if item_id in items:
            a = out.setdefault(item_id, ItemAttempt(student_id, item_id))
            a.events.append((when, event, choice))
            if event == "choose":
                chosen = [e for e in a.events if e[1] == "choose"]
                if len(chosen) == 1 and previous is not None:
                    a.first_seconds = (when - previous).total_seconds()
                elif len(chosen) > 1:
                    a.changes += 1
            elif event == "check":
                a.checks += 1
                right = score_item(choice, items[item_id], partial)[0] == "best"
                if right and a.checks_before_right is None:
                    a.checks_before_right = a.checks - 1
        previous = when
    for a in out.values():
        times = [e[0] for e in a.events if e[1] == "choose"]
        a.rapid = any(
            (times[i + RAPID_CHANGES - 1] - times[i]).total_seconds() <= RAPID_SECONDS
            for i in range(len(times) - RAPID_CHANGES + 1)
        )
    return out


def mean_or_none(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are known (None when none is).

    >>> mean_or_none([0, 1, None, 2]), mean_or_none([None])
    (1.0, None)
    """
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are known (None when none is).

    >>> median([3, None, 1, 2]), median([None])
    (2, None)
    """
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
