"""``bmc report``: what a class got right and wrong, item by item, as an HTML page with figures."""

from __future__ import annotations

import html
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .blocks import _category_index, check_lang, josa
from .fileio import DEFAULT_MAX_FILE_SIZE
from .grading import grade_batch
from .keys import Key, KeyItem
from .scoring import fmt_points

TEXT = {
    "title": {"en": "Class report", "ko": "학급 리포트"},
    "students": {"en": "students", "ko": "명"},
    "mean": {"en": "mean", "ko": "평균"},
    "item": {"en": "item", "ko": "문항"},
    "right": {"en": "right", "ko": "정답"},
    "partly": {"en": "partly right", "ko": "부분 정답"},
    "wrong": {"en": "wrong", "ko": "오답"},
    "none": {"en": "no answer", "ko": "미응답"},
    "common": {"en": "most common wrong choice", "ko": "가장 흔한 오답"},
    "idea": {"en": "what it suggests", "ko": "드러나는 오해"},
    "items_fig": {"en": "Answers per item", "ko": "문항별 응답"},
    "hist_fig": {"en": "Score distribution", "ko": "점수 분포"},
    "percent": {"en": "score (%)", "ko": "점수(%)"},
    "count": {"en": "students", "ko": "학생 수"},
    "share": {"en": "share of students", "ko": "학생 비율"},
    "problems": {"en": "Files that could not be graded", "ko": "채점하지 못한 파일"},
}


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


def misconception(item: KeyItem, chosen: str, case=None) -> dict:
    """A short ko/en note on what choosing ``chosen`` instead of the key's best suggests."""
    why_not = {lang: item.why_not_text(chosen, lang) for lang in ("en", "ko")}
    if all(why_not.values()):
        return why_not  # the key says which fact rules this choice out
    cats = _category_index()
    best = cats.get(item.best[0])
    picked = cats.get(chosen)
    out = {}
    if case is not None and picked is not None and picked.taxonomy == "relationship_types":
        from .advisor import explain_choice

        against = explain_choice(case.attrs, chosen).fit.against
        if against["en"]:
            return {lang: against[lang][0] for lang in ("en", "ko")}
    for lang in ("en", "ko"):
        if picked is None or best is None:
            out[lang] = ("The choice is not one of the options." if lang == "en" else "선택지에 없는 답입니다.")
            continue
        test = best.get("test", lang) or picked.get("test", lang)
        head = (f"Confuses {picked.label['en']} with {best.label['en']}." if lang == "en"
                else f"{josa(picked.label['ko'], '와/과')} {josa(best.label['ko'], '을/를')} 혼동합니다.")
        out[lang] = f"{head} {test}" if test else f"{head} {best.definition[lang]}"
    return out


