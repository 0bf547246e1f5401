"""Make the sample class used by the instructor guide: answer files for ``relationships-practice``.

Twenty-four simulated students answer the shipped practice set. Each knows the material to a
different degree; a wrong answer usually follows a typical confusion (self-service vs automated
services, communities vs co-creation, personal vs dedicated assistance; on pitfall items, another
trap), so the class report has
something to show. ``late_submissions.zip`` holds what a learning platform's download often
contains: a resubmission, a damaged file, a file for another exercise set and a stray HTML page.

Each file carries the attempt log the widget writes (``choose`` and ``check`` events with their
times): most students think for a while per case and sometimes change their mind; one (s0017)
guesses, a second or two per case, so the report's attempt patterns have something to show.

Run ``python data/sample_class/make_sample_class.py`` (seeded: the output is the same every time).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import zipfile
from pathlib import Path

from bmclib.answers import answers_text  # the widget's layout: one attempt per line

HERE = Path(__file__).resolve().parent
SET_ID = "relationships-practice"
CONFUSIONS = {
    "self_service": "automated_services",
    "automated_services": "self_service",
    "communities": "co_creation",
    "co_creation": "communities",
    "personal_assistance": "dedicated_personal_assistance",
    "dedicated_personal_assistance": "personal_assistance",
}
# the answers of pitfall items (data/blocks.json, taxonomy relationship_pitfalls)
PITFALLS = [
    "faq_only_for_considered_purchase",
    "vip_care_for_low_ticket",
    "mechanism_as_type",
    "one_type_for_all_segments",
    "peer_type_without_peers",
    "no_pitfall",
]
NAMES = [
    "Kim Minji",
    "Lee Seojun",
    "Park Jiwoo",
    "Choi Yuna",
    "Jung Hyunwoo",
    "Kang Soyeon",
    "Cho Minho",
    "Yoon Jiho",
    "Jang Haeun",
    "Lim Dohyun",
    "Han Seoyeon",
    "Oh Junseo",
    "Seo Yerin",
    "Shin Jihoon",
    "Kwon Subin",
    "Hwang Taeyang",
    "Ahn Chaewon",
    "Song Minjae",
    "Jeon Harin",
    "Hong Eunwoo",
    "Alex Morgan",
    "Priya Shah",
    "Tom Becker",
    "Mei Chen",
]


def read_key(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def answer_doc(student_id, name, answers, saved_at, exercise_set=SET_ID):
    return {
        "format": "bmclib-answers",
        "version": 1,
        "student_id": student_id,
        "student_name": name,
        "exercise_set": exercise_set,
        "answers": answers,
        "saved_at": saved_at,
    }


def simulate(key: list[dict], rng: random.Random, skill: float) -> dict:
    answers = {}
    for row in key:
        if rng.random() < 0.04:
            continue  # left unanswered
        best = row["best"].split(";")[0]
        if rng.random() < skill:
            answers[row["item_id"]] = best
        elif row["acceptable"] and rng.random() < 0.5:
            answers[row["item_id"]] = rng.choice(row["acceptable"].split(";"))
        elif best in CONFUSIONS and rng.random() < 0.7:
            answers[row["item_id"]] = CONFUSIONS[best]
        elif best in CONFUSIONS:
            answers[row["item_id"]] = rng.choice(sorted(CONFUSIONS))
        else:  # a pitfall item: any other trap
            answers[row["item_id"]] = rng.choice([p for p in PITFALLS if p != best])
    return answers


#: one student guesses: a second or two per item and several changes in a row
RAPID_GUESSER = "s0017"


def attempt_log(sid: str, key: list[dict], answers: dict, saved_at: str) -> list[dict]:
    """The widget's log for a student's answers: a first choice after some thought (sometimes a
    different one, changed later), a Check now and then, all ending before ``saved_at``."""
    from datetime import datetime, timedelta

    rng = random.Random(f"attempts-{sid}")  # its own stream: the answers above stay the same
    choices = sorted(CONFUSIONS) + PITFALLS
    steps = []  # (seconds after the previous event, item, choice, event)
    for row in key:
        item = row["item_id"]
        if item not in answers:
            continue
        final = answers[item]
        pool = [c for c in choices if c != final and (c in CONFUSIONS) == (final in CONFUSIONS)]
        if sid == RAPID_GUESSER:
            for c in rng.sample(pool, 3):
                steps.append((rng.uniform(0.5, 2.0), item, c, "choose"))
            steps.append((rng.uniform(0.5, 2.0), item, final, "choose"))
            continue
        if rng.random() < 0.25:  # first thought, then a change of mind
            steps.append((rng.uniform(8, 60), item, rng.choice(pool), "choose"))
            if rng.random() < 0.6:
                steps.append((rng.uniform(2, 10), item, steps[-1][2], "check"))
            steps.append((rng.uniform(5, 40), item, final, "choose"))
        else:
            steps.append((rng.uniform(8, 70), item, final, "choose"))
        if rng.random() < 0.4:
            steps.append((rng.uniform(2, 10), item, final, "check"))
    end = datetime.fromisoformat(saved_at) - timedelta(seconds=5)
    at = end - timedelta(seconds=sum(round(d) for d, *_ in steps))
    # the widget logs the exercise's opening: the first item's time runs from here
    log = [{"item": None, "choice": None, "event": "open", "at": at.isoformat(timespec="seconds")}]
    for delay, item, choice, event in steps:
        at += timedelta(seconds=round(delay))
        log.append(
            {"item": item, "choice": choice, "event": event, "at": at.isoformat(timespec="seconds")}
        )
    return log


def write(out: Path) -> None:
    rng = random.Random(2026)
    key = read_key(HERE.parent / "keys" / f"{SET_ID}.csv")
    out.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(NAMES, start=1):
        sid = f"s{i:04d}"
        skill = rng.uniform(0.35, 0.95)
        doc = answer_doc(sid, name, simulate(key, rng, skill), f"2026-11-20T10:{i:02d}:00+09:00")
        doc["attempts"] = attempt_log(sid, key, doc["answers"], doc["saved_at"])
        (out / f"{sid}.json").write_text(answers_text(doc), encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        resubmit = answer_doc(
            "s0003", NAMES[2], simulate(key, rng, 0.9), "2026-11-20T11:30:00+09:00"
        )
        z.writestr(
            "submissions/s0003_resubmission.json",
            json.dumps(resubmit, ensure_ascii=False, indent=2),
        )
        z.writestr(
            "submissions/s0025.json",
            '{"format": "bmclib-answers", "version": 1, "student_id": "s0025", ',
        )
        other = answer_doc(
            "s0026",
            "Nam Gyuri",
            {"cs_01": "niche_market"},
            "2026-11-20T10:40:00+09:00",
            exercise_set="segments-practice",
        )
        z.writestr("submissions/s0026.json", json.dumps(other, ensure_ascii=False, indent=2))
        z.writestr("submissions/index.html", "<html><body>Submission list</body></html>")
    (out / "late_submissions.zip").write_bytes(_stable_zip(buf.getvalue()))


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the file is the same on every run."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 20, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    write(parser.parse_args().out)
