"""Answer cells: codes or labels (either language) to scale codes, with cell issues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..instrument.codebook import Codebook, normalise_label
from .privacy import redact_values

__all__ = ["CELL_ISSUE_REASONS", "STATUSES", "parse_answers"]

CELL_ISSUE_REASONS = {
    "out_of_range": "a number outside the scale and not a don't-know code",
    "unparseable": "neither a scale code nor a known answer label",
}
#: Status of an answer cell (the categories of the status frame).
STATUSES = ("answered", "dont_know", "missing", "out_of_range", "unparseable")


def parse_answers(
    raw: pd.DataFrame, codebook: Codebook, extra_labels: Mapping[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn raw answer strings into float codes.

    Returns values (float, NaN where unusable), status (categoricals of :data:`STATUSES`)
    and a long frame of cell issues (index of the row, item, original value, reason; row
    by row, items in instrument order). Work is per column on the distinct values only,
    so it scales with items × distinct answers, not respondents; the per-cell results are
    gathered with integer codes, not Python objects.
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

    values, status, rows, columns, reasons = {}, {}, [], [], []
    issue_codes = [STATUSES.index(r) for r in CELL_ISSUE_REASONS]
    for position, item in enumerate(codebook.item_ids):
        column = raw[item]
        uniques = pd.unique(column.astype(object))
        lookup = [classify(u) for u in uniques]
        codes = pd.Index(uniques).get_indexer(column.astype(object))
        values[item] = np.array([v for v, _ in lookup], dtype=float)[codes]
        item_status = np.array([STATUSES.index(c) for _, c in lookup], dtype=np.int8)[codes]
        status[item] = pd.Categorical.from_codes(item_status, categories=STATUSES)
        bad = np.flatnonzero(np.isin(item_status, issue_codes))
        rows.append(bad)
        columns.append(np.full(len(bad), position))
        reasons.append(item_status[bad])
    values_df = pd.DataFrame(values, index=raw.index)
    status_df = pd.DataFrame(status, index=raw.index)
    row_pos, column_pos = np.concatenate(rows), np.concatenate(columns)
    order = np.lexsort((column_pos, row_pos))  # row by row, items in instrument order
    row_pos, column_pos = row_pos[order], column_pos[order]
    originals = raw[codebook.item_ids].to_numpy()
    issues = pd.DataFrame(
        {
            "row": raw.index[row_pos],
            "item_id": np.asarray(codebook.item_ids, dtype=object)[column_pos],
            "reason": np.asarray(STATUSES, dtype=object)[np.concatenate(reasons)[order]],
        }
    )
    issues["original_value"] = redact_values(
        pd.Series(originals[row_pos, column_pos] if len(issues) else [], dtype=object)
    )
    return values_df, status_df, issues