@dataclass
class ClassReport:
    """Per-item statistics and scores of a graded class."""

    key: Key
    items: list[ItemStats]
    percents: list[float]
    problems: list[tuple[str, str]]

    def to_frame(self, lang: str = "en"):
        """Per-item statistics as a DataFrame (shares 0-1, the most common wrong choice, its idea)."""
        from .optional import require

        pd = require("pandas", "ClassReport.to_frame()")
        check_lang(lang)
        cats = _category_index()
        return pd.DataFrame([{
            "item_id": s.item.item_id, "right": s.right, "partly": s.partly, "wrong": s.wrong,
            "unanswered": s.unanswered,
            "common_wrong": cats[s.common_wrong].label[lang] if s.common_wrong in cats else s.common_wrong,
            "count": s.common_wrong_count, "misconception": s.misconception.get(lang, "")} for s in self.items])

    def write(self, out: str | os.PathLike, *, lang: str = "en") -> Path:
        """Write ``index.html``, ``items.png`` and ``scores.png`` into ``out``; return the HTML path."""
        check_lang(lang)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        self._figures(folder, lang)
        index = folder / "index.html"
        index.write_text(self.to_html(lang), encoding="utf-8")
        return index

    def _figures(self, folder: Path, lang: str) -> None:
        from .optional import require

        matplotlib = require("matplotlib", "bmc report")
        from matplotlib.figure import Figure

        from .plots import literal, use_korean_font

        korean = use_korean_font()
        family = [korean, "DejaVu Sans"] if lang == "ko" else ["DejaVu Sans", korean]
        t = {k: v[lang] for k, v in TEXT.items()}
        with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
            fig = Figure(figsize=(8, 0.4 * len(self.items) + 1.5), layout="constrained")
            ax = fig.subplots()
            names = [literal(s.item.item_id) for s in self.items][::-1]
            left = [0.0] * len(names)
            colours = {"right": "#2e7d32", "partly": "#f9a825", "wrong": "#c62828", "unanswered": "#9e9e9e"}
            for part, label in (("right", t["right"]), ("partly", t["partly"]), ("wrong", t["wrong"]),
                                ("unanswered", t["none"])):
                values = [getattr(s, part) for s in self.items][::-1]
                ax.barh(names, values, left=left, color=colours[part], label=label)
                left = [a + b for a, b in zip(left, values)]
            ax.set_xlim(0, 1)
            ax.set_xlabel(t["share"])
            ax.set_title(t["items_fig"])
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(self.items), 1)),
                      ncols=4, fontsize="small", frameon=False)
            fig.savefig(folder / "items.png", dpi=100)
            fig = Figure(figsize=(6, 3.5), layout="constrained")
            ax = fig.subplots()
            ax.hist(self.percents, bins=[i * 10 for i in range(11)], color="#4c72b0", edgecolor="white")
            ax.set_xlabel(t["percent"])
            ax.set_ylabel(t["count"])
            ax.set_title(t["hist_fig"])
            fig.savefig(folder / "scores.png", dpi=100)

    def to_html(self, lang: str = "en") -> str:
        t = {k: v[lang] for k, v in TEXT.items()}
        cats = _category_index()
        mean = sum(self.percents) / len(self.percents) if self.percents else 0.0

        def pct(x: float) -> str:
            return f"{100 * x:.0f}%"

        rows = []
        for s in self.items:
            wrong = (f"{html.escape(cats[s.common_wrong].label[lang]) if s.common_wrong in cats else html.escape(str(s.common_wrong))}"
                     f" ({s.common_wrong_count})" if s.common_wrong else "")
            rows.append(f"<tr><td><code>{html.escape(s.item.item_id)}</code></td><td>{pct(s.right)}</td>"
                        f"<td>{pct(s.partly)}</td><td>{pct(s.wrong)}</td><td>{pct(s.unanswered)}</td>"
                        f"<td>{wrong}</td><td>{html.escape(s.misconception.get(lang, ''))}</td></tr>")
        problems = "".join(f"<li><code>{html.escape(src)}</code>: {html.escape(p)}</li>" for src, p in self.problems)
        return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{t['title']}: {html.escape(self.key.exercise_set)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}</style></head><body>
<h1>{t['title']}: {html.escape(self.key.exercise_set)}</h1>
<p>{len(self.percents)} {t['students']}; {t['mean']} {mean:.1f}% (max {fmt_points(self.key.max_score)})</p>
<img src="scores.png" alt="{t['hist_fig']}"><img src="items.png" alt="{t['items_fig']}">
<table><thead><tr><th>{t['item']}</th><th>{t['right']}</th><th>{t['partly']}</th><th>{t['wrong']}</th>
<th>{t['none']}</th><th>{t['common']}</th><th>{t['idea']}</th></tr></thead><tbody>
{''.join(rows)}</tbody></table>
{f"<h2>{t['problems']}</h2><ul>{problems}</ul>" if problems else ""}
</body></html>
"""


def build_report(paths, key: Key, *, partial: float = 0.5, cases=None,
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ClassReport:
    """Grade the answer files under ``paths`` and gather per-item statistics."""
    batch = grade_batch(paths, key, partial=partial, max_file_size=max_file_size)
    if cases is None:
        from .cases import read_cases

        cases = read_cases()
    by_case = {c.id: c for c in cases}
    n = len(batch.rows) or 1
    stats = []
    for index, item in enumerate(key.items):
        counts = Counter()
        wrong_choices = Counter()
        for row in batch.rows:
            choice = row.answers.get(item.item_id)
            if not choice:
                counts["unanswered"] += 1
            elif choice in item.best:
                counts["right"] += 1
            elif choice in item.acceptable:
                counts["partly"] += 1
            else:
                counts["wrong"] += 1
                wrong_choices[choice] += 1
        common, common_n = (min(wrong_choices.items(), key=lambda kv: (-kv[1], kv[0]))
                            if wrong_choices else (None, 0))
        idea = misconception(item, common, by_case.get(item.item_id)) if common else {}
        stats.append(ItemStats(item, counts["right"] / n, counts["partly"] / n, counts["wrong"] / n,
                               counts["unanswered"] / n, common, common_n, idea))
    return ClassReport(key, stats, [r.percent for r in batch.rows], batch.problems)
