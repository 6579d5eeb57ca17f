"""Scoring rules: hand-computed cases, properties, and the maturity types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dimios_research.instrument.codebook import load_codebook
from dimios_research.instrument.maturity_types import classify_types, maturity_types
from dimios_research.io.survey import SurveyData, ValidationReport
from dimios_research.scoring import reverse_keyed, score


def hand_codebook(tmp_path):
    """capability: c1 (capA: a1 a2 a3; capB: b1 b2-reversed), c2 (capC: g1), c3 (capD: h1);
    legacy: l1 (capE: e1)."""

    def cap(cap_id, items, reverse=()):
        return {
            "id": cap_id,
            "label": {"sv": cap_id, "en": cap_id},
            "items": [
                {"id": i, "reverse": i in reverse, "text_sv": i, "text_en": i} for i in items
            ],
        }

    def cat(cat_id, caps):
        return {"id": cat_id, "label": {"sv": cat_id, "en": cat_id}, "capabilities": caps}

    raw = {
        "id": "hand",
        "version": "1",
        "scale": {
            "min": 1,
            "max": 5,
            "labels": {k: {"sv": str(k), "en": str(k)} for k in range(1, 6)},
            "dont_know": {"codes": [0], "label": {"sv": "Vet ej", "en": "Don't know"}},
        },
        "dimensions": [
            {
                "id": "capability",
                "label": {"sv": "F", "en": "C"},
                "categories": [
                    cat("c1", [cap("capA", ["a1", "a2", "a3"]), cap("capB", ["b1", "b2"], ["b2"])]),
                    cat("c2", [cap("capC", ["g1"])]),
                    cat("c3", [cap("capD", ["h1"])]),
                ],
            },
            {
                "id": "legacy",
                "label": {"sv": "A", "en": "L"},
                "categories": [cat("l1", [cap("capE", ["e1"])])],
            },
        ],
    }
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_codebook(path)


def survey(codebook, answers: pd.DataFrame, organisations: pd.DataFrame | None = None):
    """SurveyData built directly (scoring only reads respondents, register and codebook)."""
    if organisations is None:
        ids = sorted(answers["organisation_id"].unique())
        organisations = pd.DataFrame(
            {
                "organisation_id": ids,
                "name": ids,
                "type": "kommun",
                "county": "X",
                "size_class": "M",
                "employees": 1000.0,
                "population": np.nan,
                "programme_start": np.nan,
            }
        )
    report = ValidationReport((), {}, len(answers), len(answers), 0, {}, {}, 0, {}, (), False)
    empty = pd.DataFrame()
    return SurveyData(
        answers.reset_index(drop=True), empty, organisations, report, empty, empty, codebook
    )


def hand_answers() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "year": [2023, 2023],
            "organisation_id": ["O1", "O1"],
            "respondent_id": ["r1", "r2"],
            # NaN stands for don't know or no answer: ingest has made both missing.
            "a1": [5, 5],
            "a2": [3, nan],
            "a3": [nan, nan],
            "b1": [4, nan],
            "b2": [2, 5],
            "g1": [3, nan],
            "h1": [nan, nan],
            "e1": [5, 2],
        }
    ).astype({c: float for c in ["a1", "a2", "a3", "b1", "b2", "g1", "h1", "e1"]})


@pytest.fixture()
def hand_scores(tmp_path):
    return score(survey(hand_codebook(tmp_path), hand_answers()), min_respondents=2)


def respondent(scores, rid, level, unit):
    r = scores.respondents
    sel = r[(r["respondent_id"] == rid) & (r["level"] == level) & (r["unit"] == unit)]
    return sel["score_pct"].iloc[0] if len(sel) else None


def test_hand_computed_respondent_scores(hand_scores):
    s = hand_scores
    # r1: capA = mean(5, 3) = 4 (2 of 3 answered: 2*2 >= 3) -> 75 %.
    assert respondent(s, "r1", "capability", "capA") == 75.0
    # capB: b1 = 4, b2 = 2 reversed to 1 + 5 - 2 = 4 -> 4 -> 75 %.
    assert respondent(s, "r1", "capability", "capB") == 75.0
    assert respondent(s, "r1", "capability", "capC") == 50.0
    assert respondent(s, "r1", "capability", "capD") is None  # don't know only
    assert respondent(s, "r1", "category", "c1") == 75.0
    assert respondent(s, "r1", "category", "c3") is None
    # Dimension: 2 of 3 categories (2*2 >= 3): mean(4, 3) = 3.5 -> 62.5 %.
    assert respondent(s, "r1", "dimension", "capability") == 62.5
    assert respondent(s, "r1", "dimension", "legacy") == 100.0
    # Overall: mean of the two dimensions on the raw scale (3.5 + 5) / 2 = 4.25 -> 81.25 %.
    assert respondent(s, "r1", "overall", "overall") == 81.25


def test_row_order_of_the_tidy_tables(hand_scores):
    resp = hand_scores.respondents
    # Respondent by respondent in the data's order, each one's existing scores level by
    # level in instrument order.
    assert resp["respondent_id"].astype(str).tolist() == ["r1"] * 10 + ["r2"] * 5
    assert resp["unit"].astype(str).tolist() == [
        *["capA", "capB", "capC", "capE", "c1", "c2", "l1", "capability", "legacy", "overall"],
        *["capB", "capE", "c1", "l1", "legacy"],
    ]
    for column in ("organisation_id", "respondent_id", "level", "unit"):
        assert isinstance(resp[column].dtype, pd.CategoricalDtype), column
    # Organisations: round by round, then level by level and units in instrument order.
    orgs = hand_scores.organisations
    assert orgs["unit"].tolist() == [
        *["capA", "capB", "capC", "capE", "c1", "c2", "l1", "capability", "legacy", "overall"]
    ]


def test_block_size_does_not_change_scores(monkeypatch):
    frame = random_answers(7, n=45)
    expected = score(survey(CB, frame), min_respondents=1)
    # Blocks of 4 respondents: 11 full blocks and a remainder of 1.
    monkeypatch.setattr("dimios_research.scoring.survey._BLOCK_ROWS", 4)
    actual = score(survey(CB, frame), min_respondents=1)
    for table in ("respondents", "organisations", "types"):
        pd.testing.assert_frame_equal(getattr(actual, table), getattr(expected, table))


def test_half_rule_at_each_level(hand_scores):
    s = hand_scores
    assert respondent(s, "r2", "capability", "capA") is None  # 1 of 3 items: 2 < 3
    assert respondent(s, "r2", "capability", "capB") == 0.0  # 1 of 2 items: b2 = 5 -> 1
    assert respondent(s, "r2", "category", "c1") == 0.0  # 1 of 2 capabilities: 2 >= 2
    assert respondent(s, "r2", "dimension", "capability") is None  # 1 of 3 categories
    assert respondent(s, "r2", "dimension", "legacy") == 25.0
    assert respondent(s, "r2", "overall", "overall") is None  # needs both dimensions


def test_organisation_aggregation(hand_scores):
    org = hand_scores.organisations.set_index(["level", "unit"])
    cap_b = org.loc[("capability", "capB")]
    assert cap_b["score_pct"] == 37.5 and cap_b["n_respondents"] == 2
    assert cap_b["sd"] == pytest.approx(np.sqrt(2 * 37.5**2))  # sd of (75, 0)
    assert cap_b["se"] == pytest.approx(37.5)
    # Logit-scale t interval (bounded): R
    # 100 * plogis(qlogis(0.375) + c(-1, 1) * qt(0.975, 1) * 37.5 / (100 * 0.375 * 0.625))
    assert cap_b["ci_low"] == pytest.approx(8.89151745584750e-08, rel=1e-9)
    assert cap_b["ci_high"] == pytest.approx(99.9999997530134, rel=1e-12)
    assert cap_b["imprecise"]  # 2 respondents < 10
    # Respondents missing at a level are left out: only r1 has a capability dimension.
    dim = org.loc[("dimension", "capability")]
    assert dim["score_pct"] == 62.5 and dim["n_respondents"] == 1 and np.isnan(dim["sd"])
    assert org["reportable"].all()  # 2 respondents, threshold 2


def test_reporting_threshold(tmp_path):
    cb = hand_codebook(tmp_path)
    answers = pd.concat([hand_answers()] * 3, ignore_index=True)
    answers["respondent_id"] = [f"r{k}" for k in range(6)]
    answers["organisation_id"] = ["O1"] * 5 + ["O2"]
    scores = score(survey(cb, answers), min_respondents=5)
    types = scores.types.set_index("organisation_id")
    assert types.loc["O1", "reportable"] and not types.loc["O2", "reportable"]
    assert types.loc["O1", "n_respondents"] == 5 and types.loc["O2", "n_respondents"] == 1
    org = scores.organisations
    assert not org.loc[org["organisation_id"] == "O2", "reportable"].any()
    assert len(org[org["organisation_id"] == "O2"]) > 0  # kept in the data, flagged
    with pytest.raises(ValueError, match="min_respondents must be at least 1"):
        score(survey(cb, answers), min_respondents=0)


def test_types_at_the_cut():
    cap = [49.999, 50.0, 50.0, 49.999, np.nan]
    leg = [49.999, 49.999, 50.0, 50.0, 60.0]
    assert classify_types(cap, leg).tolist() == ["A", "B", "D", "C", None]
    assert classify_types([60.0], [60.0], cut=65).tolist() == ["A"]


def test_types_table(demo_scores):
    types = demo_scores.types
    assert types.columns.tolist() == [
        "year",
        "organisation_id",
        "capability_pct",
        "legacy_pct",
        "overall_pct",
        "maturity_type",
        "n_respondents",
        "reportable",
    ]
    expected = classify_types(types["capability_pct"], types["legacy_pct"], 50.0)
    assert (types["maturity_type"].to_numpy() == expected).all()
    np.testing.assert_allclose(
        types["overall_pct"], (types["capability_pct"] + types["legacy_pct"]) / 2, atol=1e-9
    )  # in the demo every respondent has both dimensions, so overall = mean of the two


def test_maturity_type_texts():
    for lang in ("sv", "en"):
        texts = maturity_types(lang)
        assert texts.index.tolist() == ["A", "B", "C", "D"]
        assert texts.loc["A", "follows_public_description"]
        assert not texts.loc[["B", "C", "D"], "follows_public_description"].any()
        assert texts["recommendations"].map(len).min() >= 2
    assert (
        maturity_types("sv").loc["A", "capability"],
        maturity_types("sv").loc["A", "legacy"],
    ) == ("low", "constraining")
    with pytest.raises(ValueError, match="lang"):
        maturity_types("fi")


def test_reverse_keyed():
    cb = load_codebook()
    reverse = cb.items.loc[cb.items["reverse"], "item_id"].iloc[0]
    plain = cb.items.loc[~cb.items["reverse"], "item_id"].iloc[0]
    frame = pd.DataFrame({"year": [1, 1], reverse: [2.0, np.nan], plain: [2.0, 4.0]})
    out = reverse_keyed(frame, cb)
    assert out[reverse].tolist()[0] == 4.0 and np.isnan(out[reverse].iloc[1])
    assert out[plain].tolist() == [2.0, 4.0] and out["year"].tolist() == [1, 1]
    assert frame[reverse].iloc[0] == 2.0  # input untouched


# --------------------------------------------------------------------------- properties

CB = load_codebook()


def random_answers(seed: int, n: int = 18) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 6, size=(n, len(CB.item_ids))).astype(float)
    values[rng.random(values.shape) < rng.uniform(0, 0.6)] = np.nan
    frame = pd.DataFrame(values, columns=CB.item_ids)
    frame.insert(0, "respondent_id", [f"r{k}" for k in range(n)])
    frame.insert(0, "organisation_id", rng.choice(["O1", "O2", "O3"], size=n))
    frame.insert(0, "year", 2023)
    return frame


def org_scores(frame: pd.DataFrame) -> pd.DataFrame:
    out = score(survey(CB, frame), min_respondents=1).organisations
    return out.set_index(["organisation_id", "level", "unit"])["score_pct"].sort_index()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_property_scores_within_0_100(seed):
    scores = score(survey(CB, random_answers(seed)), min_respondents=1)
    for frame in (scores.respondents, scores.organisations):
        assert frame["score_pct"].between(0, 100).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_property_respondent_order_irrelevant(seed):
    frame = random_answers(seed)
    shuffled = frame.sample(frac=1.0, random_state=seed % 1000)
    pd.testing.assert_series_equal(org_scores(frame), org_scores(shuffled), atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_property_duplicating_respondents_keeps_means(seed):
    frame = random_answers(seed)
    doubled = pd.concat([frame, frame.assign(respondent_id=frame["respondent_id"] + "b")])
    pd.testing.assert_series_equal(org_scores(frame), org_scores(doubled), atol=1e-9)


def test_bounded_interval_matches_r_and_stays_in_range():
    from dimios_research.scoring.survey import bounded_interval

    # R: x <- c(60, 70, 95, 85, 100); m <- mean(x) / 100; se <- sd(x) / sqrt(5)
    #    100 * plogis(qlogis(m) + c(-1, 1) * qt(0.975, 4) * se / (100 * m * (1 - m)))
    x = np.array([60.0, 70.0, 95.0, 85.0, 100.0])
    se = x.std(ddof=1) / np.sqrt(5)
    low, high = bounded_interval(np.array([x.mean()]), np.array([se]), 2.7764451051977987)
    assert low[0] == pytest.approx(52.5582787200365, rel=1e-12)
    assert high[0] == pytest.approx(94.9322877373724, rel=1e-12)
    # the t interval would pass 100 (82 + 2.776 * 7.52 = 102.9)
    means = np.array([0.0, 100.0, 3.0, 50.0, 97.0, 40.0])
    ses = np.array([0.0, 0.0, 20.0, 200.0, 5.0, np.nan])
    low, high = bounded_interval(means, ses, 4.3)
    assert (low[:2] == means[:2]).all() and (high[:2] == means[:2]).all()  # all at a bound
    inside = slice(2, 5)
    assert ((low[inside] > 0) & (low[inside] <= means[inside])).all()
    assert ((high[inside] < 100) & (high[inside] >= means[inside])).all()
    assert np.isnan(low[5]) and np.isnan(high[5])


def test_demo_organisation_intervals_bounded_and_flagged(demo_scores, small_data):
    org = demo_scores.organisations
    ok = org["ci_low"].notna()
    assert ((org.loc[ok, "ci_low"] >= 0) & (org.loc[ok, "ci_high"] <= 100)).all()
    assert (org.loc[ok, "ci_low"] <= org.loc[ok, "score_pct"]).all()
    assert (org.loc[ok, "ci_high"] >= org.loc[ok, "score_pct"]).all()
    assert (org["imprecise"] == (org["n_respondents"] < 10)).all()
    assert demo_scores.parameters["imprecise_below"] == 10
    with pytest.raises(ValueError, match="imprecise_below"):
        score(small_data, imprecise_below=0)
