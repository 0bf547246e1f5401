"""Make the sample class's capstone canvases (``canvases/``), used by the instructor guide.

Nine students hand in the canvas of Lesson 10. Most start from an example company and plant
one or two typical mistakes (a segment without a channel, a points card written as a
relationship type, VIP care for viewers who pay nothing, one segment only, empty blocks); one
file carries no student id (its file name is the id), and ``late_canvases.zip`` holds what a
learning platform's download often adds: a resubmission that replaces an earlier file, a file
cut off in the middle, and the platform's own HTML page.

Run ``python data/sample_class/make_sample_canvases.py`` (no randomness: the output is the same
every time). It needs bmclib installed (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path

from make_sample_class import NAMES, _stable_zip

from bmclib.canvas import Canvas
from bmclib.paths import data_path

HERE = Path(__file__).resolve().parent


def example(name: str) -> Canvas:
    return Canvas.load(data_path("canvases", f"{name}.json"))


def replace(canvas: Canvas, block_id: str, old_start: str, text: str) -> Canvas:
    """Rewrite the note of ``block_id`` whose text starts with ``old_start`` (its tag stays)."""
    notes = canvas[block_id]
    index = next(i for i, n in enumerate(notes) if n.text.startswith(old_start))
    notes[index] = type(notes[index])(text, notes[index].segment)
    return canvas


def drop(
    canvas: Canvas, block_id: str, *, segment: str | None = None, start: str | None = None
) -> Canvas:
    """Remove the notes of a block with this tag, or whose text starts with ``start``."""
    canvas.blocks[block_id] = [
        n
        for n in canvas[block_id]
        if not (
            (segment is not None and n.segment == segment)
            or (start is not None and n.text.startswith(start))
        )
    ]
    return canvas


def brewly_draft() -> Canvas:
    """Lesson 10's first draft of Brewly, with its five mistakes."""
    return (
        Canvas(title="Brewly", lang="en")
        .add("customer_segments", "Home baristas who brew specialty coffee", segment="home")
        .add("customer_segments", "Independent cafés", segment="cafes")
        .add("value_propositions", "Beans roasted to order, at a low price", segment="home")
        .add("value_propositions", "Steady supply and barista training", segment="cafes")
        .add("channels", "Web shop and app", segment="home")
        .add(
            "customer_relationships",
            "Dedicated personal assistance: an account manager for every home barista",
            segment="home",
        )
        .add("customer_relationships", "Loyalty points card", segment="cafes")
        .add("revenue_streams", "Sales")
        .add("key_resources", "Roasting machines and green beans")
        .add("key_activities", "Roasting beans to order")
        .add("key_partnerships", "An advertising agency")
        .add("cost_structure", "Green beans, roasting and delivery")
    )


def side_dishes() -> Canvas:
    """An idea of the student's own, barely started: two blocks filled."""
    return (
        Canvas(title="동네 반찬 구독", lang="ko")
        .add("customer_segments", "퇴근이 늦은 맞벌이 가정", segment="가정")
        .add("value_propositions", "매주 집 앞으로 오는 수제 반찬 다섯 가지", segment="가정")
    )


def canvases() -> dict[str, Canvas]:
    """File name -> canvas (without student fields; :func:`write` adds them)."""
    s0003_first = replace(
        example("ikea.ko"), "customer_relationships", "셀프서비스", "멤버십 포인트 적립"
    )
    return {
        "s0001": example("bank_salad.ko"),
        "s0002": drop(example("netflix.en"), "channels", segment="advertisers"),
        "s0003": s0003_first,
        "s0004": replace(
            example("youtube.en").add("key_partnerships", "A law firm"),
            "customer_relationships",
            "Automated services: a home page",
            "Dedicated personal assistance: a personal adviser for every viewer",
        ),
        "s0005": replace(
            drop(
                drop(
                    drop(
                        drop(
                            drop(
                                drop(
                                    example("private_banking.ko"),
                                    "customer_segments",
                                    segment="owners",
                                ),
                                "value_propositions",
                                segment="owners",
                            ),
                            "channels",
                            segment="owners",
                        ),
                        "customer_relationships",
                        segment="owners",
                    ),
                    "revenue_streams",
                    segment="owners",
                ),
                "key_activities",
                segment="owners",
            ),
            "customer_relationships",
            "전담 개별 어시스트",
            "셀프서비스: FAQ 페이지와 이메일 문의",
        ),
        "s0006": drop(
            drop(example("sap_community.en"), "key_activities", start=""),
            "cost_structure",
            start="",
        ),
        "s0007": brewly_draft(),
        "s0009": side_dishes(),
    }


def write(out: Path) -> None:
    folder = out / "canvases"
    folder.mkdir(parents=True, exist_ok=True)
    for number, (stem, canvas) in enumerate(canvases().items(), start=1):
        index = int(stem[1:]) - 1
        if stem != "s0007":  # s0007 saved the canvas before the editor asked for an id
            canvas.student_id, canvas.student_name = stem, NAMES[index]
        canvas.saved_at = f"2026-11-27T{9 + number // 6:02d}:{(number * 7) % 60:02d}:00+09:00"
        (folder / f"{stem}.json").write_text(
            json.dumps(canvas.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    cut = json.dumps(Canvas("Cut off", blocks={"channels": ["Web"]}).to_dict(), indent=2)
    fixed = example("ikea.ko")
    fixed.student_id, fixed.student_name, fixed.saved_at = (
        "s0003",
        NAMES[2],
        "2026-11-27T11:30:00+09:00",
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "capstone/s0003_resubmission.json",
            json.dumps(fixed.to_dict(), ensure_ascii=False, indent=2),
        )
        z.writestr("capstone/s0008.json", cut[: len(cut) // 2])
        z.writestr("capstone/index.html", "<html><body>Submission list</body></html>")
    (folder / "late_canvases.zip").write_bytes(_stable_zip(buf.getvalue()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    write(parser.parse_args().out)
