"""``bmc report``: what a class got right and wrong, item by item, as an HTML page with figures.

Items are named by company (from the exercise set) in the report's language; every word comes from
the message catalogue, so a Korean report is Korean throughout.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .blocks import _category_index
from .fileio import DEFAULT_MAX_FILE_SIZE, write_files_atomic
from .grading import grade_batch
from .i18n import LANGS, Msg, lang_or_session, text_of
from .keys import Key, KeyItem
from .scoring import DEFAULT_PARTIAL, fmt_points, score_item

#: the report's shares, in the order they are drawn and listed
PARTS = ("right", "partly", "wrong", "unanswered")
_STATUS_PART = {"best": "right", "acceptable": "partly", "wrong": "wrong", "unanswered": "unanswered"}


@dataclass
class ItemStats:
    """How the class answered one item."""

    item: KeyItem
    right: float
    partly: float
    wrong: float
    unanswered: float
    common_wrong: str | None
    common_wrong_count: int
    misconception: dict = field(default_factory=dict)
    name: dict = field(default_factory=dict)  #: the item's company (or id), {"en", "ko"}

    def label(self, lang: str | None = None) -> str:
        """The item as people know it: its company in ``lang``, else its id."""
        return self.name.get(lang_or_session(lang)) or self.item.item_id


def misconception(item: KeyItem, chosen: str, case=None) -> dict:
    """A short ko/en note on what choosing ``chosen`` instead of the key's best suggests."""
    why_not = {lang: item.why_not_text(chosen, lang) for lang in ("en", "ko")}
    if all(why_not.values()):
        return why_not  # the key says which fact rules this choice out
    cats = _category_index()
    best = cats.get(item.best[0])
    picked = cats.get(chosen)
    if case is not None and picked is not None and picked.taxonomy == "relationship_types":
        from .advisor import explain_choice

        against = explain_choice(case.attrs, chosen).fit.against
        if against["en"]:
            return {lang: against[lang][0] for lang in ("en", "ko")}
    if picked is None or best is None:
        return Msg("report.not_an_option").both()
    out = {}
    for lang in ("en", "ko"):
        test = best.get("test", lang) or picked.get("test", lang)
        head = Msg("report.confuses", picked=picked.label[lang], best=best.label[lang]).text(lang)
        out[lang] = f"{head} {test}" if test else f"{head} {best.definition[lang]}"
    return out


def item_names(key: Key, items: str | os.PathLike | None = None) -> dict[str, dict]:
    """``{item_id: {"en": name, "ko": name}}`` (company, segment where two items share one) for a key's items, from its exercise set: ``items``
    (a set id or the items CSV), else the shipped set of that id, else ``exercises/<set>.csv`` beside
    the key's ``keys/`` folder (the layout ``bmc new-set`` writes). Items it cannot name keep their id."""
    from .exercises import exercise_set_ids, load_exercise_set

    candidates = [items] if items is not None else []
    if key.exercise_set in exercise_set_ids():
        candidates.append(key.exercise_set)
    if key.source:
        candidates.append(Path(key.source).parent.parent / "exercises" / f"{key.exercise_set}.csv")
    for candidate in candidates:
        if isinstance(candidate, Path) and not candidate.is_file():
            continue
        try:
            ex = load_exercise_set(candidate)
        except Exception:  # noqa: BLE001 - no usable items file: the ids are shown instead
            continue
        if ex.id == key.exercise_set:
            labels = {lang: ex.labels(lang) for lang in LANGS}
            return {it.id: {lang: labels[lang][it.id] for lang in LANGS} for it in ex.items}
    return {}


