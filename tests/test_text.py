"""Tests of the words and numbers of reports: the catalogue, number formats, narrative sentences.

Expected strings are written out in full. NBSP is the no-break space U+00A0 (before % in
Swedish), NNBSP the narrow no-break space U+202F (thousands separator in Swedish), MINUS the
true minus sign U+2212 (Swedish negatives).
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dimios_research.conventions import LANGUAGES, check_lang
from dimios_research.report.locale import catalogue, locale_keys, placeholders, t
from dimios_research.report.narrative import (
    change_sentence,
    national_index_sentence,
    target_sentence,
    type_distribution_sentence,
)
from dimios_research.report.numbers import (
    format_ci,
    format_number,
    format_p,
    format_pct,
    format_pp,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
MINUS = "\u2212"
DASH = "\u2013"


# ----------------------------------------------------------------------------------------------
# format_number
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x", "lang", "decimals", "expected"),
    [
        (12345.63, "sv", 1, f"12{NNBSP}345,6"),
        (12345.63, "en", 1, "12,345.6"),
        (1234567.891, "sv", 2, f"1{NNBSP}234{NNBSP}567,89"),
        (1234567.891, "en", 2, "1,234,567.89"),
        (999.95, "sv", 1, f"1{NNBSP}000,0"),  # rounding carries into the thousands
        (51.2, "sv", 1, "51,2"),
        (51, "sv", 1, "51,0"),
        (51.26, "en", 0, "51"),
        (0.5, "sv", 0, "1"),  # half away from zero, not half-to-even
        (2.25, "sv", 1, "2,3"),
        (2.675, "en", 2, "2.68"),  # the typed value, not the binary 2.67499...
        (-2.25, "sv", 1, f"{MINUS}2,3"),
        (-2.25, "en", 1, "-2.3"),
        (-12345.6, "sv", 1, f"{MINUS}12{NNBSP}345,6"),
        (-0.04, "sv", 1, "0,0"),  # no "−0,0"
        (np.float32(2.5), "en", 0, "3"),
        (np.int64(1500), "sv", 0, f"1{NNBSP}500"),
        (Decimal("3.14159"), "en", 3, "3.142"),
    ],
)
def test_format_number(x, lang, decimals, expected):
    assert format_number(x, lang, decimals) == expected


def test_format_number_signed():
    assert format_number(2.3, "sv", signed=True) == "+2,3"
    assert format_number(-2.3, "sv", signed=True) == f"{MINUS}2,3"
    assert format_number(0.01, "en", signed=True) == "0.0"  # zero after rounding: no sign


@pytest.mark.parametrize("missing", [float("nan"), np.nan, None, pd.NA, Decimal("NaN")])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_values_print_en_dash(missing, lang):
    assert format_number(missing, lang) == DASH
    assert format_pct(missing, lang) == DASH
    assert format_pp(missing, lang) == DASH


@pytest.mark.parametrize("bad", ["51.2", True, [1.0, 2.0], object()])
def test_format_number_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="x must be a real number"):
        format_number(bad)


def test_format_number_rejects_infinity_and_bad_decimals():
    with pytest.raises(ValueError, match="finite"):
        format_number(float("inf"))
    with pytest.raises(ValueError, match="decimals"):
        format_number(1.0, "sv", -1)
    with pytest.raises(ValueError, match="decimals"):
        format_number(1.0, "sv", 1.5)


@pytest.mark.parametrize("bad_lang", ["de", "SV", "", None, 1])
def test_bad_lang_is_a_value_error(bad_lang):
    with pytest.raises(ValueError, match="lang must be one of"):
        format_number(1.0, bad_lang)
    with pytest.raises(ValueError, match="lang must be one of"):
        t("axis.year", bad_lang)
    with pytest.raises(ValueError, match="lang must be one of"):
        national_index_sentence(
            {"year": 2023, "estimate": 1, "ci_low": 0, "ci_high": 2, "n_organisations": 3},
            bad_lang,
        )
    with pytest.raises(ValueError, match="lang must be one of"):
        check_lang(bad_lang)


# ----------------------------------------------------------------------------------------------
# percentages, points, intervals, p-values
# ----------------------------------------------------------------------------------------------
def test_format_pct():
    assert format_pct(51.23, "sv") == f"51,2{NBSP}%"
    assert format_pct(51.23, "en") == "51.2%"
    assert format_pct(7, "sv", 0) == f"7{NBSP}%"
    assert format_pct(-3.05, "sv") == f"{MINUS}3,1{NBSP}%"


def test_format_pp():
    assert format_pp(2.34, "sv") == "+2,3 procentenheter"
    assert format_pp(2.34, "en") == "+2.3 percentage points"
    assert format_pp(-2.34, "sv") == f"{MINUS}2,3 procentenheter"
    assert format_pp(-2.34, "en") == "-2.3 percentage points"
    assert format_pp(0.0, "sv") == "0,0 procentenheter"
    assert format_pp(2.34, "sv", signed=False) == "2,3 procentenheter"
    # Singular only for a bare 1; "1,0" takes the plural in both languages.
    assert format_pp(1, "sv", 0) == "+1 procentenhet"
    assert format_pp(-1, "en", 0) == "-1 percentage point"
    assert format_pp(1, "en", 1) == "+1.0 percentage points"


def test_format_ci():
    assert format_ci(48.1, 53.04, "sv") == f"95{NBSP}% KI 48,1–53,0{NBSP}%"
    assert format_ci(48.1, 53.04, "en") == "95% CI 48.1–53.0%"
    assert format_ci(48.1, 53.0, "en", level=0.9) == "90% CI 48.1–53.0%"
    assert format_ci(48.1, 53.0, "sv", level=0.999) == f"99,9{NBSP}% KI 48,1–53,0{NBSP}%"
    # A negative bound: joined by a word, never a dash next to a minus sign.
    assert format_ci(-0.8, 3.0, "sv", unit="pp") == (
        f"95{NBSP}% KI {MINUS}0,8 till 3,0 procentenheter"
    )
    assert format_ci(-5.9, -1.7, "en", unit="pp") == "95% CI -5.9 to -1.7 percentage points"
    assert format_ci(0.12, 0.345, "en", 2, unit=None) == "95% CI 0.12–0.35"
    assert format_ci(np.nan, 3.0, "sv") == f"95{NBSP}% KI {DASH}"
    with pytest.raises(ValueError, match="level"):
        format_ci(1, 2, "sv", level=95)
    with pytest.raises(ValueError, match="unit"):
        format_ci(1, 2, "sv", unit="percent")


def test_format_p():
    assert format_p(0.0004, "sv") == "p < 0,001"
    assert format_p(0.0004, "en") == "p < 0.001"
    assert format_p(0.0234, "sv") == "p = 0,023"
    assert format_p(0.0234, "en") == "p = 0.023"
    assert format_p(0.001, "en") == "p = 0.001"
    assert format_p(1.0, "sv") == "p = 1,000"
    assert format_p(0.04, "en", 2) == "p = 0.04"
    assert format_p(np.nan, "sv") == f"p = {DASH}"
    with pytest.raises(ValueError, match="between 0 and 1"):
        format_p(1.2, "sv")


# ----------------------------------------------------------------------------------------------
# locale strings
# ----------------------------------------------------------------------------------------------
def test_t_looks_up_both_languages():
    assert t("axis.capability", "sv") == "Digital förmåga (%)"
    assert t("axis.capability", "en") == "Digital capability (%)"
    assert t("maturity_type.A", "sv") == "Typ A"
    assert t("organisation_type.kommun", "en") == "Municipality"
    assert t("axis.nonexistent", "sv", default="fallback") == "fallback"


def test_t_missing_key_names_key_and_language():
    with pytest.raises(KeyError, match=r"'axis\.nonexistent'.*en catalogue"):
        t("axis.nonexistent", "en")


def test_t_template_missing_field_is_explained():
    assert t("stat.ci_prefix", "sv") == "{level} KI"  # without fields: the raw template
    with pytest.raises(KeyError, match="needs the field 'level'"):
        t("stat.ci_prefix", "sv", wrong=1)


MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
    "january",
    "february",
    "march",
    "may",
    "june",
    "july",
    "august",
    "october",
]


def test_catalogues_have_the_same_keys_and_placeholders():
    """Key parity: every key in both languages, with the same {placeholders}."""
    sv, en = catalogue("sv"), catalogue("en")
    assert set(sv) == set(en), sorted(set(sv) ^ set(en))
    for key in sv:
        assert placeholders(sv[key]) == placeholders(en[key]), key


def test_locale_is_complete_and_month_free():
    keys = locale_keys()
    assert len(keys) > 50
    for key in keys:
        texts = {lang: t(key, lang) for lang in LANGUAGES}
        for lang, text in texts.items():
            assert text.strip(), f"{key} is empty in {lang}"
            words = set(re.findall(r"[a-zåäö]+", text.lower()))
            assert not words & set(MONTHS), f"{key} ({lang}) names a month"
        # Templates must use the same placeholders in both languages.
        fields = {lang: sorted(re.findall(r"\{(\w+)\}", text)) for lang, text in texts.items()}
        assert fields["sv"] == fields["en"], key


# ----------------------------------------------------------------------------------------------
# narrative sentences
# ----------------------------------------------------------------------------------------------
INDEX_2023 = {
    "year": 2023,
    "estimate": 51.2,
    "ci_low": 49.0,
    "ci_high": 53.4,
    "n_organisations": 150,
}


@pytest.mark.parametrize(
    ("previous_estimate", "sv_clause", "en_clause"),
    [
        (
            48.9,
            ", en ökning med 2,3 procentenheter jämfört med 2022.",
            ", an increase of 2.3 percentage points compared with 2022.",
        ),
        (
            53.9,
            ", en minskning med 2,7 procentenheter jämfört med 2022.",
            ", a decrease of 2.7 percentage points compared with 2022.",
        ),
        (51.17, ", oförändrat jämfört med 2022.", ", unchanged compared with 2022."),
        (51.249, ", oförändrat jämfört med 2022.", ", unchanged compared with 2022."),
        (None, ".", "."),
    ],
)
def test_national_index_sentence(previous_estimate, sv_clause, en_clause):
    previous = None if previous_estimate is None else {"year": 2022, "estimate": previous_estimate}
    sv = national_index_sentence(INDEX_2023, "sv", previous=previous)
    en = national_index_sentence(INDEX_2023, "en", previous=previous)
    assert sv == (
        f"Det nationella indexet för digital mognad 2023 är 51,2{NBSP}% "
        f"(95{NBSP}% KI 49,0–53,4{NBSP}%, 150 organisationer)" + sv_clause
    )
    assert en == (
        "The national digital maturity index for 2023 is 51.2% "
        "(95% CI 49.0–53.4%, 150 organisations)" + en_clause
    )


def test_national_index_sentence_states_a_given_change():
    """A weighted index beside the participants' change: the sentence states that change."""
    previous = {"year": 2022, "estimate": 50.9}
    en = national_index_sentence(INDEX_2023, "en", previous=previous, change=1.5)
    assert en.endswith("an increase of 1.5 percentage points compared with 2022.")
    sv = national_index_sentence(INDEX_2023, "sv", previous=previous, change=-0.04)
    assert sv.endswith(", oförändrat jämfört med 2022.")


