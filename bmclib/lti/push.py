"""Push a graded class to the platform's gradebook: ``bmc grade ... --push-lti CONFIG``.

For the exercise set being graded, the scores go to one line item (gradebook column):

1. the line item of the lesson link tied to the set: ``[links]`` in the configuration names the
   resource link, or a link carries the custom parameter ``exercise_set=<set id>``;
2. otherwise the line item tagged with the set id in the course, created (tagged, with the key's
   maximum) when there is none yet. A regrade finds it again and overwrites the scores.

Each student's score goes to the platform user id the hub recorded when the student launched the
course from the platform (:mod:`bmclib.lti.store`). Students who never launched have no such id:
they are listed, and their grades stay in the CSV written before the push.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..grading import GradeBatch, GradeRow
from ..scoring import fmt_points
from .ags import SCOPE_LINEITEM, SCOPE_SCORE, AGSClient, iso_now, scores_url
from .config import LTIConfig
from .errors import LTIError, say
from .store import LaunchStore, StoreError


@dataclass
class PushResult:
    """What a push did: scores sent, students left out and why, and a stop if there was one."""

    dry_run: bool = False
    course: str | None = None
    line_item: str | None = None
    label: str = ""
    how: str = ""  #: "link", "found", "created", or "" (no line item reached)
    #: (student, user id, score, max)
    posted: list[tuple[str, str, float, float]] = field(default_factory=list)
    not_launched: list[str] = field(default_factory=list)
    #: (student, the platform's reason)
    refused: list[tuple[str, str]] = field(default_factory=list)
    not_sent: list[str] = field(default_factory=list)  #: students left when the push stopped
    error: str | None = None  #: why the push stopped
    notes: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def exit_code(self) -> int:
        """1 when a score that should have reached the platform did not; students who never
        launched do not count (they have no platform account to send to)."""
        return 1 if self.error or self.refused else 0

    def to_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "course": self.course,
            "line_item": self.line_item,
            "label": self.label,
            "how": self.how,
            "posted": [
                {"student_id": s, "user_id": u, "score": g, "max_score": m}
                for s, u, g, m in self.posted
            ],
            "not_launched": self.not_launched,
            "refused": [{"student_id": s, "reason": r} for s, r in self.refused],
            "not_sent": self.not_sent,
            "error": self.error,
            "notes": self.notes,
        }


def score_body(row: GradeRow, user_id: str, lang: str, timestamp: str) -> dict:
    """The AGS score for one student (``application/vnd.ims.lis.v1.score+json``).

    >>> from bmclib.grading import GradeRow
    >>> row = GradeRow("kim", "Kim Minji", "quiz", 7.5, 10.0, (), "kim.json")
    >>> body = score_body(row, "u-42", "en", "2026-11-20T01:00:00.000+00:00")
    >>> body["userId"], body["scoreGiven"], body["scoreMaximum"], body["gradingProgress"]
    ('u-42', 7.5, 10.0, 'FullyGraded')
    >>> body["comment"]
    'quiz: 7.5 of 10 points (75%), graded by bmc'
    """
    return {
        "userId": user_id,
        "scoreGiven": row.score,
        "scoreMaximum": row.max_score,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": timestamp,
        "comment": say(
            "lti_comment",
            lang,
            set=row.exercise_set,
            score=fmt_points(row.score),
            max=fmt_points(row.max_score),
            percent=f"{row.percent:g}",
        ),
    }


def _courses(data: dict, config: LTIConfig) -> dict:
    return {
        cid: c
        for cid, c in data["courses"].items()
        if c.get("issuer") == config.issuer and c.get("client_id") in (config.client_id, None)
    }


def _choose_course(data: dict, config: LTIConfig) -> str | None:
    """The course to push to; None when the store has no launch at all. Raises LTIError."""
    courses = _courses(data, config)
    shown = ", ".join(
        f"{cid} ({c.get('title') or c.get('label') or '?'})" for cid, c in sorted(courses.items())
    )
    if config.course:
        if config.course not in courses:
            raise LTIError(
                "lti_unknown_course",
                course=config.course,
                file=str(config.source),
                store=str(config.store),
                courses=shown or "-",
            )
        return config.course
    if len(courses) == 1:
        return next(iter(courses))
    if len(courses) > 1:
        raise LTIError(
            "lti_many_courses", store=str(config.store), courses=shown, file=str(config.source)
        )
    if data["courses"]:  # launches, but from another platform or tool registration
        others = sorted(
            {
                f"{c.get('issuer')} (client_id {c.get('client_id')})"
                for c in data["courses"].values()
            }
        )
        raise LTIError(
            "lti_other_platform",
            store=str(config.store),
            issuer=config.issuer,
            client_id=config.client_id,
            found=", ".join(others),
            file=str(config.source),
        )
    return None


def _link_line_item(course: dict, set_id: str, config: LTIConfig) -> tuple[str | None, str | None]:
    """``(link id, line item URL)`` of the lesson link tied to ``set_id``; ``(None, None)`` when
    none is."""
    links = course.get("links", {})
    if set_id in config.links:
        link_id = config.links[set_id]
        link = links.get(link_id)
        if link is None:
            raise LTIError(
                "lti_unknown_link",
                link=link_id,
                set=set_id,
                file=str(config.source),
                store=str(config.store),
            )
        if not link.get("lineitem"):
            raise LTIError(
                "lti_link_ungraded", link=link_id, title=link.get("title") or "", set=set_id
            )
        return link_id, link["lineitem"]
    tied = [
        (link.get("last_launch") or "", lid, link)
        for lid, link in links.items()
        if link.get("exercise_set") == set_id and link.get("lineitem")
    ]
    if tied:
        _, link_id, link = max(tied)
        return link_id, link["lineitem"]
    return None, None


def push_grades(
    batch: GradeBatch,
    config: LTIConfig,
    *,
    dry_run: bool = False,
    client: AGSClient | None = None,
    now: datetime | None = None,
    out: Callable[[str], None] | None = None,
) -> PushResult:
    """Send every graded student's score in ``batch`` to the platform named in ``config``.

    Never raises for what the platform says: a stop (refused key, missing scope, platform down)
    is in ``result.error``, with the students not sent in ``result.not_sent``. With ``dry_run``
    nothing is sent (not even a token request): each line that would be sent goes to ``out``.
    """
    result = PushResult(dry_run=dry_run)
    out = out or print
    set_id = batch.key.exercise_set
    store = LaunchStore(config.store)
    try:
        data = store.read()
        course_id = _choose_course(data, config)
    except (StoreError, LTIError) as exc:
        result.error = (
            str(exc) if isinstance(exc, LTIError) else say("lti_store_damaged", error=exc.msg)
        )
        result.not_sent = [row.student_id for row in batch.rows]
        return result
    result.course = course_id
    targets: list[tuple[GradeRow, str]] = []
    for row in batch.rows:
        user = store.user(row.student_id, data)
        if (
            user
            and course_id
            and user.get("platform_user_id")
            and user.get("issuer") == config.issuer
            and course_id in user.get("courses", [])
        ):
            targets.append((row, user["platform_user_id"]))
        else:
            result.not_launched.append(row.student_id)
    if not targets:
        result.notes.append(say("lti_nothing_to_push"))
        return result
    course = data["courses"][course_id]
    try:
        link_id, line_item = _link_line_item(course, set_id, config)
        container = course.get("lineitems")
        if line_item is None and not container:
            raise LTIError("lti_no_lineitems", course=course_id, title=course.get("title") or "")
    except LTIError as exc:
        result.error = str(exc)
        result.not_sent = [row.student_id for row, _ in targets]
        return result
    label = config.labels.get(set_id, set_id)
    if line_item:  # the platform's own assignment: say its title
        label = course["links"][link_id].get("title") or label
    scopes = (SCOPE_SCORE,) if line_item else (SCOPE_LINEITEM, SCOPE_SCORE)
    timestamp = iso_now(now)
    result.label = label
    if dry_run:
        out(say("lti_dry_head", url=config.token_url, scopes=" ".join(scopes)))
        if line_item:
            result.line_item, result.how = line_item, "link"
            out(say("lti_dry_link", url=line_item, link=link_id))
        else:
            out(
                say(
                    "lti_dry_find",
                    url=container,
                    tag=set_id,
                    label=label,
                    max=fmt_points(batch.key.max_score),
                )
            )
        where = scores_url(line_item) if line_item else scores_url(say("lti_dry_line_item"))
        for row, user_id in targets:
            out(f"POST {where} ({row.student_id})")
            out(json.dumps(score_body(row, user_id, config.lang, timestamp), ensure_ascii=False))
            result.posted.append((row.student_id, user_id, row.score, row.max_score))
        return result
    if client is None:
        client = AGSClient(
            config.token_url,
            config.client_id,
            config.private_key_pem(),
            config.key_id,
            scopes=scopes,
            audience=config.audience,
        )
    left = [row.student_id for row, _ in targets]
    try:
        if line_item:
            result.line_item, result.how = line_item, "link"
        else:
            item, created, count = client.find_or_create_line_item(
                container,
                tag=set_id,
                label=label,
                score_maximum=batch.key.max_score,
                resource_id=set_id,
            )
            result.line_item, result.how = item["id"], "created" if created else "found"
            result.label = item.get("label") or label
            if count > 1:
                result.notes.append(say("lti_several_items", n=count, tag=set_id, url=item["id"]))
        for row, user_id in targets:
            answer = client.post_score(
                result.line_item, score_body(row, user_id, config.lang, timestamp)
            )
            left.remove(row.student_id)
            if answer.ok:
                result.posted.append((row.student_id, user_id, row.score, row.max_score))
            else:
                result.refused.append(
                    (
                        row.student_id,
                        say("lti_score_refused", status=answer.status, detail=answer.detail()),
                    )
                )
    except LTIError as exc:
        result.error = str(exc)
        result.not_sent = left
    result.requests = client.requests
    return result


def push_from_cli(
    batch: GradeBatch,
    config: LTIConfig,
    *,
    grades_file: str,
    dry_run: bool = False,
    quiet: bool = False,
) -> int:
    """Push and report on the terminal, for ``bmc grade --push-lti``; return 0 or 1 (see README).

    The grades CSV (``grades_file``) is already written: every message that leaves a student out
    says so."""
    for warning in config.warnings:
        print(warning, file=sys.stderr)
    result = push_grades(batch, config, dry_run=dry_run, out=print)
    for student in result.not_launched:
        print(say("lti_not_launched", student=student), file=sys.stderr)
    for student, reason in result.refused:
        print(say("lti_refused_student", student=student, reason=reason), file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.error:
        print(say("lti_push_stopped", error=result.error), file=sys.stderr)
        if result.not_sent:
            print(say("lti_not_sent", students=", ".join(result.not_sent)), file=sys.stderr)
    if result.error or result.refused or result.not_launched:
        print(say("lti_csv_fallback", file=grades_file), file=sys.stderr)
    if not quiet and result.posted and not dry_run:
        key = {
            "link": "lti_pushed_link",
            "found": "lti_pushed_found",
            "created": "lti_pushed_created",
        }[result.how]
        print(
            say(key, n=len(result.posted), label=result.label, url=result.line_item),
            file=sys.stderr,
        )
    if dry_run:
        print(say("lti_dry_done", n=len(result.posted)), file=sys.stderr)
    return result.exit_code
