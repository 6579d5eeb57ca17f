"""DIOS scores: percent of maximum per block, the half rule, several raters, TIME classes."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml
from dios_helpers import DIOS, IMPORTANCE, QUALITY, REGISTER, row, write_csv

import dimios_research as dr
from dimios_research.instrument.dios import DEFAULT_DIOS_INSTRUMENT, load_dios_instrument
from dimios_research.io.inventory import read_inventory
from dimios_research.scoring.inventory import (
    TIME_CLASSES,
    classify_time,
    score_inventory,
    score_raters,
)


def scored(tmp_path, rows, cut=50.0, instrument=DIOS):
    data = read_inventory(write_csv(tmp_path, rows), REGISTER, instrument)
    return score_inventory(data, cut=cut)


def by_system(scores):
    return scores.systems.set_index("system_id")


def test_hand_cases_at_the_cut(tmp_path):
    rows = [
        row("invest"),  # all 3: exactly 50 % on both blocks
        row("migrate", quality=[3, 3, 3, 3, 3, 2]),  # 17/6 -> 45.83 %
        row("tolerate", importance=[3, 3, 3, 2]),  # 2.75 -> 43.75 %
        row("eliminate", quality=2, importance=2),  # 25 %, 25 %
        row("top", quality=5, importance=[5, 4, 5, 4]),  # 100 %, 87.5 %
    ]
    s = by_system(scored(tmp_path, rows))
    assert s.loc["invest", ["quality_pct", "importance_pct"]].tolist() == [50.0, 50.0]
    assert s.loc["migrate", "quality_pct"] == pytest.approx(100 * (17 / 6 - 1) / 4, abs=1e-12)
    assert s.loc["tolerate", "importance_pct"] == pytest.approx(43.75, abs=1e-12)
    assert s.loc["eliminate", ["quality_pct", "importance_pct"]].tolist() == [25.0, 25.0]
    assert s.loc["top", ["quality_pct", "importance_pct"]].tolist() == [100.0, 87.5]
    assert {i: str(c) for i, c in s["time_class"].items()} == {
        "invest": "invest",
        "migrate": "migrate",
        "tolerate": "tolerate",
        "eliminate": "eliminate",
        "top": "invest",
    }
    assert s["n_raters"].eq(1).all()
    assert list(s["time_class"].cat.categories) == list(TIME_CLASSES)


def test_the_cut_is_an_argument(tmp_path):
    rows = [row("a"), row("b", quality=[3, 3, 3, 3, 3, 2])]
    s = by_system(scored(tmp_path, rows, cut=45))
    assert s["time_class"].astype(str).tolist() == ["invest", "invest"]
    s = by_system(scored(tmp_path, rows, cut=60))
    assert s["time_class"].astype(str).tolist() == ["eliminate", "eliminate"]
    assert scored(tmp_path, rows, cut=60).cut == 60.0
    with pytest.raises(ValueError, match="cut must lie between 0 and 100"):
        scored(tmp_path, rows, cut=150)


def test_half_rule_per_block(tmp_path):
    dk = "Vet ej"
    rows = [
        # quality: 3 of 6 answered (blank, don't know and an invalid 9 are not) -> exists
        row("q3", quality=[5, 5, 5, "", dk, 9], importance=[4, 4, "", ""]),
        # quality: 2 of 6 answered -> missing; importance 2 of 4 -> exists
        row("q2", quality=[5, 5, "", "", dk, dk], importance=[4, 2, dk, ""]),
        # importance: 1 of 4 answered -> missing
        row("i1", quality=3, importance=[5, "", "", dk]),
    ]
    s = by_system(scored(tmp_path, rows))
    assert s.loc["q3", "quality_pct"] == 100.0 and s.loc["q3", "importance_pct"] == 75.0
    assert np.isnan(s.loc["q2", "quality_pct"]) and s.loc["q2", "importance_pct"] == 50.0
    assert s.loc["i1", "quality_pct"] == 50.0 and np.isnan(s.loc["i1", "importance_pct"])
    assert s.loc["q3", "time_class"] == "invest"
    assert pd.isna(s.loc["q2", "time_class"]) and pd.isna(s.loc["i1", "time_class"])
    assert s.loc["q2", ["n_raters", "n_quality_raters", "n_importance_raters"]].tolist() == [
        1,
        0,
        1,
    ]
    raters = scored(tmp_path, rows).raters.set_index("system_id")
    assert raters.loc["q3", ["n_quality_answered", "n_importance_answered"]].tolist() == [3, 2]
    assert raters.loc["q2", ["n_quality_answered", "n_importance_answered"]].tolist() == [2, 2]


def test_several_raters_mean_and_counts(tmp_path):
    rows = [
        row("s", rater_role="system_owner", quality=[2, 3, 3, 2, 3, 3], importance=5),
        row("s", rater_role="key_user", quality=[4, 3, 3, 4, 3, 3], importance=1),
        row("s", rater_role="it_operations", quality=[4, "", "", "", "", ""], importance=3),
        row("t", rater_role="system_owner", quality=[4, 4, 4, 4, 4, 4], importance=2),
        row("t", rater_role="key_user", quality=[2, 2, 2, 2, 2, 2], importance=[2, 2, 2, 1]),
    ]
    scores = scored(tmp_path, rows)
    s = by_system(scores)
    # (41.67 + 58.33) / 2 is 50 on paper: it must count as at the cut
    assert s.loc["s", "quality_pct"] == pytest.approx(50.0, abs=1e-12)
    assert s.loc["s", "importance_pct"] == pytest.approx(50.0, abs=1e-12)
    assert s.loc["s", "time_class"] == "invest"
    assert s.loc["s", ["n_raters", "n_quality_raters", "n_importance_raters"]].tolist() == [3, 2, 3]
    assert s.loc["t", "quality_pct"] == 50.0
    assert s.loc["t", "importance_pct"] == pytest.approx((25 + 100 * (7 / 4 - 1) / 4) / 2)
    assert s.loc["t", "time_class"] == "tolerate"
    r = scores.raters
    assert len(r) == 5 and r["quality_pct"].isna().sum() == 1
    assert list(r.columns[:4]) == ["organisation_id", "year", "system_id", "rater_role"]


def test_unrated_system_has_no_class(tmp_path):
    rows = [row("r", lifecycle="retired", quality="", importance=""), row("a")]
    scores = scored(tmp_path, rows)
    s = by_system(scores)
    assert s.loc["r", ["n_raters", "n_quality_raters"]].tolist() == [0, 0]
    assert pd.isna(s.loc["r", "time_class"]) and np.isnan(s.loc["r", "quality_pct"])
    table = scores.table()
    assert len(table) == 2 and table.set_index("system_id").loc["r", "lifecycle"] == "retired"
    assert scores.years == [2023]


def test_each_block_uses_its_own_scale(tmp_path):
    raw = yaml.safe_load(DEFAULT_DIOS_INSTRUMENT.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    scale = raw["blocks"][1]["scale"]
    scale["max"] = 4
    del scale["labels"][5]
    path = tmp_path / "four.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    dios = load_dios_instrument(path)
    rows = [row("a", quality=5, importance=[4, 4, 1, 1]), row("b", importance=5)]
    data = read_inventory(write_csv(tmp_path, rows), REGISTER, dios)
    assert data.report.cell_issues == {"out_of_range": 4}  # 5 is outside 1-4
    s = by_system(score_inventory(data))
    assert s.loc["a", ["quality_pct", "importance_pct"]].tolist() == [100.0, 50.0]
    assert np.isnan(s.loc["b", "importance_pct"])


def test_classify_time_table_and_errors():
    q = [50.0, 50.0, 49.999, 0.0, 100.0, np.nan, 50.0 - 1e-12]
    i = [50.0, 49.999, 50.0, 49.0, 100.0, 50.0, 50.0]
    got = classify_time(q, i).tolist()
    assert got[:5] == ["invest", "tolerate", "migrate", "eliminate", "invest"]
    assert pd.isna(got[5]) and got[6] == "invest"  # within the tolerance of the cut
    assert classify_time(70.0, 30.0, cut=70).tolist() == ["tolerate"]
    with pytest.raises(ValueError, match="same length"):
        classify_time([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="cut"):
        classify_time([1.0], [1.0], cut=-1)
    with pytest.raises(ValueError, match="InventoryData"):
        score_inventory(pd.DataFrame())


def test_matches_a_long_format_recomputation():
    """The matrix scoring agrees with a plain group-by on the tidy ratings (demo data)."""
    data = dr.load_dataset("demo", kind="inventory")
    scores = score_inventory(data)
    keys = ["organisation_id", "year", "system_id", "rater_role"]
    long = data.ratings.melt(id_vars=keys, value_vars=DIOS.rating_ids, var_name="rating")
    long["block"] = np.where(long["rating"].isin(QUALITY), "quality", "importance")
    size = {"quality": len(QUALITY), "importance": len(IMPORTANCE)}
    per = long.groupby([*keys, "block"]).agg(mean=("value", "mean"), n=("value", "count"))
    per = per.reset_index()
    per["pct"] = np.where(
        per["n"] * 2 >= per["block"].map(size), 100 * (per["mean"] - 1) / 4, np.nan
    )
    wide = per.pivot_table(index=keys, columns="block", values="pct", dropna=False).reset_index()
    system = wide.groupby(keys[:3])[["quality", "importance"]].mean()
    got = scores.systems.set_index(keys[:3])
    np.testing.assert_allclose(
        got["quality_pct"].to_numpy(), system["quality"].reindex(got.index).to_numpy(), atol=1e-9
    )
    np.testing.assert_allclose(
        got["importance_pct"].to_numpy(),
        system["importance"].reindex(got.index).to_numpy(),
        atol=1e-9,
    )
    r = score_raters(data)
    assert len(r) == len(data.ratings) and r["system_id"].equals(data.ratings["system_id"])
