"""Figures, tested by structure: boxes, titles, notes inside their boxes, Korean without
warnings."""

import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import bmclib as bmc
from bmclib.analysis import (
    check_charts_file,
    loyalty_counts,
    loyalty_stages,
    pareto_curve,
    pareto_share,
)
from bmclib.blocks import BLOCK_IDS
from bmclib.canvas import Canvas
from bmclib.cli import main
from bmclib.errors import BMCError, UnknownIdError
from bmclib.paths import data_path
from bmclib.plots import (
    ELLIPSIS,
    FONT_FILE,
    LAYOUT,
    NOTE_SIZES,
    draw_advocate_pyramid,
    draw_canvas,
    draw_loyalty_ladder,
    draw_pareto,
    save_canvas,
    use_korean_font,
)

SHIPPED = sorted(data_path("canvases").glob("*.json"))
COUNTS = {
    "prospect": 1000,
    "first_time_buyer": 200,
    "repeat_customer": 80,
    "member": 30,
    "advocate": 10,
    "passionate_fan": 2,
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(artists, prefix):
    return [a for a in artists if (a.get_gid() or "").startswith(prefix)]


def crowded() -> Canvas:
    c = Canvas.load(data_path("canvases", "youtube.en.json"))
    for i in range(14):
        c.add(
            "channels",
            f"Extra channel note {i} with enough words to wrap over two lines in the box",
            segment="viewers",
        )
    c.add(
        "key_resources", "Averyveryverylongwordwithoutanyspacesthatmustbebrokenacrossseverallines"
    )
    c.add("cost_structure", "Prices like $5 and $10 are not mathematics")
    return c


def assert_notes_inside_boxes(ax):
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    notes = by_gid(ax.texts, "bmc-note-")
    assert notes
    for text in notes:
        block_id = text.get_gid()[len("bmc-note-") :].rsplit("-", 1)[0]
        (box,) = by_gid(ax.patches, f"bmc-block-{block_id}")
        outer, inner = box.get_window_extent(renderer), text.get_window_extent(renderer)
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1 + 0.5, (text.get_text(), outer, inner)
        assert outer.y0 <= inner.y0 and inner.y1 <= outer.y1 + 0.5, (text.get_text(), outer, inner)
    for title in by_gid(ax.texts, "bmc-title-"):
        (box,) = by_gid(ax.patches, f"bmc-block-{title.get_gid()[len('bmc-title-') :]}")
        outer, inner = box.get_window_extent(renderer), title.get_window_extent(renderer)
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and inner.y1 <= outer.y1, (
            title.get_text()
        )
    return notes


# -- the bundled font ---------------------------------------------------------------------------


def test_bundled_font_is_small_renamed_and_licensed():
    assert FONT_FILE.is_file() and FONT_FILE.stat().st_size <= 2.5 * 1024 * 1024
    licence = (FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert (
        "SIL OPEN FONT LICENSE" in licence
        and "Reserved Font Name" in licence
        and "NAVER" in licence
    )
    assert "Modified Version" in (FONT_FILE.parent / "FONTLOG.txt").read_text(encoding="utf-8")
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_FILE)
    names = {n.nameID: n.toUnicode() for n in font["name"].names}
    # OFL reserved names
    assert names[1] == "BMC Gothic" and "Nanum" not in names[1] + names[4] + names[6]
    cmap = font.getBestCmap()
    assert all(cp in cmap for cp in range(0xAC00, 0xD7A4)), "every Hangul syllable"
    assert all(cp in cmap for cp in range(0x20, 0x7F)) and 0x2026 in cmap


def test_use_korean_font_registers_once_and_leaves_rcparams_alone():
    from matplotlib import font_manager

    before = dict(matplotlib.rcParams)
    assert use_korean_font() == "BMC Gothic"
    count = len(font_manager.fontManager.ttflist)
    assert use_korean_font() == "BMC Gothic"
    assert len(font_manager.fontManager.ttflist) == count
    draw_canvas(Canvas.load(data_path("canvases", "ikea.ko.json")))
    draw_pareto([3, 2, 1], lang="ko")
    assert dict(matplotlib.rcParams) == before


# -- the canvas ---------------------------------------------------------------------------------


def test_canvas_structure_in_english():
    c = Canvas.load(data_path("canvases", "netflix.en.json"))
    ax = draw_canvas(c)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.patches) == 9 and sorted(p.get_gid() for p in ax.patches) == sorted(
        f"bmc-block-{b}" for b in BLOCK_IDS
    )
    titles = {t.get_gid(): t.get_text() for t in by_gid(ax.texts, "bmc-title-")}
    assert titles == {f"bmc-title-{b.id}": b.name["en"] for b in bmc.blocks()}
    notes = by_gid(ax.texts, "bmc-note-")
    assert len(notes) == len(c) and len(by_gid(ax.lines, "bmc-marker-")) == len(c)
    assert {t.get_text().replace("\n", " ") for t in notes} == {n.text for _b, n in c.notes()}
    assert [t.get_text() for t in by_gid(ax.texts, "bmc-canvas-title")] == ["Netflix"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(c.segments())


def test_layout_is_the_standard_canvas():
    x = {b: LAYOUT[b][0] for b in BLOCK_IDS}
    assert (
        x["key_partnerships"]
        < x["key_activities"]
        == x["key_resources"]
        < x["value_propositions"]
        < x["customer_relationships"]
        == x["channels"]
        < x["customer_segments"]
    )
    assert LAYOUT["key_activities"][1] > LAYOUT["key_resources"][1]
    assert LAYOUT["customer_relationships"][1] > LAYOUT["channels"][1]
    assert LAYOUT["cost_structure"][0] < LAYOUT["revenue_streams"][0]
    assert LAYOUT["cost_structure"][1] == LAYOUT["revenue_streams"][1] < LAYOUT["channels"][1]


def test_titles_follow_lang_and_default_to_the_canvas_language():
    c = Canvas.load(data_path("canvases", "bank_salad.ko.json"))
    ko = {t.get_text() for t in by_gid(draw_canvas(c).texts, "bmc-title-")}
    en = {t.get_text() for t in by_gid(draw_canvas(c, lang="en").texts, "bmc-title-")}
    assert "고객 관계" in ko and "Customer Relationships" in en


def test_segment_colours_same_tag_same_colour():
    c = Canvas.load(data_path("canvases", "youtube.en.json"))
    ax = draw_canvas(c)
    colour_of = {}
    for block_id, notes in c.blocks.items():
        for i, note in enumerate(notes):
            (marker,) = by_gid(ax.lines, f"bmc-marker-{block_id}-{i}")
            colour_of.setdefault(note.segment, set()).add(marker.get_color())
    assert all(len(colours) == 1 for colours in colour_of.values())
    tagged = [next(iter(v)) for k, v in colour_of.items() if k]
    assert len(set(tagged)) == len(tagged) == 4
    assert colour_of[None] == {bmc.analysis.palette()["untagged"]}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_note_of_every_shipped_canvas_is_drawn_inside_its_box(path):
    c = Canvas.load(path)
    notes = assert_notes_inside_boxes(draw_canvas(c))
    assert len(notes) == len(c)
    assert not any(t.get_text().endswith(ELLIPSIS) for t in notes)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_canvas_in_a_notebook_is_readable_at_the_notebooks_width(path):
    """A notebook shows a figure about 10 inches wide at 100 dpi without scaling it down, so the
    default figure is that wide and most notes keep the full note size."""
    import statistics

    ax = draw_canvas(Canvas.load(path))
    assert tuple(ax.figure.get_size_inches()) == (10.0, 7.5)
    sizes = [t.get_fontsize() for t in ax.texts if (t.get_gid() or "").startswith("bmc-note-")]
    assert statistics.median(sizes) >= 11.5 and min(sizes) >= 6.0
    plt.close("all")


def test_crowded_blocks_shrink_then_truncate_with_an_ellipsis():
    c = crowded()
    ax = draw_canvas(c)
    notes = assert_notes_inside_boxes(ax)
    channels = by_gid(notes, "bmc-note-channels-")
    assert len(channels) < len(c["channels"])
    assert channels[-1].get_text().endswith(ELLIPSIS)
    assert channels[0].get_fontsize() == min(NOTE_SIZES)
    untouched = by_gid(notes, "bmc-note-key_partnerships-")
    assert untouched[0].get_fontsize() == max(NOTE_SIZES)
    (long_word,) = [t for t in notes if t.get_text().startswith("Averyvery")]
    assert long_word.get_text().count("\n") >= 1
    assert any(t.get_text() == "Prices like $5 and $10 are not mathematics" for t in notes)


def test_a_small_axes_still_keeps_text_inside():
    _fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    ax = draw_canvas(crowded(), axes[1])
    assert ax is axes[1]
    assert_notes_inside_boxes(ax)


def test_highlighted_blocks_stand_out():
    c = Canvas.load(data_path("canvases", "ikea.en.json"))
    ax = draw_canvas(c, highlight=["customer_relationships", "channels"])
    widths = {p.get_gid(): p.get_linewidth() for p in ax.patches}
    assert widths["bmc-block-customer_relationships"] > widths["bmc-block-key_resources"]
    assert widths["bmc-block-channels"] == widths["bmc-block-customer_relationships"]
    with pytest.raises(UnknownIdError, match="'channel' is not a block. Did you mean 'channels'"):
        draw_canvas(c, highlight="channel")


def test_empty_canvas_draws_nine_empty_boxes():
    ax = draw_canvas(Canvas())
    assert len(ax.patches) == 9 and not by_gid(ax.texts, "bmc-note-") and ax.get_legend() is None


def test_korean_canvas_renders_and_saves_without_any_warning(tmp_path, caplog):
    c = Canvas.load(data_path("canvases", "sap_community.ko.json"))
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = draw_canvas(c)
        ax.get_figure().canvas.draw()
        for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
            out = save_canvas(
                c, tmp_path / "out" / f"sap{suffix}", highlight="customer_relationships"
            )
            assert out.read_bytes().startswith(magic)
    assert caplog.records == []  # matplotlib logs missing fonts and glyphs instead of warning
    assert plt.get_fignums() == [ax.get_figure().number]  # save_canvas leaves no pyplot figure open


def test_mixed_scripts_fall_back_between_fonts_without_warnings(tmp_path, caplog):
    c = Canvas.load(data_path("canvases", "youtube.en.json")).add(
        "channels", "English + 한국어 \u2713 \u2212 \u20ac 5"
    )
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        for suffix in (".png", ".svg", ".pdf"):
            save_canvas(c, tmp_path / f"mixed{suffix}")
    assert caplog.records == []


def test_save_canvas_rejects_other_formats(tmp_path):
    with pytest.raises(
        BMCError,
        match=r"cannot save a canvas as 'c.jpg': use a file name ending in \.png, \.svg or \.pdf",
    ):
        save_canvas(Canvas(), tmp_path / "c.jpg")
    assert not (tmp_path / "c.jpg").exists()


def test_cli_draw(tmp_path, capsys):
    src = data_path("canvases", "bank_salad.ko.json")
    out = tmp_path / "figs" / "x.png"
    assert main(["canvas", "draw", str(src), "--out", str(out), "--lang", "ko"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().out.strip() == str(out)
    assert main(["canvas", "draw", str(src), "--out", str(tmp_path / "x.svg")]) == 0
    assert (tmp_path / "x.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert main(["canvas", "draw", str(src), "--out", str(tmp_path / "x.gif")]) == 2
    assert "cannot save a canvas as 'x.gif'" in capsys.readouterr().err
    assert main(["canvas", "draw", str(tmp_path / "missing.json"), "--out", str(out)]) == 2


# -- lesson charts ------------------------------------------------------------------------------


def test_loyalty_ladder_structure():
    ax = draw_loyalty_ladder(pd.Series(COUNTS))
    bars = by_gid(ax.patches, "bmc-stage-")
    assert len(bars) == 6
    widths = [b.get_width() for b in bars]
    assert (
        widths[0] == 1.0
        and widths[1] == pytest.approx(0.2)
        and widths == sorted(widths, reverse=True)
    )
    ys = [b.get_y() for b in bars]
    assert ys == sorted(ys, reverse=True), "prospects at the top"
    labels = [t.get_text() for t in by_gid(ax.texts, "bmc-stage-label-")]
    assert labels == [
        "Prospect",
        "First-time buyer",
        "Repeat customer",
        "Member",
        "Advocate",
        "Passionate fan",
    ]
    counts = [t.get_text() for t in by_gid(ax.texts, "bmc-stage-count-")]
    assert (
        counts[0] == "1,000 people"
        and counts[1] == "200 people  \u00b7  20% of those who reached Prospect"
    )
    assert counts[5] == "2 people  \u00b7  20% of those who reached Advocate"
    assert ax.get_title(loc="left") == "The loyalty ladder"


def test_loyalty_ladder_in_korean_and_with_labels_as_keys():
    ax = draw_loyalty_ladder({"잠재 구매자": 50, "구매자": 10}, lang="ko")
    assert [t.get_text() for t in by_gid(ax.texts, "bmc-stage-label-")] == [
        "잠재 구매자",
        "구매자",
        "고객",
        "멤버",
        "옹호자",
        "열혈팬",
    ]
    assert [b.get_width() for b in by_gid(ax.patches, "bmc-stage-")][2:] == [0, 0, 0, 0]
    assert [t.get_text() for t in by_gid(ax.texts, "bmc-stage-count-")][
        1
    ] == "10명  \u00b7  잠재 구매자 단계까지 온 사람 중 20%"


def test_loyalty_counts_errors():
    with pytest.raises(UnknownIdError) as err:
        loyalty_counts({"advocates": 3})
    assert str(err.value) == (
        "'advocates' is not a loyalty stage. Did you mean 'advocate'? Loyalty stages are: "
        "prospect, first_time_buyer, repeat_customer, member, advocate, passionate_fan."
    )
    with pytest.raises(BMCError, match="count of stage 'member' must be a number >= 0, not -1"):
        loyalty_counts({"member": -1})
    with pytest.raises(BMCError, match="counts must map loyalty stages to numbers"):
        loyalty_counts([1, 2, 3])
    assert [s.id for s in loyalty_stages()] == list(COUNTS)


def test_pareto_share_and_curve():
    assert pareto_share([40, 30, 10, 5, 5, 3, 3, 2, 1, 1]) == 0.7
    assert pareto_share(pd.Series([1] * 10)) == pytest.approx(0.2)
    assert pareto_share([10, 0, 0, 0, 0]) == 1.0
    assert pareto_share([6, 3, 1], top=1) == 1.0
    # top 20% of 7 customers is 1.4 customers: read off the straight line between the 1st and 2nd
    assert pareto_share([50, 20, 10, 10, 5, 3, 2]) == pytest.approx(0.5 + 0.4 * 0.2)
    xs, ys = pareto_curve({"a": 1, "b": 3})
    assert xs == [0, 0.5, 1] and ys == [0, 0.75, 1]


@pytest.mark.parametrize(
    "revenue, top, message",
    [
        ([], 0.2, "revenue is empty"),
        ([1, -2], 0.2, "revenue of customer 1 is negative"),
        ([1, float("nan")], 0.2, "revenue of customer 1 is missing or infinite"),
        ({"kim": "10"}, 0.2, "revenue of customer 'kim' is '10', not a number"),
        ([0, 0], 0.2, "total revenue is 0"),
        ([1, 2], 0, r"top must be a fraction of customers in \(0, 1\]"),
        ([1, 2], 20, r"top must be a fraction of customers in \(0, 1\]"),
        ("12", 0.2, "revenue must be numbers"),
    ],
)
def test_pareto_share_errors(revenue, top, message):
    with pytest.raises(BMCError, match=message):
        pareto_share(revenue, top)


def test_pareto_chart_structure():
    revenue = pd.Series([40, 30, 10, 5, 5, 3, 3, 2, 1, 1], index=[f"c{i}" for i in range(10)])
    ax = draw_pareto(revenue, lang="ko")
    assert len(ax.patches) == 10
    (curve,) = by_gid(ax.lines, "bmc-pareto-curve")
    assert list(curve.get_xdata())[-1] == 100 and list(curve.get_ydata())[-1] == 100
    (marker,) = by_gid(ax.lines, "bmc-pareto-top")
    assert list(marker.get_xdata()) == [20, 20]
    assert [t.get_text() for t in ax.texts] == ["상위 20% 고객: 매출의 70%"]
    assert ax.get_xlabel() == "고객 비율 (매출이 큰 고객부터)" and ax.get_title(loc="left")
    ax = draw_pareto([5, 1, 1, 1], top=0.5)
    assert [t.get_text() for t in ax.texts] == ["Top 50% of customers: 75% of revenue"]


def test_advocate_pyramid_structure():
    ax = draw_advocate_pyramid()
    levels = by_gid(ax.patches, "bmc-level-")
    assert len(levels) == 5
    bottoms = [p.get_xy()[:, 1].min() for p in levels]
    widths = [p.get_xy()[:, 0].max() - p.get_xy()[:, 0].min() for p in levels]
    assert bottoms == sorted(bottoms) and widths == sorted(widths, reverse=True)
    labels = by_gid(ax.texts, "bmc-level-label-")
    assert [t.get_text() for t in labels] == [
        "Physical rewards",
        "Attention",
        "Empowerment",
        "Special experiences",
        "Influence",
    ]
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for patch, label in zip(levels, labels):
        outer, inner = patch.get_window_extent(renderer), label.get_window_extent(renderer)
        assert outer.x0 < inner.x0 and inner.x1 < outer.x1, label.get_text()
    ko = draw_advocate_pyramid(lang="ko")
    assert [t.get_text() for t in by_gid(ko.texts, "bmc-level-label-")] == [
        "물리적 보상",
        "관심",
        "권한/위임",
        "특별대우의 경험",
        "영향력",
    ]


def test_charts_draw_on_a_given_axes_and_return_it():
    fig, axes = plt.subplots(1, 3)
    assert draw_loyalty_ladder(COUNTS, axes[0]) is axes[0]
    assert draw_pareto([3, 2, 1], axes[1]) is axes[1]
    assert draw_advocate_pyramid(axes[2]) is axes[2]
    assert plt.get_fignums() == [fig.number]


def test_charts_reject_an_unknown_language():
    with pytest.raises(BMCError, match="lang must be 'en' or 'ko', not 'jp'"):
        draw_advocate_pyramid(lang="jp")


def test_charts_file_is_valid():
    assert check_charts_file(data_path("charts.json")) == []


def test_importing_bmclib_does_not_import_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, bmclib; bmclib.Canvas; bmclib.check_canvas; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_user_text_with_dollar_signs_is_drawn_as_written(tmp_path):
    """A tag like "$5 to $10" must not turn into math ("5to10"), and "$\\frac{}$" must not break the
    drawing."""
    canvas = bmc.Canvas.from_dict(
        {
            "format": "bmclib-canvas",
            "version": 1,
            "title": "Price $5",
            "blocks": {
                "customer_segments": [
                    {"text": "Budget", "segment": "$5 to $10"},
                    {"text": "Odd", "segment": "$\\frac{}$"},
                ]
            },
        }
    )
    ax = bmc.draw_canvas(canvas, lang="en")
    # what is drawn, math or not
    shown = [t._preprocess_math(t.get_text()) for t in ax.get_legend().get_texts()]
    assert shown == [("$5 to $10", False), ("$\\frac{}$", False)]
    ax.figure.savefig(tmp_path / "c.png")


# -- the report's and the prioritiser's bars, read back from the Axes ------------------------------


def test_item_shares_draw_each_items_shares_named_by_company():
    from bmclib.keys import load_key
    from bmclib.plots import draw_item_shares
    from bmclib.report import build_report

    report = build_report([data_path("sample_class")], load_key("relationships-practice"))
    ax = draw_item_shares(report.items, lang="ko")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [s.label("ko") for s in report.items][::-1]  # the first item on top
    # two segments told apart
    assert "유튜브 (시청자)" in labels and "유튜브 (크리에이터)" in labels
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    top = report.items[0]
    for part in ("right", "partly", "wrong", "unanswered"):
        assert bars[f"bmc-share-{part}-1"].get_width() == pytest.approx(getattr(top, part))
    right, partly = bars["bmc-share-right-1"], bars["bmc-share-partly-1"]
    # stacked, not overlapping
    assert partly.get_x() == pytest.approx(right.get_x() + right.get_width())
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert legend == ["정답", "부분 정답", "오답", "미응답"]
    plt.close("all")


def test_priority_bars_follow_the_ranking():
    from bmclib.plots import draw_priority

    ax = draw_priority(["Cafés", "Offices", "Students"], [0.8, 0.5, 0.2], [1, 2, 3], lang="en")
    bars = [p for p in ax.patches if p.get_gid() == "bmc-priority-bars"]
    assert [round(b.get_width(), 2) for b in bars][::-1] == [0.8, 0.5, 0.2]
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == ["Cafés", "Offices", "Students"]
    assert bars[-1].get_facecolor() != bars[0].get_facecolor()  # the first is highlighted
    assert ax.get_xlabel() == "Priority score (0 to 1)"
    plt.close("all")


def test_a_word_is_not_cut_in_two_while_a_smaller_size_keeps_it_whole():
    """A long word in a narrow block: the font shrinks before the word is split ("recommendation/s"
    read badly in the English YouTube canvas)."""
    c = Canvas(
        "Words", blocks={"key_activities": ["Personalised recommendations for every viewer"]}
    )
    ax = draw_canvas(c)
    (note,) = by_gid(ax.texts, "bmc-note-key_activities-")
    assert "recommendations" in note.get_text().split()  # whole, on one line
    plt.close("all")
    ax = draw_canvas(Canvas.load(bmc.data_path("canvases", "youtube.en.json")))
    words = " ".join(t.get_text() for t in by_gid(ax.texts, "bmc-note-")).split()
    assert "recommendations" in " ".join(words) and "s" not in words
    plt.close("all")
