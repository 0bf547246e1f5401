"""Numbers and labels behind the lesson charts: Pareto shares, loyalty stages, the advocate pyramid.

Pure Python, no matplotlib: ``bmclib.plots`` draws what this module computes, and
lessons can use the numbers on their own. Labels and colours are read from
``data/charts.json`` (one place per fact).

>>> pareto_share([40, 30, 10, 5, 5, 3, 3, 2, 1, 1])
0.7
>>> [s.id for s in loyalty_stages()][:3]
['prospect', 'first_time_buyer', 'repeat_customer']
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import BMCError, DataError, unknown_id
from .fileio import Problem, id_line, line_of, read_json
from .i18n import Msg, check_lang
from .paths import data_path

CHARTS_FORMAT = "bmclib-charts"
LOYALTY_STAGE_IDS = (
    "prospect",
    "first_time_buyer",
    "repeat_customer",
    "member",
    "advocate",
    "passionate_fan",
)
ADVOCATE_LEVEL_IDS = (
    "physical_rewards",
    "attention",
    "empowerment",
    "special_experiences",
    "influence",
)
_PALETTE_KEYS = (
    "name",
    "segments",
    "untagged",
    "block_fill",
    "block_edge",
    "title",
    "text",
    "muted",
    "highlight_fill",
    "highlight_edge",
    "ladder",
    "pyramid",
    "curve",
    "bars",
    "marker_line",
)


# -- Pareto -----------------------------------------------------------------------------------


def _revenue_values(revenue: Any) -> list[float]:
    """The revenue figures as floats, checked: numbers, finite, not negative, not all zero."""
    if isinstance(revenue, (str, bytes)):
        raise BMCError(Msg("analysis.revenue_text"))
    if isinstance(revenue, Mapping) or hasattr(revenue, "items") and hasattr(revenue, "index"):
        items = list(revenue.items())
    else:
        try:
            items = list(enumerate(revenue))
        except TypeError:
            raise BMCError(Msg("analysis.revenue_type", type=type(revenue).__name__)) from None
    if not items:
        raise BMCError(Msg("analysis.revenue_empty"))
    values = []
    for key, value in items:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise BMCError(
                Msg("analysis.revenue_not_number", customer=repr(key), value=repr(value))
            )
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            raise BMCError(Msg("analysis.revenue_missing", customer=repr(key), value=value))
        if value < 0:
            raise BMCError(Msg("analysis.revenue_negative", customer=repr(key), value=f"{value:g}"))
        values.append(value)
    if sum(values) <= 0:
        raise BMCError(Msg("analysis.revenue_zero"))
    return values


def pareto_curve(revenue: Any) -> tuple[list[float], list[float]]:
    """The cumulative revenue curve: customers sorted by revenue, largest first.

    Returns ``(customer_share, revenue_share)``, two lists from 0 to 1 that start at ``(0, 0)``:
    point ``i`` says what share of revenue the top ``i`` customers bring.

    Args:
        revenue: revenue per customer (a list, a pandas Series or a mapping customer -> revenue).

    Raises:
        BMCError: a value is not a number, is negative or missing, or all are zero.

    >>> pareto_curve([10, 30, 60])
    ([0.0, 0.3333333333333333, 0.6666666666666666, 1.0], [0.0, 0.6, 0.9, 1.0])
    """
    values = sorted(_revenue_values(revenue), reverse=True)
    total, n = sum(values), len(values)
    xs, ys, running = [0.0], [0.0], 0.0
    for i, v in enumerate(values, start=1):
        running += v
        xs.append(i / n)
        ys.append(running / total)
    ys[-1] = 1.0
    return xs, ys


def pareto_share(revenue: Any, top: float = 0.2) -> float:
    """The share of revenue that the top ``top`` fraction of customers bring (the 80/20 check).

    Customers are sorted by revenue, largest first. When ``top`` falls between two customers
    (top 20% of 7 customers is 1.4 customers) the share is read off the straight line between
    them, exactly as the curve of :func:`bmclib.draw_pareto` shows it.

    Args:
        revenue: revenue per customer (a list, a pandas Series or a mapping customer -> revenue).
        top: the fraction of customers, in (0, 1]; 0.2 means the top 20%.

    Returns:
        A float in [0, 1].

    Raises:
        BMCError: ``top`` is outside (0, 1], or the revenue figures are unusable.

    >>> pareto_share([40, 30, 10, 5, 5, 3, 3, 2, 1, 1])
    0.7
    >>> round(pareto_share({"a": 60, "b": 30, "c": 10}, top=0.5), 2)
    0.75
    """
    if isinstance(top, bool) or not isinstance(top, numbers.Real) or not 0 < top <= 1:
        raise BMCError(Msg("analysis.bad_top", top=repr(top)))
    xs, ys = pareto_curve(revenue)
    n = len(xs) - 1
    position = top * n
    i = min(math.floor(position + 1e-9), n)
    if i >= n:
        return 1.0
    frac = position - i
    share = ys[i] + frac * (ys[i + 1] - ys[i]) if frac > 1e-9 else ys[i]
    return round(share, 12)


# -- chart data (data/charts.json) ---------------------------------------------------------------


@dataclass(frozen=True)
class ChartItem:
    """One labelled step of a lesson chart: a loyalty stage or an advocate level."""

    id: str
    label: dict
    description: dict

    def __repr__(self) -> str:
        return f"ChartItem({self.id!r}, {self.label['en']!r})"


def _check_text(value: Any, where: str, label: str, line: int, problems: list[Problem]) -> None:
    if not (
        isinstance(value, dict)
        and all(isinstance(value.get(k), str) and value.get(k) for k in ("en", "ko"))
    ):
        problems.append(Problem(label, line, Msg("data.needs_en_ko", where=where)))


def _parse_charts(data: Any, text: str, label: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return [Problem(label, 1, Msg("data.wrong_format", format=CHARTS_FORMAT))]
    if data.get("format") != CHARTS_FORMAT:
        return [
            Problem(
                label, line_of(text, '"format"'), Msg("data.wrong_format", format=CHARTS_FORMAT)
            )
        ]
    if data.get("version") != 1:
        return [
            Problem(
                label,
                line_of(text, '"version"'),
                Msg("data.unknown_version", version=repr(data.get("version"))),
            )
        ]
    palette = data.get("palette")
    if not isinstance(palette, dict):
        problems.append(
            Problem(label, line_of(text, '"palette"'), Msg("charts.missing_object", name="palette"))
        )
    else:
        missing = [k for k in _PALETTE_KEYS if k not in palette]
        if missing:
            problems.append(
                Problem(
                    label,
                    line_of(text, '"palette"'),
                    Msg("charts.palette_lacks", keys=", ".join(missing)),
                )
            )
        elif (
            not palette["segments"]
            or len(palette["ladder"]) != len(LOYALTY_STAGE_IDS)
            or len(palette["pyramid"]) != len(ADVOCATE_LEVEL_IDS)
        ):
            problems.append(Problem(label, line_of(text, '"palette"'), Msg("charts.palette_sizes")))
    for section, list_key, ids in (
        ("loyalty_ladder", "stages", LOYALTY_STAGE_IDS),
        ("advocate_pyramid", "levels", ADVOCATE_LEVEL_IDS),
    ):
        part = data.get(section)
        line = line_of(text, f'"{section}"')
        if not isinstance(part, dict) or not isinstance(part.get(list_key), list):
            problems.append(
                Problem(label, line, Msg("charts.missing_list", section=section, list=list_key))
            )
            continue
        _check_text(part.get("title"), f"{section}.title", label, line, problems)
        got = [item.get("id") if isinstance(item, dict) else None for item in part[list_key]]
        if tuple(got) != ids:
            problems.append(
                Problem(
                    label,
                    line,
                    Msg(
                        "charts.order",
                        where=f"{section}.{list_key}",
                        ids=", ".join(ids),
                        found=", ".join(map(str, got)),
                    ),
                )
            )
            continue
        for item in part[list_key]:
            iline = id_line(text, item["id"])
            _check_text(item.get("label"), f"'{item['id']}' label", label, iline, problems)
            _check_text(
                item.get("description"), f"'{item['id']}' description", label, iline, problems
            )
    pareto = data.get("pareto")
    if not isinstance(pareto, dict):
        problems.append(
            Problem(label, line_of(text, '"pareto"'), Msg("charts.missing_object", name="pareto"))
        )
    else:
        for key in ("title", "xlabel", "ylabel", "annotation", "curve_label", "bars_label"):
            _check_text(
                pareto.get(key), f"pareto.{key}", label, line_of(text, f'"{key}"'), problems
            )
    return problems


def check_charts_file(path: str | Path) -> list[Problem]:
    """Every problem in a charts file (``data/charts.json``); an empty list when it is valid.

    >>> check_charts_file(data_path("charts.json"))
    []
    """
    data, text, problems = read_json(path)
    return problems or _parse_charts(data, text, str(path))


@cache
def chart_data() -> dict:
    """The parsed ``data/charts.json`` (checked; raises DataError naming file and line)."""
    path = data_path("charts.json")
    data, text, problems = read_json(path)
    problems = problems or _parse_charts(data, text, str(path))
    if problems:
        raise DataError(problems)
    return data


def palette() -> dict:
    """The one named palette of bmclib's figures (colour-blind safe Okabe-Ito colours).

    >>> palette()["name"]
    'bmc_okabe_ito'
    """
    return dict(chart_data()["palette"])


def _items(section: str, key: str) -> tuple[ChartItem, ...]:
    return tuple(
        ChartItem(d["id"], d["label"], d["description"]) for d in chart_data()[section][key]
    )


def loyalty_stages() -> tuple[ChartItem, ...]:
    """The six stages of the loyalty ladder, from prospect to passionate fan (as the canvas playbook
    names them).

    >>> [s.label["ko"] for s in loyalty_stages()]
    ['잠재 구매자', '구매자', '고객', '멤버', '옹호자', '열혈팬']
    """
    return _items("loyalty_ladder", "stages")


def advocate_levels() -> tuple[ChartItem, ...]:
    """The five levels of what advocates want, from the base (physical rewards) to the top
    (influence).

    >>> [lv.label["en"] for lv in advocate_levels()]
    ['Physical rewards', 'Attention', 'Empowerment', 'Special experiences', 'Influence']
    """
    return _items("advocate_pyramid", "levels")


def chart_text(section: str, key: str, lang: str) -> str:
    """One label of a chart in one language, e.g. ``chart_text("pareto", "title", "ko")``.

    >>> chart_text("loyalty_ladder", "title", "ko")
    '충성도 사다리'
    """
    return chart_data()[section][key][check_lang(lang)]


def loyalty_counts(counts: Any) -> dict[str, float]:
    """Check stage counts and return them by stage id, in ladder order (missing stages count 0).

    Keys may be stage ids or their labels in either language.

    >>> loyalty_counts({"prospect": 1000, "구매자": 200})["first_time_buyer"]
    200.0
    >>> loyalty_counts({"fan": 3})  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    bmclib.errors.UnknownIdError: 'fan' is not a loyalty stage. Loyalty stages are: prospect,
    first_time_buyer, repeat_customer, member, advocate, passionate_fan.
    """
    if isinstance(counts, Mapping) or hasattr(counts, "items") and hasattr(counts, "index"):
        items = list(counts.items())
    else:
        raise BMCError(Msg("analysis.counts_type", type=type(counts).__name__))
    aliases = {}
    for stage in loyalty_stages():
        aliases[stage.id] = stage.id
        for text in stage.label.values():
            aliases[text.casefold()] = stage.id
    out = dict.fromkeys(LOYALTY_STAGE_IDS, 0.0)
    for key, value in items:
        stage_id = aliases.get(key) or aliases.get(str(key).strip().casefold())
        if stage_id is None:
            raise unknown_id("loyalty stage", key, LOYALTY_STAGE_IDS)
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or math.isnan(value)
            or value < 0
        ):
            raise BMCError(Msg("analysis.bad_count", stage=stage_id, value=repr(value)))
        out[stage_id] += float(value)
    return out
