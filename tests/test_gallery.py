"""`bmc canvas gallery`: one page with every student's canvas, score and findings (CONTRACT.md
section 7)."""

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import pytest

import bmclib as bmc
from bmclib.canvas import Canvas
from bmclib.cli import main
from bmclib.gallery import _SCRIPT, DPI, build_gallery, picture_name
from bmclib.plots import FIGSIZE

pytest.importorskip("matplotlib")

SHIPPED = bmc.data_path("canvases")
HOSTILE = "<script>window.__pwned = 1</script>"


def save(canvas: Canvas, path: Path, student_id: str = "", name: str = "") -> Path:
    canvas.student_id, canvas.student_name = student_id, name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(canvas.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def class_folder(tmp_path):
    """Three canvases (10, 8 and 9.5 points), a hostile name, a hostile note, a broken file."""
    root = tmp_path / "class"
    save(Canvas.load(SHIPPED / "ikea.ko.json"), root / "a.json", "s01", "이서준")
    hostile = Canvas.load(SHIPPED / "bank_salad.en.json")
    hostile.title = "<img src=x onerror='window.__pwned = 2'>"
    # 8: an empty block (-0.5), no payer (-1), an orphan partner (-0.5)
    hostile["revenue_streams"].clear()
    hostile.add("key_partnerships", "<b onmouseover=alert(1)>Mystery</b> & co")
    hostile["key_partnerships"].pop(0)
    save(hostile, root / "b.json", "s02", HOSTILE)
    netflix = Canvas.load(SHIPPED / "netflix.en.json")
    netflix.blocks["channels"] = [n for n in netflix["channels"] if n.segment != "advertisers"]
    save(netflix, root / "c.json", "s03", "Alex Morgan")
    (root / "broken.json").write_text('{"format": "bmclib-canvas", "version": ', encoding="utf-8")
    return root


def cards(page: str) -> list[str]:
    return re.findall(r"<article class='bmc-card'.*?</article>", page, flags=re.DOTALL)


def test_gallery_page_holds_one_figure_per_valid_canvas(class_folder, tmp_path, capsys):
    out = tmp_path / "gallery"
    assert main(["canvas", "gallery", str(class_folder), "--out", str(out), "--quiet"]) == 1
    index = out / "index.html"
    assert capsys.readouterr().out.strip() == str(index)
    page = index.read_text(encoding="utf-8")
    assert len(cards(page)) == 3 and page.count("<img ") == 3
    pictures = sorted(re.findall(r"<img src='([^']+)'", page))
    assert pictures == ["s01.png", "s02.png", "s03.png"]
    for name in pictures:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the broken file is listed, with its reason
    problems = page[page.index("id='bmc-problems'") :]
    assert str(class_folder / "broken.json") in problems and "not valid JSON" in problems
    # scores and points as the rubric gives them
    scores = dict(re.findall(r"data-order='(\d)' data-score='([\d.]+)'", "".join(cards(page))))
    assert sorted(scores.values()) == ["10", "8", "9.5"]
    assert "Score: 8/10 (80%)" in page and "Score: 9.5/10 (95%)" in page


def test_gallery_escapes_every_student_text(class_folder, tmp_path):
    out = tmp_path / "gallery"
    build_gallery([class_folder], out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert HOSTILE not in page and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert (
        "<img src=x" not in page
        and "&lt;img src=x onerror=&#x27;window.__pwned = 2&#x27;&gt;" in page
    )
    assert (
        "<b onmouseover" not in page
        and "&lt;b onmouseover=alert(1)&gt;Mystery&lt;/b&gt; &amp; co" in page
    )
    assert page.count("<script") == 1  # only the page's own sorting script
    # the script may run only if it is exactly ours: its hash is pinned in the page's security
    # policy
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "default-src 'none'" in page
    assert f"<script>{_SCRIPT}</script>" in page
    # nothing from a network: every link and picture is a file beside the page, every url() embedded
    links = re.findall(r"(?:src|href)=['\"]([^'\"]*)['\"]", page)
    assert links and all(":" not in link and not link.startswith("//") for link in links)
    assert all(u.startswith("data:") for u in re.findall(r"url\(([^)]*)\)", page))
    assert "http:" not in page and "https:" not in page


def test_gallery_in_korean_with_svg_pictures(class_folder, tmp_path):
    out = tmp_path / "갤러리"
    gallery = build_gallery([class_folder], out, lang="ko", fmt="svg")
    page = gallery.index.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n<html lang='ko'>")
    assert (
        "<h1>학급의 캔버스</h1>" in page
        and "캔버스 3개를 루브릭 canvas-default.csv(만점 10점)으로 채점했습니다." in page
    )
    assert "점수순" in page and "이름순" in page
    # problems in Korean too
    assert "캔버스로 읽지 못한 파일" in page and "1번째 줄: 올바른 JSON이 아닙니다" in page
    assert "<th>기준</th>" in page and "세그먼트마다 가치 제안·채널·관계를 갖춤" in page
    finding = bmc.check_canvas(Canvas.load(class_folder / "c.json"))[0]
    assert (
        finding.message["ko"].replace('"', "&quot;") in page and finding.message["en"] not in page
    )
    assert "<span class='bmc-sev-warning'>경고</span>" in page
    assert sorted(p.name for p in out.glob("*.svg")) == ["s01.svg", "s02.svg", "s03.svg"]
    assert (out / "s01.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    # the page carries the Korean glyphs it uses (a subset of the bundled font), and nothing else is
    # written
    face = re.search(
        r"@font-face \{ font-family: \"BMC Gothic\".*?base64,([A-Za-z0-9+/=]+)\)", page
    )
    woff = base64.b64decode(face.group(1))
    assert woff[:4] == b"wOFF" and 2_000 < len(woff) < 200_000
    assert "font-src data:" in page
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "s01.svg", "s02.svg", "s03.svg"]
    assert len(gallery.pictures) == 3 and gallery.batch.exit_code == 1


def test_the_embedded_font_holds_exactly_the_hangul_of_the_page(class_folder, tmp_path):
    from fontTools.ttLib import TTFont

    page = build_gallery([class_folder], tmp_path / "g", lang="ko").index.read_text(
        encoding="utf-8"
    )
    data = re.search(r"base64,([A-Za-z0-9+/=]+)\)", page).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    covered = {chr(c) for c in font.getBestCmap()}
    hangul = {c for c in page if "\uac00" <= c <= "\ud7a3"}
    assert hangul and hangul <= covered and len(covered) < len(hangul) + 10
    english = build_gallery([SHIPPED / "ikea.en.json"], tmp_path / "en").index.read_text(
        encoding="utf-8"
    )
    assert "@font-face" not in english  # no Hangul on the page: no font


def test_gallery_orders_cards_by_name_and_marks_scores_for_sorting(class_folder, tmp_path):
    page = build_gallery([class_folder], tmp_path / "g").index.read_text(encoding="utf-8")
    names = re.findall(r"<h2>(.*?)(?: <span|</h2>)", "".join(cards(page)))
    assert names == ["&lt;script&gt;window.__pwned = 1&lt;/script&gt;", "Alex Morgan", "이서준"]
    assert re.findall(r"<tr data-order='(\d)' data-score='([\d.]+)'>", page) == [
        ("0", "8"),
        ("1", "9.5"),
        ("2", "10"),
    ]
    assert "href='?sort=score'" in page and "href='?sort=name'" in page


def test_gallery_of_nothing_readable_says_so(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.json").write_text("{}", encoding="utf-8")
    assert (
        main(["canvas", "gallery", str(tmp_path / "c"), "--out", str(tmp_path / "g"), "--quiet"])
        == 1
    )
    page = (tmp_path / "g" / "index.html").read_text(encoding="utf-8")
    assert "No canvas could be read." in page and not cards(page)


def test_gallery_usage_errors(tmp_path, class_folder):
    afile = tmp_path / "file.txt"
    afile.write_text("x", encoding="utf-8")
    assert main(["canvas", "gallery", str(class_folder), "--out", str(afile), "--quiet"]) == 2
    assert (
        main(
            [
                "canvas",
                "gallery",
                str(class_folder),
                "--out",
                str(tmp_path / "g"),
                "--format",
                "jpg",
            ]
        )
        == 2
    )
    assert main(["canvas", "gallery", str(tmp_path / "missing"), "--out", str(tmp_path / "g")]) == 2


def test_picture_names_are_safe_and_unique():
    taken = set()
    names = [
        picture_name(i, taken, "png")
        for i in ("s1", "S1", "../s1", "index", "", "a/b", "a_b", ".hidden")
    ]
    assert names == [
        "s1.png",
        "S1-2.png",
        "s1-3.png",
        "index_.png",
        "canvas.png",
        "a_b.png",
        "a_b-2.png",
        "hidden.png",
    ]


# -- in a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_gallery_sorts_and_stays_inert_in_chromium(class_folder, tmp_path):
    from browser_support import CHROMIUM, FLAGS, MISSING

    if not Path(CHROMIUM).exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    index = build_gallery([class_folder], tmp_path / "g", lang="ko").index
    order_js = (
        "Array.from(document.querySelectorAll('#bmc-cards article')).map(a => a.dataset.score)"
    )
    rows_js = "Array.from(document.querySelectorAll('#bmc-rows tr')).map(r => r.dataset.score)"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            blocked = []
            page.on(
                "request",
                lambda r: blocked.append(r.url) if not r.url.startswith("file:") else None,
            )
            page.goto(index.as_uri())
            assert page.evaluate(order_js) == ["8", "9.5", "10"]  # by name: hostile, Alex, 이서준
            page.click("#bmc-sort-score")
            page.wait_for_load_state()
            assert page.url.endswith("?sort=score")
            assert page.evaluate(order_js) == ["10", "9.5", "8"] and page.evaluate(rows_js) == [
                "10",
                "9.5",
                "8",
            ]
            assert page.get_attribute("#bmc-sort-score", "aria-current") == "true"
            page.click("#bmc-sort-name")
            page.wait_for_load_state()
            assert page.evaluate(order_js) == ["8", "9.5", "10"]
            assert page.evaluate("typeof window.__pwned") == "undefined"
            for img in page.locator("img").all():
                img.scroll_into_view_if_needed()
            page.wait_for_function("Array.from(document.images).every(i => i.complete)")
            # 1400 pixels: wide enough to read the notes on a projector
            width = round(FIGSIZE[0] * DPI)
            assert (
                page.evaluate("Array.from(document.images).map(i => i.naturalWidth)") == [width] * 3
            )
            page.evaluate("document.fonts.load('16px \"BMC Gothic\"', '학급')")
            assert page.evaluate("document.fonts.check('16px \"BMC Gothic\"', '학급')")
            assert page.evaluate("Array.from(document.fonts).map(f => f.status)") == ["loaded"]
            assert blocked == []
        finally:
            browser.close()


def test_gallery_problems_file(class_folder, tmp_path, capsys):
    problems = tmp_path / "problems.csv"
    assert (
        main(
            [
                "canvas",
                "gallery",
                str(class_folder),
                "--out",
                str(tmp_path / "g"),
                "--problems",
                str(problems),
                "--quiet",
            ]
        )
        == 1
    )
    assert capsys.readouterr().err == ""
    lines = problems.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source,problem" and lines[1].startswith(
        f"{class_folder / 'broken.json'},line 1: not valid"
    )