@dataclass
class ClassReport:
    """Per-item statistics and scores of a graded class."""

    key: Key
    items: list[ItemStats]
    percents: list[float]
    problems: list[tuple[str, Msg]]
    #: (device, inode) of every file read: the report's own files must be none of them
    read: frozenset = field(default_factory=frozenset, repr=False)

    def to_frame(self, lang: str | None = None):
        """Per-item statistics as a DataFrame (shares 0-1, the most common wrong choice, its idea)."""
        from .optional import require

        pd = require("pandas", "ClassReport.to_frame()")
        lang = lang_or_session(lang)
        cats = _category_index()
        return pd.DataFrame([{
            "item_id": s.item.item_id, "item": s.label(lang), "right": s.right, "partly": s.partly,
            "wrong": s.wrong, "unanswered": s.unanswered,
            "common_wrong": cats[s.common_wrong].label[lang] if s.common_wrong in cats else s.common_wrong,
            "count": s.common_wrong_count, "misconception": s.misconception.get(lang, "")} for s in self.items])

    def write(self, out: str | os.PathLike, *, lang: str | None = None) -> Path:
        """Write ``index.html``, ``items.png`` and ``scores.png`` into ``out``; return the HTML path.
        A Korean report also gets the bundled Korean font, for computers that have none."""
        lang = lang_or_session(lang)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        files = self._figures(folder, lang)  # drawn in memory: all files replace the old ones together
        if lang == "ko":
            from .plots import FONT_FILE

            files.append((folder / FONT_FILE.name, FONT_FILE.read_bytes()))
        files.append((folder / "index.html", self.to_html(lang)))
        write_files_atomic(files)
        return folder / "index.html"

    def _figures(self, folder: Path, lang: str) -> list[tuple[Path, bytes]]:
        import io

        from .plots import draw_item_shares, draw_score_hist

        out = []
        for name, ax in (("items.png", draw_item_shares(self.items, lang=lang)),
                         ("scores.png", draw_score_hist(self.percents, lang=lang))):
            buf = io.BytesIO()
            ax.figure.savefig(buf, format="png", dpi=100)
            out.append((folder / name, buf.getvalue()))
        return out

    def to_html(self, lang: str | None = None) -> str:
        lang = lang_or_session(lang)

        def t(key: str, **fields) -> str:
            return html.escape(Msg(f"report.{key}", **fields).text(lang))

        cats = _category_index()
        mean = sum(self.percents) / len(self.percents) if self.percents else 0.0
        left = "style='text-align:left;vertical-align:top'"

        def pct(x: float) -> str:
            return f"{100 * x:.0f}%"

        rows = []
        for s in self.items:
            wrong = ""
            if s.common_wrong:
                name = cats[s.common_wrong].label[lang] if s.common_wrong in cats else str(s.common_wrong)
                wrong = f"{html.escape(name)} ({s.common_wrong_count})"
            rows.append(f"<tr><td {left}>{html.escape(s.label(lang))}</td><td>{pct(s.right)}</td>"
                        f"<td>{pct(s.partly)}</td><td>{pct(s.wrong)}</td><td>{pct(s.unanswered)}</td>"
                        f"<td {left}>{wrong}</td><td {left}>{html.escape(s.misconception.get(lang, ''))}</td></tr>")
        problems = "".join(f"<li><code>{html.escape(src)}</code>: {html.escape(text_of(p, lang))}</li>"
                           for src, p in self.problems)
        heads = "".join(f"<th {left}>{t(k)}</th>" for k in ("item", "right", "partly", "wrong", "none", "common",
                                                            "idea"))
        title = t("title", set=self.key.exercise_set)
        return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>@font-face{{font-family:"BMC Gothic";src:url("BMCGothic-Regular.ttf")}}
body{{font-family:"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR","NanumGothic","BMC Gothic",
sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}</style></head><body>
<h1>{title}</h1>
<p>{t("overview", students=len(self.percents), mean=f"{mean:.1f}", max=fmt_points(self.key.max_score))}</p>
<img src="scores.png" alt="{t('hist_fig')}"><img src="items.png" alt="{t('items_fig')}">
<table><thead><tr>{heads}</tr></thead><tbody>
{''.join(rows)}</tbody></table>
{f"<h2>{t('problems')}</h2><ul>{problems}</ul>" if problems else ""}
</body></html>
"""


def build_report(paths, key: Key, *, partial: float = DEFAULT_PARTIAL, cases=None, items=None,
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ClassReport:
    """Grade the answer files under ``paths`` and gather per-item statistics.

    ``items`` names the exercise set (its id or items CSV) whose companies name the items; by
    default the shipped set, or ``exercises/<set>.csv`` beside the key's folder.
    """
    batch = grade_batch(paths, key, partial=partial, max_file_size=max_file_size)
    if cases is None:
        from .cases import read_cases

        cases = read_cases()
    by_case = {c.id: c for c in cases}
    names = item_names(key, items)
    n = len(batch.rows) or 1
    stats = []
    for item in key.items:
        counts = Counter()
        wrong_choices = Counter()
        for row in batch.rows:
            choice = row.answers.get(item.item_id)
            status, _points = score_item(choice, item, partial)
            counts[_STATUS_PART[status]] += 1
            if status == "wrong":
                wrong_choices[choice] += 1
        common, common_n = (min(wrong_choices.items(), key=lambda kv: (-kv[1], kv[0]))
                            if wrong_choices else (None, 0))
        idea = misconception(item, common, by_case.get(item.item_id)) if common else {}
        stats.append(ItemStats(item, *(counts[p] / n for p in PARTS), common, common_n, idea,
                               names.get(item.item_id, {})))
    return ClassReport(key, stats, [r.percent for r in batch.rows], batch.problems, batch.read)
