"""The simulator: determinism, realistic ranges, and recovery of what was put in."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from dimios_research.io.survey import read_survey_dir
from dimios_research.scoring.survey import score
from dimios_research.simulation.survey import DEFAULT_PARTICIPANTS, simulate, write_dataset
from dimios_research.stats.agreement import icc1


def digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_same_seed_same_bytes(tmp_path):
    kwargs = dict(participants={2022: 6, 2023: 8}, personal_data=True, defects=True)
    write_dataset(simulate(seed=5, **kwargs), tmp_path / "a")
    write_dataset(simulate(seed=5, **kwargs), tmp_path / "b")
    write_dataset(simulate(seed=6, **kwargs), tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (
        digest(tmp_path / "a")["responses_2023.csv"] != digest(tmp_path / "c")["responses_2023.csv"]
    )


def test_swedish_round_is_semicolon_cp1252(small_dir):
    raw = (small_dir / "responses_2022.csv").read_bytes()
    assert b"\r\n" in raw and raw.split(b"\r\n")[0].count(b";") > 50
    text = raw.decode("cp1252")
    assert "Vet ej" in text and ",0;" in text
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # å/ä/ö in roles or labels are cp1252 bytes


def test_register_and_participation():
    sim = simulate(seed=3)
    orgs = sim.organisations
    assert orgs["type"].value_counts().to_dict() == {
        "kommun": 290,
        "myndighet": 80,
        "region": 21,
        "annan": 9,
    }
    assert orgs["county"].nunique() == 21
    per_year = sim.responses.groupby("year")["organisation_id"].nunique().to_dict()
    assert per_year == DEFAULT_PARTICIPANTS
    starts = orgs["programme_start"].dropna()
    assert set(starts.unique()) <= {2021.0, 2022.0}
    assert orgs.loc[starts.index, "type"].isin(["kommun", "region"]).all()
    codes = sim.responses[sim.codebook.item_ids].stack().dropna().astype(int)
    assert set(codes.unique()) <= {0, 1, 2, 3, 4, 5}


@pytest.fixture(scope="module", params=[2023, 11])
def scored(request, tmp_path_factory):
    sim = simulate(seed=request.param)
    folder = tmp_path_factory.mktemp(f"sim{request.param}")
    write_dataset(sim, folder)
    return sim, score(read_survey_dir(folder, pseudonym_key="k"))


def test_national_index_in_published_range(scored):
    sim, scores = scored
    reportable = scores.types[scores.types["reportable"]]
    national = reportable.groupby("year")["overall_pct"].mean()
    assert national.between(45, 56).all(), national
    assert sim.truth.national["overall"].between(44, 57).all()


def test_icc1_of_respondent_scores(scored):
    _, scores = scored
    resp = scores.respondents[scores.respondents["level"] == "dimension"]
    values = [
        icc1(part["score_pct"], part["organisation_id"])
        for _, part in resp.groupby(["year", "unit"], observed=True)
    ]
    assert 0.1 <= np.mean(values) <= 0.3, values
    assert min(values) > 0.05 and max(values) < 0.45


def test_organisation_scores_recover_truth(scored):
    sim, scores = scored
    merged = scores.types[scores.types["reportable"]].merge(
        sim.truth.organisations, on=["year", "organisation_id"]
    )
    for dim in ("capability", "legacy", "overall"):
        r = np.corrcoef(merged[f"{dim}_pct"], merged[dim])[0, 1]
        assert r > 0.9, (dim, r)
        assert abs(merged[f"{dim}_pct"].mean() - merged[dim].mean()) < 1.5
