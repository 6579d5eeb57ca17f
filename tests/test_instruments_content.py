"""Structural checks of the bundled instrument content (codebook and maturity types).

These tests parse the YAML files directly with pyyaml, independently of the codebook loader,
so that a content edit that breaks the agreed schema fails here first.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

INSTRUMENTS = Path(__file__).resolve().parents[1] / "dimios_research" / "instrument"
LANGUAGES = ("sv", "en")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def codebook() -> dict:
    with (INSTRUMENTS / "dimios_illustrative.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def types() -> dict:
    with (INSTRUMENTS / "maturity_types.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _capabilities(codebook: dict) -> list[tuple[str, str, dict]]:
    """(dimension id, category id, capability) for every capability."""
    return [
        (dimension["id"], category["id"], capability)
        for dimension in codebook["dimensions"]
        for category in dimension["categories"]
        for capability in category["capabilities"]
    ]


def _items(codebook: dict) -> list[tuple[str, dict]]:
    """(dimension id, item) for every item."""
    return [
        (dimension_id, item)
        for dimension_id, _, capability in _capabilities(codebook)
        for item in capability["items"]
    ]


def _assert_bilingual(mapping: dict, where: str) -> None:
    assert isinstance(mapping, dict), where
    for language in LANGUAGES:
        text = mapping.get(language)
        assert isinstance(text, str) and text.strip(), f"{where}: empty or missing {language!r}"


# --- codebook -------------------------------------------------------------------------------


def test_header_fields(codebook: dict) -> None:
    assert codebook["id"] == "dimios_illustrative"
    assert codebook["version"] == "1.0.0"
    assert codebook["illustrative"] is True
    _assert_bilingual(codebook["name"], "name")
    _assert_bilingual(codebook["notice"], "notice")
    # the notice must say plainly that this is not the official instrument
    assert "INTE det officiella" in codebook["notice"]["sv"]
    assert "NOT the official" in codebook["notice"]["en"]
    assert "antagande" in codebook["notice"]["sv"] and "assumption" in codebook["notice"]["en"]


def test_scale_labels_in_both_languages(codebook: dict) -> None:
    scale = codebook["scale"]
    assert (scale["min"], scale["max"]) == (1, 5)
    assert sorted(scale["labels"]) == [1, 2, 3, 4, 5]
    for code, label in scale["labels"].items():
        _assert_bilingual(label, f"scale label {code}")
    assert scale["labels"][1] == {"sv": "Instämmer inte alls", "en": "Strongly disagree"}
    assert scale["labels"][5] == {"sv": "Instämmer helt", "en": "Strongly agree"}
    assert scale["dont_know"]["codes"] == [0]
    assert scale["dont_know"]["label"] == {"sv": "Vet ej", "en": "Don't know"}
    # don't-know codes must lie outside the agreement range
    assert not set(scale["dont_know"]["codes"]) & set(range(scale["min"], scale["max"] + 1))


def test_dimensions_and_categories(codebook: dict) -> None:
    structure = {
        dimension["id"]: [category["id"] for category in dimension["categories"]]
        for dimension in codebook["dimensions"]
    }
    assert structure == {
        "capability": ["efficiency", "innovation", "balancing"],
        "legacy": ["organisation", "users", "technology"],
    }
    labels = {
        category["id"]: category["label"]["sv"]
        for dimension in codebook["dimensions"]
        for category in dimension["categories"]
    }
    assert labels == {
        "efficiency": "Effektivitet",
        "innovation": "Innovation",
        "balancing": "Balansering",
        "organisation": "Organisation",
        "users": "Användare",
        "technology": "Teknik",
    }
    dimension_labels = {d["id"]: d["label"] for d in codebook["dimensions"]}
    assert dimension_labels["capability"] == {"sv": "Digital förmåga", "en": "Digital capability"}
    assert dimension_labels["legacy"] == {"sv": "Digitalt arv", "en": "Digital legacy"}
    for dimension in codebook["dimensions"]:
        _assert_bilingual(dimension["description"], dimension["id"])
        for category in dimension["categories"]:
            _assert_bilingual(category["label"], category["id"])
            _assert_bilingual(category["description"], category["id"])
    # the legacy categories are documented as an assumption
    legacy = next(d for d in codebook["dimensions"] if d["id"] == "legacy")
    assert "assumption" in legacy["description"]["en"]


def test_four_to_six_capabilities_per_category(codebook: dict) -> None:
    counts = Counter((dimension, category) for dimension, category, _ in _capabilities(codebook))
    assert len(counts) == 6
    for key, count in counts.items():
        assert 4 <= count <= 6, f"{key}: {count} capabilities"


def test_two_or_three_items_per_capability(codebook: dict) -> None:
    for _, _, capability in _capabilities(codebook):
        assert 2 <= len(capability["items"]) <= 3, capability["id"]
        _assert_bilingual(capability["label"], capability["id"])


def test_item_count_and_balance(codebook: dict) -> None:
    per_dimension = Counter(dimension for dimension, _ in _items(codebook))
    assert sum(per_dimension.values()) >= 54
    # roughly balanced: neither dimension has less than 40 % of the items
    for dimension, count in per_dimension.items():
        assert count >= 0.4 * sum(per_dimension.values()), dimension


def test_ids_are_unique_and_well_formed(codebook: dict) -> None:
    capability_ids = [capability["id"] for _, _, capability in _capabilities(codebook)]
    category_ids = [c["id"] for d in codebook["dimensions"] for c in d["categories"]]
    all_ids = capability_ids + category_ids + [d["id"] for d in codebook["dimensions"]]
    item_ids = [item["id"] for _, item in _items(codebook)]
    assert len(set(all_ids + item_ids)) == len(all_ids + item_ids)
    for capability_id in capability_ids:
        assert SNAKE_CASE.match(capability_id), capability_id
    for _, _, capability in _capabilities(codebook):
        expected = [f"{capability['id']}_{n}" for n in range(1, len(capability["items"]) + 1)]
        assert [item["id"] for item in capability["items"]] == expected


def test_items_have_texts_and_reverse_flags(codebook: dict) -> None:
    items = [item for _, item in _items(codebook)]
    for item in items:
        assert set(item) == {"id", "reverse", "text_sv", "text_en"}, item["id"]
        assert isinstance(item["reverse"], bool), item["id"]
        for key in ("text_sv", "text_en"):
            assert isinstance(item[key], str) and len(item[key].strip()) > 10, item["id"]
    assert sum(item["reverse"] for item in items) >= 6
    # texts are distinct statements, and Swedish survived as UTF-8
    assert len({item["text_sv"] for item in items}) == len(items)
    assert len({item["text_en"] for item in items}) == len(items)
    assert any(character in item["text_sv"] for item in items for character in "åäö")


def test_negative_themes_are_reverse_keyed(codebook: dict) -> None:
    reverse = {item["id"] for _, item in _items(codebook) if item["reverse"]}
    for capability_id in ("shadow_it", "technical_debt", "scaling", "daily_work_support"):
        assert any(item_id.startswith(f"{capability_id}_") for item_id in reverse), capability_id


# --- maturity types ---------------------------------------------------------------------------


def test_maturity_types_quadrants(types: dict) -> None:
    assert types["illustrative"] is True
    assert types["default_cut"] == 50.0
    _assert_bilingual(types["notice"], "notice")
    quadrants = {
        key: (value["capability"], value["legacy"]) for key, value in types["types"].items()
    }
    assert quadrants == {
        "A": ("low", "constraining"),
        "B": ("high", "constraining"),
        "C": ("low", "enabling"),
        "D": ("high", "enabling"),
    }
    follows = {key: value["follows_public_description"] for key, value in types["types"].items()}
    assert follows == {"A": True, "B": False, "C": False, "D": False}


def test_maturity_types_texts_in_both_languages(types: dict) -> None:
    for key, value in types["types"].items():
        _assert_bilingual(value["name"], f"type {key} name")
        _assert_bilingual(value["description"], f"type {key} description")
        recommendations = value["recommendations"]
        assert len(recommendations["sv"]) == len(recommendations["en"]) >= 2, key
        for text in recommendations["sv"] + recommendations["en"]:
            assert isinstance(text, str) and text.strip(), key
    # typ A paraphrases the public description: change stalls at concept level
    assert "konceptnivå" in types["types"]["A"]["description"]["sv"]
    assert "concept level" in types["types"]["A"]["description"]["en"]
