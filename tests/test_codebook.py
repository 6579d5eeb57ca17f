"""The instrument codebook: loading, structure and validation errors."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from dimios_research.instrument.codebook import DEFAULT_CODEBOOK, CodebookError, load_codebook
from dimios_research.io.survey import pseudonymise, read_survey
from dimios_research.scoring.survey import score


@pytest.fixture(scope="module")
def raw_codebook() -> dict:
    return yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))


def write(tmp_path, raw: dict):
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_default_codebook_structure():
    cb = load_codebook()
    assert cb.items.columns.tolist() == [
        "item_id",
        "capability",
        "category",
        "dimension",
        "reverse",
        "text_sv",
        "text_en",
    ]
    assert len(cb.items) >= 50
    assert cb.units_at("dimension") == ["capability", "legacy"]
    assert cb.units_at("category") == [
        "efficiency",
        "innovation",
        "balancing",
        "organisation",
        "users",
        "technology",
    ]
    assert (cb.scale_min, cb.scale_max, cb.dont_know_codes) == (1, 5, (0,))
    assert cb.scale_labels[1] == {"sv": "Instämmer inte alls", "en": "Strongly disagree"}
    assert cb.scale_labels[5] == {"sv": "Instämmer helt", "en": "Strongly agree"}
    assert cb.items["reverse"].sum() >= 6
    assert cb.illustrative and "illustr" in cb.notice["en"].lower()
    assert len(cb.sha256) == 64


def test_labels_for_every_level_in_both_languages():
    cb = load_codebook()
    assert cb.label("dimension", "capability", "sv") == "Digital förmåga"
    assert cb.label("dimension", "legacy", "sv") == "Digitalt arv"
    assert cb.label("category", "efficiency", "sv") == "Effektivitet"
    assert cb.label("overall", "overall", "en") == "Digital maturity"
    for row in cb.units.itertuples():
        assert row.label_sv and row.label_en
    first = cb.item_ids[0]
    assert cb.label("item", first, "en") == cb.items.loc[0, "text_en"]
    with pytest.raises(ValueError, match="lang"):
        cb.label("dimension", "capability", "de")
    with pytest.raises(KeyError, match="unknown category 'nope'"):
        cb.label("category", "nope")


def test_answer_labels_cover_both_languages():
    labels = load_codebook().answer_labels()
    assert labels["instämmer helt"] == 5
    assert labels["strongly disagree"] == 1
    assert labels["vet ej"] == 0
    assert labels["don't know"] == 0


def test_duplicate_item_ids(tmp_path, raw_codebook):
    raw = copy.deepcopy(raw_codebook)
    items = raw["dimensions"][0]["categories"][0]["capabilities"][0]["items"]
    items[1]["id"] = items[0]["id"]
    with pytest.raises(CodebookError, match=f"duplicate item ids: {items[0]['id']}"):
        load_codebook(write(tmp_path, raw))


def test_item_without_capability(tmp_path, raw_codebook):
    raw = copy.deepcopy(raw_codebook)
    category = raw["dimensions"][0]["categories"][0]
    category["items"] = category.pop("capabilities")[0]["items"]  # items hung on a category
    with pytest.raises(
        CodebookError, match="category 'efficiency' needs a non-empty list of capabilities"
    ):
        load_codebook(write(tmp_path, raw))


def test_capability_without_id(tmp_path, raw_codebook):
    raw = copy.deepcopy(raw_codebook)
    del raw["dimensions"][1]["categories"][0]["capabilities"][0]["id"]
    with pytest.raises(CodebookError, match="a capability of category 'organisation' has no"):
        load_codebook(write(tmp_path, raw))


def test_missing_dimension(tmp_path, raw_codebook):
    raw = copy.deepcopy(raw_codebook)
    raw["dimensions"] = raw["dimensions"][:1]
    with pytest.raises(CodebookError, match="dimension\\(s\\) missing: legacy"):
        load_codebook(write(tmp_path, raw))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(max=1), "max \\(1\\) must be greater than min \\(1\\)"),
        (lambda s: s["labels"].pop(3), "labels are given for codes \\[1, 2, 4, 5\\]"),
        (lambda s: s["dont_know"].update(codes=[3]), "don't-know code\\(s\\) \\[3\\]"),
        (lambda s: s.update(min="one"), "min and max must be integers"),
    ],
)
def test_bad_scale(tmp_path, raw_codebook, change, message):
    raw = copy.deepcopy(raw_codebook)
    change(raw["scale"])
    with pytest.raises(CodebookError, match=message):
        load_codebook(write(tmp_path, raw))


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(CodebookError, match="codebook file not found"):
        load_codebook(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(bad)


def tiny_codebook() -> dict:
    """A 1–4 scale instrument with one capability per dimension (a user's own codebook)."""

    def dimension(dim_id: str) -> dict:
        return {
            "id": dim_id,
            "label": {"sv": dim_id, "en": dim_id},
            "categories": [
                {
                    "id": f"{dim_id}_cat",
                    "label": {"sv": "k", "en": "c"},
                    "capabilities": [
                        {
                            "id": f"{dim_id}_cap",
                            "label": {"sv": "f", "en": "c"},
                            "items": [
                                {
                                    "id": f"{dim_id}_q{k}",
                                    "reverse": k == 2,
                                    "text_sv": "påstående",
                                    "text_en": "statement",
                                }
                                for k in (1, 2)
                            ],
                        }
                    ],
                }
            ],
        }

    return {
        "id": "tiny",
        "version": "0.1",
        "name": {"sv": "Liten", "en": "Tiny"},
        "scale": {
            "min": 1,
            "max": 4,
            "labels": {k: {"sv": f"s{k}", "en": f"e{k}"} for k in range(1, 5)},
            "dont_know": {"codes": [9], "label": {"sv": "Vet ej", "en": "Don't know"}},
        },
        "dimensions": [dimension("capability"), dimension("legacy")],
    }


def test_user_codebook_works_downstream(tmp_path):
    cb = load_codebook(write(tmp_path, tiny_codebook()))
    assert cb.item_ids == ["capability_q1", "capability_q2", "legacy_q1", "legacy_q2"]
    responses = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", "e"],
            "organisation_id": ["O1"] * 5,
            "year": [2023] * 5,
            "capability_q1": ["4", "e3", "9", "1", "2"],
            "capability_q2": ["1", "2", "1", "4", ""],
            "legacy_q1": ["s2", "2", "3", "1", "4"],
            "legacy_q2": ["3", "3", "2", "4", "1"],
        }
    )
    responses.to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame(
        {
            "organisation_id": ["O1"],
            "name": ["Org"],
            "type": ["kommun"],
            "county": ["Skåne län"],
            "size_class": ["M"],
        }
    ).to_csv(tmp_path / "o.csv", index=False)
    data = read_survey(tmp_path / "r.csv", tmp_path / "o.csv", cb, pseudonym_key="k")
    scores = score(data)
    resp = scores.respondents
    a = resp[(resp["level"] == "capability") & (resp["unit"] == "capability_cap")]
    # Respondent a: q1 = 4, q2 = 1 reversed to 1 + 4 - 1 = 4 → mean 4 → 100 %.
    # Respondent c: q1 don't know (9), q2 = 1 → 4; one of two answered is half → 100 %.
    # Respondent e: q1 = 2, q2 blank → 2 → (2 - 1) / 3 = 33.3 %.
    pseudonyms = pseudonymise(pd.Series(list("abcde")), key="k")
    by_respondent = a.set_index("respondent_id")["score_pct"].round(4)
    assert by_respondent.loc[pseudonyms].tolist() == [100.0, 66.6667, 100.0, 0.0, 33.3333]