def test_national_index_sentence_accepts_series_and_frames():
    row = pd.Series(INDEX_2023 | {"n_organisations": 1, "ci_low": np.nan})
    previous = pd.DataFrame([{"year": 2022.0, "estimate": 50.0}])
    assert national_index_sentence(row, "en", previous) == (
        "The national digital maturity index for 2023 is 51.2% (1 organisation), "
        "an increase of 1.2 percentage points compared with 2022."
    )


def test_national_index_sentence_missing_column():
    with pytest.raises(ValueError, match=r"missing \['n_organisations'\]"):
        national_index_sentence({k: v for k, v in INDEX_2023.items() if k != "n_organisations"})


TARGET_NOT_MET = {
    "year": 2023,
    "estimate": 51.2,
    "target": 55.0,
    "gap": -3.8,
    "gap_ci_low": -5.9,
    "gap_ci_high": -1.7,
    "met": False,
}
TARGET_MET = {
    "year": 2023,
    "estimate": 56.1,
    "target": 55,
    "gap": 1.1,
    "gap_ci_low": -0.8,
    "gap_ci_high": 3.0,
    "met": np.bool_(True),
}


def test_target_sentence_not_met():
    assert target_sentence(TARGET_NOT_MET, "sv") == (
        f"Målet på 55{NBSP}% för 2023 är inte uppnått: indexet är 51,2{NBSP}%, 3,8 "
        f"procentenheter under målet (95{NBSP}% KI för skillnaden {MINUS}5,9 till "
        f"{MINUS}1,7 procentenheter)."
    )
    assert target_sentence(TARGET_NOT_MET, "en") == (
        "The target of 55% for 2023 has not been met: the index is 51.2%, 3.8 percentage "
        "points below the target (95% CI for the difference -5.9 to -1.7 percentage points)."
    )


