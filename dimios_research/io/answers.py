"""Answer cells: codes or labels (either language) to scale codes, with cell issues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..instrument.codebook import Codebook, normalise_label
from .privacy import redact

__all__ = ["CELL_ISSUE_REASONS", "parse_answers"]

CELL_ISSUE_REASONS = {
    "out_of_range": "a number outside the scale and not a don't-know code",
    "unparseable": "neither a scale code nor a known answer label",
}


def parse_answers(
    raw: pd.DataFrame, codebook: Codebook, extra_labels: Mapping[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn raw answer strings into float codes.

    Returns values (float, NaN where unusable), status codes and a long frame of cell
    issues (index of the row, item, original value, reason). Work is per column on the
    distinct values only, so it scales with items × distinct answers, not respondents.
    """
    labels = codebook.answer_labels()
    labels.update({normalise_label(k): int(v) for k, v in extra_labels.items()})
    lo, hi = codebook.scale_min, codebook.scale_max
    dont_know = set(codebook.dont_know_codes)

    def classify(value: Any) -> tuple[float, str]:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return np.nan, "missing"
        text = str(value).strip()
        if text == "":
            return np.nan, "missing"
        key = normalise_label(text)
        if key in labels:
            code = labels[key]
        else:
            try:
                number = float(key.replace(",", "."))  # decimal comma: "3,0"
            except ValueError:
                return np.nan, "unparseable"
            if not np.isfinite(number) or number != int(number):
                return np.nan, "out_of_range"
            code = int(number)
        if code in dont_know:
            return np.nan, "dont_know"
        if lo <= code <= hi:
            return float(code), "answered"
        return np.nan, "out_of_range"

    values = {}
    status = {}
    for item in codebook.item_ids:
        column = raw[item]
        uniques = pd.unique(column.astype(object))
        lookup = {u: classify(u) for u in uniques}
        values[item] = column.map({u: v for u, (v, _) in lookup.items()}).astype(float)
        status[item] = column.map({u: s for u, (_, s) in lookup.items()})
    values_df = pd.DataFrame(values, index=raw.index)
    status_df = pd.DataFrame(status, index=raw.index)
    stacked = status_df.stack()
    bad = stacked[stacked.isin(list(CELL_ISSUE_REASONS))]
    issues = pd.DataFrame(
        {
            "row": bad.index.get_level_values(0),
            "item_id": bad.index.get_level_values(1),
            "reason": bad.to_numpy(),
        }
    )
    originals = raw[codebook.item_ids].to_numpy()
    column_pos = pd.Index(codebook.item_ids).get_indexer(issues["item_id"])
    row_pos = raw.index.get_indexer(issues["row"])
    issues["original_value"] = pd.Series(
        originals[row_pos, column_pos] if len(issues) else [], dtype=object
    ).map(redact)
    return values_df, status_df, issues
