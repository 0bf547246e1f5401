"""Ranking customer segments by weighted criteria (size, growth, fit): pure pandas, no widgets.

Each criterion is scaled to 0-1 across the segments (min-max), so a segment of 1.2 million
people and a fit score of 4 out of 5 can be added up. The score is the weighted average of
the scaled criteria, so it stays between 0 and 1 whatever the weights; rank 1 is the best.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import BMCError, unknown_id
from .i18n import Msg

CRITERIA = ("size", "growth", "fit")


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    if weights is None:
        return {c: 1.0 for c in CRITERIA}
    out = {c: 0.0 for c in CRITERIA}
    for name, value in weights.items():
        if name not in CRITERIA:
            raise unknown_id("criterion", name, CRITERIA)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise BMCError(Msg("prioritise.weight_number", name=name, value=repr(value))) from None
        if not value >= 0:
            raise BMCError(Msg("prioritise.weight_negative", name=name, value=repr(value)))
        out[name] = value
    if sum(out.values()) <= 0:
        raise BMCError(Msg("prioritise.no_weight"))
    return out


def prioritise(segments, weights: Mapping[str, float] | None = None):
    """Rank segments: scale each criterion 0-1, take the weighted average, rank (1 = first).

    Args:
        segments: a DataFrame with numeric columns ``size``, ``growth`` and ``fit`` (other
            columns, such as ``segment`` and names, are kept).
        weights: ``{"size": w, "growth": w, "fit": w}``, each 0 or more; a criterion left out
            weighs 0. Default: all three weigh the same.

    Returns:
        A new DataFrame sorted by rank, with ``size_scaled``, ``growth_scaled``,
        ``fit_scaled`` (0-1; a criterion on which all segments are equal scales to 0 for
        all), ``score`` (0-1) and ``rank`` (ties share the better rank).

    Raises:
        BMCError: a missing or non-numeric column, an unknown criterion, a negative
            weight, or all weights 0.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"segment": ["a", "b", "c"], "size": [100, 300, 200],
    ...                    "growth": [5.0, 1.0, 3.0], "fit": [1, 5, 3]})
    >>> prioritise(df, {"size": 1, "fit": 1})[["segment", "score", "rank"]]
      segment  score  rank
    0       b    1.0     1
    1       c    0.5     2
    2       a    0.0     3
    >>> prioritise(df, {"growth": 2})["segment"].tolist()
    ['a', 'c', 'b']
    """
    from .optional import require

    pd = require("pandas", "prioritise()")
    w = _weights(weights)
    missing = [c for c in CRITERIA if c not in segments.columns]
    if missing:
        raise BMCError(
            Msg(
                "prioritise.missing_columns",
                missing=", ".join(missing),
                has=", ".join(map(str, segments.columns)),
            )
        )
    out = segments.copy()
    total = sum(w.values())
    score = pd.Series(0.0, index=out.index)
    for c in CRITERIA:
        if not pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c]):
            raise BMCError(Msg("prioritise.not_numbers", column=c))
        if out[c].isna().any():
            raise BMCError(Msg("prioritise.empty_cells", column=c))
        values = out[c].astype(float)
        span = values.max() - values.min()
        scaled = (values - values.min()) / span if span > 0 else values * 0.0
        out[f"{c}_scaled"] = scaled
        score += w[c] * scaled
    out["score"] = (score / total).round(6)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    order = ["rank"] + (["segment"] if "segment" in out.columns else [])
    return out.sort_values(order, kind="stable").reset_index(drop=True)