def test_target_sentence_met():
    assert target_sentence(TARGET_MET, "sv") == (
        f"Målet på 55{NBSP}% för 2023 är uppnått: indexet är 56,1{NBSP}%, 1,1 procentenheter "
        f"över målet (95{NBSP}% KI för skillnaden {MINUS}0,8 till 3,0 procentenheter)."
    )
    assert target_sentence(TARGET_MET, "en") == (
        "The target of 55% for 2023 has been met: the index is 56.1%, 1.1 percentage points "
        "above the target (95% CI for the difference -0.8 to 3.0 percentage points)."
    )


def test_target_sentence_level_with_target_and_fractional_target():
    row = TARGET_MET | {
        "estimate": 55.52,
        "target": 55.5,
        "gap": 0.02,
        "gap_ci_low": -0.5,
        "gap_ci_high": 0.6,
    }
    assert target_sentence(row, "en") == (
        "The target of 55.5% for 2023 has been met: the index is 55.5%, level with the target "
        "(95% CI for the difference -0.5 to 0.6 percentage points)."
    )
    assert "i nivå med målet" in target_sentence(row, "sv")


def test_target_sentence_rejects_reversed_gap_and_bad_met():
    with pytest.raises(ValueError, match="gap must be estimate - target"):
        target_sentence(TARGET_NOT_MET | {"gap": 3.8}, "sv")
    with pytest.raises(ValueError, match="met must be True or False"):
        target_sentence(TARGET_NOT_MET | {"met": "no"}, "sv")


def test_change_sentence():
    row = {
        "unit_label": "Kommuner",
        "n": 1200,
        "mean_change": 2.3,
        "ci_low": 1.1,
        "ci_high": 3.5,
        "share_improved": 0.642,
    }
    assert change_sentence(row, "sv") == (
        f"Kommuner (n = 1{NNBSP}200): genomsnittlig förändring +2,3 procentenheter "
        f"(95{NBSP}% KI 1,1–3,5 procentenheter); 64,2{NBSP}% av organisationerna förbättrade "
        "sitt resultat."
    )
    row_en = row | {
        "unit_label": "Regions",
        "n": 21,
        "mean_change": -1.04,
        "ci_low": -2.5,
        "ci_high": 0.4,
        "share_improved": 0.381,
    }
    assert change_sentence(row_en, "en") == (
        "Regions (n = 21): mean change -1.0 percentage points (95% CI -2.5 to 0.4 percentage "
        "points); 38.1% of the organisations improved their score."
    )
    with pytest.raises(ValueError, match="share_improved"):
        change_sentence(row | {"share_improved": 64.2}, "sv")


def test_type_distribution_sentence():
    counts = pd.Series({"D": 45, "A": 40, "B": 35, "C": 30})  # order A–D is imposed
    assert type_distribution_sentence(counts, "sv") == (
        f"Av 150 organisationer tillhör 40 (26,7{NBSP}%) typ A, 35 (23,3{NBSP}%) typ B, "
        f"30 (20,0{NBSP}%) typ C och 45 (30,0{NBSP}%) typ D."
    )
    assert type_distribution_sentence(counts, "en") == (
        "Of 150 organisations, type A accounts for 40 (26.7%), type B for 35 (23.3%), "
        "type C for 30 (20.0%) and type D for 45 (30.0%)."
    )
    assert type_distribution_sentence({"C": 1}, "sv") == (
        f"Av 1 organisation tillhör 1 (100,0{NBSP}%) typ C."
    )


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"E": 3}, "only"),
        ({"A": -1, "B": 2}, "non-negative whole number"),
        ({"A": 1.5}, "non-negative whole number"),
        ({"A": 0}, "at least one organisation"),
    ],
)
def test_type_distribution_sentence_rejects_bad_counts(counts, message):
    with pytest.raises(ValueError, match=message):
        type_distribution_sentence(counts, "en")
